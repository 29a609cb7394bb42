"""The whole round (matcher.solve) on hand-made cases and the example scenarios:
coverage, priority and quality, the lexicographic order of policy.objective, and the
fairness modes. Infeasible rounds are in test_solve_conflicts.py, the reasons people
wait in test_solve_waiting.py, the shared checks in solve_checks.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import matcher
from matcher.explain.result import Result
from tests.solve_checks import (
    ONLY_AGE,
    Builder,
    Data,
    check_result,
    matched,
    solve_checked,
    waiting,
)

# --- coverage, priority, quality ----------------------------------------------------------


def test_coverage_is_maximal(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    # A greedy choice would give the urgent P1 her best mentor M1 and leave P2 without one.
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=35), make_mentor("M2", capacity=1, age=55)],
        participants=[
            make_participant("P1", age=35, priority=["urgent"]),
            make_participant("P2", age=35, exclude_mentors=["M2"]),
        ],
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "M2", "P2": "M1"}
    assert result.status == "optimal"
    assert result.metrics.objective["coverage"] == 2


def test_coverage_on_a_longer_chain(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    # P_i may take M_i or M_{i+1}; P3 only M3. All four mentors hold one participant.
    mentors = [make_mentor(f"M{i}", capacity=1) for i in range(1, 5)]
    ids = [m["id"] for m in mentors]
    participants = []
    for i in range(1, 5):
        allowed = {f"M{i}", f"M{i + 1}"} if i < 3 else {f"M{i}"}
        participants.append(
            make_participant(
                f"P{i}",
                exclude_mentors=[x for x in ids if x not in allowed],
                priority=["urgent"] if i == 1 else [],
            )
        )
    result = solve_checked(make_scenario(mentors=mentors, participants=participants))
    assert matched(result) == {"P1": "M1", "P2": "M2", "P3": "M3", "P4": "M4"}


def test_quality_breaks_the_remaining_ties(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[
            make_mentor("OLD", age=60),
            make_mentor("NEAR", age=36),
            make_mentor("MID", age=45),
        ],
        participants=[make_participant("P1", age=35)],
        policy={"weights": ONLY_AGE},
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "NEAR"}
    assert result.pairs[0].score == pytest.approx(1 - 1 / 25, abs=1e-3)


def test_quality_is_a_total_over_the_round(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=34), make_mentor("M2", capacity=1, age=25)],
        participants=[make_participant("P1", age=30)],
        policy={"weights": ONLY_AGE},
    )
    # alone, P1 takes the closer M1 (4 years apart, against 5)
    assert matched(solve_checked(data)) == {"P1": "M1"}
    # with P2 (40): P1-M1 + P2-M2 = 0.84 + 0.40, P1-M2 + P2-M1 = 0.80 + 0.76
    data["participants"].append(make_participant("P2", age=40))
    result = solve_checked(data)
    assert matched(result) == {"P1": "M2", "P2": "M1"}
    assert result.metrics.objective["quality"] == 800 + 760


# --- the lexicographic order of policy.objective --------------------------------------------


def quality_vs_coverage(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder, objective: list[str]
) -> Data:
    # {P1-M1} has quality 1.0; {P1-M2, P2-M1} covers two people but has quality 0.04 + 0.2.
    return make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=30), make_mentor("M2", capacity=1, age=54)],
        participants=[
            make_participant("P1", age=30),
            make_participant("P2", age=50, exclude_mentors=["M2"]),
        ],
        policy={"weights": ONLY_AGE, "objective": objective},
    )


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        (["coverage", "fairness", "priority", "quality"], {"P1": "M2", "P2": "M1"}),
        (["coverage", "quality"], {"P1": "M2", "P2": "M1"}),
        (["quality"], {"P1": "M1"}),
        (["quality", "coverage"], {"P1": "M1"}),
    ],
)
def test_quality_first_can_leave_people_waiting(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    objective: list[str],
    expected: dict[str, str],
) -> None:
    data = quality_vs_coverage(make_scenario, make_mentor, make_participant, objective)
    result = solve_checked(data)
    assert matched(result) == expected
    if "P2" not in expected:
        (reason,) = waiting(result)["P2"]
        assert reason.startswith("every eligible mentor is full")


@pytest.mark.parametrize(
    ("objective", "winner"),
    [
        (["coverage", "priority", "quality"], "URGENT"),
        (["priority", "quality"], "URGENT"),
        (["quality", "priority"], "CLOSE"),
        (["coverage", "quality", "priority"], "CLOSE"),
    ],
)
def test_priority_against_quality(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    objective: list[str],
    winner: str,
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=40)],
        participants=[
            make_participant("URGENT", age=60, priority=["urgent"]),
            make_participant("CLOSE", age=40),
        ],
        policy={"weights": ONLY_AGE, "objective": objective},
    )
    assert list(matched(solve_checked(data))) == [winner]


def test_objective_without_quality_still_proposes(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1"), make_participant("P2")],
        policy={"objective": ["coverage"]},
    )
    result = solve_checked(data)
    assert set(matched(result)) == {"P1", "P2"}


# --- fairness ----------------------------------------------------------------------------------


def fairness_case(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    fairness: str,
    objective: list[str] | None = None,
    shares: tuple[float, float] | None = None,
) -> Data:
    """Two places for three long-waiting north and one newly referred south participant."""
    municipalities: list[Data] = [
        {"id": "north", "partner": True},
        {"id": "south", "partner": True},
    ]
    if shares is not None:
        municipalities[0]["share"], municipalities[1]["share"] = shares
    policy: Data = {"fairness": fairness}
    if objective is not None:
        policy["objective"] = objective
    return make_scenario(
        mentors=[make_mentor("M1", capacity=2)],
        participants=[
            *[make_participant(f"N{i}", referred="2026-03-01") for i in (1, 2, 3)],
            make_participant("S1", municipality="south"),
        ],
        municipalities=municipalities,
        policy=policy,
    )


def lowest_coverage(result: Result) -> float:
    rows = [row for row in result.municipalities.values() if row.active + row.waiting]
    return min(row.active / (row.active + row.waiting) for row in rows)


@pytest.mark.parametrize("fairness", ["none", "quotas"])
def test_without_fairness_level_priority_decides(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder, fairness: str
) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, fairness)
    result = solve_checked(data)
    assert set(matched(result)) <= {"N1", "N2", "N3"}
    assert len(result.pairs) == 2
    assert lowest_coverage(result) == 0.0


def test_maxmin_lifts_the_lowest_municipality(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, "maxmin")
    result = solve_checked(data)
    assert "S1" in matched(result)
    assert len(result.pairs) == 2
    assert lowest_coverage(result) == pytest.approx(1 / 3)


@pytest.mark.parametrize("shares", [(0.5, 0.5), None])
def test_proportional(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    shares: tuple[float, float] | None,
) -> None:
    data = fairness_case(
        make_scenario, make_mentor, make_participant, "proportional", shares=shares
    )
    result = solve_checked(data)
    north = result.municipalities["north"].active
    south = result.municipalities["south"].active
    if shares is None:
        # targets are the referral counts 3:1; with two places 2:0 and 1:1 are equally far
        assert north + south == 2
    else:
        assert (north, south) == (1, 1)


def test_proportional_follows_the_shares(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=4)],
        participants=[
            *[make_participant(f"N{i}", referred="2026-01-01") for i in range(4)],
            *[make_participant(f"S{i}", municipality="south") for i in range(4)],
        ],
        municipalities=[{"id": "north", "share": 0.25}, {"id": "south", "share": 0.75}],
        policy={"fairness": "proportional"},
    )
    result = solve_checked(data)
    assert result.municipalities["north"].active == 1
    assert result.municipalities["south"].active == 3
    assert result.metrics.objective["fairness"] == 0


@pytest.mark.parametrize(
    ("objective", "south_matched"),
    [
        (["coverage", "fairness", "priority", "quality"], True),
        (["coverage", "priority", "fairness", "quality"], False),
        (["priority", "fairness"], False),
        (["fairness", "priority"], True),
    ],
)
def test_fairness_against_priority(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    objective: list[str],
    south_matched: bool,
) -> None:
    data = fairness_case(
        make_scenario,
        make_mentor,
        make_participant,
        "proportional",
        objective=objective,
        shares=(0.5, 0.5),
    )
    assert ("S1" in matched(solve_checked(data))) is south_matched


def test_floors_hold_in_every_fairness_mode(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    for mode in ("none", "quotas", "proportional", "maxmin"):
        data = fairness_case(make_scenario, make_mentor, make_participant, mode)
        data["municipalities"][1]["min"] = 1
        data["policy"]["objective"] = ["coverage", "priority", "quality"]
        assert "S1" in matched(solve_checked(data)), mode


def test_municipality_max_holds(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, "none")
    data["municipalities"][0]["max"] = 1
    result = solve_checked(data)
    assert result.municipalities["north"].active == 1
    assert "S1" in matched(result)


@pytest.mark.parametrize("name", ["stavanger-sola-sandnes", "grenland", "loland"])
def test_maxmin_never_lowers_the_lowest_coverage(example_paths: dict[str, Path], name: str) -> None:
    base = matcher.load(example_paths[name])
    lowest = {}
    for mode in ("none", "maxmin"):
        policy = base.policy.model_copy(
            update={"fairness": mode, "objective": list(base.policy.objective)}
        )
        if "fairness" not in policy.objective:
            policy = policy.model_copy(
                update={"objective": ["coverage", "fairness", *policy.objective[1:]]}
            )
        scenario = base.model_copy(update={"policy": policy})
        result = matcher.solve(scenario, solver="cpsat")
        check_result(scenario, result)
        lowest[mode] = lowest_coverage(result)
    assert lowest["maxmin"] >= lowest["none"]


def test_maxmin_never_lowers_the_lowest_coverage_handmade(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    rng = np.random.default_rng(7)
    for _ in range(12):
        mentors = [
            make_mentor(
                f"M{i}",
                capacity=int(rng.integers(1, 3)),
                serves=[str(rng.choice(["north", "south"]))],
            )
            for i in range(3)
        ]
        participants = [
            make_participant(
                f"P{i}",
                municipality=str(rng.choice(["north", "south"])),
                referred=f"2026-{rng.integers(1, 12):02d}-01",
            )
            for i in range(6)
        ]
        results = {}
        for mode in ("none", "maxmin"):
            data = make_scenario(
                mentors=mentors, participants=participants, policy={"fairness": mode}
            )
            results[mode] = lowest_coverage(solve_checked(data))
        assert results["maxmin"] >= results["none"]


@pytest.mark.parametrize("name", ["stavanger-sola-sandnes", "grenland", "loland"])
def test_examples_respect_every_rule(example_paths: dict[str, Path], name: str) -> None:
    scenario = matcher.load(example_paths[name])
    result = matcher.solve(scenario, solver="cpsat")
    assert result.status == "optimal"
    check_result(scenario, result)


def test_options_do_not_change_an_optimal_proposal(example_paths: dict[str, Path]) -> None:
    scenario = matcher.load(example_paths["grenland"])
    plain = matcher.solve(scenario, solver="cpsat")
    tuned = matcher.solve(scenario, solver="cpsat", time_limit=30, threads=2, seed=5)
    assert tuned.status == "optimal"
    assert matched(tuned) == matched(plain)
    assert tuned.metrics.objective == plain.metrics.objective
