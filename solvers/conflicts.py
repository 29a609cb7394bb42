"""Which hard rules conflict, for any problem and with any exact back-end.

When a problem is infeasible, the coordinator needs to know which of its rules cannot
hold together. The rules that may be named are the guarded constraints (`ConstraintKey`):
the programme's capacity and position budget, each municipality's floor and ceiling,
and each required pair. Mentor capacities and one mentor per participant are never
named: the empty proposal keeps them, so with every guarded constraint dropped a
problem is always feasible, and some set of guarded constraints is to blame.

A minimal such set is found by a deletion filter over relaxed copies of the problem (a
dropped constraint is gone: capacity or budget None, floor 0, ceiling None, lock
removed), each decided by an exact back-end from the registry (`auto` with no objective:
a single max-flow when the flow network expresses the problem). The filter runs
divide-and-conquer (QuickXplain, Junker 2004): it returns exactly the set of the plain
one-at-a-time deletion filter over the same order, with about k log(n / k) solves for a
conflict of k among n constraints instead of n + 1, so that many locks do not cost one
solve each.

When several minimal sets exist, `PREFERENCE` decides which is named. The diagnosis
used to be CP-SAT's core under assumptions, filtered; no solver-neutral order can
reproduce those cores exactly, and this one reproduces them most often (514 of 676
infeasible variants of the shipped scenarios, 406 of 429 of the random test scenarios).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from solvers.base import Options, Problem, Solver
from solvers.registry import get_solver

ConstraintKind = Literal["budget", "capacity", "lower", "required", "upper"]

#: Which minimal set is named when there is a choice: constraints earlier here (and,
#: within a kind, lower indices) are kept, later ones dropped first. A deterministic
#: tie-break with no deeper meaning, chosen to match the former CP-SAT diagnosis.
PREFERENCE: tuple[ConstraintKind, ...] = ("capacity", "upper", "required", "lower", "budget")


@dataclass(frozen=True, order=True)
class ConstraintKey:
    """A guarded constraint of a problem, named so that a caller can describe it: the
    programme's `capacity` or `budget` (index -1), a group's `lower` or `upper` bound
    (index: the group), or a `required` edge (index: the edge). Keys sort by kind, then
    index; that order is the deletion order of the diagnosis."""

    kind: ConstraintKind
    index: int = -1


def guarded_constraints(problem: Problem) -> list[ConstraintKey]:
    """The guarded constraints of `problem` that can bind, in sorted order (a bound no
    proposal can reach, such as a ceiling above the group's edges, is left out)."""
    n = problem.n_edges
    keys: list[ConstraintKey] = []
    if problem.budget is not None and problem.budget < n:
        keys.append(ConstraintKey("budget"))
    if problem.capacity is not None and problem.capacity < n:
        keys.append(ConstraintKey("capacity"))
    edges = np.bincount(problem.edge_group, minlength=len(problem.groups)).tolist()
    for g, (group, size) in enumerate(zip(problem.groups, edges, strict=True)):
        if group.lower > 0:
            keys.append(ConstraintKey("lower", g))
        if group.upper is not None and group.upper < size:
            keys.append(ConstraintKey("upper", g))
    keys.extend(ConstraintKey("required", e) for e in np.unique(problem.required).tolist())
    return sorted(keys)


def relax(
    problem: Problem, guarded: Collection[ConstraintKey], keep: Collection[ConstraintKey]
) -> Problem:
    """The feasibility question with only `keep` of the `guarded` constraints: the others
    are dropped, and the objective is empty (any proposal answers it)."""
    dropped = set(guarded) - set(keep)
    groups = tuple(
        dataclasses.replace(
            group,
            lower=0 if ConstraintKey("lower", g) in dropped else group.lower,
            upper=None if ConstraintKey("upper", g) in dropped else group.upper,
        )
        for g, group in enumerate(problem.groups)
    )
    required = [e for e in problem.required.tolist() if ConstraintKey("required", e) not in dropped]
    return dataclasses.replace(
        problem,
        groups=groups,
        capacity=None if ConstraintKey("capacity") in dropped else problem.capacity,
        budget=None if ConstraintKey("budget") in dropped else problem.budget,
        required=np.array(required, dtype=np.int64),
        objective=(),
        stable=None,
    )


def conflicting_constraints(problem: Problem, solver: Solver | None = None) -> list[ConstraintKey]:
    """A minimal set of guarded constraints that cannot hold together (sorted), decided
    with `solver` (by default `auto`); empty when the problem is feasible.

    Minimal: dropping any one of them makes the rest feasible. Among the minimal sets,
    the one the deletion filter leaves when it tries the keys from the last in
    `PREFERENCE` order to the first (each is dropped if the problem stays infeasible
    without it)."""
    backend = get_solver("auto") if solver is None else solver
    guarded = guarded_constraints(problem)

    def infeasible(keep: Sequence[ConstraintKey]) -> bool:
        relaxed = relax(problem, guarded, keep)
        return backend.solve(relaxed, Options()).status == "infeasible"

    if not guarded or not infeasible(guarded):
        return []
    preferred = sorted(guarded, key=lambda k: (PREFERENCE.index(k.kind), k.index))
    return sorted(_quickxplain(infeasible, [], preferred, check=False))


def _quickxplain(
    infeasible: Callable[[Sequence[ConstraintKey]], bool],
    background: list[ConstraintKey],
    candidates: list[ConstraintKey],
    check: bool,
) -> list[ConstraintKey]:
    """The keys of `candidates` that a minimal conflict within `background` plus
    `candidates` needs, preferring earlier candidates; `background` is kept whole
    (`check`: it may already be infeasible on its own)."""
    if check and infeasible(background):
        return []
    if len(candidates) == 1:
        return candidates
    half = len(candidates) // 2
    first, second = candidates[:half], candidates[half:]
    needed_second = _quickxplain(infeasible, background + first, second, check=True)
    needed_first = _quickxplain(
        infeasible, background + needed_second, first, check=bool(needed_second)
    )
    return needed_first + needed_second
