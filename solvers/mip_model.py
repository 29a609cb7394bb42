"""The model of the MIP back-end (`solvers.mip`), written in PuLP, and what its engines
(`solvers.mip_cbc`, `solvers.mip_highs`) have in common: the model is built once per
problem and each engine solves it level by level in its own way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np
import pulp
from numpy.typing import NDArray

from solvers.base import (
    IntArray,
    Level,
    Problem,
    edge_values,
    evaluate,
    group_edges,
    group_totals,
)

FloatArray = NDArray[np.float64]
#: What one solve ended with; "unknown" = stopped (time limit) before any solution.
Outcome = Literal["optimal", "feasible", "infeasible", "unknown"]


class MipEngine(Protocol):
    """A solver of `MipModel`s (CBC or HiGHS): one level at a time, within the deadline
    of the options it was made with."""

    def solve(
        self, model: MipModel, objective: Objective | None, gap: float, start: FloatArray | None
    ) -> tuple[Outcome, FloatArray | None]:
        """Maximise `objective` (None: any solution) to within the absolute `gap`, from
        the warm start `start`; the outcome and the x columns' values."""

    def keep_optimal_face(self) -> bool:
        """Keep the level just solved at its optimum without a new row, if the engine
        can do that exactly; False when the caller must add the row."""


def _ones(variables: Sequence[Any]) -> Any:
    """sum(variables) as a PuLP expression, built from a dict (linear time)."""
    return pulp.LpAffineExpression(dict.fromkeys(variables, 1))


def usable_edges(problem: Problem) -> NDArray[np.bool_]:
    """Edges that some proposal could contain: their mentor has a place left, their
    municipality may take new pairs and the programme has room."""
    usable = problem.mentor_capacity[problem.edge_m] > 0
    closed = [g for g, group in enumerate(problem.groups) if group.upper == 0]
    if closed:
        usable &= ~np.isin(problem.edge_group, closed)
    if problem.total_limit == 0:
        usable[:] = False
    return usable


def plainly_infeasible(problem: Problem, usable: NDArray[np.bool_]) -> bool:
    """Bounds that contradict each other, a floor above what the group's usable edges
    allow, or a required edge that cannot be used: infeasible without a solve (and the
    solvers' variable bounds stay consistent)."""
    edges = np.bincount(problem.edge_group[usable], minlength=len(problem.groups))
    return bool(
        any(
            g.lower > n or (g.upper is not None and g.lower > g.upper)
            for g, n in zip(problem.groups, edges.tolist(), strict=True)
        )
        or not usable[problem.required].all()
    )


class Objective(NamedTuple):
    """A level to maximise: as a PuLP expression and as sparse (column, coefficient)."""

    expr: Any
    cols: NDArray[np.int32]
    coefs: FloatArray


