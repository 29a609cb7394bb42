"""Interchangeable back-ends behind one interface (`solvers.base.Solver`).

Names: `cpsat`, `mip` (PuLP with CBC), `mip:highs` (PuLP with HiGHS), `flow` (OR-Tools
min-cost flow), `networkx`, `greedy` (the manual baseline, never optimal) and `auto`
(the fastest exact back-end that supports the problem).
"""

from __future__ import annotations

from solvers.base import (
    NoSolutionError,
    Options,
    OptionsError,
    Problem,
    Solution,
    Solver,
    check_solution,
    evaluate,
)
from solvers.registry import NAMES, UnknownSolverError, get_solver

__all__ = [
    "NAMES",
    "NoSolutionError",
    "Options",
    "OptionsError",
    "Problem",
    "Solution",
    "Solver",
    "UnknownSolverError",
    "check_solution",
    "evaluate",
    "get_solver",
]
