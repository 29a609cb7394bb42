"""Capacity what-ifs for programme leads: more mentors, a higher cap per mentor or for the
programme, a municipality floor, another fairness mode, and every combination of them.

Each variant is the scenario with some settings changed, solved without explanations
(the costly part of a round) and summarised in one row. The grid goes through an
executor, so a large sweep can run on worker processes or a Dask cluster and still
give the same rows in the same order.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from matcher.core.problem import Built
from matcher.engine import price_of_fairness
from matcher.explain.reasons import build_result
from matcher.explain.result import Result
from matcher.model.scenario import Fairness, Scenario
from matcher.planning.executor import Executor, InProcess, Progress
from matcher.planning.recruit import best_profiles
from matcher.planning.variants import (
    DEFAULT_SOLVER,
    MentorProfile,
    Variant,
    apply,
    quick_solve,
)
from solvers import Options, Solution, get_solver


@dataclass(frozen=True)
class Grid:
    """Values to combine; the variants are their cartesian product, in option order."""

    add_mentors: tuple[int, ...] = (0,)
    mentor_capacity: tuple[int | None, ...] = (None,)
    capacity: tuple[int | None, ...] = (None,)
    position_budget: tuple[float | None, ...] = (None,)
    floors: tuple[tuple[str, tuple[int, ...]], ...] = ()
    fairness: tuple[Fairness | None, ...] = (None,)
    profile: MentorProfile | None = None  # None: the profiles that help most

    def axes(self) -> list[str]:
        """The settings given other than as the default, that is, the table's axis
        columns (floors get their own columns)."""
        values = {
            "add_mentors": self.add_mentors,
            "mentor_capacity": self.mentor_capacity,
            "capacity": self.capacity,
            "position_budget": self.position_budget,
            "fairness": self.fairness,
        }
        return [key for key, given in values.items() if given not in ((0,), (None,))]

    def variants(self) -> list[Variant]:
        """Every combination, one floor axis per municipality; this order is the
        rows' order, whichever executor solves them."""
        floor_axes = [[(muni, v) for v in values] for muni, values in self.floors]
        combos = itertools.product(
            self.add_mentors,
            self.mentor_capacity,
            self.capacity,
            self.position_budget,
            itertools.product(*floor_axes),
            self.fairness,
        )
        return [Variant(a, mc, c, b, tuple(f), fm) for a, mc, c, b, f, fm in combos]


class Row(BaseModel):
    """One variant's outcome, in the numbers a programme lead compares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    variant: str
    add_mentors: int
    mentor_capacity: int | None
    capacity: int | None
    position_budget: float | None
    floors: dict[str, int]
    fairness: str
    status: str
    matched: int
    eligible: int
    coverage: float  # matched / eligible
    waiting: int
    municipalities: dict[str, int]  # active participants per municipality after the round
    mean_score: float
    posts_used: float
    price_coverage: int  # pairs lost against fairness none, same hard rules
    price_quality: float
    changed: int  # participants whose mentor differs from the baseline's
    limit: str  # what stops more pairs


class WhatIf(BaseModel):
    """The `whatif` command's answer: the scenario as given (`baseline`), one row per
    combination, and the mentors added, in the order they are added."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    solver: str
    profiles: list[str]  # added mentors, in the order they are added
    axes: list[str]  # the settings the grid changes (floors apart)
    baseline: Row
    rows: list[Row]


def pair_map(result: Result) -> dict[str, str]:
    """Participant -> mentor of every pair after the round, kept ones included: what
    `changed` compares with the baseline."""
    return {p.participant: p.mentor for p in result.pairs}


def fairness_price(
    result: Result, built: Built, solution: Solution, solver: str
) -> tuple[int, float]:
    """Pairs and total score lost against fairness `none` under the same hard rules, as
    the result of a solve reports them (`matcher.engine.price_of_fairness`)."""
    if solution.status == "infeasible":
        return 0, 0.0
    summary = price_of_fairness(result, built, get_solver(solver), Options())
    return summary.price_coverage, summary.price_quality


