"""Hard rules 2-7 and 9 as eligibility masks (matcher.core.eligibility)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import matcher
from matcher.core.eligibility import RULE_BY_KEY, RULES, eligible, failed_rules, rule_masks
from matcher.core.encoding import encode

Data = dict[str, Any]
Builder = Callable[..., Data]


def eligible_mentors(data: Data, pid: str = "P1") -> list[str]:
    """Ids of the mentors eligible for participant `pid` under every rule."""
    loaded = matcher.validate(data)
    enc = encode(loaded)
    row = enc.participant_ids.index(pid)
    mask = eligible(enc, loaded.policy, np.array([row]))[0]
    return [mid for mid, ok in zip(enc.mentor_ids, mask.tolist(), strict=True) if ok]


def failing(data: Data, pid: str, mid: str) -> set[str]:
    """Keys of the rules that exclude mentor `mid` for participant `pid`."""
    loaded = matcher.validate(data)
    enc = encode(loaded)
    p, m = enc.participant_ids.index(pid), enc.mentor_ids.index(mid)
    return {rule.key for rule in failed_rules(enc, loaded.policy, p, m)}


def test_rules_are_numbered_as_in_the_contract() -> None:
    numbers = {rule.key: rule.number for rule in RULES}
    assert numbers == {
        "consent": 9,
        "on_leave": 2,
        "untrained": 2,
        "recovery": 2,
        "gender": 3,
        "age_gap": 4,
        "serves": 5,
        "excluded": 6,
        "forbidden": 6,
        "released": 7,
    }
    assert all(RULE_BY_KEY[rule.key] is rule and rule.text for rule in RULES)


def test_default_people_are_eligible(make_scenario: Builder) -> None:
    data = make_scenario()
    assert eligible_mentors(data) == ["M1"]
    assert failing(data, "P1", "M1") == set()


# --- rule 2: active, trained, recovered -----------------------------------------------


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"active": False}, "on_leave"),
        ({"trained": False}, "untrained"),
        ({"recovery_years": 1.9}, "recovery"),
        ({"recovery_years": 0}, "recovery"),
    ],
)
def test_rule2_mentor_availability(
    make_scenario: Builder, make_mentor: Builder, fields: Data, rule: str
) -> None:
    data = make_scenario(mentors=[make_mentor("M1", **fields), make_mentor("M2")])
    assert eligible_mentors(data) == ["M2"]
    assert failing(data, "P1", "M1") == {rule}
    assert RULE_BY_KEY[rule].number == 2


def test_rule2_recovery_years_at_the_minimum_is_enough(
    make_scenario: Builder, make_mentor: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", recovery_years=2), make_mentor("M2", recovery_years=3.5)],
        policy={"min_recovery_years": 3.5},
    )
    assert eligible_mentors(data) == ["M2"]
    data["policy"]["min_recovery_years"] = 2
    assert eligible_mentors(data) == ["M1", "M2"]


def test_rule2_several_failures_are_all_named(make_scenario: Builder, make_mentor: Builder) -> None:
    data = make_scenario(mentors=[make_mentor("M1", active=False, trained=False, recovery_years=1)])
    assert failing(data, "P1", "M1") == {"on_leave", "untrained", "recovery"}


# --- rule 3: gender -----------------------------------------------------------------------


def gender_case(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    same_gender: str,
    p_gender: str,
    prefers: str | None,
) -> Data:
    prefs = {} if prefers is None else {"mentor_gender": prefers}
    return make_scenario(
        mentors=[
            make_mentor("F", gender="female"),
            make_mentor("M", gender="male"),
            make_mentor("O", gender="other"),
        ],
        participants=[make_participant("P1", gender=p_gender, prefers=prefs)],
        policy={"same_gender": same_gender},
    )


@pytest.mark.parametrize(
    ("same_gender", "p_gender", "prefers", "expected"),
    [
        # required: same gender unless the participant accepts any
        ("required", "female", None, ["F"]),
        ("required", "male", None, ["M"]),
        ("required", "other", None, ["O"]),
        ("required", "male", "any", ["F", "M", "O"]),
        ("required", "male", "same", ["M"]),
        # preferred / ignore: no rule unless the participant states one, which is hard
        ("preferred", "male", None, ["F", "M", "O"]),
        ("ignore", "female", None, ["F", "M", "O"]),
        ("preferred", "female", "any", ["F", "M", "O"]),
        ("preferred", "male", "same", ["M"]),
        ("ignore", "female", "same", ["F"]),
        ("ignore", "male", "female", ["F"]),
        ("preferred", "female", "male", ["M"]),
        ("preferred", "female", "other", ["O"]),
        ("required", "female", "female", ["F"]),
        # under `required` an explicit wish for another gender is hard on top of the
        # policy (only `any` lifts it), so no mentor fits either reading of rule 3
        ("required", "male", "female", []),
    ],
)
def test_rule3_gender(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    same_gender: str,
    p_gender: str,
    prefers: str | None,
    expected: list[str],
) -> None:
    data = gender_case(make_scenario, make_mentor, make_participant, same_gender, p_gender, prefers)
    assert eligible_mentors(data) == expected
    for mid in {"F", "M", "O"} - set(expected):
        assert failing(data, "P1", mid) == {"gender"}


# --- rule 4: age gap ---------------------------------------------------------------------


def age_case(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    prefers_gap: int | None,
    policy_gap: int | None,
) -> Data:
    prefs = {} if prefers_gap is None else {"max_age_gap": prefers_gap}
    return make_scenario(
        mentors=[
            make_mentor("M30", age=30),
            make_mentor("M40", age=40),
            make_mentor("M45", age=45),
            make_mentor("M50", age=50),
            make_mentor("M20", age=20),
        ],
        participants=[make_participant("P1", age=35, prefers=prefs)],
        policy={"max_age_gap": policy_gap},
    )


@pytest.mark.parametrize(
    ("prefers_gap", "policy_gap", "expected"),
    [
        (None, None, ["M30", "M40", "M45", "M50", "M20"]),
        (10, None, ["M30", "M40", "M45"]),  # a gap of exactly 10 is allowed
        (None, 5, ["M30", "M40"]),
        (10, 5, ["M30", "M40"]),  # the stricter limit holds
        (5, 15, ["M30", "M40"]),
        (15, 10, ["M30", "M40", "M45"]),
        (0, None, []),
        (None, 15, ["M30", "M40", "M45", "M50", "M20"]),
    ],
)
def test_rule4_age_gap(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    prefers_gap: int | None,
    policy_gap: int | None,
    expected: list[str],
) -> None:
    data = age_case(make_scenario, make_mentor, make_participant, prefers_gap, policy_gap)
    assert eligible_mentors(data) == expected
    for mid in {"M30", "M40", "M45", "M50", "M20"} - set(expected):
        assert failing(data, "P1", mid) == {"age_gap"}


# --- rule 5: serves ----------------------------------------------------------------------


def test_rule5_serves(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[
            make_mentor("ALL"),  # no serves: every municipality
            make_mentor("NORTH", serves=["north"]),
            make_mentor("SOUTH", municipality="north", serves=["south"]),
            make_mentor("NONE", serves=[]),
        ],
        participants=[
            make_participant("P1", municipality="south"),
            make_participant("P2", municipality="north"),
        ],
    )
    assert eligible_mentors(data, "P1") == ["ALL", "SOUTH"]
    assert eligible_mentors(data, "P2") == ["ALL", "NORTH"]
    assert failing(data, "P1", "NORTH") == {"serves"}
    assert failing(data, "P2", "SOUTH") == {"serves"}
    assert failing(data, "P2", "NONE") == {"serves"}


def test_rule5_mentor_need_not_serve_own_municipality(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", municipality="north", serves=["south"])],
        participants=[make_participant("P1", municipality="north")],
    )
    assert eligible_mentors(data) == []


# --- rule 6: exclude and forbid ------------------------------------------------------------


def test_rule6_exclude_and_forbid(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2"), make_mentor("M3")],
        participants=[make_participant("P1", exclude_mentors=["M1"]), make_participant("P2")],
        locks={"forbid": [["P1", "M2"]]},
    )
    assert eligible_mentors(data, "P1") == ["M3"]
    assert eligible_mentors(data, "P2") == ["M1", "M2", "M3"]  # only that participant
    assert failing(data, "P1", "M1") == {"excluded"}
    assert failing(data, "P1", "M2") == {"forbidden"}


# --- rule 7: released pairs -----------------------------------------------------------------


def test_rule7_released_pair_not_proposed_again(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=[make_participant("P1"), make_participant("P2")],
        pairs=[{"participant": "P1", "mentor": "M1", "release": True}],
    )
    assert eligible_mentors(data, "P1") == ["M2"]
    assert eligible_mentors(data, "P2") == ["M1", "M2"]
    assert failing(data, "P1", "M1") == {"released"}


def test_rule7_kept_pair_is_not_a_rule(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1")],
        participants=[make_participant("P1")],
        pairs=[{"participant": "P1", "mentor": "M1"}],
    )
    assert failing(data, "P1", "M1") == set()


# --- rule 9: consent ------------------------------------------------------------------------


def test_rule9_consent(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1"), make_mentor("M2")],
        participants=[make_participant("P1", consent=False)],
    )
    assert eligible_mentors(data) == []
    assert failing(data, "P1", "M1") == {"consent"}


def test_masks_cover_all_rules_and_have_the_right_shape(scenario_dict: Data) -> None:
    loaded = matcher.validate(scenario_dict)
    enc = encode(loaded)
    rows = np.array([0, 2, 3])
    masks = rule_masks(enc, loaded.policy, rows)
    assert set(masks) == {rule.key for rule in RULES}
    for mask in masks.values():
        assert mask.shape == (3, enc.n_mentors)
        assert mask.dtype == bool
    combined = eligible(enc, loaded.policy, rows)
    expected = np.logical_and.reduce([np.asarray(m) for m in masks.values()])
    assert (combined == expected).all()


def test_failed_rules_agree_with_the_mask(scenario_dict: Data) -> None:
    loaded = matcher.validate(scenario_dict)
    enc = encode(loaded)
    rows = np.arange(enc.n_participants)
    mask = eligible(enc, loaded.policy, rows)
    for p in range(enc.n_participants):
        for m in range(enc.n_mentors):
            assert (failed_rules(enc, loaded.policy, p, m) == []) == bool(mask[p, m])


def test_minimal_scenario_eligibility(scenario_dict: Data) -> None:
    # P1 female prefers same: M1 only (M2, M3 male). P2 male in south: M2 (M1 female,
    # M3 excluded). P3 male: M2, M3. P4 has no consent.
    assert eligible_mentors(scenario_dict, "P1") == ["M1"]
    assert eligible_mentors(scenario_dict, "P2") == ["M2"]
    assert eligible_mentors(scenario_dict, "P3") == ["M2", "M3"]
    assert eligible_mentors(scenario_dict, "P4") == []
    assert failing(scenario_dict, "P2", "M1") == {"gender", "forbidden"}
    assert failing(scenario_dict, "P2", "M3") == {"excluded"}
