"""The seeded scenario generator shared by the tests and the benchmarks.

Wall-clock bounds here are ten times what they check (the generator's target, a time
limit), so that only a gross regression fails them on a loaded machine;
`python -m benchmarks.generation` measures the generator against its target.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import matcher
from benchmarks.generation import TARGETS
from benchmarks.generator import generate
from tests.rules import Rules, hard_rule_violations

Data = dict[str, Any]
GENEROUS = 10  # wall-clock bounds: this many times the target or time limit


def test_same_seed_same_scenario() -> None:
    assert generate(60, 30, 7) == generate(60, 30, 7)
    assert generate(60, 30, 7) != generate(60, 30, 8)
    # the options change the scenario, never the determinism
    assert generate(40, 20, 3, fairness="maxmin") == generate(40, 20, 3, fairness="maxmin")


@pytest.mark.parametrize(
    ("n_p", "n_m", "options"),
    [
        (0, 0, {}),
        (1, 0, {}),
        (0, 3, {}),
        (1, 1, {}),
        (10, 5, {}),
        (30, 15, {"municipalities": 1, "floors": False, "ceilings": False}),
        (50, 25, {"municipalities": 20, "capacity": None, "active_pairs": 0.0}),
        (80, 40, {"active_pairs": 0.6, "locks": False, "same_gender": "ignore"}),
        (80, 40, {"fairness": "proportional", "same_gender": "preferred", "capacity": 12}),
        (200, 100, {}),
        (200, 100, {"fairness": "maxmin", "position_budget": 9.5}),
    ],
)
def test_generated_scenarios_are_valid(n_p: int, n_m: int, options: dict[str, Any]) -> None:
    data = generate(n_p, n_m, 11, **options)
    scenario = matcher.validate(data)
    assert len(scenario.participants) == n_p
    assert len(scenario.mentors) == n_m
    assert json.loads(json.dumps(data)) == data  # plain data only
    rules = Rules(scenario)
    # active pairs and required locks keep the hard rules; forbid never hits a kept pair
    for pair in scenario.pairs:
        problems = [
            x
            for x in rules.new_pair_problems(pair.participant, pair.mentor)
            if not x.startswith(("rule 1/7", "rule 7"))
        ]
        assert problems == [], (pair, problems)
    for pid, mid in scenario.locks.require:
        assert mid in rules.allowed(pid)
    assert not set(map(tuple, data["locks"]["forbid"])) & set(rules.kept.items())
    load = Counter(rules.kept.values())
    assert all(load[m] <= rules.capacity[m] for m in load)
    if scenario.program.capacity is not None:
        assert len(rules.kept) + len(rules.required) <= scenario.program.capacity
    for muni in scenario.municipality_list():
        if muni.min is not None and muni.max is not None:
            assert muni.min <= muni.max
        if muni.max is not None:
            assert rules.existing[muni.id] <= muni.max


def test_distributions_look_like_the_domain() -> None:
    data = generate(2000, 1000, 5)
    people = data["participants"]
    mentors = data["mentors"]
    genders = Counter(p["gender"] for p in people)
    assert genders["male"] > genders["female"] > genders["other"] > 0
    assert all(18 <= p["age"] <= 65 for p in people)
    assert all(28 <= m["age"] <= 70 for m in mentors)
    assert 0.02 < sum(not p["consent"] for p in people) / len(people) < 0.10
    assert sum(p["languages"] == ["no"] for p in people) / len(people) > 0.8
    substances = Counter(s for p in people for s in p["substances"])
    assert substances.most_common(1)[0][0] == "alcohol"
    assert sum("prefers" in p for p in people) > 100
    assert sum("exclude_mentors" in p for p in people) > 10
    assert sum(bool(x.get("release")) for x in data["pairs"]) > 0
    assert 0.1 < len(data["pairs"]) / len(people) < 0.3
    assert sum("serves" in m for m in mentors) > 100
    assert data["program"]["capacity"] == 1600  # 1000 mentors x 2 places x 0.8
    assert "capacity" not in generate(20, 1001, 5)["program"]  # large: no programme cap


def test_yaml_file_round_trip(tmp_path: Path) -> None:
    data = generate(25, 12, 4)
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert matcher.load(path) == matcher.validate(data)


def test_large_generation_is_fast() -> None:
    start = time.perf_counter()
    data = generate(10_000, 5_000, 1)
    elapsed = time.perf_counter() - start
    assert len(data["participants"]) == 10_000 and len(data["mentors"]) == 5_000
    bound = GENEROUS * TARGETS[(10_000, 5_000)]
    assert elapsed < bound, f"generate(10000, 5000) took {elapsed:.1f} s (bound {bound:g} s)"
    scenario = matcher.validate(data)
    assert len(scenario.pairs) > 1000


@pytest.mark.parametrize("seed", [1, 2])
def test_solving_200x100_keeps_every_hard_rule(seed: int) -> None:
    scenario = matcher.validate(generate(200, 100, seed))
    # With a time limit any proposal may come back: each must keep every hard rule.
    result = matcher.solve(scenario, time_limit=2.0, explain=False)
    assert result.status in ("optimal", "feasible")
    assert hard_rule_violations(scenario, result) == []
    assert result.metrics.matched > 100


def test_small_generated_rounds_are_feasible() -> None:
    statuses = Counter(
        matcher.solve(
            matcher.validate(generate(12, 6, seed, fairness=fairness)), explain=False
        ).status
        for seed in range(6)
        for fairness in ("quotas", "proportional")
    )
    assert statuses["infeasible"] <= 1, statuses


def test_a_30x15_round_is_proved_optimal_quickly() -> None:
    scenario = matcher.validate(generate(30, 15, 2, same_gender="ignore"))
    result = matcher.solve(scenario, time_limit=2.0, explain=False)
    assert result.status == "optimal"


def test_maxmin_keeps_to_the_time_limit() -> None:
    scenario = matcher.validate(generate(100, 50, 0, fairness="maxmin"))
    start = time.perf_counter()
    result = matcher.solve(scenario, time_limit=0.5, explain=False)
    assert time.perf_counter() - start < GENEROUS * 0.5
    assert result.status in ("optimal", "feasible")
    assert hard_rule_violations(scenario, result) == []


def test_time_limit_bounds_a_solve_with_explanations() -> None:
    scenario = matcher.validate(generate(40, 20, 0))
    start = time.perf_counter()
    result = matcher.solve(scenario, time_limit=0.2)
    assert time.perf_counter() - start < GENEROUS * 0.2
    assert hard_rule_violations(scenario, result) == []


@pytest.mark.parametrize("seed", range(6))
def test_maxmin_never_lowers_the_lowest_coverage_of_none(seed: int) -> None:
    lowest = {}
    for mode in ("none", "maxmin"):
        scenario = matcher.validate(generate(24, 12, seed, fairness=mode))
        result = matcher.solve(scenario, solver="auto", explain=False)
        assert result.status == "optimal"
        coverages = [r.coverage for r in result.municipalities.values() if r.coverage is not None]
        lowest[mode] = min(coverages)
    assert lowest["maxmin"] >= lowest["none"]
