"""The MIP back-end (CBC and HiGHS) and the greedy baseline against the CP-SAT reference.

The MIP must reach CP-SAT's value on every objective level (and agree on infeasibility)
for every fairness mode, on the example scenarios, on hand-made ones and on random raw
problems; greedy must always propose something valid and never beat the exact optimum.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher
from matcher.core.problem import build
from matcher.model.scenario import Scenario
from solvers.base import (
    Group,
    NoSolutionError,
    Options,
    Problem,
    Solution,
    Solver,
    check_solution,
    evaluate,
)
from solvers.cpsat import CpSatSolver
from solvers.greedy import GreedySolver
from solvers.mip import MipSolver

Data = dict[str, Any]
Builder = Callable[..., Data]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    *sorted((ROOT / "scenarios").glob("*.yaml")),
    ROOT / "matcher" / "data" / "stavanger-sola-sandnes.yaml",
]
FAIRNESS = ("none", "quotas", "proportional", "maxmin")
MIPS = [MipSolver("cbc"), MipSolver("highs")]
ALL: list[Solver] = [*MIPS, GreedySolver()]


def with_fairness(scenario: Scenario, fairness: str) -> Scenario:
    policy = scenario.policy.model_copy(update={"fairness": fairness})
    return scenario.model_copy(update={"policy": policy})


def rank(problem: Problem, solution: Solution) -> tuple[int, ...]:
    """The levels that count for comparing two proposals lexicographically. Under
    `maxmin` the levels below fairness are optimised under leximin floors that
    `evaluate` does not show, so only the levels down to fairness compare."""
    levels = problem.levels
    if problem.has_fairness_level and problem.fairness == "maxmin":
        levels = levels[: levels.index("fairness") + 1]
    return tuple(solution.levels[level] for level in levels)


def assert_mips_agree(problem: Problem) -> Solution:
    """Both MIP engines reach CP-SAT's value on every level; greedy stays valid and
    never beats it. Returns the reference solution."""
    expected = CpSatSolver().solve(problem, Options())
    for solver in MIPS:
        assert solver.supports(problem) is None
        got = solver.solve(problem, Options())
        assert got.status == expected.status, solver.name
        if expected.status == "infeasible":
            continue
        assert check_solution(problem, got.chosen) == [], solver.name
        assert got.levels == evaluate(problem, got.chosen)
        assert list(got.chosen) == sorted(set(got.chosen.tolist()))
        for level in problem.levels:
            assert got.levels[level] == expected.levels[level], (solver.name, level)
    assert_greedy_sound(problem, expected)
    return expected


def assert_greedy_sound(problem: Problem, expected: Solution) -> None:
    try:
        got = GreedySolver().solve(problem, Options())
    except NoSolutionError:
        return
    assert expected.status != "infeasible"
    assert got.status == "feasible"
    assert check_solution(problem, got.chosen) == []
    assert got.levels == evaluate(problem, got.chosen)
    assert rank(problem, got) <= rank(problem, expected)


@pytest.mark.parametrize("fairness", FAIRNESS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples(path: Path, fairness: str) -> None:
    problem = build(with_fairness(matcher.load(path), fairness)).problem
    assert assert_mips_agree(problem).status == "optimal"


@pytest.mark.parametrize(
    "objective",
    [
        ["fairness", "quality", "coverage"],
        ["priority", "fairness"],
        ["quality"],
        [],
    ],
)
def test_example_in_other_orders(objective: list[str]) -> None:
    scenario = matcher.load(EXAMPLES[-1])
    for fairness in ("proportional", "maxmin"):
        policy = scenario.policy.model_copy(update={"fairness": fairness, "objective": objective})
        assert_mips_agree(build(scenario.model_copy(update={"policy": policy})).problem)


def conflicting_floors(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> Data:
    """Each municipality needs 2 new pairs (each reachable alone), the programme has 3."""
    people = [
        make_participant(f"P{i}", municipality=muni)
        for i, muni in enumerate(["north", "north", "south", "south"])
    ]
    return make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=people,
        program={"capacity": 3, "mentor_capacity": 2},
        municipalities=[
            {"id": "north", "min": 2},
            {"id": "south", "min": 2},
            {"id": "east", "min": 0},
        ],
    )


@pytest.mark.parametrize("fairness", FAIRNESS)
def test_conflicting_floors_are_infeasible(
    fairness: str, make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = conflicting_floors(make_scenario, make_mentor, make_participant)
    data["program"]["capacity"] = 3
    data["mentors"][1]["capacity"] = 1  # 3 places in all: 2 + 2 floors cannot both hold
    data["policy"] = {"fairness": fairness}
    problem = build(matcher.validate(data)).problem
    assert [g.lower for g in problem.groups] == [2, 2, 0]
    assert CpSatSolver().solve(problem, Options()).status == "infeasible"
    for solver in MIPS:
        assert solver.solve(problem, Options()).status == "infeasible", solver.name
    with pytest.raises(NoSolutionError):
        GreedySolver().solve(problem, Options())


def test_required_pair_is_kept(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    """The lock forces a worse pair than the optimum would pick."""
    data = make_scenario(
        mentors=[
            make_mentor("M1", interests=["hiking"], substances=["alcohol"]),
            make_mentor("M2", capacity=1),
        ],
        participants=[
            make_participant("P1", interests=["hiking"], substances=["alcohol"]),
            make_participant("P2"),
        ],
        program={"mentor_capacity": 1},
        locks={"require": [["P1", "M2"]]},
    )
    problem = build(matcher.validate(data)).problem
    assert len(problem.required) == 1
    expected = assert_mips_agree(problem)
    for solver in ALL:
        got = solver.solve(problem, Options())
        assert int(problem.required[0]) in got.chosen.tolist(), solver.name
    assert expected.levels["coverage"] == 2


def test_empty_problem(make_scenario: Builder, make_participant: Builder) -> None:
    problem = build(
        matcher.validate(
            make_scenario(
                mentors=[],
                participants=[make_participant("P1"), make_participant("P2", municipality="south")],
            )
        )
    ).problem
    assert problem.n_edges == 0
    for solver in ALL:
        got = solver.solve(problem, Options())
        assert len(got.chosen) == 0 and got.levels == evaluate(problem, got.chosen)
        assert got.status == ("feasible" if solver.name == "greedy" else "optimal")


def random_problem(rng: np.random.Generator) -> Problem:
    """A raw problem with random edges, bounds, caps, required edges, existing pairs,
    targets and objective order (corners that scenarios rarely reach)."""
    n_p, n_m = int(rng.integers(1, 22)), int(rng.integers(1, 10))
    p, m = np.nonzero(rng.random((n_p, n_m)) < rng.uniform(0.05, 0.6))
    n_groups = int(rng.integers(1, 5))
    group_of = rng.integers(0, n_groups, n_p)
    groups = []
    for g in range(n_groups):
        existing = int(rng.integers(0, 3))
        groups.append(
            Group(
                key=f"g{g}",
                lower=int(rng.integers(0, 3)) if rng.random() < 0.4 else 0,
                upper=int(rng.integers(0, 6)) if rng.random() < 0.4 else None,
                existing=existing,
                eligible=existing + int((group_of == g).sum()),
                target=int(rng.integers(1, 400)) if rng.random() < 0.8 else 0,
            )
        )
    n = len(p)
    required = np.zeros(0, dtype=np.int64)
    if n and rng.random() < 0.3:
        required = np.unique(
            rng.choice(n, size=min(n, int(rng.integers(1, 3))), replace=False)
        ).astype(np.int64)
    objective = ["coverage", "fairness", "priority", "quality"]
    rng.shuffle(objective)
    return Problem(
        n_participants=n_p,
        n_mentors=n_m,
        edge_p=p.astype(np.int64),
        edge_m=m.astype(np.int64),
        quality=rng.integers(0, 1000, n).astype(np.int64),
        priority=rng.integers(0, 1400, n_p).astype(np.int64),
        mentor_capacity=rng.integers(0, 3, n_m).astype(np.int64),
        participant_group=group_of.astype(np.int64),
        groups=tuple(groups),
        capacity=int(rng.integers(0, 15)) if rng.random() < 0.4 else None,
        budget=int(rng.integers(0, 15)) if rng.random() < 0.2 else None,
        required=required,
        objective=tuple(objective[: int(rng.integers(0, 5))]),  # type: ignore[arg-type]
        fairness=FAIRNESS[int(rng.integers(0, 4))],  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_problems(seed: int) -> None:
    problem = random_problem(np.random.default_rng(seed))
    assert_mips_agree(problem)
    for fairness in ("proportional", "maxmin"):
        if "fairness" in problem.objective and problem.fairness != fairness:
            assert_mips_agree(dataclasses.replace(problem, fairness=fairness))


def test_time_limit_before_any_solution() -> None:
    problem = build(matcher.load(EXAMPLES[-1])).problem
    for solver in MIPS:
        with pytest.raises(NoSolutionError):
            solver.solve(problem, Options.within(0.0))


def test_thread_count_may_change_between_solves() -> None:
    """HiGHS shares one scheduler per process: a new thread count must not break it."""
    problem = build(matcher.load(EXAMPLES[-1])).problem
    for threads in (1, 2, 1):
        got = MipSolver("highs").solve(problem, Options(threads=threads))
        assert got.status == "optimal"


def test_names_and_support() -> None:
    assert [s.name for s in MIPS] == ["mip", "mip:highs"]
    assert all(s.exact for s in MIPS) and not GreedySolver.exact
    assert GreedySolver().name == "greedy"


def test_greedy_serves_floors_then_priority() -> None:
    """One mentor place: the south floor takes it before the north's higher priority;
    without the floor the higher priority wins, with the better of two mentors."""

    def problem(lower: int) -> Problem:
        return Problem(
            n_participants=2,
            n_mentors=2,
            edge_p=np.array([0, 0, 1], dtype=np.int64),
            edge_m=np.array([0, 1, 1], dtype=np.int64),
            quality=np.array([10, 20, 5], dtype=np.int64),
            priority=np.array([100, 1], dtype=np.int64),
            mentor_capacity=np.array([0, 1], dtype=np.int64),
            participant_group=np.array([0, 1], dtype=np.int64),
            groups=(Group("north", 0, None, 0, 1, 1), Group("south", lower, None, 0, 1, 1)),
            capacity=None,
            budget=None,
            required=np.zeros(0, dtype=np.int64),
            objective=("coverage", "priority", "quality"),
            fairness="quotas",
        )

    assert GreedySolver().solve(problem(1), Options()).chosen.tolist() == [2]
    assert GreedySolver().solve(problem(0), Options()).chosen.tolist() == [1]


def test_highs_prints_nothing() -> None:
    """The first HiGHS instance of a process prints a banner to stdout from C++, which
    would corrupt `--format json`."""
    code = (
        "import matcher\n"
        "from matcher.core.problem import build\n"
        "from solvers.base import Options\n"
        "from solvers.mip import MipSolver\n"
        "p = build(matcher.load(matcher.EXAMPLE)).problem\n"
        "MipSolver('highs').solve(p, Options())\n"
        "MipSolver('cbc').solve(p, Options())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout == ""


@pytest.mark.slow
def test_greedy_is_fast_on_large_problems() -> None:
    """10000 participants x 5000 mentors, about 5 million candidate edges."""
    rng = np.random.default_rng(0)
    n_p, n_m, per = 10_000, 5_000, 500
    edge_p = np.repeat(np.arange(n_p, dtype=np.int64), per)
    edge_m = np.sort(rng.integers(0, n_m, (n_p, per)), axis=1).ravel().astype(np.int64)
    keep = np.concatenate([[True], (edge_p[1:] != edge_p[:-1]) | (edge_m[1:] != edge_m[:-1])])
    edge_p, edge_m = edge_p[keep], edge_m[keep]
    groups = tuple(Group(f"g{g}", 50, None, 0, 1000, 1) for g in range(10))
    problem = Problem(
        n_participants=n_p,
        n_mentors=n_m,
        edge_p=edge_p,
        edge_m=edge_m,
        quality=rng.integers(0, 1000, len(edge_p)).astype(np.int64),
        priority=rng.integers(0, 1400, n_p).astype(np.int64),
        mentor_capacity=rng.integers(0, 3, n_m).astype(np.int64),
        participant_group=(np.arange(n_p) % 10).astype(np.int64),
        groups=groups,
        capacity=4000,
        budget=None,
        required=np.zeros(0, dtype=np.int64),
        objective=("coverage", "priority", "quality"),
        fairness="quotas",
    )
    start = time.perf_counter()
    got = GreedySolver().solve(problem, Options())
    assert time.perf_counter() - start < 3.0
    assert check_solution(problem, got.chosen) == []
