"""Mentors who are not in the scenario yet: the recruits of what-if and recruitment, and
the new mentor a waiting participant would match (`would_match_if`). One way to name
them, so that an added mentor never takes an id the scenario already has."""

from __future__ import annotations

from matcher.model.scenario import Scenario

NEW_MENTOR_PREFIX = "NEW"


def new_mentor_ids(scenario: Scenario, n: int) -> list[str]:
    """`n` ids for mentors added to the scenario: NEW01, NEW02, ..., skipping taken ids."""
    taken = {m.id for m in scenario.mentors}
    out: list[str] = []
    k = 1
    while len(out) < n:
        candidate = f"{NEW_MENTOR_PREFIX}{k:02d}"
        if candidate not in taken:
            out.append(candidate)
        k += 1
    return out
