"""`flow`: OR-Tools min-cost flow on the network of the problem (`solvers.network`).

Exact and polynomial. Large rounds are solved on a sparse candidate set and certified
over every edge by pricing (`solvers.pricing`).
"""

from __future__ import annotations

from solvers.base import Options, Problem, Solution
from solvers.network import (
    PRICED_EDGES,
    ortools_kernel,
    ortools_scales,
    solve_network,
    unsupported,
)
from solvers.pricing import certified_optimum


class FlowSolver:
    """Exact and fast for every objective a flow network expresses."""

    name = "flow"
    exact = True

    def supports(self, problem: Problem) -> str | None:
        """None unless proportional fairness or 64-bit costs rule the network out."""
        return unsupported(problem, ortools_scales(problem))

    def solve(self, problem: Problem, options: Options) -> Solution:
        """Exact; `options` (time limit, threads, seed) do not apply to a flow solve."""
        scales = ortools_scales(problem)
        reason = unsupported(problem, scales)
        if reason is not None:
            raise ValueError(reason)
        if problem.n_edges >= PRICED_EDGES:
            certified = certified_optimum(problem, scales)
            if certified is not None:
                return Solution(status="optimal", chosen=certified.chosen, levels=certified.levels)
        return solve_network(problem, ortools_kernel, scales)
