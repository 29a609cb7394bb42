"""Why earlier pairs changed: with `--previous`, the note that says how many of the last
proposal's pairs were kept, and why each other one was not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.core.eligibility import failed_rules_text
from matcher.core.problem import Built, find_edges
from matcher.explain.alternatives import BREAKS_RULE, regret_of, regret_summary
from matcher.explain.resolver import OutOfTimeError, Resolver
from matcher.text.language import gettext as _
from solvers.base import Solution


def _why_changed(
    built: Built,
    solution: Solution,
    pair: tuple[str, str],
    previous: set[tuple[str, str]],
    resolver: Resolver | None,
) -> str:
    """Why a pair of the previous proposal is not in this one, most direct cause first."""
    scenario, enc, problem = built.scenario, built.enc, built.problem
    pid, mid = pair
    p_index, m_index = enc.participant_index, enc.mentor_index
    if pid not in p_index:
        return _("{id} is no longer in the scenario").format(id=pid)
    if mid not in m_index:
        return _("{id} is no longer in the scenario").format(id=mid)
    p, m = p_index[pid], m_index[mid]
    kept = dict(built.kept)
    if p in kept:
        return _("{participant} has an active pair with {mentor}").format(
            participant=pid, mentor=enc.mentor_ids[kept[p]]
        )
    locks = [e for e in problem.required.tolist() if problem.edge_p[e] == p]
    if locks:
        return _("{participant} is locked to {mentor}").format(
            participant=pid, mentor=enc.mentor_ids[problem.edge_m[locks[0]]]
        )
    edge = find_edges(
        problem.edge_p,
        problem.edge_m,
        enc.n_mentors,
        np.array([p], dtype=np.int64),
        np.array([m], dtype=np.int64),
    )
    if edge[0] < 0:
        return failed_rules_text(enc, scenario.policy, p, m) or _("no longer allowed")
    load = built.load_with(solution.chosen)[m]
    took = [
        e
        for e in problem.required.tolist()
        if problem.edge_m[e] == m and (enc.participant_ids[problem.edge_p[e]], mid) not in previous
    ]
    if took and load >= built.enc.m_capacity[m]:
        other = enc.participant_ids[problem.edge_p[took[0]]]
        return _("{mentor}'s place went to the locked pair {pair}").format(
            mentor=mid, pair=f"{other}-{mid}"
        )
    if resolver is not None and resolver.affords(1):
        try:
            resolver.take()
            regret, _lifted = regret_of(problem, solution, int(edge[0]), resolver)
        except OutOfTimeError:
            pass
        else:
            if regret is None:
                return _("keeping it {breaks}").format(breaks=BREAKS_RULE.text())
            return _("keeping it costs {cost}").format(cost=regret_summary(regret).text())
    return _("keeping it would cost a higher-ranked goal")


@dataclass(frozen=True)
class Changed:
    """A pair of the previous proposal that this one does not keep: with whom the
    participant is now (None: waiting, or gone from the scenario) and why."""

    participant: str
    before: str
    now: str | None
    why: str
    gone: bool = False  # the participant is no longer in the scenario


def changed_pairs(
    built: Built, solution: Solution, previous: list[tuple[str, str]], resolver: Resolver | None
) -> tuple[int, list[Changed]]:
    """How many distinct pairs the previous proposal had, and each one this proposal
    does not keep (a pair now kept as an active pair counts as kept)."""
    enc = built.enc
    now = {(enc.participant_ids[p], enc.mentor_ids[m]) for p, m in built.kept}
    now |= set(built.pair_ids(solution.chosen))
    partner = {p: m for p, m in now}
    unique = sorted(set(previous))
    present = set(enc.participant_ids)
    changed = [
        Changed(
            pid,
            mid,
            partner.get(pid),
            _why_changed(built, solution, (pid, mid), set(unique), resolver),
            gone=pid not in present,
        )
        for pid, mid in unique
        if (pid, mid) not in now
    ]
    return len(unique), changed


def previous_note(
    built: Built, solution: Solution, previous: list[tuple[str, str]], resolver: Resolver | None
) -> tuple[str, list[Changed]]:
    """How many pairs of the previous proposal this one keeps, and why each other
    changed; also the changes themselves, for a page that shows them pair by pair."""
    total, changed = changed_pairs(built, solution, previous, resolver)
    parts = [
        _("kept {kept} of {pairs} pairs of the previous proposal").format(
            kept=total - len(changed), pairs=total
        )
    ]
    for change in changed:
        if change.now is not None:
            text = _("{participant} changed ({before} before, now with {now}) because {why}")
        elif not change.gone:
            text = _("{participant} changed ({before} before, now waiting) because {why}")
        else:
            text = _("{participant} changed ({before} before) because {why}")
        parts.append(
            text.format(
                participant=change.participant, before=change.before, now=change.now, why=change.why
            )
        )
    return "; ".join(parts), changed
