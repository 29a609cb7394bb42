"""The whole round (matcher.solve) on hand-made cases: the lexicographic objective,
fairness modes, infeasibility diagnosis and the reasons people are left waiting."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher
from matcher.core.eligibility import failed_rules
from matcher.core.encoding import encode
from matcher.explain.result import Result
from matcher.model.scenario import Scenario

Data = dict[str, Any]
Builder = Callable[..., Data]
Run = Callable[[Data], Result]
ONLY_AGE = {"age": 1, "substances": 0, "interests": 0, "goals": 0, "availability": 0,
            "gender": 0, "language": 0}


def matched(result: Result) -> dict[str, str]:
    return {p.participant: p.mentor for p in result.pairs}


def waiting(result: Result) -> dict[str, list[str]]:
    return {u.participant: u.reasons for u in result.unmatched}


def check_result(scenario: Scenario, result: Result) -> None:
    """Invariants of every result: each participant once, hard rules and caps hold."""
    ids = [p.participant for p in result.pairs] + [u.participant for u in result.unmatched]
    assert Counter(ids) == Counter(p.id for p in scenario.participants)
    kept = {(x.participant, x.mentor) for x in scenario.pairs if not x.release}
    assert kept <= {(p.participant, p.mentor) for p in result.pairs}
    if result.status == "infeasible":
        assert result.conflicts
        return
    enc = encode(scenario)
    load: Counter[str] = Counter()
    for pair in result.pairs:
        load[pair.mentor] += 1
        assert 0.0 <= pair.score <= 1.0
        assert pair.existing == ((pair.participant, pair.mentor) in kept)
        if not pair.existing:
            p = enc.participant_ids.index(pair.participant)
            m = enc.mentor_ids.index(pair.mentor)
            assert failed_rules(enc, scenario.policy, p, m) == []
    new_load = Counter(p.mentor for p in result.pairs if not p.existing)
    for mentor in scenario.mentors:
        if new_load[mentor.id]:
            assert load[mentor.id] <= scenario.mentor_capacity(mentor)
    for pid, mid in scenario.locks.require:
        assert matched(result).get(pid) == mid
    for pid, mid in scenario.locks.forbid:
        assert matched(result).get(pid) != mid
    program = scenario.program
    if result.metrics.new:
        if program.capacity is not None:
            assert len(result.pairs) <= program.capacity
        if program.position_budget is not None:
            used = len(result.pairs) * program.position_per_participant
            assert used <= program.position_budget + 1e-9
    for muni in scenario.municipality_list():
        row = result.municipalities[muni.id]
        if muni.max is not None and row.new:
            assert row.active <= muni.max
        if row.min_enforced is not None:
            assert row.active >= row.min_enforced
    metrics = result.metrics
    assert metrics.matched == len(result.pairs) == metrics.new + metrics.existing
    assert metrics.eligible == sum(p.consent for p in scenario.participants)
    assert metrics.waiting == metrics.eligible - metrics.matched


def solve_checked(data: Data, **options: Any) -> Result:
    scenario = matcher.validate(copy.deepcopy(data))
    result = matcher.solve(scenario, solver="cpsat", **options)
    check_result(scenario, result)
    return result


# --- coverage, priority, quality ----------------------------------------------------------


def test_coverage_is_maximal(make_scenario: Builder, make_mentor: Builder,
                             make_participant: Builder) -> None:
    # A greedy choice would give the urgent P1 her best mentor M1 and leave P2 without one.
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=35), make_mentor("M2", capacity=1, age=55)],
        participants=[make_participant("P1", age=35, priority=["urgent"]),
                      make_participant("P2", age=35, exclude_mentors=["M2"])],
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "M2", "P2": "M1"}
    assert result.status == "optimal"
    assert result.metrics.objective["coverage"] == 2


def test_coverage_on_a_longer_chain(make_scenario: Builder, make_mentor: Builder,
                                    make_participant: Builder) -> None:
    # P_i may take M_i or M_{i+1}; P3 only M3. All four mentors hold one participant.
    mentors = [make_mentor(f"M{i}", capacity=1) for i in range(1, 5)]
    ids = [m["id"] for m in mentors]
    participants = []
    for i in range(1, 5):
        allowed = {f"M{i}", f"M{i + 1}"} if i < 3 else {f"M{i}"}
        participants.append(make_participant(
            f"P{i}", exclude_mentors=[x for x in ids if x not in allowed],
            priority=["urgent"] if i == 1 else []))
    result = solve_checked(make_scenario(mentors=mentors, participants=participants))
    assert matched(result) == {"P1": "M1", "P2": "M2", "P3": "M3", "P4": "M4"}


def test_quality_breaks_the_remaining_ties(make_scenario: Builder, make_mentor: Builder,
                                           make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("OLD", age=60), make_mentor("NEAR", age=36),
                 make_mentor("MID", age=45)],
        participants=[make_participant("P1", age=35)],
        policy={"weights": ONLY_AGE},
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "NEAR"}
    assert result.pairs[0].score == pytest.approx(1 - 1 / 25, abs=1e-3)


def test_quality_is_a_total_over_the_round(make_scenario: Builder, make_mentor: Builder,
                                           make_participant: Builder) -> None:
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


def quality_vs_coverage(make_scenario: Builder, make_mentor: Builder,
                        make_participant: Builder, objective: list[str]) -> Data:
    # {P1-M1} has quality 1.0; {P1-M2, P2-M1} covers two people but has quality 0.04 + 0.2.
    return make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=30), make_mentor("M2", capacity=1, age=54)],
        participants=[make_participant("P1", age=30),
                      make_participant("P2", age=50, exclude_mentors=["M2"])],
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
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder,
    objective: list[str], expected: dict[str, str],
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
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder,
    objective: list[str], winner: str,
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1, age=40)],
        participants=[make_participant("URGENT", age=60, priority=["urgent"]),
                      make_participant("CLOSE", age=40)],
        policy={"weights": ONLY_AGE, "objective": objective},
    )
    assert list(matched(solve_checked(data))) == [winner]


def test_objective_without_quality_still_proposes(make_scenario: Builder,
                                                  make_mentor: Builder,
                                                  make_participant: Builder) -> None:
    data = make_scenario(mentors=[make_mentor("M1")],
                         participants=[make_participant("P1"), make_participant("P2")],
                         policy={"objective": ["coverage"]})
    result = solve_checked(data)
    assert set(matched(result)) == {"P1", "P2"}


# --- fairness ----------------------------------------------------------------------------------


def fairness_case(make_scenario: Builder, make_mentor: Builder, make_participant: Builder,
                  fairness: str, objective: list[str] | None = None,
                  shares: tuple[float, float] | None = None) -> Data:
    """Two places for three long-waiting north and one newly referred south participant."""
    municipalities: list[Data] = [{"id": "north", "partner": True},
                                  {"id": "south", "partner": True}]
    if shares is not None:
        municipalities[0]["share"], municipalities[1]["share"] = shares
    policy: Data = {"fairness": fairness}
    if objective is not None:
        policy["objective"] = objective
    return make_scenario(
        mentors=[make_mentor("M1", capacity=2)],
        participants=[*[make_participant(f"N{i}", referred="2026-03-01") for i in (1, 2, 3)],
                      make_participant("S1", municipality="south")],
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


def test_maxmin_lifts_the_lowest_municipality(make_scenario: Builder, make_mentor: Builder,
                                              make_participant: Builder) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, "maxmin")
    result = solve_checked(data)
    assert "S1" in matched(result)
    assert len(result.pairs) == 2
    assert lowest_coverage(result) == pytest.approx(1 / 3)


@pytest.mark.parametrize("shares", [(0.5, 0.5), None])
def test_proportional(make_scenario: Builder, make_mentor: Builder,
                      make_participant: Builder, shares: tuple[float, float] | None) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, "proportional",
                         shares=shares)
    result = solve_checked(data)
    north = result.municipalities["north"].active
    south = result.municipalities["south"].active
    if shares is None:
        # targets are the referral counts 3:1; with two places 2:0 and 1:1 are equally far
        assert north + south == 2
    else:
        assert (north, south) == (1, 1)


def test_proportional_follows_the_shares(make_scenario: Builder, make_mentor: Builder,
                                         make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=4)],
        participants=[*[make_participant(f"N{i}", referred="2026-01-01") for i in range(4)],
                      *[make_participant(f"S{i}", municipality="south") for i in range(4)]],
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
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder,
    objective: list[str], south_matched: bool,
) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, "proportional",
                         objective=objective, shares=(0.5, 0.5))
    assert ("S1" in matched(solve_checked(data))) is south_matched


def test_floors_hold_in_every_fairness_mode(make_scenario: Builder, make_mentor: Builder,
                                            make_participant: Builder) -> None:
    for mode in ("none", "quotas", "proportional", "maxmin"):
        data = fairness_case(make_scenario, make_mentor, make_participant, mode)
        data["municipalities"][1]["min"] = 1
        data["policy"]["objective"] = ["coverage", "priority", "quality"]
        assert "S1" in matched(solve_checked(data)), mode


def test_municipality_max_holds(make_scenario: Builder, make_mentor: Builder,
                                make_participant: Builder) -> None:
    data = fairness_case(make_scenario, make_mentor, make_participant, "none")
    data["municipalities"][0]["max"] = 1
    result = solve_checked(data)
    assert result.municipalities["north"].active == 1
    assert "S1" in matched(result)


@pytest.mark.parametrize("name", ["stavanger-sola-sandnes", "grenland", "loland"])
def test_maxmin_never_lowers_the_lowest_coverage(example_paths: dict[str, Path],
                                                 name: str) -> None:
    base = matcher.load(example_paths[name])
    lowest = {}
    for mode in ("none", "maxmin"):
        policy = base.policy.model_copy(update={"fairness": mode,
                                                "objective": list(base.policy.objective)})
        if "fairness" not in policy.objective:
            policy = policy.model_copy(update={"objective": ["coverage", "fairness",
                                                             *policy.objective[1:]]})
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
        mentors = [make_mentor(f"M{i}", capacity=int(rng.integers(1, 3)),
                               serves=[str(rng.choice(["north", "south"]))])
                   for i in range(3)]
        participants = [make_participant(f"P{i}", municipality=str(rng.choice(["north",
                                                                               "south"])),
                                         referred=f"2026-{rng.integers(1, 12):02d}-01")
                        for i in range(6)]
        results = {}
        for mode in ("none", "maxmin"):
            data = make_scenario(mentors=mentors, participants=participants,
                                 policy={"fairness": mode})
            results[mode] = lowest_coverage(solve_checked(data))
        assert results["maxmin"] >= results["none"]


# --- infeasible hard rules ----------------------------------------------------------------------


def test_conflicting_floors(make_scenario: Builder, make_mentor: Builder,
                            make_participant: Builder) -> None:
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
    assert all(r == ["no proposal: the hard rules conflict (see conflicts)"]
               for r in waiting(result).values())
    assert result.metrics.objective == {}


def test_floors_against_programme_capacity(make_scenario: Builder, make_mentor: Builder,
                                           make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=[make_participant("N1"), make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "min": 1}, {"id": "south", "min": 1}],
        program={"capacity": 1},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "program.capacity 1 (rule 1)" in result.conflicts
    assert "municipality north min 1 (rule 8)" in result.conflicts
    assert "municipality south min 1 (rule 8)" in result.conflicts


def test_capped_floor_is_named_as_capped(make_scenario: Builder, make_mentor: Builder,
                                         make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("N1"), make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "min": 3}, {"id": "south", "min": 1}],
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "municipality north min 3, capped to 1 (rule 8)" in result.conflicts


def test_require_and_forbid_of_the_same_pair(make_scenario: Builder, make_mentor: Builder,
                                             make_participant: Builder) -> None:
    data = make_scenario(mentors=[make_mentor("M1"), make_mentor("M2")],
                         participants=[make_participant("P1"), make_participant("P2")],
                         locks={"require": [["P1", "M1"]], "forbid": [["P1", "M1"]]})
    result = solve_checked(data)
    assert result.status == "infeasible"
    (conflict,) = result.conflicts
    assert "locks.require P1-M1" in conflict and "locks.forbid" in conflict


def test_two_requires_beyond_a_mentors_capacity(make_scenario: Builder, make_mentor: Builder,
                                                make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1), make_mentor("M2")],
        participants=[make_participant("P1"), make_participant("P2"), make_participant("P3")],
        locks={"require": [["P1", "M1"], ["P2", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "locks.require P1-M1 (rule 6)" in result.conflicts
    assert "locks.require P2-M1 (rule 6)" in result.conflicts
    assert not any("P3" in c for c in result.conflicts)


def test_require_on_a_mentor_full_with_kept_pairs(make_scenario: Builder,
                                                  make_mentor: Builder,
                                                  make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P2", "mentor": "M1"}],
        locks={"require": [["P1", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "locks.require P1-M1 (rule 6)" in result.conflicts
    assert matched(result) == {"P2": "M1"}  # the kept pair is still listed


def test_require_against_a_municipality_max(make_scenario: Builder, make_mentor: Builder,
                                            make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P2", "mentor": "M1"}],
        municipalities=[{"id": "north", "max": 1}, {"id": "south"}],
        locks={"require": [["P1", "M1"]]},
    )
    result = solve_checked(data)
    assert result.status == "infeasible"
    assert "locks.require P1-M1 (rule 6)" in result.conflicts
    assert "municipality north max 1 (rule 8)" in result.conflicts


def test_require_is_honoured(make_scenario: Builder, make_mentor: Builder,
                             make_participant: Builder) -> None:
    # without the lock, quality would pair P1 with the closer M2
    data = make_scenario(mentors=[make_mentor("M1", age=60), make_mentor("M2", age=35)],
                         participants=[make_participant("P1", age=35)],
                         policy={"weights": ONLY_AGE},
                         locks={"require": [["P1", "M1"]]})
    assert matched(solve_checked(data)) == {"P1": "M1"}
    data["locks"] = {"forbid": [["P1", "M2"]]}
    assert matched(solve_checked(data)) == {"P1": "M1"}


# --- who is left waiting, and why --------------------------------------------------------------


def test_consent_false_is_listed_with_that_reason(scenario_dict: Data) -> None:
    result = solve_checked(scenario_dict)
    assert waiting(result)["P4"] == ["no recorded consent: never matched or scored (rule 9)"]
    assert result.metrics.eligible == 3


def test_no_eligible_mentor_names_rules_and_mentors(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("LEAVE", active=False), make_mentor("MALE", gender="male"),
                 make_mentor("SOUTH", serves=["south"]), make_mentor("EXCL"),
                 make_mentor("OLD", age=80, trained=False)],
        participants=[make_participant("P1", exclude_mentors=["EXCL"],
                                       prefers={"max_age_gap": 20})],
    )
    reasons = waiting(solve_checked(data))["P1"]
    assert reasons[0] == "no eligible mentor among 5"
    assert "mentor is on leave (active: false) (rule 2): LEAVE" in reasons
    assert "mentor has not completed training (rule 2): OLD" in reasons
    assert "age gap above the limit (rule 4): OLD" in reasons
    assert "mentor does not serve the participant's municipality (rule 5): SOUTH" in reasons
    assert "excluded by the participant (exclude_mentors) (rule 6): EXCL" in reasons
    gender = [r for r in reasons if "(rule 3)" in r]
    assert len(gender) == 1 and gender[0].endswith(": MALE")


def test_no_mentors_at_all(make_scenario: Builder, make_participant: Builder) -> None:
    result = solve_checked(make_scenario(mentors=[], participants=[make_participant("P1")]))
    assert waiting(result) == {"P1": ["no eligible mentor among 0"]}


def test_rule_lists_several_mentors(make_scenario: Builder, make_mentor: Builder,
                                    make_participant: Builder) -> None:
    data = make_scenario(mentors=[make_mentor("M1", active=False),
                                  make_mentor("M2", active=False)],
                         participants=[make_participant("P1")])
    reasons = waiting(solve_checked(data))["P1"]
    assert "mentor is on leave (active: false) (rule 2): M1, M2" in reasons


def test_every_eligible_mentor_full(make_scenario: Builder, make_mentor: Builder,
                                    make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=1), make_mentor("M2", capacity=1),
                 make_mentor("FAR", serves=["south"])],
        participants=[make_participant("P1", referred="2026-01-01"),
                      make_participant("P2", referred="2026-02-01"),
                      make_participant("P3")],
    )
    result = solve_checked(data)
    assert set(matched(result)) == {"P1", "P2"}
    assert waiting(result)["P3"] == [
        "every eligible mentor is full: M1, M2"]


def test_released_participant_without_another_mentor(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(mentors=[make_mentor("M1")], participants=[make_participant("P1")],
                         pairs=[{"participant": "P1", "mentor": "M1", "release": True}])
    result = solve_checked(data)
    assert waiting(result)["P1"] == [
        "no eligible mentor among 1", "released pair is not proposed again (rule 7): M1"]


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ({"program": {"capacity": 1}}, "programme capacity 1 reached"),
        ({"program": {"position_budget": 0.1}}, "position budget of 0.1 mentor posts used up"),
        ({"municipalities": [{"id": "north", "max": 1}, {"id": "south"}]},
         "municipality cap: north max 1 reached"),
    ],
)
def test_capacity_reasons(make_scenario: Builder, make_mentor: Builder,
                          make_participant: Builder, top: Data, expected: str) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=3)],
        participants=[make_participant("P1", referred="2026-01-01"), make_participant("P2")],
        **top,
    )
    result = solve_checked(data)
    assert matched(result) == {"P1": "M1"}
    assert waiting(result)["P2"] == [expected]


def test_capacity_reasons_count_existing_pairs(make_scenario: Builder, make_mentor: Builder,
                                               make_participant: Builder) -> None:
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
    assert waiting(result)["P2"] == ["programme capacity 1 reached"]


def test_kept_pairs_are_listed_with_their_date(scenario_dict: Data) -> None:
    result = solve_checked(scenario_dict)
    kept = [p for p in result.pairs if p.existing]
    assert [(p.participant, p.mentor) for p in kept] == [("P3", "M3")]
    assert kept[0].reasons[0] == "active pair since 2026-01-10"
    assert result.metrics.existing == 1


def test_pair_reasons(make_scenario: Builder, make_mentor: Builder,
                      make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", age=37, substances=["opioids", "alcohol"],
                             interests=["hiking", "music"], strengths=["work", "housing"],
                             availability=["evenings"], languages=["no", "en"])],
        participants=[make_participant("P1", age=35, substances=["opioids"],
                                       interests=["fishing", "music"],
                                       goals=["work", "social_network"],
                                       availability=["evenings", "daytime"],
                                       languages=["en"])],
    )
    (pair,) = solve_checked(data).pairs
    assert pair.reasons[0] == "same gender"  # a rule under `required`: listed first
    assert set(pair.reasons[1:]) == {
        "both have opioids experience",
        "shares music (creative) and fishing ~ hiking (both outdoor)",
        "mentor can help with work",
        "both available evenings",
        "common language: en",
        "close in age (2 years apart)",
    }


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
    assert {"scenario", "solver", "status", "pairs", "unmatched", "municipalities", "metrics",
            "elapsed_s"} <= set(data)
    assert data["solver"] == "cpsat"
    assert set(data["pairs"][0]) >= {"participant", "mentor", "existing", "score", "reasons"}
    assert set(data["unmatched"][0]) >= {"participant", "reasons", "would_match_if"}
    assert {"matched", "eligible", "mean_score"} <= set(data["metrics"])
    assert set(data["municipalities"]["north"]) >= {"active", "new", "waiting"}


def test_unknown_solver(scenario_dict: Data) -> None:
    from solvers import UnknownSolverError

    with pytest.raises(UnknownSolverError, match="unknown solver 'nope'"):
        matcher.solve(matcher.validate(scenario_dict), solver="nope")


@pytest.mark.parametrize("name", ["stavanger-sola-sandnes", "grenland", "loland"])
def test_examples_respect_every_rule(example_paths: dict[str, Path], name: str) -> None:
    scenario = matcher.load(example_paths[name])
    result = matcher.solve(scenario, solver="cpsat")
    assert result.status == "optimal"
    check_result(scenario, result)


def test_waiting_for_a_higher_ranked_objective(make_scenario: Builder, make_mentor: Builder,
                                               make_participant: Builder) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", capacity=5, serves=["north"]),
                 make_mentor("M2", capacity=1, serves=["south"])],
        participants=[*[make_participant(f"N{i}") for i in (1, 2, 3)],
                      make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "share": 0.5}, {"id": "south", "share": 0.5}],
        policy={"fairness": "proportional", "objective": ["fairness", "coverage"]},
    )
    result = solve_checked(data)
    assert result.municipalities["north"].active == 1
    assert result.municipalities["south"].active == 1
    for reasons in waiting(result).values():
        assert reasons == ["matching them would cost a higher-ranked objective (coverage, "
                           "fairness or priority); free eligible mentors: M1"]
    data["policy"]["objective"] = ["coverage", "fairness"]
    assert len(solve_checked(data).pairs) == 4


def test_options_do_not_change_an_optimal_proposal(example_paths: dict[str, Path]) -> None:
    scenario = matcher.load(example_paths["grenland"])
    plain = matcher.solve(scenario, solver="cpsat")
    tuned = matcher.solve(scenario, solver="cpsat", time_limit=30, threads=2, seed=5)
    assert tuned.status == "optimal"
    assert matched(tuned) == matched(plain)
    assert tuned.metrics.objective == plain.metrics.objective
