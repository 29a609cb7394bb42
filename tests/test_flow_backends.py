"""The flow back-ends (OR-Tools min-cost flow, networkx) against the CP-SAT reference.

Exactness is checked by value: on the example scenarios, on random scenarios built
through validation, and on random raw problems that reach corners scenarios rarely do
(required edges, tight floors, full mentors), both flow back-ends must reach the same
value on every objective level as CP-SAT, agree on infeasibility, and break no rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher
from matcher.core.problem import build
from solvers.base import (
    Group,
    IntArray,
    Level,
    Options,
    Problem,
    Solution,
    Solver,
    check_solution,
)
from solvers.cpsat import CpSatSolver
from solvers.flow import FlowSolver
from solvers.network import (
    PROPORTIONAL_REASON,
    BoolArray,
    CostRangeError,
    Network,
    Scales,
    ortools_kernel,
    solve_network,
)
from solvers.nxflow import NetworkxSolver

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    ROOT / "scenarios" / "grenland.yaml",
    ROOT / "scenarios" / "loland.yaml",
    ROOT / "matcher" / "data" / "stavanger-sola-sandnes.yaml",
]
FAIRNESS = ("none", "quotas", "proportional", "maxmin")
SUBSTANCES = ["alcohol", "cannabis", "opioids", "stimulants", "benzodiazepines"]
INTERESTS = ["hiking", "fishing", "music", "gym", "cooking", "gaming"]
GOALS = ["work", "education", "housing", "family", "health"]
TIMES = ["daytime", "evenings", "weekends"]
TAGS = ["young", "in_treatment", "after_prison", "urgent"]

FLOW_SOLVERS: list[Solver] = [FlowSolver(), NetworkxSolver()]


def reference(problem: Problem) -> Solution:
    return CpSatSolver().solve(problem, Options())


def assert_agree(problem: Problem, expected: Solution | None = None) -> None:
    """Both flow back-ends reach CP-SAT's value on every level (or its infeasibility)."""
    expected = expected or reference(problem)
    for solver in FLOW_SOLVERS:
        reason = solver.supports(problem)
        if problem.has_fairness_level and problem.fairness == "proportional":
            assert reason == PROPORTIONAL_REASON
            continue
        assert reason is None
        got = solver.solve(problem, Options())
        assert got.status == ("infeasible" if expected.status == "infeasible" else "optimal")
        if expected.status == "infeasible":
            continue
        assert check_solution(problem, got.chosen) == [], solver.name
        for level in problem.levels:
            assert got.levels[level] == expected.levels[level], (solver.name, level)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fairness", [None, *FAIRNESS])
def test_examples(path: Path, fairness: str | None) -> None:
    problem = build(matcher.load(path)).problem
    if fairness is not None:
        problem = dataclasses.replace(problem, fairness=fairness)  # type: ignore[arg-type]
    assert_agree(problem)


def test_grenland_proportional_is_refused_with_a_reason() -> None:
    problem = build(matcher.load(EXAMPLES[0])).problem
    assert problem.fairness == "proportional" and "fairness" in problem.levels
    for solver in FLOW_SOLVERS:
        reason = solver.supports(problem)
        assert reason is not None and "proportional" in reason
        with pytest.raises(ValueError, match="proportional"):
            solver.solve(problem, Options())


def _subset(rng: np.random.Generator, values: list[str], most: int = 3) -> list[str]:
    k = int(rng.integers(0, most + 1))
    return sorted(rng.choice(values, size=min(k, len(values)), replace=False).tolist())


def _random_municipality(rng: np.random.Generator, muni_id: str) -> dict[str, Any]:
    """A municipality with random partner status, floor, ceiling and share."""
    muni: dict[str, Any] = {"id": muni_id, "partner": bool(rng.random() < 0.5)}
    if rng.random() < 0.4:
        muni["min"] = int(rng.integers(0, 4))
    if rng.random() < 0.3:
        muni["max"] = int(rng.integers(0, 5))
    if rng.random() < 0.5:
        muni["share"] = float(rng.integers(1, 5)) / 10
    return muni


def _random_mentor(rng: np.random.Generator, i: int, munis: list[str]) -> dict[str, Any]:
    """A mentor with random profile, capacity and municipalities served."""
    mentor: dict[str, Any] = {
        "id": f"M{i}",
        "gender": str(rng.choice(["female", "male"])),
        "age": int(rng.integers(25, 66)),
        "municipality": str(rng.choice(munis)),
        "recovery_years": int(rng.integers(1, 10)),
        "substances": _subset(rng, SUBSTANCES),
        "interests": _subset(rng, INTERESTS),
        "strengths": _subset(rng, GOALS),
        "availability": _subset(rng, TIMES),
        "languages": ["no"],
    }
    if rng.random() < 0.5:
        mentor["capacity"] = int(rng.integers(0, 4))
    if rng.random() < 0.3:
        mentor["serves"] = _subset(rng, munis, len(munis))
    return mentor