class MipModel:
    """The PuLP model: a binary per usable edge (columns 0..n-1), an integer count of
    new pairs per group and in total (so bounds and fairness rows stay sparse), and for
    `proportional` a deviation per counted group.

    Rows and bound changes are recorded so that an engine can apply them incrementally.
    """

    def __init__(self, problem: Problem, edges: IntArray) -> None:
        self.problem = problem
        self.edges = edges  # the problem's edge of each x column
        self.prob = pulp.LpProblem("likematch", pulp.LpMaximize)
        self._new_var: Callable[..., Any] = getattr(self.prob, "add_variable", pulp.LpVariable)
        self.columns: list[Any] = []
        self.index: dict[Any, int] = {}
        self.rows: list[Any] = []
        self.changed: set[int] = set()
        self._objectives: dict[Level, Objective | None] = {}
        n_groups = len(problem.groups)
        edge_p, edge_m = problem.edge_p[edges], problem.edge_m[edges]
        edge_group = problem.participant_group[edge_p]

        x = self.x = [self._var(f"x{e}", 0, 1, integer=True) for e in edges.tolist()]
        for k in np.flatnonzero(np.isin(edges, problem.required)).tolist():
            self.set_lower(x[k], 1)
        for cols in group_edges(edge_p, problem.n_participants).members():
            if len(cols) > 1:
                self.add(_ones([x[k] for k in cols]) <= 1)
        by_mentor = group_edges(edge_m, problem.n_mentors).members()
        for cap, cols in zip(problem.mentor_capacity.tolist(), by_mentor, strict=True):
            if len(cols) > cap:
                self.add(_ones([x[k] for k in cols]) <= cap)

        self.group_new: list[Any] = []
        by_group = group_edges(edge_group, n_groups).members()
        for g, (group, cols) in enumerate(zip(problem.groups, by_group, strict=True)):
            upper = len(cols) if group.upper is None else min(group.upper, len(cols))
            new = self._var(f"new{g}", group.lower, upper, integer=True)
            self.group_new.append(new)
            self.add(_ones([x[k] for k in cols]) - new == 0)
        n, limit = len(edges), problem.total_limit
        self.total = self._var("total", 0, n if limit is None else min(limit, n), integer=True)
        self.add(_ones(self.group_new) - self.total == 0)

        self.dev: dict[int, Any] = {}
        if problem.has_fairness_level and problem.fairness == "proportional":
            self._proportional()

    def _var(self, name: str, low: float, up: float | None, integer: bool = False) -> Any:
        cat = pulp.LpInteger if integer else pulp.LpContinuous
        var = self._new_var(name, low, up, cat)
        self.index[var] = len(self.columns)
        self.columns.append(var)
        return var

    def _proportional(self) -> None:
        """dev_g >= |S * total_g - target_g * T| for counted groups (see
        `proportional_deviation`), with totals = existing + new."""
        groups = self.problem.groups
        s = sum(g.target for g in groups)
        existing = sum(g.existing for g in groups)
        for g, group in enumerate(groups):
            if group.target <= 0:
                continue
            dev = self.dev[g] = self._var(f"dev{g}", 0, None, integer=True)
            diff = s * self.group_new[g] - group.target * self.total
            constant = s * group.existing - group.target * existing
            self.add(dev - diff >= constant)
            self.add(dev + diff >= -constant)

    def add(self, constraint: Any) -> None:
        """Add a row, recorded for the engines to apply incrementally."""
        self.prob.addConstraint(constraint, f"r{len(self.rows)}")
        self.rows.append(constraint)

    def set_lower(self, var: Any, value: float) -> None:
        """Raise a column's lower bound, recorded for the engines."""
        var.lowBound = value
        self.changed.add(self.index[var])

    def _sparse(self, variables: list[Any], coefs: list[int]) -> Objective:
        expr = pulp.LpAffineExpression(zip(variables, coefs, strict=True))
        cols = np.array([self.index[v] for v in variables], dtype=np.int32)
        return Objective(expr, cols, np.array(coefs, dtype=np.float64))

    def objective(self, level: Level) -> Objective | None:
        """The level to maximise, or None when it cannot vary."""
        if level not in self._objectives:
            self._objectives[level] = self._build_objective(level)
        return self._objectives[level]

    def _build_objective(self, level: Level) -> Objective | None:
        p = self.problem
        if level == "coverage":
            return self._sparse([self.total], [1])
        if level in ("priority", "quality", "stability"):
            coef = edge_values(p, level)[self.edges]
            nonzero = np.flatnonzero(coef)
            if not len(nonzero):
                return None
            expr = pulp.LpAffineExpression(
                zip([self.x[k] for k in nonzero.tolist()], coef[nonzero].tolist(), strict=True)
            )
            return Objective(expr, nonzero.astype(np.int32), coef[nonzero].astype(np.float64))
        if self.dev:
            return self._sparse(list(self.dev.values()), [-1] * len(self.dev))
        return None

    def fix(self, level: Level, chosen: IntArray) -> None:
        """Keep the level at the value `chosen` (edge indices) reaches, with integer data."""
        value = evaluate(self.problem, chosen)[level]
        if level == "coverage":
            self.set_lower(self.total, value)
        elif level in ("priority", "quality", "stability"):
            objective = self.objective(level)
            assert objective is not None
            self.add(objective.expr >= value)
        else:
            self.add(_ones(list(self.dev.values())) <= -value)

    def chosen(self, x_values: FloatArray) -> IntArray:
        """The problem's edges whose binary is set."""
        return np.sort(self.edges[x_values > 0.5]).astype(np.int64)

    def start(self, chosen: IntArray) -> FloatArray:
        """Every column's value for a choice of edges, exactly (a warm start)."""
        p = self.problem
        values = np.zeros(len(self.columns))
        values[np.searchsorted(self.edges, chosen)] = 1.0
        new = np.bincount(p.edge_group[chosen], minlength=len(p.groups))
        totals = group_totals(p, chosen)
        for g, var in enumerate(self.group_new):
            values[self.index[var]] = new[g]
        values[self.index[self.total]] = len(chosen)
        s = sum(g.target for g in p.groups)
        grand = int(totals.sum())
        for g, var in self.dev.items():
            values[self.index[var]] = abs(s * int(totals[g]) - p.groups[g].target * grand)
        return values
