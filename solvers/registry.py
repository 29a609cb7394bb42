"""The back-ends by name. Each is imported only when asked for, so that a command pays
for OR-Tools, PuLP or highspy only if it uses them (deliberate lazy loading: the imports
below are the only function-local ones in `solvers`)."""

from __future__ import annotations

from collections.abc import Callable

from solvers.base import Solver


class UnknownSolverError(ValueError):
    """No back-end has that name; the message lists the names there are."""


def _cpsat() -> Solver:
    from solvers.cpsat import CpSatSolver  # lazy: OR-Tools CP-SAT is heavy

    return CpSatSolver()


def _mip(engine: str) -> Callable[[], Solver]:
    def make() -> Solver:
        from solvers.mip import MipSolver  # lazy: PuLP and highspy are heavy

        return MipSolver(engine=engine)  # type: ignore[arg-type]

    return make


def _flow() -> Solver:
    from solvers.flow import FlowSolver  # lazy: OR-Tools graph is heavy

    return FlowSolver()


def _networkx() -> Solver:
    from solvers.nxflow import NetworkxSolver  # lazy: networkx is heavy

    return NetworkxSolver()


def _greedy() -> Solver:
    from solvers.greedy import GreedySolver  # lazy, as every back-end

    return GreedySolver()


def _auto() -> Solver:
    from solvers.auto import AutoSolver  # lazy, as every back-end

    return AutoSolver(get_solver)


_FACTORIES: dict[str, Callable[[], Solver]] = {
    "auto": _auto,
    "cpsat": _cpsat,
    "flow": _flow,
    "greedy": _greedy,
    "mip": _mip("cbc"),
    "mip:cbc": _mip("cbc"),
    "mip:highs": _mip("highs"),
    "networkx": _networkx,
}
NAMES = tuple(_FACTORIES)


def get_solver(name: str) -> Solver:
    """The back-end registered under `name`."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise UnknownSolverError(
            f"unknown solver '{name}'; choose one of: {', '.join(NAMES)}"
        ) from None
    return factory()
