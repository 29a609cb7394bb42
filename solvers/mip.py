"""Mixed-integer back-end: the cpsat model written in PuLP, solved by CBC or HiGHS.

Same semantics as `solvers.cpsat`: one binary per candidate edge and the lexicographic
objective solved exactly, level by level (one weighted solve is not trusted to floating
point). Nothing is taken from the solver but the rounded choice of edges: each level's
optimum is recomputed from it with `evaluate` and kept with integer data before the next
level (a `level >= optimum` row, or with HiGHS the LP's optimal face, see
`solvers.mip_highs.HighsEngine`). Every level is integer-valued, so an absolute gap
below 1 proves optimality. `maxmin` fairness goes through `solvers.leximin`, like every
exact back-end.

The model is in `solvers.mip_model`, the engines in `solvers.mip_cbc` and
`solvers.mip_highs`; this module runs the lexicographic sequence.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from solvers.base import (
    IntArray,
    NoSolutionError,
    Options,
    Problem,
    Solution,
    Status,
    check_solution,
    evaluate,
)
from solvers.mip_cbc import CbcEngine, cbc_factory
from solvers.mip_highs import HighsEngine
from solvers.mip_model import (
    MipEngine,
    MipModel,
    Objective,
    Outcome,
    plainly_infeasible,
    usable_edges,
)
from solvers.pricing import solve_exact

Engine = Literal["cbc", "highs"]

#: Absolute gap for integer-valued levels: a bound within 0.5 of the incumbent proves it.
INTEGER_GAP = 0.5


class _Stop(Exception):
    """The sequence ends early with the current solution (time limit)."""


class _Infeasible(Exception):
    """The first solve proved that no proposal satisfies the constraints."""


class _Run:
    """One lexicographic sequence: the current solution and status, within the deadline
    of `options`."""

    def __init__(
        self, problem: Problem, model: MipModel, engine: MipEngine, options: Options
    ) -> None:
        self.problem, self.model, self.engine, self.options = problem, model, engine, options
        self.chosen: IntArray | None = None
        self.status: Status = "optimal"

    def current(self) -> IntArray:
        assert self.chosen is not None
        return self.chosen

    def _solve(self, objective: Objective | None) -> tuple[Outcome, IntArray]:
        if self.options.expired():
            outcome: Outcome = "unknown"
            values = None
        else:
            start = None if self.chosen is None else self.model.start(self.chosen)
            outcome, values = self.engine.solve(self.model, objective, INTEGER_GAP, start)
        if values is None:
            return outcome, np.zeros(0, dtype=np.int64)
        return outcome, self.model.chosen(values)

    def _accept(self, outcome: Outcome, chosen: IntArray) -> None:
        if outcome == "infeasible":
            if self.chosen is None:
                raise _Infeasible
            raise RuntimeError(
                "the MIP solver lost a feasible solution between levels (numerical trouble)"
            )
        if outcome == "unknown":
            if self.chosen is None:
                raise NoSolutionError("the time limit ran out before any proposal was found")
            self.status = "feasible"
            raise _Stop
        self.chosen = chosen
        if outcome == "feasible":
            self.status = "feasible"
            raise _Stop

    def stage(self, objective: Objective | None) -> None:
        """Maximise one integer-valued level."""
        self._accept(*self._solve(objective))


class MipSolver:
    """Exact lexicographic MIP; `engine` picks CBC (bundled with PuLP) or HiGHS."""

    exact = True

    def __init__(self, engine: Engine = "cbc") -> None:
        self.engine: Engine = engine
        self.name = "mip" if engine == "cbc" else f"mip:{engine}"

    def supports(self, problem: Problem) -> str | None:
        """None when the engine is there: HiGHS always is (a dependency, imported with
        this module), CBC when PuLP finds its binary."""
        if self.engine == "highs":
            return None
        if cbc_factory() is None:
            return "CBC is not available to PuLP (install pulp with its bundled CBC, or cbc)"
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        """The lexicographic optimum, or the best found before the deadline."""
        return solve_exact(problem, options, self._solve_model)

    def _solve_model(self, problem: Problem, options: Options) -> Solution:
        usable = usable_edges(problem)
        if plainly_infeasible(problem, usable):
            return Solution(status="infeasible")
        if not usable.any():  # nothing to choose, and nothing required
            chosen = np.zeros(0, dtype=np.int64)
            return Solution(status="optimal", chosen=chosen, levels=evaluate(problem, chosen))
        model = MipModel(problem, np.flatnonzero(usable).astype(np.int64))
        engine: MipEngine = HighsEngine(options) if self.engine == "highs" else CbcEngine(options)
        run = _Run(problem, model, engine, options)
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
