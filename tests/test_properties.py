"""Properties of every solve on random small scenarios (hypothesis).

Whatever the scenario, `matcher.solve` either reports it infeasible with named conflicts
or proposes pairs that keep every hard rule, as judged by the independent checker in
tests/rules.py; the chosen edges are feasible for the solver-neutral problem; the result
survives a JSON round trip; and solving twice gives the same answer.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings

import matcher
from matcher.core.problem import build
from matcher.explain.result import Result
from solvers import Options, check_solution, evaluate
from solvers.cpsat import CpSatSolver
from tests.rules import Rules, hard_rule_violations
from tests.strategies import scenario_data

Data = dict[str, Any]

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _without_time(result: Result) -> Data:
    data = result.to_dict()
    data.pop("elapsed_s")
    return data


@PROPERTY_SETTINGS
@given(scenario_data())
def test_solve_keeps_every_hard_rule(data: Data) -> None:
    scenario = matcher.validate(data)
    result = matcher.solve(scenario)
    assert hard_rule_violations(scenario, result) == []
    listed = [p.participant for p in result.pairs] + [w.participant for w in result.unmatched]
    assert sorted(listed) == sorted(p.id for p in scenario.participants)
    if result.status == "infeasible":
        assert result.conflicts, "an infeasible result must name the conflicting rules"
        assert all(p.existing for p in result.pairs)
    else:
        assert result.conflicts == []
        new = [p for p in result.pairs if not p.existing]
        assert result.metrics.new == len(new)
        assert result.metrics.matched == len(result.pairs)
        assert result.metrics.objective["coverage"] == len(new)


@PROPERTY_SETTINGS
@given(scenario_data())
def test_problem_solution_is_feasible(data: Data) -> None:
    scenario = matcher.validate(data)
    built = build(scenario)
    problem = built.problem
    solution = CpSatSolver().solve(problem, Options())
    if solution.status == "infeasible":
        # The whole scenario must then be infeasible too.
        assert matcher.solve(scenario, explain=False).status == "infeasible"
        return
    assert solution.status == "optimal"
    assert check_solution(problem, solution.chosen) == []
    assert solution.levels == evaluate(problem, solution.chosen)
    rules = Rules(scenario)
    # every candidate edge is a pair the rules allow, and every allowed pair is an edge
    ids_p, ids_m = built.enc.participant_ids, built.enc.mentor_ids
    edges = {
        (ids_p[p], ids_m[m])
        for p, m in zip(problem.edge_p.tolist(), problem.edge_m.tolist(), strict=True)
    }
    allowed = {(p, m) for p in rules.waiting for m in rules.allowed(p)}
    assert edges == allowed
    if not built.conflicts:
        new = [
            (ids_p[problem.edge_p[e]], ids_m[problem.edge_m[e]]) for e in solution.chosen.tolist()
        ]
        assert rules.violations(new) == []


@PROPERTY_SETTINGS
@given(scenario_data(max_participants=6, max_mentors=4))
def test_result_round_trips_and_is_deterministic(data: Data) -> None:
    scenario = matcher.validate(data)
    first = matcher.solve(scenario)
    text = first.to_json()
    assert Result.model_validate_json(text) == first
    assert json.loads(text) == first.to_dict()
    assert json.loads(first.to_json(indent=None)) == first.to_dict()
    again = matcher.solve(matcher.validate(json.loads(json.dumps(data))))
    assert _without_time(again) == _without_time(first)


# -- the checker itself must catch broken results ---------------------------------------

CHECKED: Data = {
    "date": "2026-11-20",
    "municipalities": [{"id": "north", "min": 2}, {"id": "south", "max": 1}],
    "mentors": [
        {
            "id": "M1",
            "gender": "female",
            "age": 40,
            "municipality": "north",
            "recovery_years": 5,
            "capacity": 2,
        },
        {
            "id": "M2",
            "gender": "male",
            "age": 45,
            "municipality": "north",
            "recovery_years": 5,
            "serves": ["north"],
        },
    ],
    "participants": [
        {"id": "P1", "gender": "female", "age": 35, "municipality": "north", "consent": True},
        {"id": "P2", "gender": "male", "age": 40, "municipality": "north", "consent": True},
        {"id": "P3", "gender": "female", "age": 38, "municipality": "south", "consent": True},
        {"id": "P4", "gender": "female", "age": 30, "municipality": "north", "consent": False},
    ],
    "pairs": [{"participant": "P3", "mentor": "M1"}],
}


def _move(result: Data, pid: str, mentor: str | None) -> Data:
    """`result` with participant `pid` given `mentor` as a new pair (None: waiting)."""
    out: Data = json.loads(json.dumps(result))
    out["pairs"] = [p for p in out["pairs"] if p["participant"] != pid]
    out["unmatched"] = [w for w in out["unmatched"] if w["participant"] != pid]
    if mentor is None:
        out["unmatched"].append({"participant": pid, "reasons": ["waiting"]})
    else:
        out["pairs"].append(
            {"participant": pid, "mentor": mentor, "existing": False, "score": 0.5, "reasons": []}
        )
    return out


def test_checker_accepts_the_engine_result_and_catches_broken_ones() -> None:
    scenario = matcher.validate(CHECKED)
    good: Data = json.loads(matcher.solve(scenario, explain=False).to_json())
    assert hard_rule_violations(scenario, good) == []
    assert {(p["participant"], p["mentor"]) for p in good["pairs"]} == {
        ("P1", "M1"),
        ("P2", "M2"),
        ("P3", "M1"),
    }

    def broken(result: Data, expected: str) -> None:
        found = hard_rule_violations(scenario, result)
        assert any(expected in v for v in found), (expected, found)

    broken(_move(good, "P3", None), "rule 7: kept pair P3-M1 missing")
    broken(_move(good, "P2", "M1"), "rule 3")
    broken(_move(good, "P2", "M1"), "rule 1: mentor M1")
    broken(_move(good, "P4", "M2"), "rule 9")
    broken(_move(good, "P1", None), "rule 8: north has 1 active, below its floor 2")
    broken(_move(good, "P3", "M2"), "rule 5")
    twice = json.loads(json.dumps(good))
    twice["unmatched"].append(dict(twice["unmatched"][0]))
    broken(twice, "listed 2 times")
    silent = dict(good, status="infeasible", conflicts=[])
    broken(silent, "infeasible without conflicts")
    wrong_floor = json.loads(json.dumps(good))
    wrong_floor["municipalities"]["north"]["min_enforced"] = 1
    broken(wrong_floor, "should be capped to 2")
    assert hard_rule_violations(scenario, wrong_floor, exact_floors=False) == []
