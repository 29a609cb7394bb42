"""Interchangeable back-ends behind one interface (`solvers.base.Solver`)."""

from __future__ import annotations

from solvers.base import (
    NoSolutionError,
    Options,
    Problem,
    Solution,
    Solver,
    check_solution,
    evaluate,
)
from solvers.cpsat import CpSatSolver

__all__ = [
    "NoSolutionError",
    "Options",
    "Problem",
    "Solution",
    "Solver",
    "UnknownSolverError",
    "available",
    "check_solution",
    "evaluate",
    "get_solver",
]


class UnknownSolverError(ValueError):
    pass


_REGISTRY: dict[str, type[Solver]] = {"cpsat": CpSatSolver}


def available() -> list[str]:
    return sorted(_REGISTRY)


def get_solver(name: str) -> Solver:
    """The back-end registered under `name`."""
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise UnknownSolverError(
            f"unknown solver '{name}'; choose one of: {', '.join(available())}"
        ) from None
