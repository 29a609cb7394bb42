"""Alternatives for a participant, each with its regret: what the round would lose, level
by level, if this person were given that mentor instead. Checked by re-solving."""

from __future__ import annotations

import dataclasses

import numpy as np

from matcher.core.problem import Built, EdgesByOwner
from matcher.core.scoring import QUALITY_SCALE
from matcher.explain.resolver import OutOfTimeError, Resolver
from matcher.explain.result import Alternative
from solvers.base import Problem, Solution

MAX_ALTERNATIVES = 3


def regret_summary(regret: dict[str, int]) -> str:
    """`{"coverage": 1}` -> 'one pair fewer'; quality in score points."""
    for level, lost in regret.items():
        if lost == 0:
            continue
        if level == "coverage":
            if lost < 0:
                return "one pair more" if lost == -1 else f"{-lost} pairs more"
            return "one pair fewer" if lost == 1 else f"{lost} pairs fewer"
        if level == "quality":
            return f"total score {-lost / QUALITY_SCALE:+.3f}"
        if level == "priority":
            return f"priority points {-lost:+d}"
        if level == "stability":
            return f"pairs of the previous proposal kept {-lost:+d}"
        return f"{level} {'worse' if lost > 0 else 'better'}"
    return "equally good"


BREAKS_RULE = "breaks a hard rule elsewhere (capacity, floors or locks)"


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
                    summary = f"without the lock on {enc.participant_ids[p]}: {summary}"
                found.append(
                    Alternative(
                        mentor=enc.mentor_ids[problem.edge_m[alt]],
                        score=round(float(built.scores.total[alt]), 3),
                        feasible=regret is not None,
                        regret=regret or {},
                        summary=summary,
                    )
                )
        except OutOfTimeError:
            budget.skipped += 1
            continue
        out[enc.participant_ids[p]] = found
    return out
