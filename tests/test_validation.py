"""Loading and validating scenarios: shapes, vocabularies, references, file formats and
the privacy rule that error messages never echo attribute values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import matcher
from matcher.model.errors import Finding, ScenarioError, format_loc

Data = dict[str, Any]


def problems_of(data: Any) -> list[str]:
    """The rendered problems `matcher.validate` reports for `data` (it must fail)."""
    with pytest.raises(ScenarioError) as info:
        matcher.validate(data)
    return [str(p) for p in info.value.problems]


def one_problem(data: Any) -> str:
    found = problems_of(data)
    assert len(found) == 1, found
    return found[0]


# --- the valid baseline -------------------------------------------------------------


def test_minimal_scenario_is_valid(scenario_dict: Data) -> None:
    loaded = matcher.validate(scenario_dict)
    assert [m.id for m in loaded.mentors] == ["M1", "M2", "M3"]
    assert [p.id for p in loaded.participants] == ["P1", "P2", "P3", "P4"]
    assert loaded.locks.require == [("P1", "M1")]
    assert loaded.participants[3].consent is False


def test_defaults(make_scenario: Callable[..., Data]) -> None:
    loaded = matcher.validate(make_scenario())
    m, p = loaded.mentors[0], loaded.participants[0]
    assert m.trained is True and m.active is True and m.serves is None and m.capacity is None
    assert loaded.mentor_capacity(m) == loaded.program.mentor_capacity == 2
    assert p.referred is None and p.discharge is None and p.exclude_mentors == []
    assert loaded.program.position_per_participant == pytest.approx(0.10)
    assert loaded.program.capacity is None and loaded.program.position_budget is None
    assert loaded.policy.objective == ["coverage", "fairness", "priority", "quality"]
    assert loaded.policy.fairness == "quotas"
    assert loaded.policy.same_gender == "required"
    assert loaded.policy.min_recovery_years == 2


def test_municipalities_default_to_those_named(
    make_scenario: Callable[..., Data], make_participant: Callable[..., Data]
) -> None:
    data = make_scenario(participants=[make_participant("P1", municipality="west")])
    del data["municipalities"]
    loaded = matcher.validate(data)
    assert [m.id for m in loaded.municipality_list()] == ["north", "west"]


# --- unknown keys at every level ----------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected_path"),
    [
        ((), ""),
        (("program",), "program"),
        (("policy",), "policy"),
        (("policy", "weights"), "policy.weights"),
        (("mentors", 1), "mentors[1] (M2)"),
        (("participants", 2), "participants[2] (P3)"),
        (("participants", 0, "prefers"), "participants[0] (P1).prefers"),
        (("pairs", 0), "pairs[0]"),
        (("locks",), "locks"),
        (("municipalities", 1), "municipalities[1] (south)"),
    ],
)
def test_unknown_key_is_an_error_naming_its_path(
    scenario_dict: Data, where: tuple[str | int, ...], expected_path: str
) -> None:
    node: Any = scenario_dict
    for part in where:
        node = node[part]
    node["colour"] = "blue"
    problem = one_problem(scenario_dict)
    assert "unknown key 'colour'" in problem
    if expected_path:
        assert problem.startswith(expected_path + ":"), problem
    else:
        assert problem.startswith("unknown key 'colour'; allowed: name, date, program")
    assert "blue" not in problem


def test_unknown_key_in_the_fourth_participant(scenario_dict: Data) -> None:
    scenario_dict["participants"][3]["id"] = "P04"
    scenario_dict["participants"][3]["foo"] = 1
    assert one_problem(scenario_dict).startswith(
        "participants[3] (P04): unknown key 'foo'; allowed: id, gender, age, municipality,"
    )


def test_typo_of_a_constraint_key_is_not_dropped(scenario_dict: Data) -> None:
    scenario_dict["participants"][0]["prefers"] = {"max_agegap": 5}
    problem = one_problem(scenario_dict)
    assert problem == (
        "participants[0] (P1).prefers: unknown key 'max_agegap'; did you mean "
        "'max_age_gap'? allowed: mentor_gender, max_age_gap"
    )


def test_unknown_vocabulary_section_key(scenario_dict: Data) -> None:
    scenario_dict["vocabulary"] = {"drugs": ["gambling"]}
    assert one_problem(scenario_dict) == (
        "vocabulary: unknown key 'drugs'; allowed: substances, goals, strengths, availability, "
        "priority, interests"
    )


# --- wrong types and values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "key", "value", "expected_path"),
    [
        (("mentors", 0), "age", "forty", "mentors[0] (M1).age"),
        (("mentors", 0), "age", 12, "mentors[0] (M1).age"),
        (("mentors", 0), "recovery_years", -1, "mentors[0] (M1).recovery_years"),
        (("mentors", 0), "gender", "woman", "mentors[0] (M1).gender"),
        (("mentors", 0), "substances", "alcohol", "mentors[0] (M1).substances"),
        (("mentors", 0), "serves", "north", "mentors[0] (M1).serves"),
        (("participants", 1), "consent", "maybe", "participants[1] (P2).consent"),
        (("participants", 1), "age", 121, "participants[1] (P2).age"),
        (("program",), "capacity", -1, "program.capacity"),
        (("program",), "position_per_participant", 0, "program.position_per_participant"),
        (("policy",), "fairness", "equal", "policy.fairness"),
        (("policy",), "same_gender", "always", "policy.same_gender"),
        (("policy",), "objective", ["coverage", "speed"], "policy.objective[1]"),
        (("policy",), "objective", ["coverage", "coverage"], "policy.objective"),
        (("policy", "weights"), "age", -2, "policy.weights.age"),
        (
            ("participants", 0, "prefers"),
            "mentor_gender",
            "young",
            "participants[0] (P1).prefers.mentor_gender",
        ),
        (
            ("participants", 0, "prefers"),
            "max_age_gap",
            -3,
            "participants[0] (P1).prefers.max_age_gap",
        ),
        (("pairs", 0), "release", "perhaps", "pairs[0].release"),
    ],
)
def test_wrong_type_or_value_names_the_key(
    scenario_dict: Data,
    where: tuple[str | int, ...],
    key: str,
    value: Any,
    expected_path: str,
) -> None:
    node: Any = scenario_dict
    for part in where:
        node = node[part]
    node[key] = value
    problem = one_problem(scenario_dict)
    assert problem.startswith(expected_path + ":"), problem


def test_lock_that_is_not_a_pair(scenario_dict: Data) -> None:
    scenario_dict["locks"]["require"] = [["P1"]]
    problem = one_problem(scenario_dict)
    assert problem.startswith("locks.require[0]")


@pytest.mark.parametrize("missing", ["consent", "gender", "age", "municipality", "id"])
def test_participant_missing_required_key(scenario_dict: Data, missing: str) -> None:
    del scenario_dict["participants"][1][missing]
    problem = one_problem(scenario_dict)
    assert problem.startswith("participants[1]")
    assert f"missing required key '{missing}'" in problem


def test_participant_without_consent_names_the_participant(scenario_dict: Data) -> None:
    del scenario_dict["participants"][1]["consent"]
    assert one_problem(scenario_dict) == "participants[1] (P2): missing required key 'consent'"


@pytest.mark.parametrize("missing", ["recovery_years", "gender", "age", "municipality"])
def test_mentor_missing_required_key(scenario_dict: Data, missing: str) -> None:
    del scenario_dict["mentors"][2][missing]
    assert one_problem(scenario_dict) == f"mentors[2] (M3): missing required key '{missing}'"


def test_pair_missing_mentor(scenario_dict: Data) -> None:
    del scenario_dict["pairs"][0]["mentor"]
    assert one_problem(scenario_dict) == "pairs[0]: missing required key 'mentor'"


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "20.11.2026", "soon"])
def test_bad_dates_in_parsed_data(scenario_dict: Data, bad: str) -> None:
    scenario_dict["participants"][0]["referred"] = bad
    problem = one_problem(scenario_dict)
    assert problem.startswith("participants[0] (P1).referred:")
    assert bad not in problem


def test_bad_round_date(scenario_dict: Data) -> None:
    scenario_dict["date"] = "yesterday"
    assert one_problem(scenario_dict).startswith("date:")


# --- duplicates and dangling references ----------------------------------------------


def test_duplicate_ids(scenario_dict: Data) -> None:
    scenario_dict["mentors"][1]["id"] = "M1"
    scenario_dict["participants"][1]["id"] = "P1"
    scenario_dict["municipalities"][1]["id"] = "north"
    scenario_dict["participants"][1]["municipality"] = "north"
    scenario_dict["mentors"][0]["municipality"] = "north"
    found = problems_of(scenario_dict)
    assert "mentors: duplicate id 'M1'" in found
    assert "participants: duplicate id 'P1'" in found
    assert "municipalities: duplicate id 'north'" in found


def test_participant_in_two_pairs(scenario_dict: Data) -> None:
    scenario_dict["pairs"].append({"participant": "P3", "mentor": "M2"})
    assert one_problem(scenario_dict) == "pairs: participant 'P3' appears in more than one pair"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["pairs"][0].update(participant="P99"),
            "pairs[0].participant: unknown participant 'P99'",
        ),
        (lambda d: d["pairs"][0].update(mentor="M99"), "pairs[0].mentor: unknown mentor 'M99'"),
        (
            lambda d: d["locks"]["require"].append(["P99", "M1"]),
            "locks.require[1]: unknown participant 'P99'",
        ),
        (
            lambda d: d["locks"]["forbid"].append(["P1", "M99"]),
            "locks.forbid[1]: unknown mentor 'M99'",
        ),
        (
            lambda d: d["participants"][1]["exclude_mentors"].append("M99"),
            "participants[1] (P2).exclude_mentors[1]: unknown mentor (no mentor has this id)",
        ),
        (
            lambda d: d["mentors"][1]["serves"].append("west"),
            "mentors[1] (M2).serves[2]: unknown municipality; declared: north, south",
        ),
        (
            lambda d: d["mentors"][0].update(municipality="west"),
            "mentors[0] (M1).municipality: unknown municipality; declared: north, south",
        ),
        (
            lambda d: d["participants"][0].update(municipality="west"),
            "participants[0] (P1).municipality: unknown municipality; declared: north, south",
        ),
    ],
)
def test_dangling_reference(
    scenario_dict: Data, mutate: Callable[[Data], None], expected: str
) -> None:
    mutate(scenario_dict)
    assert one_problem(scenario_dict) == expected


def test_active_pair_needs_consent(scenario_dict: Data) -> None:
    scenario_dict["participants"][2]["consent"] = False
    problem = one_problem(scenario_dict)
    assert problem.startswith("pairs[0]: participant 'P3' has consent: false")
    scenario_dict["pairs"][0]["release"] = True
    matcher.validate(scenario_dict)  # a released pair may name a participant without consent


# --- vocabularies -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "index", "field"),
    [
        ("participants", 0, "substances"),
        ("participants", 0, "goals"),
        ("participants", 0, "availability"),
        ("participants", 0, "priority"),
        ("mentors", 0, "substances"),
        ("mentors", 0, "strengths"),
        ("mentors", 0, "availability"),
    ],
)
def test_unknown_vocabulary_value_is_rejected_then_allowed(
    scenario_dict: Data, kind: str, index: int, field: str
) -> None:
    person = scenario_dict[kind][index]
    person[field] = [*person.get(field, []), "gambling"]
    position = len(person[field]) - 1
    problem = one_problem(scenario_dict)
    assert problem.startswith(f"{kind}[{index}] ({person['id']}).{field}[{position}]:")
    assert "unknown value" in problem
    assert "vocabulary" in problem
    assert "gambling" not in problem  # never echo the value

    # goals and strengths are one vocabulary under two names; either key extends its own
    key = {"goals": "goals", "strengths": "strengths"}.get(field, field)
    scenario_dict["vocabulary"] = {key: ["gambling"]}
    loaded = matcher.validate(scenario_dict)
    assert "gambling" in getattr(getattr(loaded, kind)[index], field)


def test_interests_are_free_tags(scenario_dict: Data) -> None:
    scenario_dict["participants"][0]["interests"] = ["motorcycles", "sudoku"]
    loaded = matcher.validate(scenario_dict)
    assert loaded.participants[0].interests == ["motorcycles", "sudoku"]


def test_vocabulary_interest_category_must_be_known(scenario_dict: Data) -> None:
    scenario_dict["vocabulary"] = {"interests": {"padel2": "sporty", "chess": None}}
    assert one_problem(scenario_dict).startswith("vocabulary.interests.padel2: unknown category")
    scenario_dict["vocabulary"]["interests"]["padel2"] = "physical"
    loaded = matcher.validate(scenario_dict)
    assert loaded.vocabulary.interests == {"padel2": "physical", "chess": None}


def test_values_are_lower_cased(scenario_dict: Data) -> None:
    p = scenario_dict["participants"][0]
    p.update(
        substances=["Alcohol", " OPIOIDS "],
        goals=["Work"],
        availability=["Evenings"],
        languages=["NO", "En"],
        priority=["Urgent"],
        interests=["Hiking"],
    )
    m = scenario_dict["mentors"][0]
    m.update(strengths=["Housing"], substances=["ALCOHOL"], interests=["Fishing"])
    loaded = matcher.validate(scenario_dict)
    lp, lm = loaded.participants[0], loaded.mentors[0]
    assert lp.substances == ["alcohol", "opioids"]
    assert lp.goals == ["work"] and lp.availability == ["evenings"]
    assert lp.languages == ["no", "en"] and lp.priority == ["urgent"]
    assert lp.interests == ["hiking"]
    assert lm.strengths == ["housing"] and lm.substances == ["alcohol"]
    assert lm.interests == ["fishing"]


def test_vocabulary_additions_are_lower_cased_too(scenario_dict: Data) -> None:
    scenario_dict["vocabulary"] = {"substances": ["Gambling"]}
    scenario_dict["participants"][0]["substances"] = ["Gambling"]
    loaded = matcher.validate(scenario_dict)
    assert loaded.participants[0].substances == ["gambling"]


def test_vocabulary_interest_keys_are_lower_cased_too(scenario_dict: Data) -> None:
    from matcher.core.encoding import interest_category

    scenario_dict["vocabulary"] = {"interests": {"Padel2": "physical"}}
    scenario_dict["participants"][0]["interests"] = ["Padel2"]
    loaded = matcher.validate(scenario_dict)
    assert interest_category(loaded, loaded.participants[0].interests[0]) == "physical"


# --- several problems at once, and no values in messages -----------------------------


def test_multiple_problems_are_reported_together(scenario_dict: Data) -> None:
    scenario_dict["colour"] = 1
    scenario_dict["mentors"][0]["age"] = "old"
    del scenario_dict["participants"][1]["consent"]
    scenario_dict["policy"]["weights"]["speed"] = 2
    found = problems_of(scenario_dict)
    assert len(found) == 4
    assert any(p.startswith("unknown key 'colour'") for p in found)
    assert any(p.startswith("mentors[0] (M1).age:") for p in found)
    assert "participants[1] (P2): missing required key 'consent'" in found
    assert any(p.startswith("policy.weights: unknown key 'speed'; allowed: age,") for p in found)


def test_multiple_reference_problems_are_reported_together(scenario_dict: Data) -> None:
    scenario_dict["pairs"][0]["mentor"] = "M98"
    scenario_dict["locks"]["forbid"] = [["P97", "M96"]]
    scenario_dict["participants"][0]["substances"] = ["gambling", "alcohol", "betting"]
    found = problems_of(scenario_dict)
    assert len(found) == 5
    assert "pairs[0].mentor: unknown mentor 'M98'" in found
    assert "locks.forbid[0]: unknown participant 'P97'" in found
    assert "locks.forbid[0]: unknown mentor 'M96'" in found
    assert any(p.startswith("participants[0] (P1).substances[0]:") for p in found)
    assert any(p.startswith("participants[0] (P1).substances[2]:") for p in found)


def test_shape_and_reference_problems_are_reported_together(scenario_dict: Data) -> None:
    scenario_dict["participants"][1]["age"] = "old"  # a shape error: P2 is left out
    scenario_dict["mentors"][2]["gender"] = "x"  # M3 too
    scenario_dict["participants"][2]["substances"] = ["gambling"]
    scenario_dict["mentors"][1]["serves"] = ["south", "west"]
    scenario_dict["pairs"][0]["mentor"] = "M98"
    scenario_dict["locks"]["require"].append(["P96", "M1"])
    scenario_dict["program"]["capacity"] = -1  # a section at its default meanwhile
    found = problems_of(scenario_dict)
    assert found == [
        "program.capacity: input should be greater than or equal to 0",
        "mentors[2] (M3).gender: input should be 'female', 'male' or 'other' "
        "(or in Norwegian: kvinne, mann, annet)",
        "participants[1] (P2).age: input should be a valid integer, unable to parse string "
        "as an integer",
        "participants[2] (P3).substances[0]: unknown value; allowed: alcohol, "
        "benzodiazepines, cannabis, opioids, other, stimulants (extend under vocabulary:)",
        "mentors[1] (M2).serves[1]: unknown municipality; declared: north, south",
        "pairs[0].mentor: unknown mentor 'M98'",
        "locks.require[1]: unknown participant 'P96'",
    ]  # and nothing about P2 (excluded by a lock) or M3 (in a pair), left out


def test_a_record_left_out_without_an_id_stops_reference_checks(scenario_dict: Data) -> None:
    del scenario_dict["participants"][1]["id"]  # P2, named by locks.forbid[0]
    scenario_dict["pairs"][0]["mentor"] = "M98"
    assert problems_of(scenario_dict) == [
        "participants[1]: missing required key 'id'",
        "pairs[0].mentor: unknown mentor 'M98'",
    ]


def test_error_render_counts_problems_and_names_the_source() -> None:
    error = ScenarioError([Finding("a.b", "bad"), Finding("", "worse")], "x.yaml")
    assert error.render() == (
        "x.yaml: invalid scenario (2 problems)\n  x.yaml: a.b: bad\n  x.yaml: worse"
    )
    assert str(ScenarioError([Finding("k", "m")])) == "invalid scenario (1 problem)\n  k: m"


@pytest.mark.parametrize(
    ("field", "secret"),
    [
        ("substances", "heroin_daily"),
        ("goals", "custody_of_my_son"),
        ("availability", "after_methadone"),
        ("priority", "hiv_positive"),
    ],
)
def test_messages_never_echo_attribute_values(scenario_dict: Data, field: str, secret: str) -> None:
    scenario_dict["participants"][1][field] = [secret]
    with pytest.raises(ScenarioError) as info:
        matcher.validate(scenario_dict)
    assert secret not in str(info.value)
    assert secret not in info.value.render()


def test_messages_never_echo_bad_scalar_values(scenario_dict: Data) -> None:
    scenario_dict["participants"][1]["age"] = "fifty-seven and a half"
    scenario_dict["participants"][1]["gender"] = "transwoman-secret"
    scenario_dict["mentors"][0]["recovery_years"] = "since-prison-2019"
    scenario_dict["participants"][0]["discharge"] = "ward-7-2026"
    with pytest.raises(ScenarioError) as info:
        matcher.validate(scenario_dict)
    text = str(info.value)
    for secret in ("fifty-seven", "transwoman-secret", "since-prison", "ward-7"):
        assert secret not in text


def test_format_loc() -> None:
    data = {"participants": [{"id": "P01"}, {"id": "P02", "prefers": {}}], "locks": {}}
    assert format_loc(("participants", 1, "prefers", "max_age_gap"), data) == (
        "participants[1] (P02).prefers.max_age_gap"
    )
    assert format_loc(("participants", 7, "age"), data) == "participants[7].age"
    assert format_loc(("locks", "require", 0, 1), data) == "locks.require[0][1]"
    assert format_loc((), data) == ""


# --- top level and files --------------------------------------------------------------


def test_none_is_an_empty_file() -> None:
    assert one_problem(None) == "the file is empty"


@pytest.mark.parametrize("top", [[1, 2], "name: x", 42])
def test_top_level_must_be_a_mapping(top: Any) -> None:
    assert "top level must be a mapping" in one_problem(top)