def _random_participant(
    rng: np.random.Generator, i: int, munis: list[str], date: dt.date
) -> dict[str, Any]:
    """A participant with random profile, consent, dates, priority tags and preference."""
    part: dict[str, Any] = {
        "id": f"P{i}",
        "gender": str(rng.choice(["female", "male"])),
        "age": int(rng.integers(18, 61)),
        "municipality": str(rng.choice(munis)),
        "consent": bool(rng.random() < 0.9),
        "referred": (date - dt.timedelta(days=int(rng.integers(0, 400)))).isoformat(),
        "substances": _subset(rng, SUBSTANCES),
        "interests": _subset(rng, INTERESTS),
        "goals": _subset(rng, GOALS),
        "availability": _subset(rng, TIMES),
        "languages": ["no"],
        "priority": _subset(rng, TAGS, 2),
    }
    if rng.random() < 0.5:
        part["discharge"] = (date + dt.timedelta(days=int(rng.integers(-20, 150)))).isoformat()
    if rng.random() < 0.3:
        part["prefers"] = {"mentor_gender": "any"}
    return part


def random_scenario(rng: np.random.Generator) -> dict[str, Any]:
    """A small scenario that validates, with random bounds, locks, pairs and policy."""
    munis = ["north", "south", "east"][: int(rng.integers(1, 4))]
    municipalities = [_random_municipality(rng, m) for m in munis]
    date = dt.date(2026, 11, 20)
    mentors = [_random_mentor(rng, i, munis) for i in range(int(rng.integers(1, 6)))]
    participants = [
        _random_participant(rng, i, munis, date) for i in range(int(rng.integers(1, 10)))
    ]
    mentor_ids = [m["id"] for m in mentors]
    consenting = [p["id"] for p in participants if p["consent"]]
    pairs = [
        {
            "participant": pid,
            "mentor": str(rng.choice(mentor_ids)),
            "release": bool(rng.random() < 0.3),
        }
        for pid in consenting[: int(rng.integers(0, 3))]
    ]
    require = []
    if rng.random() < 0.4 and consenting:
        require.append([str(rng.choice(consenting)), str(rng.choice(mentor_ids))])
    program: dict[str, Any] = {"mentor_capacity": int(rng.integers(1, 3))}
    if rng.random() < 0.6:
        program["capacity"] = int(rng.integers(0, 9))
    if rng.random() < 0.3:
        program["position_budget"] = float(rng.integers(0, 8)) / 10
    levels = ["coverage", "fairness", "priority", "quality"]
    objective = [str(x) for x in rng.permutation(levels)[: int(rng.integers(0, 5))]]
    if rng.random() < 0.5:
        objective = levels
    return {
        "name": "random",
        "date": date.isoformat(),
        "program": program,
        "municipalities": municipalities,
        "policy": {
            "objective": objective,
            "fairness": str(rng.choice(["none", "quotas", "maxmin", "maxmin", "proportional"])),
            "same_gender": str(rng.choice(["required", "preferred", "ignore"])),
            "min_recovery_years": 2,
        },
        "mentors": mentors,
        "participants": participants,
        "pairs": pairs,
        "locks": {"require": require},
    }


@pytest.mark.parametrize("seed", range(60))
def test_random_scenarios(seed: int) -> None:
    rng = np.random.default_rng(seed)
    problem = build(matcher.validate(random_scenario(rng))).problem
    assert_agree(problem)


