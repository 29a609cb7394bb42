"""Alternatives for a participant, each with its regret: what the round would lose, level
by level, if this person were given that mentor instead. Checked by re-solving."""

from __future__ import annotations

import dataclasses

import numpy as np

from matcher.core.problem import Built, EdgesByOwner
from matcher.core.scoring import QUALITY_SCALE
from matcher.explain.resolver import OutOfTimeError, Resolver
from matcher.explain.result import Alternative, Code
from matcher.text.messages import Message
from solvers.base import Problem, Solution

MAX_ALTERNATIVES = 3


def regret_summary(regret: dict[str, int]) -> Message:
    """`{"coverage": 1}` -> "1 pair fewer"; quality in score points. The first level that
    changes decides, as it does for the solvers."""
    for level, lost in regret.items():
        if lost == 0:
            continue
        if level == "coverage":
            return Message("pairs_more" if lost < 0 else "pairs_fewer", {"pairs": abs(lost)})
        if level == "quality":
            return Message("score_change", {"change": -lost / QUALITY_SCALE})
        if level == "priority":
            return Message("priority_change", {"change": -lost})
        if level == "stability":
            return Message("stability_change", {"change": -lost})
        return Message("level_worse" if lost > 0 else "level_better", {"level": level})
    return Message("equally_good")


BREAKS_RULE = Message("breaks_rule")


def forced(problem: Problem, edge: int) -> tuple[Problem, bool]:
    """The problem with `edge` required instead of any lock on its participant, and
    whether a lock was lifted (the question is what that pair costs)."""
    p = problem.edge_p[edge]
    kept_locks = problem.required[problem.edge_p[problem.required] != p]
    required = np.union1d(kept_locks, [edge]).astype(np.int64)
    return dataclasses.replace(problem, required=required), len(kept_locks) < len(problem.required)


def regret_of(
    problem: Problem, solution: Solution, edge: int, resolver: Resolver
) -> tuple[dict[str, int] | None, bool]:
    """Objective lost per level if `edge` were chosen (None: no proposal keeps every hard
    rule with it), and whether a lock had to be lifted for it."""
    changed, lifted = forced(problem, edge)
    result = resolver.solve(changed)
    if result is None:
        return None, lifted
    return {k: solution.levels[k] - result.levels[k] for k in problem.levels}, lifted


def alternatives(
    built: Built, solution: Solution, resolver: Resolver
) -> dict[str, list[Alternative]]:
    """Up to three other mentors per new pair, best score first, with the objective
    lost per level if the coordinator chose that mentor instead."""
    problem, enc, budget = built.problem, built.enc, resolver.budget
    out: dict[str, list[Alternative]] = {}
    chosen = sorted(solution.chosen.tolist(), key=lambda e: enc.participant_ids[problem.edge_p[e]])
    edges_of = EdgesByOwner.by_participant(problem)
    for e in chosen:
        p = int(problem.edge_p[e])
        others = edges_of(p)
        others = others[others != e]
        if len(others) and not resolver.affords(min(len(others), MAX_ALTERNATIVES)):
            budget.skipped += 1
            continue
        ranked = sorted(others.tolist(), key=lambda x: (-built.scores.total[x], x))
        found = []
        try:
            for alt in ranked[:MAX_ALTERNATIVES]:
                resolver.take()
                regret, locked = regret_of(problem, solution, alt, resolver)
                summary = BREAKS_RULE if regret is None else regret_summary(regret)
                if locked:
                    params = {"participant": enc.participant_ids[p], "cost": summary}
                    summary = Message("without_lock", params)
                found.append(
                    Alternative(
                        mentor=enc.mentor_ids[problem.edge_m[alt]],
                        score=round(float(built.scores.total[alt]), 3),
                        feasible=regret is not None,
                        regret=regret or {},
                        summary=summary.text(),
                        summary_code=Code.of(summary),
                    )
                )
        except OutOfTimeError:
            budget.skipped += 1
            continue
        out[enc.participant_ids[p]] = found
    return out
