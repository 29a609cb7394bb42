"""HiGHS, the engine of `mip:highs`, in process: the model is passed in bulk once and
each level's changes are applied incrementally (see `HighsEngine`)."""

from __future__ import annotations

import highspy
import numpy as np
import pulp

from solvers.base import Options
from solvers.highs import new_highs
from solvers.mip_model import FloatArray, MipModel, Objective, Outcome

#: An LP solution this close to 0/1 everywhere is taken as integral.
INTEGRALITY = 1e-6
INF = float("inf")


class HighsEngine:
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
        self.options = options
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

    def _sync(self, model: MipModel) -> None:
        h = self.h
        if self.n_cols == 0:
            cols = model.columns
            n = len(cols)
            lower = np.array([v.lowBound for v in cols], dtype=np.float64)
            upper = np.array(
                [INF if v.upBound is None else v.upBound for v in cols], dtype=np.float64
            )
            h.addVars(n, lower, upper)
            self.lower, self.upper = lower, upper
            integer = np.array(
                [i for i, v in enumerate(cols) if v.cat == pulp.LpInteger], dtype=np.int32
            )
            kinds = np.full(len(integer), int(highspy.HighsVarType.kInteger), dtype=np.uint8)
            h.changeColsIntegrality(len(integer), integer, kinds)
            self.n_cols = n
            model.changed.clear()
        if model.changed:
            idx = np.array(sorted(model.changed), dtype=np.int32)
            lower = np.array([model.columns[i].lowBound for i in idx], dtype=np.float64)
            upper = np.array(
                [
                    INF if model.columns[i].upBound is None else model.columns[i].upBound
                    for i in idx
                ],
                dtype=np.float64,
            )
            # the PuLP model only tightens; never undo a fixed optimal face
            self.lower[idx] = np.maximum(self.lower[idx], lower)
            self.upper[idx] = np.minimum(self.upper[idx], upper)
            h.changeColsBounds(len(idx), idx, self.lower[idx], self.upper[idx])
            model.changed.clear()
        new_rows = model.rows[self.n_rows :]
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
            h.addRows(
                len(new_rows),
                np.array(lows),
                np.array(ups),
                len(cols),
                np.array(starts, dtype=np.int32),
                np.array(cols, dtype=np.int32),
                np.array(vals, dtype=np.float64),
            )
            self.n_rows = len(model.rows)

    def _objective(self, objective: Objective | None) -> None:
        h = self.h
        if len(self.cost_cols):
            h.changeColsCost(len(self.cost_cols), self.cost_cols, np.zeros(len(self.cost_cols)))
        if objective is None:
            self.cost_cols = np.zeros(0, dtype=np.int32)
            return
        self.cost_cols = objective.cols
        h.changeColsCost(len(objective.cols), objective.cols, objective.coefs)

    def _run(self) -> highspy.HighsModelStatus:
        left = self.options.left()
        self.h.setOptionValue("time_limit", INF if left is None else left)
        if self.h.run() == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS failed to run")
        return self.h.getModelStatus()

    def solve(
        self, model: MipModel, objective: Objective | None, gap: float, start: FloatArray | None
    ) -> tuple[Outcome, FloatArray | None]:
        """The LP relaxation first: when its optimum is integral it is the level's
        optimum (the level is integer-valued and the LP bound is within tolerance of
        it), which is the common case here (bipartite b-matching is totally unimodular)
        and saves the MIP's own set-up; otherwise the MIP, from the previous level's
        solution."""
        h, model_status = self.h, highspy.HighsModelStatus
        n = len(model.edges)
        self.lp_optimum = False
        self._sync(model)
        self._objective(objective)
        h.setOptionValue("solve_relaxation", True)
        status = self._run()
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
        status = self._run()
        if status == model_status.kOptimal:
            outcome: Outcome = "optimal"
        elif status in (model_status.kInfeasible, model_status.kUnboundedOrInfeasible):
            return "infeasible", None
        elif status in (
            model_status.kTimeLimit,
            model_status.kInterrupt,
            model_status.kIterationLimit,
            model_status.kSolutionLimit,
        ):
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
    """Every value within `INTEGRALITY` of an integer."""
    return bool(np.abs(values - np.round(values)).max(initial=0.0) <= INTEGRALITY)