def random_problem(rng: np.random.Generator) -> Problem:
    """A raw problem with random edges, floors, caps, required edges and existing pairs."""
    n_p, n_m, n_g = int(rng.integers(1, 9)), int(rng.integers(1, 6)), int(rng.integers(1, 4))
    mask = rng.random((n_p, n_m)) < rng.uniform(0.2, 0.8)
    edge_p, edge_m = (a.astype(np.int64) for a in np.nonzero(mask))
    participant_group = rng.integers(0, n_g, size=n_p).astype(np.int64)
    groups = []
    for g in range(n_g):
        size = int((participant_group == g).sum())
        existing = int(rng.integers(0, 3))
        groups.append(
            Group(
                key=f"g{g}",
                lower=int(rng.integers(1, 3)) if rng.random() < 0.25 else 0,
                upper=int(rng.integers(0, 4)) if rng.random() < 0.3 else None,
                existing=existing,
                eligible=size + existing if rng.random() < 0.9 else 0,
                target=int(rng.integers(0, 5)),
            )
        )
    n_e = len(edge_p)
    required: list[int] = []
    if n_e and rng.random() < 0.3:
        required = sorted({int(e) for e in rng.integers(0, n_e, size=int(rng.integers(1, 3)))})
    levels = ["coverage", "fairness", "priority", "quality"]
    objective = [str(x) for x in rng.permutation(levels)[: int(rng.integers(0, 5))]]
    if rng.random() < 0.4:
        objective = levels
    return Problem(
        n_participants=n_p,
        n_mentors=n_m,
        edge_p=edge_p,
        edge_m=edge_m,
        quality=rng.integers(0, 1000, size=n_e).astype(np.int64),
        priority=rng.integers(0, 1500, size=n_p).astype(np.int64),
        mentor_capacity=rng.choice([0, 1, 1, 2, 3], size=n_m).astype(np.int64),
        participant_group=participant_group,
        groups=tuple(groups),
        capacity=int(rng.integers(0, n_p + 1)) if rng.random() < 0.5 else None,
        budget=int(rng.integers(0, n_p + 1)) if rng.random() < 0.2 else None,
        required=np.array(required, dtype=np.int64),
        objective=tuple(objective),  # type: ignore[arg-type]
        fairness=str(rng.choice(["none", "quotas", "maxmin", "maxmin"])),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("seed", range(150))
def test_random_problems(seed: int) -> None:
    assert_agree(random_problem(np.random.default_rng(1000 + seed)))


MAXMIN_ORDERS = [
    ("coverage", "fairness", "priority", "quality"),
    ("fairness", "coverage", "priority", "quality"),
    ("priority", "fairness", "coverage", "quality"),
    ("quality", "fairness", "coverage"),
    ("fairness",),
]


@pytest.mark.parametrize("order", MAXMIN_ORDERS, ids="-".join)
@pytest.mark.parametrize("seed", range(20))
def test_maxmin_in_every_position(order: tuple[str, ...], seed: int) -> None:
    """The parametric search is exact wherever fairness sits in the objective."""
    problem = random_problem(np.random.default_rng(3000 + seed))
    problem = dataclasses.replace(problem, objective=order, fairness="maxmin")  # type: ignore[arg-type]
    assert_agree(problem)


def test_staged_coverage_matches_one_solve() -> None:
    """When the weights do not fit one solve, coverage first then the rest is exact."""
    for seed in range(40):
        problem = random_problem(np.random.default_rng(5000 + seed))
        problem = dataclasses.replace(
            problem, objective=("coverage", "priority", "quality"), fairness="none"
        )
        scales = Scales(problem, None)
        one = scales.weights(problem.levels)
        assert one is not None
        arc = sum(w * scales.top[lv] for w, lv in zip(one, problem.levels, strict=True))
        rest = scales.weights(problem.levels[1:])
        assert rest is not None
        tight = Scales(problem, None)
        # Allow only the staged weights: the one-solve weights exceed the arc limit.
        tight.max_arc_cost = max(arc - 1, rest[0] * scales.top["priority"] + scales.top["quality"])
        if tight.weights(problem.levels) is not None:
            continue
        got = solve_network(problem, ortools_kernel, tight)
        expected = reference(problem)
        assert got.status == expected.status
        if got.status != "infeasible":
            assert check_solution(problem, got.chosen) == []
            assert [got.levels[lv] for lv in problem.levels] == [
                expected.levels[lv] for lv in problem.levels
            ]


def test_cost_range_overflow_falls_back_to_staged() -> None:
    """If the solver reports an overflowing cost range, coverage is fixed first."""

    def picky(
        net: Network,
        levels: Sequence[Level],
        weights: Sequence[int],
        lower: IntArray,
        amount: int,
        bypass: bool,
    ) -> BoolArray | None:
        if len(levels) > 2:
            raise CostRangeError("too large")
        return ortools_kernel(net, levels, weights, lower, amount, bypass)

    for seed in range(30):
        problem = dataclasses.replace(
            random_problem(np.random.default_rng(7000 + seed)),
            objective=("coverage", "priority", "quality"),
        )
        got = solve_network(problem, picky, Scales(problem, None))
        expected = reference(problem)
        assert got.status == expected.status
        if got.status != "infeasible":
            assert [got.levels[lv] for lv in problem.levels] == [
                expected.levels[lv] for lv in problem.levels
            ]


def conflicting_floors() -> dict[str, Any]:
    """Two municipalities each need 2 new pairs, but the programme has 2 places."""
    people = []
    for i, muni in enumerate(["north", "north", "south", "south"]):
        people.append(
            {"id": f"P{i}", "gender": "female", "age": 35, "municipality": muni, "consent": True}
        )
    mentors = [
        {"id": f"M{i}", "gender": "female", "age": 40, "municipality": "north", "recovery_years": 5}
        for i in range(2)
    ]
    return {
        "name": "conflicting floors",
        "date": "2026-11-20",
        "program": {"capacity": 2, "mentor_capacity": 2},
        "municipalities": [{"id": "north", "min": 2}, {"id": "south", "min": 2}],
        "policy": {"fairness": "quotas"},
        "mentors": mentors,
        "participants": people,
    }


@pytest.mark.parametrize("fairness", ["quotas", "maxmin"])
def test_conflicting_floors_are_infeasible(fairness: str) -> None:
    data = conflicting_floors()
    data["policy"]["fairness"] = fairness
    problem = build(matcher.validate(data)).problem
    assert reference(problem).status == "infeasible"
    for solver in FLOW_SOLVERS:
        assert solver.solve(problem, Options()).status == "infeasible"


def test_empty_problem() -> None:
    data = conflicting_floors()
    data["municipalities"] = [{"id": "north"}, {"id": "south"}]
    data["mentors"] = []
    problem = build(matcher.validate(data)).problem
    for solver in FLOW_SOLVERS:
        got = solver.solve(problem, Options())
        assert got.status == "optimal" and len(got.chosen) == 0
