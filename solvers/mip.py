"""Mixed-integer back-end: the cpsat model written in PuLP, solved by CBC or HiGHS.

Same semantics as `solvers.cpsat`: one binary per candidate edge and the lexicographic
objective solved exactly, level by level (one weighted solve is not trusted to floating
point). Nothing is taken from the solver but the rounded choice of edges: each level's
optimum is recomputed from it with `evaluate` and kept with integer data before the next
level (a `level >= optimum` row, or with HiGHS the LP's optimal face, see
`_HighsEngine`). Every level is integer-valued, so an absolute gap below 1 proves
optimality. `maxmin` fairness goes through `solvers.leximin`, like every exact back-end.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pulp
from numpy.typing import NDArray

from solvers.base import (
    IntArray,
    Level,
    NoSolutionError,
    Options,
    Problem,
    Solution,
    Status,
    check_solution,
    edge_values,
    evaluate,
    group_totals,
)
from solvers.highs import new_highs
from solvers.leximin import solve_maxmin
from solvers.pricing import solve_reduced

if TYPE_CHECKING:
    import highspy

Engine = Literal["cbc", "highs"]
FloatArray = NDArray[np.float64]
#: What one solve ended with; "unknown" = stopped (time limit) before any solution.
Outcome = Literal["optimal", "feasible", "infeasible", "unknown"]

#: Absolute gap for integer-valued levels: a bound within 0.5 of the incumbent proves it.
INTEGER_GAP = 0.5
#: An LP solution this close to 0/1 everywhere is taken as integral.
INTEGRALITY = 1e-6
INF = float("inf")


def _members(owner: IntArray, size: int) -> list[list[int]]:
    """Edge indices per owner (participant, mentor or group), in one sort."""
    order = np.argsort(owner, kind="stable").tolist()
    ends = np.cumsum(np.bincount(owner, minlength=size)).tolist()
    starts = [0, *ends[:-1]]
    return [order[a:b] for a, b in zip(starts, ends, strict=True)]


def _ones(variables: Sequence[Any]) -> Any:
    """sum(variables) as a PuLP expression, built from a dict (linear time)."""
    return pulp.LpAffineExpression(dict.fromkeys(variables, 1))


def _usable(problem: Problem) -> NDArray[np.bool_]:
    """Edges that some proposal could contain: their mentor has a place left, their
    municipality may take new pairs and the programme has room."""
    usable = problem.mentor_capacity[problem.edge_m] > 0
    closed = [g for g, group in enumerate(problem.groups) if group.upper == 0]
    if closed:
        usable &= ~np.isin(problem.edge_group, closed)
    if problem.total_limit == 0:
        usable[:] = False
    return usable


def _plainly_infeasible(problem: Problem, usable: NDArray[np.bool_]) -> bool:
    """Bounds that contradict each other, a floor above what the group's usable edges
    allow, or a required edge that cannot be used: infeasible without a solve (and the
    solvers' variable bounds stay consistent)."""
    edges = np.bincount(problem.edge_group[usable], minlength=len(problem.groups))
    return bool(
        any(g.lower > n or (g.upper is not None and g.lower > g.upper)
            for g, n in zip(problem.groups, edges.tolist(), strict=True))
        or not usable[problem.required].all()
    )


class _Objective(NamedTuple):
    """A level to maximise: as a PuLP expression and as sparse (column, coefficient)."""

    expr: Any
    cols: NDArray[np.int32]
    coefs: FloatArray


class _Model:
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
        self._objectives: dict[Level, _Objective | None] = {}
        n_groups = len(problem.groups)
        edge_p, edge_m = problem.edge_p[edges], problem.edge_m[edges]
        edge_group = problem.participant_group[edge_p]

        x = self.x = [self._var(f"x{e}", 0, 1, integer=True) for e in edges.tolist()]
        for k in np.flatnonzero(np.isin(edges, problem.required)).tolist():
            self.set_lower(x[k], 1)
        for cols in _members(edge_p, problem.n_participants):
            if len(cols) > 1:
                self.add(_ones([x[k] for k in cols]) <= 1)
        for cap, cols in zip(problem.mentor_capacity.tolist(),
                             _members(edge_m, problem.n_mentors), strict=True):
            if len(cols) > cap:
                self.add(_ones([x[k] for k in cols]) <= cap)

        self.group_new: list[Any] = []
        for g, (group, cols) in enumerate(
            zip(problem.groups, _members(edge_group, n_groups), strict=True)
        ):
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
        self.prob.addConstraint(constraint, f"r{len(self.rows)}")
        self.rows.append(constraint)

    def set_lower(self, var: Any, value: float) -> None:
        var.lowBound = value
        self.changed.add(self.index[var])

    def _sparse(self, variables: list[Any], coefs: list[int]) -> _Objective:
        expr = pulp.LpAffineExpression(zip(variables, coefs, strict=True))
        cols = np.array([self.index[v] for v in variables], dtype=np.int32)
        return _Objective(expr, cols, np.array(coefs, dtype=np.float64))

    def objective(self, level: Level) -> _Objective | None:
        """The level to maximise, or None when it cannot vary."""
        if level not in self._objectives:
            self._objectives[level] = self._build_objective(level)
        return self._objectives[level]

    def _build_objective(self, level: Level) -> _Objective | None:
        p = self.problem
        if level == "coverage":
            return self._sparse([self.total], [1])
        if level in ("priority", "quality", "stability"):
            coef = edge_values(p, level)[self.edges]
            nonzero = np.flatnonzero(coef)
            if not len(nonzero):
                return None
            expr = pulp.LpAffineExpression(zip([self.x[k] for k in nonzero.tolist()],
                                               coef[nonzero].tolist(), strict=True))
            return _Objective(expr, nonzero.astype(np.int32), coef[nonzero].astype(np.float64))
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


def _cbc_factory() -> Callable[..., Any] | None:
    """A constructor of PuLP's CBC command: the bundled binary, else `cbc` on PATH."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PULP_CBC_CMD leaves in PuLP 4
        for name in ("PULP_CBC_CMD", "COIN_CMD"):
            cls = getattr(pulp, name, None)
            if cls is not None and cls(msg=False).available():
                chosen: Callable[..., Any] = cls
                break
        else:
            return None

    def make(**kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return chosen(msg=False, **kwargs)

    return make


class _CbcEngine:
    """CBC through PuLP's command-line interface: the whole model is written per solve."""

    def __init__(self, options: Options) -> None:
        make = _cbc_factory()
        if make is None:
            raise RuntimeError("CBC is not available to PuLP")
        self.make = make
        self.threads = max(1, options.threads)

    def keep_optimal_face(self) -> bool:
        """CBC gives no duals for a MIP: levels are kept by rows instead."""
        return False

    def solve(self, model: _Model, objective: _Objective | None, gap: float,
              time_limit: float | None, start: FloatArray | None
              ) -> tuple[Outcome, FloatArray | None]:
        # CBC mishandles a MIP start under -max (the cutoff gets the wrong sign and a
        # negative level is declared optimal at the start): minimise the negation.
        model.prob.sense = pulp.LpMinimize
        model.prob.setObjective(-objective.expr if objective is not None
                                else pulp.LpAffineExpression())
        if start is not None:
            for var, value in zip(model.columns, start.tolist(), strict=True):
                var.varValue = value
        solver = self.make(timeLimit=time_limit, gapRel=0, gapAbs=gap, threads=self.threads,
                           warmStart=start is not None)
        model.prob.solve(solver)
        sol, status = model.prob.sol_status, model.prob.status
        if sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            values = np.array([v.varValue or 0.0 for v in model.x], dtype=np.float64)
            return ("optimal" if sol == pulp.LpSolutionOptimal else "feasible"), values
        if status == pulp.LpStatusInfeasible:
            return "infeasible", None
        if time_limit is not None:
            return "unknown", None
        raise RuntimeError(f"CBC stopped with status {pulp.LpStatus.get(status, status)}")


class _HighsEngine:
    """HiGHS in process. `pulp.HiGHS` rebuilds the whole model column by column for
    every solve; the lexicographic sequence solves one model several times, so the PuLP
    model is passed in bulk once and each level's changes are applied incrementally.

    Each level is first solved as an LP. Bipartite b-matching with group counts is a
    network (totally unimodular) problem, so the LP optimum is usually integral, and
    then also the level's optimum. Its duals are then integers, so the optimal face can
    be kept exactly by fixing every column with a nonzero reduced cost and every row
    with a nonzero dual (complementary slackness): the next level stays a network LP,
    warm-started from the same basis, instead of gaining a dense `level >= optimum` row.
    """

    def __init__(self, options: Options) -> None:
        import highspy

        self.hs = highspy
        self.h = new_highs(max(1, options.threads))
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.setOptionValue("random_seed", options.seed)
        self.h.setOptionValue("mip_rel_gap", 0.0)
        self.n_rows = 0
        self.n_cols = 0
        self.cost_cols = np.zeros(0, dtype=np.int32)
        self.lower = np.zeros(0)  # column bounds as HiGHS has them (PuLP's, or tighter)
        self.upper = np.zeros(0)
        self.lp_optimum = False  # the last solve ended on an integral LP optimum

    def _sync(self, model: _Model) -> None:
        h = self.h
        if self.n_cols == 0:
            cols = model.columns
            n = len(cols)
            lower = np.array([v.lowBound for v in cols], dtype=np.float64)
            upper = np.array([INF if v.upBound is None else v.upBound for v in cols],
                             dtype=np.float64)
            h.addVars(n, lower, upper)
            self.lower, self.upper = lower, upper
            integer = np.array([i for i, v in enumerate(cols) if v.cat == pulp.LpInteger],
                               dtype=np.int32)
            kinds = np.full(len(integer), int(self.hs.HighsVarType.kInteger), dtype=np.uint8)
            h.changeColsIntegrality(len(integer), integer, kinds)
            self.n_cols = n
            model.changed.clear()
        if model.changed:
            idx = np.array(sorted(model.changed), dtype=np.int32)
            lower = np.array([model.columns[i].lowBound for i in idx], dtype=np.float64)
            upper = np.array([INF if model.columns[i].upBound is None
                              else model.columns[i].upBound for i in idx], dtype=np.float64)
            # the PuLP model only tightens; never undo a fixed optimal face
            self.lower[idx] = np.maximum(self.lower[idx], lower)
            self.upper[idx] = np.minimum(self.upper[idx], upper)
            h.changeColsBounds(len(idx), idx, self.lower[idx], self.upper[idx])
            model.changed.clear()
        new_rows = model.rows[self.n_rows:]
        if new_rows:
            index = model.index
            starts, cols, vals, lows, ups = [], [], [], [], []
            for row in new_rows:
                starts.append(len(cols))
                for var, coef in row.items():
                    cols.append(index[var])
                    vals.append(coef)
                lb, ub = row.getLb(), row.getUb()
                lows.append(-INF if lb is None else lb)
                ups.append(INF if ub is None else ub)
            h.addRows(len(new_rows), np.array(lows), np.array(ups), len(cols),
                      np.array(starts, dtype=np.int32), np.array(cols, dtype=np.int32),
                      np.array(vals, dtype=np.float64))
            self.n_rows = len(model.rows)

    def _objective(self, objective: _Objective | None) -> None:
        h = self.h
        if len(self.cost_cols):
            h.changeColsCost(len(self.cost_cols), self.cost_cols,
                             np.zeros(len(self.cost_cols)))
        if objective is None:
            self.cost_cols = np.zeros(0, dtype=np.int32)
            return
        self.cost_cols = objective.cols
        h.changeColsCost(len(objective.cols), objective.cols, objective.coefs)

    def _run(self, deadline: float | None) -> highspy.HighsModelStatus:
        remaining = INF if deadline is None else max(deadline - time.monotonic(), 1e-3)
        self.h.setOptionValue("time_limit", remaining)
        if self.h.run() == self.hs.HighsStatus.kError:
            raise RuntimeError("HiGHS failed to run")
        return self.h.getModelStatus()

    def solve(self, model: _Model, objective: _Objective | None, gap: float,
              time_limit: float | None, start: FloatArray | None
              ) -> tuple[Outcome, FloatArray | None]:
        """The LP relaxation first: when its optimum is integral it is the level's
        optimum (the level is integer-valued and the LP bound is within tolerance of
        it), which is the common case here (bipartite b-matching is totally unimodular)
        and saves the MIP's own set-up; otherwise the MIP, from the previous level's
        solution."""
        h, model_status = self.h, self.hs.HighsModelStatus
        deadline = None if time_limit is None else time.monotonic() + time_limit
        n = len(model.edges)
        self.lp_optimum = False
        self._sync(model)
        self._objective(objective)
        h.setOptionValue("solve_relaxation", True)
        status = self._run(deadline)
        if status == model_status.kOptimal:
            values = np.asarray(h.getSolution().col_value, dtype=np.float64)[:n]
            if _integral(values):
                self.lp_optimum = True
                return "optimal", values
        elif status in (model_status.kInfeasible, model_status.kUnboundedOrInfeasible):
            return "infeasible", None
        elif status == model_status.kTimeLimit:
            return "unknown", None

        h.setOptionValue("solve_relaxation", False)
        h.setOptionValue("mip_abs_gap", gap)
        if start is not None:
            h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
        status = self._run(deadline)
        if status == model_status.kOptimal:
            outcome: Outcome = "optimal"
        elif status in (model_status.kInfeasible, model_status.kUnboundedOrInfeasible):
            return "infeasible", None
        elif status in (model_status.kTimeLimit, model_status.kInterrupt,
                        model_status.kIterationLimit, model_status.kSolutionLimit):
            if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
                return "unknown", None
            outcome = "feasible"
        else:
            raise RuntimeError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
        values = np.asarray(h.getSolution().col_value, dtype=np.float64)[:n]
        return outcome, values

    def keep_optimal_face(self) -> bool:
        """After an integral LP optimum with integral duals, restrict the model to the
        level's optimal solutions by bounds alone; False when that is not exact."""
        if not self.lp_optimum:
            return False
        h = self.h
        solution = h.getSolution()
        col_dual = np.asarray(solution.col_dual, dtype=np.float64)
        row_dual = np.asarray(solution.row_dual, dtype=np.float64)
        if not (_integral(col_dual) and _integral(row_dual)):
            return False
        cols = np.flatnonzero(np.abs(col_dual) > 0.5).astype(np.int32)
        if len(cols):
            value = np.round(np.asarray(solution.col_value, dtype=np.float64)[cols])
            self.lower[cols] = value
            self.upper[cols] = value
            h.changeColsBounds(len(cols), cols, value, value)
        row_value = np.asarray(solution.row_value, dtype=np.float64)
        for row in np.flatnonzero(np.abs(row_dual) > 0.5).tolist():
            activity = float(np.round(row_value[row]))
            h.changeRowBounds(row, activity, activity)
        return True


def _integral(values: FloatArray) -> bool:
    return bool(np.abs(values - np.round(values)).max(initial=0.0) <= INTEGRALITY)


class _Stop(Exception):
    """The sequence ends early with the current solution (time limit)."""


class _Infeasible(Exception):
    """The first solve proved that no proposal satisfies the constraints."""


class _Run:
    """One lexicographic sequence: the current solution, status and remaining time."""

    def __init__(self, problem: Problem, model: _Model, engine: _HighsEngine | _CbcEngine,
                 deadline: float | None) -> None:
        self.problem, self.model, self.engine, self.deadline = problem, model, engine, deadline
        self.chosen: IntArray | None = None
        self.status: Status = "optimal"

    def current(self) -> IntArray:
        assert self.chosen is not None
        return self.chosen

    def _solve(self, objective: _Objective | None) -> tuple[Outcome, IntArray]:
        remaining = None if self.deadline is None else self.deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            outcome: Outcome = "unknown"
            values = None
        else:
            start = None if self.chosen is None else self.model.start(self.chosen)
            outcome, values = self.engine.solve(self.model, objective, INTEGER_GAP, remaining,
                                                start)
        if values is None:
            return outcome, np.zeros(0, dtype=np.int64)
        return outcome, self.model.chosen(values)

    def _accept(self, outcome: Outcome, chosen: IntArray) -> None:
        if outcome == "infeasible":
            if self.chosen is None:
                raise _Infeasible
            raise RuntimeError("the MIP solver lost a feasible solution between levels "
                               "(numerical trouble)")
        if outcome == "unknown":
            if self.chosen is None:
                raise NoSolutionError("the time limit ran out before any proposal was found")
            self.status = "feasible"
            raise _Stop
        self.chosen = chosen
        if outcome == "feasible":
            self.status = "feasible"
            raise _Stop

    def stage(self, objective: _Objective | None) -> None:
        """Maximise one integer-valued level."""
        self._accept(*self._solve(objective))


class MipSolver:
    """Exact lexicographic MIP; `engine` picks CBC (bundled with PuLP) or HiGHS."""

    exact = True

    def __init__(self, engine: Engine = "cbc") -> None:
        self.engine: Engine = engine
        self.name = "mip" if engine == "cbc" else f"mip:{engine}"

    def supports(self, problem: Problem) -> str | None:
        if self.engine == "highs":
            try:
                import highspy  # noqa: F401
            except ImportError:
                return "HiGHS is not installed (pip install highspy)"
            return None
        if _cbc_factory() is None:
            return "CBC is not available to PuLP (install pulp with its bundled CBC, or cbc)"
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        if problem.has_fairness_level and problem.fairness == "maxmin":
            # the driver shares the deadline and keeps the best proposal seen
            return solve_maxmin(problem, options, self._solve_within)
        return self._solve_within(problem, options)

    def _solve_within(self, problem: Problem, options: Options) -> Solution:
        deadline = None if options.time_limit is None else time.monotonic() + options.time_limit
        return self._solve(problem, options, deadline)

    def _solve(self, problem: Problem, options: Options, deadline: float | None) -> Solution:
        left = options if deadline is None else dataclasses.replace(
            options, time_limit=max(deadline - time.monotonic(), 1e-3))
        return solve_reduced(problem, left,
                             lambda sub, _: self._solve_model(sub, options, deadline))

    def _solve_model(self, problem: Problem, options: Options, deadline: float | None
                     ) -> Solution:
        usable = _usable(problem)
        if _plainly_infeasible(problem, usable):
            return Solution(status="infeasible")
        if not usable.any():  # nothing to choose, and nothing required
            chosen = np.zeros(0, dtype=np.int64)
            return Solution(status="optimal", chosen=chosen, levels=evaluate(problem, chosen))
        model = _Model(problem, np.flatnonzero(usable).astype(np.int64))
        engine = _HighsEngine(options) if self.engine == "highs" else _CbcEngine(options)
        run = _Run(problem, model, engine, deadline)
        try:
            stages = [(lv, model.objective(lv)) for lv in problem.levels]
            stages = [(lv, objective) for lv, objective in stages if objective is not None]
            if not stages:
                run.stage(None)
            for level, objective in stages:
                run.stage(objective)
                if not engine.keep_optimal_face():
                    model.fix(level, run.current())
        except _Stop:
            pass
        except _Infeasible:
            return Solution(status="infeasible")
        chosen = run.current()
        broken = check_solution(problem, chosen)
        if broken:
            raise RuntimeError(f"{self.name} returned an invalid solution: {'; '.join(broken)}")
        return Solution(status=run.status, chosen=chosen, levels=evaluate(problem, chosen))