def limit_reached(built: Built, solution: Solution, waiting: int) -> str:
    """What stops more pairs, in words the renderers map to short labels: a full
    programme cap or budget, else `mentors who fit` (area, rules, ceilings)."""
    problem, n_new = built.problem, len(solution.chosen)
    if solution.status == "infeasible":
        return "infeasible"
    if waiting == 0:
        return "nobody waiting"
    binding = []
    if problem.capacity is not None and n_new >= problem.capacity:
        binding.append("programme capacity")
    if problem.budget is not None and n_new >= problem.budget:
        binding.append("position budget")
    return " and ".join(binding) or "mentors who fit"


def solve_variant(
    scenario: Scenario,
    profiles: Sequence[MentorProfile],
    solver: str,
    baseline: dict[str, str] | None,
    variant: Variant,
) -> tuple[Row, dict[str, str]]:
    """One variant's row, and its pairs (participant -> mentor) for comparisons."""
    changed = apply(scenario, variant, profiles)
    backend = get_solver(solver)
    built, solution = quick_solve(changed, solver)
    result = build_result(built, solution, solution.solver or backend.name, 0.0)
    price = fairness_price(result, built, solution, solver)
    pairs = pair_map(result) if solution.status != "infeasible" else {}
    reference = baseline if baseline is not None else pairs
    people = set(pairs) | set(reference)
    m = result.metrics
    row = Row(
        variant=variant.label,
        add_mentors=variant.add_mentors,
        mentor_capacity=variant.mentor_capacity,
        capacity=changed.program.capacity,
        position_budget=changed.program.position_budget,
        floors=dict(variant.floors),
        fairness=changed.policy.fairness,
        status=result.status,
        matched=m.matched,
        eligible=m.eligible,
        coverage=round(m.matched / m.eligible, 4) if m.eligible else 0.0,
        waiting=m.waiting,
        municipalities={k: v.active for k, v in result.municipalities.items()},
        mean_score=m.mean_score,
        posts_used=m.positions_used,
        price_coverage=price[0],
        price_quality=price[1],
        changed=sum(1 for p in people if pairs.get(p) != reference.get(p)),
        limit=limit_reached(built, solution, m.waiting),
    )
    return row, pairs


def _row_only(
    scenario: Scenario,
    profiles: Sequence[MentorProfile],
    solver: str,
    baseline: dict[str, str],
    variant: Variant,
) -> Row:
    return solve_variant(scenario, profiles, solver, baseline, variant)[0]


def choose_profiles(
    scenario: Scenario, grid: Grid, solver: str, executor: Executor | None = None
) -> tuple[MentorProfile, ...]:
    """The mentors a variant adds: the given profile repeated, else the profiles that
    help most, chosen one after another (each given the ones before)."""
    n = max(grid.add_mentors, default=0)
    if n == 0:
        return ()
    if grid.profile is not None:
        return (grid.profile,) * n
    return tuple(best_profiles(scenario, n, solver=solver, executor=executor))


def run_whatif(
    scenario: Scenario,
    grid: Grid,
    solver: str = DEFAULT_SOLVER,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> WhatIf:
    """Every combination of the grid, one row each, plus the scenario as given."""
    pool = executor or InProcess()
    profiles = choose_profiles(scenario, grid, solver, pool)
    base_row, base_pairs = solve_variant(scenario, (), solver, None, Variant())
    job = functools.partial(_row_only, scenario, profiles, solver, base_pairs)
    rows = pool.map(job, grid.variants(), progress)
    return WhatIf(
        scenario=scenario.name,
        solver=solver,
        profiles=[p.label for p in profiles],
        axes=grid.axes(),
        baseline=base_row.model_copy(update={"variant": "baseline"}),
        rows=rows,
    )
