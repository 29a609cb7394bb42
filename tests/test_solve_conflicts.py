"""The whole round (matcher.solve) when the hard rules conflict: floors against
capacities and caps, and locks against each other, capacities and caps; which conflicts
are named, and that locks hold when they can."""

from __future__ import annotations

from tests.solve_checks import (
    ONLY_AGE,
    Builder,
    matched,
    solve_checked,
    waiting,
)

# --- infeasible hard rules ----------------------------------------------------------------------


def test_conflicting_floors(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("N1"), make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "min": 1}, {"id": "south", "min": 1}],
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert result.pairs == []
    assert "municipality north min 1 (rule 8)" in result.conflicts
    assert "municipality south min 1 (rule 8)" in result.conflicts
    assert all(
        r == ["no proposal: the hard rules conflict (see conflicts)"]
        for r in waiting(result).values()
    )
    assert result.metrics.objective == {}


def test_floors_against_programme_capacity(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=[make_participant("N1"), make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "min": 1}, {"id": "south", "min": 1}],
        program={"capacity": 1},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "the programme's capacity of 1 (rule 1)" in result.conflicts
    assert "municipality north min 1 (rule 8)" in result.conflicts
    assert "municipality south min 1 (rule 8)" in result.conflicts


def test_capped_floor_is_named_as_capped(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("N1"), make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "min": 3}, {"id": "south", "min": 1}],
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "municipality north min 3, capped to 1 (rule 8)" in result.conflicts


def test_require_and_forbid_of_the_same_pair(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=[make_participant("P1"), make_participant("P2")],
        locks={"require": [["P1", "M1"]], "forbid": [["P1", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    (conflict,) = result.conflicts
    assert "the locked pair P1-M1" in conflict and "forbidden by the coordinator" in conflict


def test_two_requires_beyond_a_mentors_capacity(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1), make_mentor("M2")],
        participants=[make_participant("P1"), make_participant("P2"), make_participant("P3")],
        locks={"require": [["P1", "M1"], ["P2", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "the locked pair P1-M1 (rule 6)" in result.conflicts
    assert "the locked pair P2-M1 (rule 6)" in result.conflicts
    assert not any("P3" in c for c in result.conflicts)


def test_require_on_a_mentor_full_with_kept_pairs(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P2", "mentor": "M1"}],
        locks={"require": [["P1", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "the locked pair P1-M1 (rule 6)" in result.conflicts
    assert matched(result) == {"P2": "M1"}  # the kept pair is still listed


def test_require_against_a_municipality_max(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P2", "mentor": "M1"}],
        municipalities=[{"id": "north", "max": 1}, {"id": "south"}],
        locks={"require": [["P1", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "the locked pair P1-M1 (rule 6)" in result.conflicts
    assert "municipality north max 1 (rule 8)" in result.conflicts


def test_require_is_honoured(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    # without the lock, quality would pair P1 with the closer M2
    data = make_scenario(
        mentors=[make_mentor("M1", age=60), make_mentor("M2", age=35)],
        participants=[make_participant("P1", age=35)],
        policy={"weights": ONLY_AGE},
        locks={"require": [["P1", "M1"]]},
    )
    assert matched(solve_checked(data)) == {"P1": "M1"}
    data["locks"] = {"forbid": [["P1", "M2"]]}
    assert matched(solve_checked(data)) == {"P1": "M1"}
