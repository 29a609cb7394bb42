"""The whole round (matcher.solve): who is left waiting and why, the reasons given for
pairs, and the keys of the result's contract."""

from __future__ import annotations

import json
from typing import Any

import pytest

import matcher
from tests.solve_checks import (
    Builder,
    Data,
    matched,
    solve_checked,
    waiting,
)

# --- who is left waiting, and why --------------------------------------------------------------


def test_consent_false_is_listed_with_that_reason(scenario_dict: Data) -> None:
    result = solve_checked(scenario_dict)
    assert waiting(result)["P4"] == ["no recorded consent: never matched or scored"]
    assert result.metrics.eligible == 3


def test_no_eligible_mentor_names_rules_and_mentors(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[
            make_mentor("LEAVE", active=False),
            make_mentor("MALE", gender="male"),
            make_mentor("SOUTH", serves=["south"]),
            make_mentor("EXCL"),
            make_mentor("OLD", age=80, trained=False),
        ],
        participants=[
            make_participant("P1", exclude_mentors=["EXCL"], prefers={"max_age_gap": 20})
        ],
    )
    reasons = waiting(solve_checked(data))["P1"]
    assert reasons[0] == "no eligible mentor among 5 mentors"
    assert "mentor on leave: LEAVE" in reasons
    assert "mentor has not completed the training: OLD" in reasons
    assert "the age gap is above the limit: OLD" in reasons
    assert "mentor does not take participants from the participant's municipality: SOUTH" in reasons
    assert "excluded by the participant: EXCL" in reasons
    gender = [r for r in reasons if r.startswith("gender does not fit")]
    assert len(gender) == 1 and gender[0].endswith(": MALE")


def test_no_mentors_at_all(make_scenario: Builder, make_participant: Builder) -> None:
    result = solve_checked(make_scenario(mentors=[], participants=[make_participant("P1")]))
    assert waiting(result) == {"P1": ["no eligible mentor among 0 mentors"]}


def test_rule_lists_several_mentors(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", active=False), make_mentor("M2", active=False)],
        participants=[make_participant("P1")],
    )
    reasons = waiting(solve_checked(data))["P1"]
    assert "mentor on leave: M1, M2" in reasons


def test_every_eligible_mentor_full(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[
            make_mentor("M1", capacity=1),
            make_mentor("M2", capacity=1),
            make_mentor("FAR", serves=["south"]),
        ],
        participants=[
            make_participant("P1", referred="2026-01-01"),
            make_participant("P2", referred="2026-02-01"),
            make_participant("P3"),
        ],
    )
    result = solve_checked(data)
    assert set(matched(result)) == {"P1", "P2"}
    assert waiting(result)["P3"] == ["every eligible mentor is full: M1, M2"]


def test_released_participant_without_another_mentor(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1")],
        pairs=[{"participant": "P1", "mentor": "M1", "release": True}],
    )
    result = solve_checked(data)
    assert waiting(result)["P1"] == [
        "no eligible mentor among 1 mentor",
        "released pair, not proposed again: M1",
    ]


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ({"program": {"capacity": 1}}, "the programme's capacity of 1 is reached"),
        (
            {"program": {"position_budget": 0.1}},
            "the position budget of 0.1 mentor posts is used up",
        ),
        (
            {"municipalities": [{"id": "north", "max": 1}, {"id": "south"}]},
            "north has reached its maximum of 1",
        ),
    ],
)
def test_capacity_reasons(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    top: Data,
    expected: str,
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=3)],
        participants=[make_participant("P1", referred="2026-01-01"), make_participant("P2")],
        **top,
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "M1"}
    assert waiting(result)["P2"] == [expected]


def test_capacity_reasons_count_existing_pairs(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=3)],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P1", "mentor": "M1"}],
        program={"capacity": 1},
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "M1"}
    assert result.pairs[0].existing is True
    assert result.pairs[0].reasons[0] == "active pair"
    assert waiting(result)["P2"] == ["the programme's capacity of 1 is reached"]


