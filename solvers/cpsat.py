"""OR-Tools CP-SAT back-end.

One boolean per candidate edge. The lexicographic objective is solved exactly, level by
level: each optimum is fixed as a constraint before the next level, and the previous
solution is the hint.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from solvers.base import (
    NoSolutionError,
    Options,
    Problem,
    Solution,
    Status,
    edge_values,
    evaluate,
    group_edges,
)
from solvers.pricing import solve_exact


class _Model:
    """The CP-SAT model of a problem, with one linear expression per objective level."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        m = self.model = cp_model.CpModel()
        n = problem.n_edges
        self.x = [m.new_bool_var(f"x{e}") for e in range(n)]
        x = self.x

        def total(edges: Sequence[int]) -> cp_model.LinearExpr:
            return cp_model.LinearExpr.sum([x[e] for e in edges])

        for edges in group_edges(problem.edge_p, problem.n_participants).members():
            if len(edges) > 1:
                m.add_at_most_one(x[e] for e in edges)
        by_mentor = group_edges(problem.edge_m, problem.n_mentors).members()
        for cap, edges in zip(problem.mentor_capacity.tolist(), by_mentor, strict=True):
            if len(edges) > cap:
                m.add(total(edges) <= cap)
        self.total = total(range(n))
        for limit in (problem.capacity, problem.budget):
            if limit is not None and limit < n:
                m.add(self.total <= limit)
        self.group_new: list[cp_model.LinearExpr] = []
        by_group = group_edges(problem.edge_group, len(problem.groups)).members()
        for group, edges in zip(problem.groups, by_group, strict=True):
            expr = total(edges)
            self.group_new.append(expr)
            if group.lower > 0:
                m.add(expr >= group.lower)
            if group.upper is not None and group.upper < len(edges):
                m.add(expr <= group.upper)
        for e in problem.required.tolist():
            m.add(total([e]) >= 1)
        self.levels = self._levels()

    def _levels(self) -> dict[str, tuple[cp_model.LinearExpr, int, int]]:
        problem, x, n = self.problem, self.x, self.problem.n_edges

        levels: dict[str, tuple[cp_model.LinearExpr, int, int]] = {"coverage": (self.total, 0, n)}
        for level in ("priority", "quality", "stability"):
            values = edge_values(problem, level)
            levels[level] = (
                cp_model.LinearExpr.weighted_sum(x, values.tolist()),
                0,
                int(values.sum()),
            )
        if problem.has_fairness_level and problem.fairness == "proportional":
            levels["fairness"] = self._deviation()
        return levels

    def _deviation(self) -> tuple[cp_model.LinearExpr, int, int]:
        """Proportional fairness: minus the total deviation from the targets (maxmin goes
        through solvers.leximin instead)."""
        p, m = self.problem, self.model
        totals = [new + g.existing for g, new in zip(p.groups, self.group_new, strict=True)]
        people = p.n_participants + sum(g.existing for g in p.groups)
        s = sum(g.target for g in p.groups)
        grand = self.total + sum(g.existing for g in p.groups)
        devs: list[tuple[cp_model.IntVar, int]] = []
        for g, total in zip(p.groups, totals, strict=True):
            if g.target <= 0:
                continue
            bound = (s + g.target) * people
            dev = m.new_int_var(0, bound, f"dev_{g.key}")
            diff = s * total - g.target * grand
            m.add(dev >= diff)
            m.add(dev >= -diff)
            devs.append((dev, bound))
        deviation = cp_model.LinearExpr.sum([d for d, _ in devs])
        return -deviation, -sum(b for _, b in devs), 0

    def ordered_levels(self) -> list[tuple[cp_model.LinearExpr, int, int]]:
        return [self.levels[name] for name in self.problem.levels]


class CpSatSolver:
    """Exact on every problem: the reference the other back-ends are checked against."""

    name = "cpsat"
    exact = True

    def supports(self, problem: Problem) -> str | None:
        """None: every problem is a CP-SAT model."""
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        """The lexicographic optimum, or the best found before the deadline."""
        return solve_exact(problem, options, self._solve_model)

    def _solve_model(self, problem: Problem, options: Options) -> Solution:
        """Level by level, with the full LP relaxation: one weighted solve of the whole
        objective (weights up to 1e10) took minutes to prove what this proves in a tenth
        of a second, and without the LP of every constraint even the coverage bound of a
        round of a thousand people stays open for minutes."""
        model = _Model(problem)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = max(1, options.threads)
        solver.parameters.random_seed = options.seed
        solver.parameters.linearization_level = 2
        stages = [expr for expr, _, _ in model.ordered_levels()]
        status: Status = "optimal"
        values: list[int] | None = None
        for stage in stages or [cp_model.LinearExpr.sum([])]:
            left = options.left()
            if left is not None:
                solver.parameters.max_time_in_seconds = left
            model.model.maximize(stage)
            code = solver.solve(model.model)
            if code == cp_model.INFEASIBLE:
                return Solution(status="infeasible")
            if code == cp_model.MODEL_INVALID:
                raise RuntimeError(model.model.validate())
            if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # stopped with nothing new
                if values is None:
                    raise NoSolutionError("the time limit ran out before any proposal was found")
                status = "feasible"
                break
            values = [int(solver.value(v)) for v in model.x]
            if code != cp_model.OPTIMAL:
                status = "feasible"
                break
            model.model.add(stage >= int(solver.value(stage)))
            model.model.clear_hints()  # type: ignore[no-untyped-call]
            for var, val in zip(model.x, values, strict=True):
                model.model.add_hint(var, val)
        chosen = np.flatnonzero(np.array(values or [], dtype=np.int64)).astype(np.int64)
        return Solution(status=status, chosen=chosen, levels=evaluate(problem, chosen))
