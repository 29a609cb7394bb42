"""The coordinator's decisions for a re-run: lock, forbid and release pairs, or change
the fairness mode, applied to a scenario with the same validation as a file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from matcher.model.checks import check_scenario
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Fairness, Scenario

#: What a coordinator can decide about one pair.
DecisionKind = Literal["lock", "forbid", "release"]


@dataclass(frozen=True)
class Decision:
    """One decision of the coordinator, kept so that the meeting report can record who
    decided what and when. A release names only the participant (their active pair).
    On the command line `by` and `at` are unknown; the web app fills them in."""

    kind: DecisionKind
    participant: str
    mentor: str | None = None
    by: str | None = None
    at: dt.datetime | None = None


def apply_decisions(scenario: Scenario, decisions: Sequence[Decision]) -> Scenario:
    """The scenario with the decisions added, in one validated step (see
    `apply_controls`)."""
    return apply_controls(
        scenario,
        lock=[(d.participant, d.mentor or "") for d in decisions if d.kind == "lock"],
        forbid=[(d.participant, d.mentor or "") for d in decisions if d.kind == "forbid"],
        release=[d.participant for d in decisions if d.kind == "release"],
    )


def apply_controls(
    scenario: Scenario,
    lock: Sequence[tuple[str, str]] = (),
    forbid: Sequence[tuple[str, str]] = (),
    release: Sequence[str] = (),
    fairness: Fairness | None = None,
) -> Scenario:
    """The scenario with the coordinator's decisions added; unknown ids are errors."""
    # Options are no place in the scenario document: these findings have no `loc`; the
    # ones `check_scenario` reports for the changed scenario have.
    problems: list[Finding] = []
    participants = {p.id for p in scenario.participants}
    mentors = {m.id for m in scenario.mentors}
    for option, pairs in (("--lock", lock), ("--forbid", forbid)):
        for pid, mid in pairs:
            if pid not in participants:
                problems.append(Finding(option, f"unknown participant '{pid}'"))
            if mid not in mentors:
                problems.append(Finding(option, f"unknown mentor '{mid}'"))
    active = {p.participant for p in scenario.pairs if not p.release}
    for pid in release:
        if pid not in active:
            problems.append(Finding("--release", f"participant '{pid}' has no active pair"))
    if problems:
        raise ScenarioError(problems)
    locks = scenario.locks.model_copy(
        update={
            "require": [*scenario.locks.require, *lock],
            "forbid": [*scenario.locks.forbid, *forbid],
        }
    )
    active_pairs = [
        p.model_copy(update={"release": True}) if p.participant in release else p
        for p in scenario.pairs
    ]
    update: dict[str, object] = {"locks": locks, "pairs": active_pairs}
    if fairness is not None:
        update["policy"] = scenario.policy.model_copy(update={"fairness": fairness})
    changed = scenario.model_copy(update=update)
    problems = check_scenario(changed)
    if problems:
        raise ScenarioError(problems)
    return changed
