"""`maxmin` fairness for any exact back-end, by parametric search over floors.

A municipality's coverage is active/eligible, so "every coverage >= t" is the same as
the floor ceil(t * eligible) on its active participants. The driver raises floors:
it finds by bisection the highest t that keeps the levels ranked above fairness at
their optimum, fixes the municipalities that cannot go above t, and repeats for the
rest (leximin by progressive filling: the lowest coverage first, then the next; when no
municipality is tight on its own the filling stops there). The levels below fairness
are then solved with those floors. Every back-end that runs this gets the same answer.

The solves share one deadline: every inner solve gets the same `options`, whose
deadline bounds the whole search, and when it runs out the best valid proposal found so
far is returned as `feasible` (every inner solution keeps the hard rules, since the
driver only raises floors).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from solvers.base import Group, Level, NoSolutionError, Options, Problem, Solution, evaluate

SolveFn = Callable[[Problem, Options], Solution]


def _floor_for(group: Group, t: Fraction) -> int:
    """New pairs the group needs for coverage >= t (at least its own lower bound)."""
    needed = -((-t.numerator * group.eligible) // t.denominator)  # ceil(t * eligible)
    return max(group.lower, needed - group.existing)


def _with_floors(problem: Problem, floors: dict[int, int], levels: tuple[Level, ...]) -> Problem:
    """The problem with raised floors and only `levels` (stability only when asked for:
    the search needs the levels above fairness, not which pairs are kept)."""
    groups = tuple(
        dataclasses.replace(g, lower=floors.get(i, g.lower)) for i, g in enumerate(problem.groups)
    )
    stable = problem.stable if "stability" in levels else None
    return dataclasses.replace(
        problem, groups=groups, objective=levels, fairness="quotas", stable=stable
    )


class _TimeUp(Exception):
    pass


class _Shared:
    """Inner solves under one deadline, remembering the best proposal for the problem."""

    def __init__(self, problem: Problem, options: Options, solve: SolveFn) -> None:
        self.problem, self.options, self.inner = problem, options, solve
        self.best: Solution | None = None

    def solve(self, sub: Problem) -> Solution:
        if self.options.expired():
            raise _TimeUp
        try:
            solution = self.inner(sub, self.options)
        except NoSolutionError:
            raise _TimeUp from None
        if solution.status != "infeasible":
            full = Solution(
                status="feasible",
                chosen=np.sort(solution.chosen).astype(np.int64),
                levels=evaluate(self.problem, solution.chosen),
                solver=solution.solver,
            )
            if self.best is None or self._rank(full) > self._rank(self.best):
                self.best = full
        if solution.status == "feasible":
            raise _TimeUp  # a solve stopped by the deadline: no time for the next
        return solution

    def _rank(self, solution: Solution) -> tuple[int, ...]:
        return tuple(solution.levels[level] for level in self.problem.levels)


def solve_maxmin(problem: Problem, options: Options, solve: SolveFn) -> Solution:
    """Lexicographic solve of a `maxmin` problem through `solve` on problems without a
    fairness level, all before the deadline of `options`."""
    shared = _Shared(problem, options, solve)
    try:
        return _search(problem, shared)
    except _TimeUp:
        if shared.best is None:
            raise NoSolutionError("the time limit ran out before any proposal was found") from None
        return shared.best


def _search(problem: Problem, shared: _Shared) -> Solution:
    order = problem.levels
    k = order.index("fairness")
    above, below = order[:k], order[k + 1 :]
    base = shared.solve(_with_floors(problem, {}, above))
    if base.status == "infeasible":
        return base
    target = {level: base.levels[level] for level in above}

    def works(floors: dict[int, int]) -> bool:
        for g, floor in floors.items():
            upper = problem.groups[g].upper
            if upper is not None and floor > upper:
                return False
        trial = shared.solve(_with_floors(problem, floors, above))
        if trial.status == "infeasible":
            return False
        return all(trial.levels[level] == target[level] for level in above)

    counted = [i for i, g in enumerate(problem.groups) if g.eligible > 0]
    floors: dict[int, int] = {}
    free = list(counted)
    t = Fraction(0)
    while free:
        candidates = sorted(
            {
                Fraction(total, problem.groups[g].eligible)
                for g in free
                for total in range(problem.groups[g].eligible + 1)
            }
            | {t}
        )
        candidates = candidates[candidates.index(t) :]
        lo, hi = 0, len(candidates) - 1  # candidates[lo] always works (t = 0 or current)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            trial = floors | {g: _floor_for(problem.groups[g], candidates[mid]) for g in free}
            if works(trial):
                lo = mid
            else:
                hi = mid - 1
        t = candidates[lo]
        floors |= {g: _floor_for(problem.groups[g], t) for g in free}
        # A group stays free if it can get above t while the others keep their floors.
        still_free = []
        for g in free:
            group = problem.groups[g]
            need = (t.numerator * group.eligible) // t.denominator + 1 - group.existing
            if group.existing + need <= group.eligible and works(
                floors | {g: max(floors[g], need)}
            ):
                still_free.append(g)
        if len(still_free) == len(free):
            break  # no group is tight on its own: keep floors at t (progressive filling)
        free = still_free

    final = shared.solve(_with_floors(problem, floors, above + below))
    if final.status == "infeasible":  # the floors were all reached above; defensive only
        return final
    chosen = np.sort(final.chosen).astype(np.int64)
    return Solution(
        status="optimal", chosen=chosen, levels=evaluate(problem, chosen), solver=final.solver
    )
