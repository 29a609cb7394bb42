"""Re-solving under a budget: every explanation asks `Resolver` for its solves, so that
explanations stop at the same point on every machine (a work budget tied to the size of
the round) or at the caller's deadline, and a note can count who was left out."""

from __future__ import annotations

import dataclasses
import time

from solvers import get_solver
from solvers.base import NoSolutionError, Options, Problem, Solution, Solver

#: Re-solving costs one solve per question. The number of solves is bounded by the
#: problem's size (work = solves x candidate edges), so that explaining never costs much
#: more than solving, and the output does not depend on the machine's speed.
EXPLAIN_WORK = 3_000_000
MAX_SOLVES = 2_000


class OutOfTimeError(Exception):
    """The time limit passed before a re-solve proved its answer."""


@dataclasses.dataclass
class WorkBudget:
    """Re-solves left for explanations: a deterministic work budget (from the problem's
    size, not the machine's speed), and a record of whom it left out; `skipped` counts
    people left unexplained, `timed_out` says whether the deadline rather than the
    budget stopped them. (Not the programme's position budget.)"""

    solves: int
    skipped: int = 0
    timed_out: bool = False

    @classmethod
    def for_problem(cls, n_edges: int) -> WorkBudget:
        """The work budget of explaining a problem with `n_edges` candidate edges."""
        return cls(min(MAX_SOLVES, EXPLAIN_WORK // max(n_edges, 1)))

    def affords(self, solves: int) -> bool:
        """Whether `solves` more re-solves fit the work budget."""
        return self.solves >= solves

    def take(self) -> bool:
        """One solve off the work budget (False when it is used up)."""
        if self.solves <= 0:
            return False
        self.solves -= 1
        return True


@dataclasses.dataclass
class Resolver:
    """The one way explanations re-solve: the fastest exact back-end, within the work
    budget and the deadline of `options` (the whole call's, shared with the proposal)."""

    options: Options
    budget: WorkBudget
    solver: Solver = dataclasses.field(default_factory=lambda: get_solver("auto"))
    #: Seconds the last question took (its build and solve), and when it started: a
    #: question that would not fit in the time left is not started, since some back-ends
    #: (the flow ones) do not stop at a time limit.
    step: float = dataclasses.field(default=0.0, init=False)
    started: float | None = dataclasses.field(default=None, init=False)

    def affords(self, solves: int) -> bool:
        """Whether the deadline has not passed and `solves` more re-solves fit the work
        budget."""
        if self.options.expired():
            self.budget.timed_out = True
            return False
        return self.budget.affords(solves)

    def take(self) -> bool:
        """Start a question: one solve off the work budget (False when it is used up);
        OutOfTimeError when it would probably not end before the deadline."""
        if self.options.deadline is not None:
            now = time.monotonic()
            if self.started is not None:
                self.step = now - self.started
            self.started = now
            if self.options.expired(at=now + self.step):
                self.budget.timed_out = True
                raise OutOfTimeError
        return self.budget.take()

    def solve(self, problem: Problem) -> Solution | None:
        """The optimum of a changed problem, or None when it has none; OutOfTimeError when
        the deadline passed or stopped the solve before it proved either."""
        if self.options.expired():
            self.budget.timed_out = True
            raise OutOfTimeError
        try:
            solution = self.solver.solve(problem, self.options)
        except NoSolutionError:
            self.budget.timed_out = True
            raise OutOfTimeError from None
        if solution.status == "feasible":
            self.budget.timed_out = True
            raise OutOfTimeError
        return None if solution.status == "infeasible" else solution
