"""Shrinking a large problem to the edges an optimum can use, with a proof.

The constraint matrix is a network matrix (participants within municipalities within
the programme on one side, mentors on the other), so its LP relaxation has integral
optimal faces, also level after level of the lexicographic objective. One HiGHS LP
per level over all candidate edges gives (1) the exact optimum of every level and
(2) reduced costs: an edge at 0 with a clearly negative reduced cost is in no optimal
solution. The back-end then solves only the remaining edges; its answer counts as
optimal only if it reaches the LP's value on every level, else the full problem is
solved. `proportional` fairness is not a network objective and is never reduced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import highspy
import numpy as np

from solvers.base import IntArray, Options, Problem, Solution, evaluate
from solvers.highs import new_highs

#: Problems with fewer candidate edges are solved as they are.
MIN_EDGES = 20_000
#: Reduced costs above -tolerance (in units of the level's objective) keep an edge.
RC_TOLERANCE = 1e-6

SolveFn = Callable[[Problem, Options], Solution]


@dataclasses.dataclass(frozen=True)
class Bound:
    values: dict[str, int]  # the optimum of every level (LP = integer optimum here)
    keep: IntArray  # edges some optimal solution may use


def _edge_level(problem: Problem, level: str) -> np.ndarray:
    if level == "coverage":
        return np.ones(problem.n_edges)
    if level == "priority":
        return problem.priority[problem.edge_p].astype(np.float64)
    return problem.quality.astype(np.float64)


def lexicographic_lp(problem: Problem, time_limit: float | None = None) -> Bound | None:
    """The LP bound and the edges worth keeping, or None when it does not apply."""
    if problem.has_fairness_level or problem.n_edges == 0:
        return None
    n = problem.n_edges
    inf = highspy.kHighsInf
    rows_lower: list[np.ndarray] = []
    rows_upper: list[np.ndarray] = []
    entries: list[np.ndarray] = []  # row index of each edge, one array per row family
    offset = 0

    def family(owner: np.ndarray, size: int, lower: np.ndarray, upper: np.ndarray) -> None:
        nonlocal offset
        entries.append(offset + owner)
        rows_lower.append(lower)
        rows_upper.append(upper)
        offset += size

    family(problem.edge_p, problem.n_participants, np.full(problem.n_participants, -inf),
           np.ones(problem.n_participants))
    family(problem.edge_m, problem.n_mentors, np.full(problem.n_mentors, -inf),
           problem.mentor_capacity.astype(np.float64))
    groups = problem.groups
    family(problem.edge_group, len(groups),
           np.array([float(g.lower) for g in groups]),
           np.array([inf if g.upper is None else float(g.upper) for g in groups]))
    limit = problem.total_limit
    if limit is not None:
        family(np.zeros(n, dtype=np.int64), 1, np.array([-inf]), np.array([float(limit)]))

    per_column = len(entries)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = offset
    lp.col_cost_ = np.zeros(n)
    col_lower = np.zeros(n)
    col_lower[problem.required] = 1.0
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.concatenate(rows_lower)
    lp.row_upper_ = np.concatenate(rows_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, per_column * n + 1, per_column, dtype=np.int32)
    lp.a_matrix_.index_ = np.stack(entries, axis=1).reshape(-1).astype(np.int32)
    lp.a_matrix_.value_ = np.ones(per_column * n)
    lp.sense_ = highspy.ObjSense.kMaximize

    h = new_highs(1)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    values: dict[str, int] = {}
    everything = np.arange(n, dtype=np.int32)
    for level in problem.levels:
        cost = _edge_level(problem, level)
        h.changeColsCost(n, everything, cost)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        value = round(h.getInfo().objective_function_value)
        values[level] = value
        # Fix the level at its optimum before the next one (integral, see above).
        nz = np.flatnonzero(cost).astype(np.int32)
        h.addRow(value - 1e-7, inf, len(nz), nz, cost[nz])
    solution = h.getSolution()
    x = np.asarray(solution.col_value)
    rc = np.asarray(solution.col_dual)
    scale = max(1.0, float(np.abs(_edge_level(problem, problem.levels[-1])).max()))
    keep = np.flatnonzero((x > 1e-9) | (rc > -RC_TOLERANCE * scale))
    keep = np.union1d(keep, problem.required).astype(np.int64)
    return Bound(values, keep)


def restrict(problem: Problem, keep: IntArray) -> Problem:
    """The same problem over a subset of its edges (required edges must be kept)."""
    position = np.full(problem.n_edges, -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    return dataclasses.replace(
        problem,
        edge_p=problem.edge_p[keep],
        edge_m=problem.edge_m[keep],
        quality=problem.quality[keep],
        required=position[problem.required],
    )


def solve_reduced(problem: Problem, options: Options, solve: SolveFn) -> Solution:
    """Solve through `solve` on the edges an optimum can use, proven by the LP bound;
    the whole problem when the reduction does not apply or the proof fails."""
    if problem.n_edges < MIN_EDGES:
        return solve(problem, options)
    bound = lexicographic_lp(problem, options.time_limit)
    if bound is None:
        return solve(problem, options)
    small = solve(restrict(problem, bound.keep), options)
    if small.status == "infeasible":
        return solve(problem, options)
    chosen = np.sort(bound.keep[small.chosen]).astype(np.int64)
    levels = evaluate(problem, chosen)
    proven = all(levels[k] == v for k, v in bound.values.items())
    if small.status == "optimal" and not proven:
        return solve(problem, options)
    status = "optimal" if proven else small.status
    return Solution(status=status, chosen=chosen, levels=levels, solver=small.solver)
