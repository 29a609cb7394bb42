"""The diagnosis of an infeasible round (`solvers.conflicts`): a minimal set of conflicting
rules, found with any exact back-end, the same on infeasible variants of the shipped
scenarios as the former CP-SAT diagnosis, and cheap when many locks are not to blame."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import matcher
from benchmarks.generator import generate
from matcher.core.problem import build
from solvers import Options, Problem, Solution, get_solver
from solvers.conflicts import ConstraintKey, conflicting_constraints, guarded_constraints, relax
from tests.test_flow_backends import random_problem

ROOT = Path(__file__).resolve().parent.parent
TOGETHER = "together with mentor capacities and one mentor per participant (rule 1)"

#: Scenario, raised municipality floors, added locks, and the conflicts `likematch solve`
#: named before the diagnosis left CP-SAT.
VARIANTS: list[tuple[str, dict[str, int], list[list[str]], list[str]]] = [
    (
        "loland",
        {"kristiansand": 3, "arendal": 3},
        [],
        [
            "municipality kristiansand min 3, capped to 2 (rule 8)",
            "the locked pair P01-M02 (rule 6)",
        ],
    ),
    (
        "stavanger-sola-sandnes",
        {"sandnes": 4},
        [["P13", "M02"], ["P04", "M02"]],
        [
            "municipality sandnes min 4, capped to 3 (rule 8)",
            "the locked pair P04-M02 (rule 6)",
            "the locked pair P13-M02 (rule 6)",
        ],
    ),
    (
        "stavanger-sola-sandnes",
        {},
        [
            ["P09", "M03"],
            ["P10", "M01"],
            ["P07", "M04"],
            ["P04", "M02"],
            ["P05", "M02"],
            ["P03", "M08"],
            ["P02", "M03"],
        ],
        ["the programme's capacity of 10 (rule 1)"]
        + [
            f"the locked pair {pair} (rule 6)"
            for pair in [
                "P01-M01",
                "P02-M03",
                "P03-M08",
                "P04-M02",
                "P05-M02",
                "P07-M04",
                "P09-M03",
                "P10-M01",
            ]
        ],
    ),
]


def variant(name: str, floors: dict[str, int], locks: list[list[str]]) -> dict[str, Any]:
    """A shipped scenario with raised floors and more locks."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())
    for muni in data["municipalities"]:
        if muni["id"] in floors:
            muni["min"] = floors[muni["id"]]
    data["locks"]["require"] = [*data["locks"].get("require", []), *locks]
    return data


@pytest.mark.parametrize(("name", "floors", "locks", "expected"), VARIANTS)
def test_infeasible_variants_name_the_same_rules_as_before(
    name: str, floors: dict[str, int], locks: list[list[str]], expected: list[str]
) -> None:
    result = matcher.solve(matcher.validate(variant(name, floors, locks)), explain=False)
    assert result.status == "infeasible"
    assert result.conflicts == [*expected, TOGETHER]


class Counting:
    """`auto`, counting its solves."""

    name = "counting"
    exact = True

    def __init__(self) -> None:
        self.inner = get_solver("auto")
        self.solves = 0

    def supports(self, problem: Problem) -> str | None:
        """None: `auto` supports every problem."""
        return None

    def solve(self, problem: Problem, options: Options) -> Solution:
        """`auto`'s solution, counted."""
        self.solves += 1
        return self.inner.solve(problem, options)


def infeasible(problem: Problem, keep: list[ConstraintKey]) -> bool:
    """Whether the problem with only `keep` of its guarded constraints is infeasible,
    by CP-SAT (the diagnosis itself uses `auto`)."""
    relaxed = relax(problem, guarded_constraints(problem), keep)
    return get_solver("cpsat").solve(relaxed, Options()).status == "infeasible"


@pytest.mark.parametrize("seed", range(80))
def test_the_conflict_is_minimal_and_the_same_with_any_exact_back_end(seed: int) -> None:
    problem = random_problem(np.random.default_rng(seed))
    keys = conflicting_constraints(problem)
    if get_solver("cpsat").solve(problem, Options()).status != "infeasible":
        assert keys == []
        return
    assert keys == sorted(keys) and keys
    assert infeasible(problem, keys)
    for key in keys:
        assert not infeasible(problem, [k for k in keys if k != key]), key
    assert conflicting_constraints(problem, get_solver("cpsat")) == keys


def test_many_locks_not_to_blame_cost_few_solves() -> None:
    """Sixty locks of a feasible proposal and two on one participant: the two are named
    after a handful of solves, not one solve per lock."""
    problem = build(matcher.validate(generate(300, 150, 2))).problem
    proposal = get_solver("auto").solve(
        dataclasses.replace(problem, required=np.zeros(0, dtype=np.int64)), Options()
    )
    locked = proposal.chosen[:60]
    p = int(problem.edge_p[locked[0]])
    other = int(
        np.flatnonzero((problem.edge_p == p) & (np.arange(problem.n_edges) != locked[0]))[0]
    )
    required = np.union1d(locked, [other]).astype(np.int64)
    counting = Counting()
    keys = conflicting_constraints(dataclasses.replace(problem, required=required), counting)
    assert keys == sorted(
        [ConstraintKey("required", int(locked[0])), ConstraintKey("required", other)]
    )
    assert counting.solves <= 25
