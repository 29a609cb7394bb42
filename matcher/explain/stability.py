"""Why earlier pairs changed: with `--previous`, the note that says how many of the last
proposal's pairs were kept, and why each other one was not."""

from __future__ import annotations

import numpy as np

from matcher.core.eligibility import failed_rules_text
from matcher.core.problem import Built, find_edges
from matcher.explain.alternatives import BREAKS_RULE, regret_of, regret_summary
from matcher.explain.resolver import OutOfTimeError, Resolver
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
        return f"{pid} is no longer in the scenario"
    if mid not in m_index:
        return f"{mid} is no longer in the scenario"
    p, m = p_index[pid], m_index[mid]
    kept = dict(built.kept)
    if p in kept:
        return f"{pid} has an active pair with {enc.mentor_ids[kept[p]]}"
    locks = [e for e in problem.required.tolist() if problem.edge_p[e] == p]
    if locks:
        return f"{pid} is locked to {enc.mentor_ids[problem.edge_m[locks[0]]]}"
    edge = find_edges(
        problem.edge_p,
        problem.edge_m,
        enc.n_mentors,
        np.array([p], dtype=np.int64),
        np.array([m], dtype=np.int64),
    )
    if edge[0] < 0:
        return failed_rules_text(enc, scenario.policy, p, m) or "no longer allowed"
    load = built.load_with(solution.chosen)[m]
    took = [
        e
        for e in problem.required.tolist()
        if problem.edge_m[e] == m and (enc.participant_ids[problem.edge_p[e]], mid) not in previous
    ]
    if took and load >= built.enc.m_capacity[m]:
        other = enc.participant_ids[problem.edge_p[took[0]]]
        return f"{mid}'s place went to the locked pair {other}-{mid}"
    if resolver is not None and resolver.affords(1):
        try:
            resolver.take()
            regret, _ = regret_of(problem, solution, int(edge[0]), resolver)
        except OutOfTimeError:
            pass
        else:
            return (
                f"keeping it {BREAKS_RULE.text()}"
                if regret is None
                else f"keeping it costs {regret_summary(regret).text()}"
            )
    return "keeping it would cost a higher-ranked objective"


def previous_note(
    built: Built, solution: Solution, previous: list[tuple[str, str]], resolver: Resolver | None
) -> str:
    """How many pairs of the previous proposal this one keeps, and why each other changed
    (a pair now kept as an active pair counts as kept)."""
    enc = built.enc
    now = {(enc.participant_ids[p], enc.mentor_ids[m]) for p, m in built.kept}
    now |= set(built.pair_ids(solution.chosen))
    partner = {p: m for p, m in now}
    unique = sorted(set(previous))
    changed = [pair for pair in unique if pair not in now]
    parts = [f"kept {len(unique) - len(changed)} of {len(unique)} pairs of the previous proposal"]
    for pair in changed:
        pid, mid = pair
        where = (
            f", now with {partner[pid]}"
            if pid in partner
            else ", now waiting"
            if pid in enc.participant_ids
            else ""
        )
        why = _why_changed(built, solution, pair, set(unique), resolver)
        parts.append(f"{pid} changed ({mid} before{where}) because {why}")
    return "; ".join(parts)
