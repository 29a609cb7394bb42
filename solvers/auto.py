"""`auto`: the fastest exact back-end that supports the problem.

Order by measured speed (see the README's performance table): min-cost flow when the
objective is edge-additive, else the MIP on HiGHS (proportional fairness: 0.13 s on a
200 x 100 round, where CP-SAT took 4 s), else CP-SAT, which supports every problem.
"""

from __future__ import annotations

from collections.abc import Callable

from solvers.base import Options, Problem, Solution, Solver

PREFERENCE = ("flow", "mip:highs", "cpsat")


class AutoSolver:
    """Dispatches to the first back-end in `PREFERENCE` that supports the problem.

    The registry hands in its own lookup, so that this module needs no import of it."""

    name = "auto"
    exact = True

    def __init__(self, lookup: Callable[[str], Solver]) -> None:
        self.lookup = lookup

    def choose(self, problem: Problem) -> Solver:
        """The back-end that will solve `problem`."""
        for name in PREFERENCE:
            solver = self.lookup(name)
            if solver.supports(problem) is None:
                return solver
        raise RuntimeError("no exact back-end supports this problem")  # cpsat supports all

    def supports(self, problem: Problem) -> str | None:
        """None: CP-SAT, last in line, supports every problem."""
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        """The chosen back-end's solution, naming that back-end."""
        solver = self.choose(problem)
        solution = solver.solve(problem, options)
        return Solution(solution.status, solution.chosen, solution.levels, solver=solver.name)
