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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from matcher.engine import price_of_fairness
from matcher.executor import Executor, InProcess, Progress
from matcher.explain import build_result
from matcher.problem import Built, build
from matcher.result import Result
from matcher.scenario import Fairness, Gender, Mentor, Scenario
from solvers import Options, Solution, get_solver

DEFAULT_SOLVER = "auto"
NEW_MENTOR_PREFIX = "NEW"


@dataclass(frozen=True)
class MentorProfile:
    """A mentor the programme could recruit: who they are and where they work."""

    gender: Gender
    municipality: str
    age: int
    serves: tuple[str, ...] = ()  # empty: only `municipality`
    substances: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        where = "+".join(self.serves or (self.municipality,))
        text = f"{self.gender} {self.age}, serves {where}"
        return text + (f", {'+'.join(self.substances)} experience" if self.substances else "")


@dataclass(frozen=True)
class Variant:
    """Changes to the scenario; None (or empty) leaves a setting as the scenario has it."""

    add_mentors: int = 0
    mentor_capacity: int | None = None  # every mentor's cap, individual caps included
    capacity: int | None = None  # program.capacity; the position budget follows it
    position_budget: float | None = None
    floors: tuple[tuple[str, int], ...] = ()  # municipality min
    fairness: Fairness | None = None

    @property
    def label(self) -> str:
        noun = "mentor" if self.add_mentors == 1 else "mentors"
        parts = [f"{self.add_mentors} new {noun}"] if self.add_mentors else []
        if self.mentor_capacity is not None:
            parts.append(f"{self.mentor_capacity}/mentor")
        if self.capacity is not None:
            parts.append(f"cap {self.capacity}")
        if self.position_budget is not None:
            parts.append(f"posts {self.position_budget:g}")
        parts += [f"{muni}>={value}" for muni, value in self.floors]
        if self.fairness is not None:
            parts.append(self.fairness)
        return ", ".join(parts) or "as given"


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
        values = {"add_mentors": self.add_mentors, "mentor_capacity": self.mentor_capacity,
                  "capacity": self.capacity, "position_budget": self.position_budget,
                  "fairness": self.fairness}
        return [key for key, given in values.items() if given not in ((0,), (None,))]

    def variants(self) -> list[Variant]:
        floor_axes = [[(muni, v) for v in values] for muni, values in self.floors]
        combos = itertools.product(self.add_mentors, self.mentor_capacity, self.capacity,
                                   self.position_budget, itertools.product(*floor_axes),
                                   self.fairness)
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
    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    solver: str
    profiles: list[str]  # added mentors, in the order they are added
    axes: list[str]  # the settings the grid changes (floors apart)
    baseline: Row
    rows: list[Row]


def common_language(scenario: Scenario) -> list[str]:
    counts = Counter(lang for p in scenario.participants for lang in p.languages)
    if not counts:
        return []
    best = max(counts.values())
    return [min(lang for lang, n in counts.items() if n == best)]


def new_mentor_ids(scenario: Scenario, n: int) -> list[str]:
    taken = {m.id for m in scenario.mentors}
    out: list[str] = []
    k = 1
    while len(out) < n:
        candidate = f"{NEW_MENTOR_PREFIX}{k:02d}"
        if candidate not in taken:
            out.append(candidate)
        k += 1
    return out


def make_mentor(scenario: Scenario, profile: MentorProfile, mentor_id: str) -> Mentor:
    """An eligible recruit: trained, just enough recovery years, no interests or
    availability assumed (so their scores are never flattered)."""
    return Mentor(
        id=mentor_id, gender=profile.gender, age=profile.age,
        municipality=profile.municipality,
        serves=list(profile.serves or (profile.municipality,)),
        recovery_years=max(scenario.policy.min_recovery_years, 2.0),
        substances=list(profile.substances), languages=common_language(scenario),
    )


def add_mentors(scenario: Scenario, profiles: Sequence[MentorProfile]) -> Scenario:
    ids = new_mentor_ids(scenario, len(profiles))
    added = [make_mentor(scenario, p, i) for p, i in zip(profiles, ids, strict=True)]
    return scenario.model_copy(update={"mentors": [*scenario.mentors, *added]})