def test_kept_pairs_are_listed_with_their_date(scenario_dict: Data) -> None:
    result = solve_checked(scenario_dict)
    kept = [p for p in result.pairs if p.existing]
    assert [(p.participant, p.mentor) for p in kept] == [("P3", "M3")]
    assert kept[0].reasons[0] == "active pair since 10 January 2026"
    assert result.metrics.existing == 1


def test_pair_reasons(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[
            make_mentor(
                "M1",
                age=37,
                substances=["opioids", "alcohol"],
                interests=["hiking", "music"],
                strengths=["work", "housing"],
                availability=["evenings"],
                languages=["no", "en"],
            )
        ],
        participants=[
            make_participant(
                "P1",
                age=35,
                substances=["opioids"],
                interests=["fishing", "music"],
                goals=["work", "social_network"],
                availability=["evenings", "daytime"],
                languages=["en"],
            )
        ],
    )
    (pair,) = solve_checked(data).pairs
    assert pair.reasons[0] == "same gender"  # a rule under `required`: listed first
    assert set(pair.reasons[1:]) == {
        "both have experience with opioids",
        "both like music",
        "both like outdoor activities (fishing, hiking)",
        "the mentor can help with work",
        "both are available in the evenings",
        "both speak English",
        "close in age (2 years apart)",
    }
    assert {
        "code": "similar_interests",
        "params": {"category": "outdoor", "tags": ["fishing", "hiking"]},
    } in [c.model_dump() for c in pair.reason_codes]


def test_every_participant_appears_once_in_the_minimal_scenario(scenario_dict: Data) -> None:
    result = solve_checked(scenario_dict)
    assert sorted(matched(result)) == ["P1", "P2", "P3"]
    assert sorted(waiting(result)) == ["P4"]


def test_empty_scenario(make_scenario: Builder) -> None:
    result = solve_checked(make_scenario(mentors=[], participants=[]))
    assert result.status == "optimal"
    assert result.pairs == [] and result.unmatched == []
    assert result.metrics.mean_score == 0.0


def test_result_json_has_the_contract_keys(scenario_dict: Data) -> None:
    data: dict[str, Any] = json.loads(solve_checked(scenario_dict).to_json())
    assert {
        "scenario",
        "solver",
        "status",
        "pairs",
        "unmatched",
        "municipalities",
        "metrics",
        "elapsed_s",
    } <= set(data)
    assert data["solver"] == "cpsat"
    assert set(data["pairs"][0]) >= {"participant", "mentor", "existing", "score", "reasons"}
    assert set(data["unmatched"][0]) >= {"participant", "reasons", "would_match_if"}
    assert {"matched", "eligible", "mean_score"} <= set(data["metrics"])
    assert set(data["municipalities"]["north"]) >= {"active", "new", "waiting"}


def test_unknown_solver(scenario_dict: Data) -> None:
    from solvers import UnknownSolverError

    with pytest.raises(UnknownSolverError, match="unknown solver 'nope'"):
        matcher.solve(matcher.validate(scenario_dict), solver="nope")


def test_waiting_for_a_higher_ranked_objective(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[
            make_mentor("M1", capacity=5, serves=["north"]),
            make_mentor("M2", capacity=1, serves=["south"]),
        ],
        participants=[
            *[make_participant(f"N{i}") for i in (1, 2, 3)],
            make_participant("S1", municipality="south"),
        ],
        municipalities=[{"id": "north", "share": 0.5}, {"id": "south", "share": 0.5}],
        policy={"fairness": "proportional", "objective": ["fairness", "coverage"]},
    )
    result = solve_checked(data)
    assert result.municipalities["north"].active == 1
    assert result.municipalities["south"].active == 1
    for reasons in waiting(result).values():
        assert reasons == [
            "matching them would cost a higher-ranked goal (coverage, "
            "fairness or priority); free eligible mentors: M1"
        ]
    data["policy"]["objective"] = ["coverage", "fairness"]
    assert len(solve_checked(data).pairs) == 4
