"""CBC, the engine of `mip` (bundled with PuLP): the whole model is written to the
command-line solver for each level."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pulp

from solvers.base import Options
from solvers.mip_model import FloatArray, MipModel, Objective, Outcome


def cbc_factory() -> Callable[..., Any] | None:
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


class CbcEngine:
    """CBC through PuLP's command-line interface: the whole model is written per solve."""

    def __init__(self, options: Options) -> None:
        make = cbc_factory()
        if make is None:
            raise RuntimeError("CBC is not available to PuLP")
        self.make = make
        self.options = options

    def keep_optimal_face(self) -> bool:
        """CBC gives no duals for a MIP: levels are kept by rows instead."""
        return False

    def solve(
        self, model: MipModel, objective: Objective | None, gap: float, start: FloatArray | None
    ) -> tuple[Outcome, FloatArray | None]:
        """One solve of the whole model, stopped at the deadline of the options."""
        # CBC mishandles a MIP start under -max (the cutoff gets the wrong sign and a
        # negative level is declared optimal at the start): minimise the negation.
        model.prob.sense = pulp.LpMinimize
        model.prob.setObjective(
            -objective.expr if objective is not None else pulp.LpAffineExpression()
        )
        if start is not None:
            for var, value in zip(model.columns, start.tolist(), strict=True):
                var.varValue = value
        solver = self.make(
            timeLimit=self.options.left(),
            gapRel=0,
            gapAbs=gap,
            threads=max(1, self.options.threads),
            warmStart=start is not None,
        )
        model.prob.solve(solver)
        sol, status = model.prob.sol_status, model.prob.status
        if sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            values = np.array([v.varValue or 0.0 for v in model.x], dtype=np.float64)
            return ("optimal" if sol == pulp.LpSolutionOptimal else "feasible"), values
        if status == pulp.LpStatusInfeasible:
            return "infeasible", None
        if self.options.deadline is not None:
            return "unknown", None
        raise RuntimeError(f"CBC stopped with status {pulp.LpStatus.get(status, status)}")