def apply(scenario: Scenario, variant: Variant, profiles: Sequence[MentorProfile]) -> Scenario:
    """The scenario under the variant (settings only; validity is kept by construction)."""
    program = scenario.program
    mentors = list(scenario.mentors)
    if variant.mentor_capacity is not None:
        program = program.model_copy(update={"mentor_capacity": variant.mentor_capacity})
        mentors = [m.model_copy(update={"capacity": variant.mentor_capacity}) for m in mentors]
    if variant.capacity is not None:
        program = program.model_copy(update={"capacity": variant.capacity})
        if variant.position_budget is None and program.position_budget is not None:
            # A bigger programme comes with the posts to staff it, unless a budget is given.
            posts = round(variant.capacity * program.position_per_participant, 6)
            program = program.model_copy(
                update={"position_budget": max(program.position_budget, posts)})
    if variant.position_budget is not None:
        program = program.model_copy(update={"position_budget": variant.position_budget})
    update: dict[str, object] = {"program": program, "mentors": mentors}
    if variant.floors:
        floors = dict(variant.floors)
        update["municipalities"] = [
            m.model_copy(update={"min": floors[m.id]}) if m.id in floors else m
            for m in scenario.municipality_list()
        ]
    if variant.fairness is not None:
        update["policy"] = scenario.policy.model_copy(update={"fairness": variant.fairness})
    changed = scenario.model_copy(update=update)
    if variant.add_mentors:
        changed = add_mentors(changed, profiles[: variant.add_mentors])
    return changed


def quick_solve(scenario: Scenario, solver: str = DEFAULT_SOLVER) -> tuple[Built, Solution]:
    """Build and solve without explanations; infeasible rounds give an empty solution."""
    built = build(scenario)
    if built.conflicts:
        return built, Solution(status="infeasible")
    return built, get_solver(solver).solve(built.problem, Options())


def pair_map(result: Result) -> dict[str, str]:
    return {p.participant: p.mentor for p in result.pairs}


def fairness_price(result: Result, built: Built, solution: Solution, solver: str
                   ) -> tuple[int, float]:
    """Pairs and total score lost against fairness `none` under the same hard rules, as
    the result of a solve reports them (`matcher.engine.price_of_fairness`)."""
    if solution.status == "infeasible":
        return 0, 0.0
    summary = price_of_fairness(result, built, get_solver(solver), Options())
    return summary.price_coverage, summary.price_quality


def limit_reached(built: Built, solution: Solution, waiting: int) -> str:
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
    scenario: Scenario, profiles: Sequence[MentorProfile], solver: str,
    baseline: dict[str, str] | None, variant: Variant,
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
        variant=variant.label, add_mentors=variant.add_mentors,
        mentor_capacity=variant.mentor_capacity, capacity=changed.program.capacity,
        position_budget=changed.program.position_budget, floors=dict(variant.floors),
        fairness=changed.policy.fairness, status=result.status,
        matched=m.matched, eligible=m.eligible,
        coverage=round(m.matched / m.eligible, 4) if m.eligible else 0.0,
        waiting=m.waiting,
        municipalities={k: v.active for k, v in result.municipalities.items()},
        mean_score=m.mean_score, posts_used=m.positions_used,
        price_coverage=price[0], price_quality=price[1],
        changed=sum(1 for p in people if pairs.get(p) != reference.get(p)),
        limit=limit_reached(built, solution, m.waiting),
    )
    return row, pairs


def _row_only(
    scenario: Scenario, profiles: Sequence[MentorProfile], solver: str,
    baseline: dict[str, str], variant: Variant,
) -> Row:
    return solve_variant(scenario, profiles, solver, baseline, variant)[0]


def choose_profiles(scenario: Scenario, grid: Grid, solver: str,
                    executor: Executor | None = None) -> tuple[MentorProfile, ...]:
    """The mentors a variant adds: the given profile repeated, else the profiles that
    help most, chosen one after another (each given the ones before)."""
    n = max(grid.add_mentors, default=0)
    if n == 0:
        return ()
    if grid.profile is not None:
        return (grid.profile,) * n
    from matcher.recruit import best_profiles

    return tuple(best_profiles(scenario, n, solver=solver, executor=executor))


def run_whatif(
    scenario: Scenario, grid: Grid, solver: str = DEFAULT_SOLVER,
    executor: Executor | None = None, progress: Progress | None = None,
) -> WhatIf:
    """Every combination of the grid, one row each, plus the scenario as given."""
    pool = executor or InProcess()
    profiles = choose_profiles(scenario, grid, solver, pool)
    base_row, base_pairs = solve_variant(scenario, (), solver, None, Variant())
    job = functools.partial(_row_only, scenario, profiles, solver, base_pairs)
    rows = pool.map(job, grid.variants(), progress)
    return WhatIf(scenario=scenario.name, solver=solver,
                  profiles=[p.label for p in profiles], axes=grid.axes(),
                  baseline=base_row.model_copy(update={"variant": "baseline"}), rows=rows)

