"""From scenario to solver-neutral problem (matcher.core.problem.build): existing pairs as
constants, candidate edges, capped floors (rule 8), notes and lock conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import matcher
from matcher.core.problem import Built, Floor, build, reach

Data = dict[str, Any]
Builder = Callable[..., Data]


def built_from(data: Data) -> Built:
    return build(matcher.validate(data))


def edges(built: Built) -> set[tuple[str, str]]:
    enc, problem = built.enc, built.problem
    return {
        (enc.participant_ids[p], enc.mentor_ids[m])
        for p, m in zip(problem.edge_p.tolist(), problem.edge_m.tolist(), strict=True)
    }


def capacity_of(built: Built, mid: str) -> int:
    return int(built.problem.mentor_capacity[built.enc.mentor_ids.index(mid)])


def test_minimal_scenario(scenario_dict: Data) -> None:
    built = built_from(scenario_dict)
    problem = built.problem
    # P3 is kept with M3, P4 has no consent: candidates only for P1 and P2
    assert edges(built) == {("P1", "M1"), ("P2", "M2")}
    assert built.kept == [(2, 2)]
    assert built.mentor_load.tolist() == [0, 0, 1]
    assert problem.mentor_capacity.tolist() == [2, 2, 0]
    assert problem.capacity == 9
    assert problem.budget is None
    assert problem.objective == ("coverage", "fairness", "priority", "quality")
    assert problem.levels == ("coverage", "priority", "quality")  # quotas: no level
    required = [
        (built.enc.participant_ids[problem.edge_p[e]], built.enc.mentor_ids[problem.edge_m[e]])
        for e in problem.required
    ]
    assert required == [("P1", "M1")]
    assert built.conflicts == [] and built.notes == []
    assert len(problem.quality) == len(problem.edge_p) == len(built.scores.total)
    assert problem.priority.shape == (4,)


def test_existing_pairs_use_up_capacity_places_and_budget(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=3), make_mentor("M2")],
        participants=[make_participant(f"P{i}") for i in range(1, 6)],
        pairs=[{"participant": "P1", "mentor": "M1"}, {"participant": "P2", "mentor": "M1"}],
        program={"capacity": 4, "position_budget": 0.5, "position_per_participant": 0.1},
    )
    built = built_from(data)
    assert capacity_of(built, "M1") == 1
    assert capacity_of(built, "M2") == 2
    assert built.problem.capacity == 2
    assert built.problem.budget == 3
    assert built.problem.total_limit == 2
    # kept participants get no candidate edges
    assert {p for p, _ in edges(built)} == {"P3", "P4", "P5"}


@pytest.mark.parametrize(
    ("budget", "per", "places"),
    [
        (1.0, 0.1, 10),
        (0.3, 0.1, 3),
        (0.7, 0.1, 7),
        (1.5, 0.1, 15),
        (0.25, 0.1, 2),
        (1.0, 0.2, 5),
        (0.0, 0.1, 0),
    ],
)
def test_position_budget_places(
    make_scenario: Builder, budget: float, per: float, places: int
) -> None:
    data = make_scenario(program={"position_budget": budget, "position_per_participant": per})
    assert built_from(data).problem.budget == places


def test_released_pair_frees_the_place_and_is_no_candidate(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1), make_mentor("M2", capacity=1)],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P1", "mentor": "M1", "release": True}],
        program={"capacity": 2},
    )
    built = built_from(data)
    assert built.kept == []
    assert capacity_of(built, "M1") == 1
    assert built.problem.capacity == 2
    assert edges(built) == {("P1", "M2"), ("P2", "M1"), ("P2", "M2")}


def test_no_consent_means_no_candidate(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1", consent=False), make_participant("P2")],
    )
    assert edges(built_from(data)) == {("P2", "M1")}


def test_mentor_already_over_capacity(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("P1"), make_participant("P2"), make_participant("P3")],
        pairs=[{"participant": "P1", "mentor": "M1"}, {"participant": "P2", "mentor": "M1"}],
    )
    built = built_from(data)
    assert capacity_of(built, "M1") == 0
    assert any("M1" in note and "above capacity 1" in note for note in built.notes)


def test_programme_capacity_already_exceeded(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=5)],
        participants=[make_participant(f"P{i}") for i in range(1, 5)],
        pairs=[{"participant": f"P{i}", "mentor": "M1"} for i in (1, 2, 3)],
        program={"capacity": 2, "position_budget": 0.2},
    )
    built = built_from(data)
    assert built.problem.capacity == 0
    assert built.problem.budget == 0
    assert any("exceed programme capacity 2" in note for note in built.notes)
    assert any("exceed the position budget 0.2" in note for note in built.notes)
    result = matcher.solve(matcher.validate(data))
    assert result.status == "optimal"
    assert [u.participant for u in result.unmatched] == ["P4"]


# --- municipality floors and caps (rule 8) ------------------------------------------------


def test_floor_capped_at_what_the_municipality_can_reach(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=3)],
        participants=[
            make_participant("P1"),
            make_participant("P2"),
            make_participant("S1", municipality="south"),
        ],
        municipalities=[{"id": "north"}, {"id": "south", "min": 2}],
    )
    built = built_from(data)
    assert built.floors["south"] == Floor(stated=2, enforced=1, reachable=1)
    south = built.problem.groups[1]
    assert (south.key, south.lower, south.upper) == ("south", 1, None)
    assert built.notes == [
        "south: min 2 capped to 1, all it can reach on its own under the other rules"
    ]
    result = matcher.solve(matcher.validate(data))
    assert result.status == "optimal"
    assert result.municipalities["south"].min == 2
    assert result.municipalities["south"].min_enforced == 1
    assert result.municipalities["south"].active == 1
    assert result.notes == built.notes


def test_floor_reach_respects_mentor_capacity_and_rules(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    # three waiting in south, but only one mentor serves south and only for one more place;
    # the existing pair counts toward the floor
    data = make_scenario(
        mentors=[
            make_mentor("M1", capacity=2, serves=["south"]),
            make_mentor("M2", serves=["north"]),
        ],
        participants=[
            make_participant("S0", municipality="south"),
            *[make_participant(f"S{i}", municipality="south") for i in (1, 2, 3)],
        ],
        pairs=[{"participant": "S0", "mentor": "M1"}],
        municipalities=[{"id": "north"}, {"id": "south", "min": 4}],
    )
    built = built_from(data)
    assert built.floors["south"] == Floor(stated=4, enforced=2, reachable=2)
    assert built.problem.groups[1].lower == 1  # 2 enforced minus 1 existing
    assert built.problem.groups[1].existing == 1


def test_floor_met_by_existing_pairs_needs_no_new_pair(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P1", "mentor": "M1"}],
        municipalities=[{"id": "north", "min": 1}, {"id": "south"}],
    )
    built = built_from(data)
    assert built.floors["north"] == Floor(stated=1, enforced=1, reachable=2)
    assert built.problem.groups[0].lower == 0
    assert built.notes == []


def test_floor_capped_by_programme_capacity(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=5)],
        participants=[make_participant(f"P{i}") for i in range(4)],
        municipalities=[{"id": "north", "min": 4}, {"id": "south"}],
        program={"capacity": 2},
    )
    assert built_from(data).floors["north"].enforced == 2


def test_max_already_exceeded(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=5)],
        participants=[make_participant(f"P{i}") for i in range(4)],
        pairs=[{"participant": f"P{i}", "mentor": "M1"} for i in range(3)],
        municipalities=[{"id": "north", "max": 2}, {"id": "south"}],
    )
    built = built_from(data)
    north = built.problem.groups[0]
    assert (north.upper, north.existing, north.lower) == (0, 3, 0)
    assert built.notes == ["north: 3 active pairs already exceed max 2: no new pairs there"]


def test_max_leaves_room(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=5)],
        participants=[make_participant(f"P{i}") for i in range(4)],
        pairs=[{"participant": "P0", "mentor": "M1"}],
        municipalities=[{"id": "north", "max": 3}, {"id": "south"}],
    )
    built = built_from(data)
    assert built.problem.groups[0].upper == 2
    assert built.notes == []


def test_groups_eligible_and_targets(scenario_dict: Data) -> None:
    groups = built_from(scenario_dict).problem.groups
    # consenting: north P1, P3 (P4 has none); south P2. No shares: targets are counts
    assert [(g.key, g.eligible, g.target, g.existing) for g in groups] == [
        ("north", 2, 2, 1),
        ("south", 1, 1, 0),
    ]
    scenario_dict["municipalities"][0]["share"] = 0.7
    scenario_dict["municipalities"][1]["share"] = 0.3
    groups = built_from(scenario_dict).problem.groups
    assert [g.target for g in groups] == [700, 300]


def test_levels_follow_the_fairness_mode(scenario_dict: Data) -> None:
    for mode, levels in [
        ("none", ("coverage", "priority", "quality")),
        ("quotas", ("coverage", "priority", "quality")),
        ("proportional", ("coverage", "fairness", "priority", "quality")),
        ("maxmin", ("coverage", "fairness", "priority", "quality")),
    ]:
        scenario_dict["policy"]["fairness"] = mode
        assert built_from(scenario_dict).problem.levels == levels
    scenario_dict["policy"]["objective"] = ["quality", "fairness"]
    assert built_from(scenario_dict).problem.levels == ("quality", "fairness")


# --- locks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mentor_fields", "participant_fields", "top", "expected"),
    [
        ({"active": False}, {}, {}, "mentor on leave (rule 2)"),
        ({"trained": False}, {}, {}, "mentor has not completed the training (rule 2)"),
        ({"recovery_years": 1}, {}, {}, "years in recovery than the policy's minimum (rule 2)"),
        ({"gender": "male"}, {}, {}, "(rule 3)"),
        ({"age": 70}, {"prefers": {"max_age_gap": 10}}, {}, "age gap is above the limit (rule 4)"),
        (
            {"serves": ["south"]},
            {},
            {},
            "participants from the participant's municipality (rule 5)",
        ),
        ({}, {"exclude_mentors": ["M1"]}, {}, "excluded by the participant (rule 6)"),
        (
            {},
            {},
            {"locks": {"require": [["P1", "M1"]], "forbid": [["P1", "M1"]]}},
            "forbidden by the coordinator (rule 6)",
        ),
        (
            {},
            {},
            {"pairs": [{"participant": "P1", "mentor": "M1", "release": True}]},
            "released pair, not proposed again (rule 7)",
        ),
        ({}, {"consent": False}, {}, "no recorded consent (rule 9)"),
    ],
)
def test_require_breaking_a_hard_rule_is_a_conflict(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    mentor_fields: Data,
    participant_fields: Data,
    top: Data,
    expected: str,
) -> None:
    top = {"locks": {"require": [["P1", "M1"]]}, **top}
    data = make_scenario(
        mentors=[make_mentor("M1", **mentor_fields), make_mentor("M2")],
        participants=[make_participant("P1", **participant_fields)],
        **top,
    )
    built = built_from(data)
    assert len(built.conflicts) == 1
    conflict = built.conflicts[0]
    assert conflict.startswith("the locked pair P1-M1 breaks a hard rule: ")
    assert expected in conflict
    assert len(built.problem.required) == 0


def test_require_names_every_broken_rule(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", active=False, gender="male")],
        participants=[make_participant("P1")],
        locks={"require": [["P1", "M1"]]},
    )
    (conflict,) = built_from(data).conflicts
    assert "(rule 2)" in conflict and "(rule 3)" in conflict


def test_require_against_another_active_pair(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=[make_participant("P1")],
        pairs=[{"participant": "P1", "mentor": "M2"}],
        locks={"require": [["P1", "M1"]]},
    )
    assert built_from(data).conflicts == [
        "the locked pair P1-M1 conflicts with the active pair P1-M2 (rule 7)"
    ]


def test_require_of_the_kept_pair_is_fine(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1")],
        pairs=[{"participant": "P1", "mentor": "M1"}],
        locks={"require": [["P1", "M1"]]},
    )
    built = built_from(data)
    assert built.conflicts == []
    assert len(built.problem.required) == 0


def test_forbid_removes_the_edge(scenario_dict: Data) -> None:
    scenario_dict["locks"] = {"forbid": [["P1", "M1"]]}
    assert ("P1", "M1") not in edges(built_from(scenario_dict))


# --- reach -------------------------------------------------------------------------------


def test_reach() -> None:
    edge_p = np.array([0, 1, 2, 2], dtype=np.int64)
    edge_m = np.array([0, 0, 0, 1], dtype=np.int64)
    caps = np.array([1, 1], dtype=np.int64)
    assert reach(edge_p, edge_m, caps, None) == 2
    assert reach(edge_p, edge_m, np.array([2, 0], dtype=np.int64), None) == 2
    assert reach(edge_p, edge_m, np.array([3, 1], dtype=np.int64), None) == 3
    assert reach(edge_p, edge_m, np.array([3, 1], dtype=np.int64), 1) == 1
    empty = np.zeros(0, dtype=np.int64)
    assert reach(empty, empty, caps, None) == 0
