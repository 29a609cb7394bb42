"""Compatibility scores (matcher.core.scoring): per-criterion values on hand-made pairs, the
weighted total, and the effect of the weights on the proposal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher
from matcher.core.encoding import encode
from matcher.core.problem import build
from matcher.core.scoring import (
    AGE_SCALE,
    CATEGORY_CREDIT,
    CRITERIA,
    QUALITY_SCALE,
    active_weights,
    quality_units,
    score_pairs,
)
from matcher.explain.result import Result

Data = dict[str, Any]
Builder = Callable[..., Data]
ONLY = {
    name: 0
    for name in ("age", "substances", "interests", "goals", "availability", "gender", "language")
}


def pair_scores(data: Data, pid: str = "P1", mid: str = "M1") -> tuple[dict[str, float], float]:
    """Per-criterion values and the total for one (participant, mentor) pair."""
    loaded = matcher.validate(data)
    enc = encode(loaded)
    pi = np.array([enc.participant_ids.index(pid)], dtype=np.int64)
    mi = np.array([enc.mentor_ids.index(mid)], dtype=np.int64)
    scores = score_pairs(enc, loaded.policy, pi, mi)
    return {k: float(v[0]) for k, v in scores.criteria.items()}, float(scores.total[0])


def one_pair(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    m: Data,
    p: Data,
    **top: Any,
) -> Data:
    return make_scenario(
        mentors=[make_mentor("M1", **m)], participants=[make_participant("P1", **p)], **top
    )


@pytest.fixture
def pair(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> Callable[..., tuple[dict[str, float], float]]:
    """pair(mentor_fields, participant_fields, **top) -> (criteria, total)."""

    def make(m: Data, p: Data, **top: Any) -> tuple[dict[str, float], float]:
        return pair_scores(one_pair(make_scenario, make_mentor, make_participant, m, p, **top))

    return make


PairFn = Callable[..., tuple[dict[str, float], float]]


@pytest.mark.parametrize(
    ("m_age", "p_age", "expected"),
    [
        (35, 35, 1.0),
        (40, 35, 0.8),
        (30, 35, 0.8),
        (47, 35, 1 - 12 / AGE_SCALE),
        (60, 35, 0.0),
        (70, 35, 0.0),
        (16, 41, 0.0),
    ],
)
def test_age_closeness(pair: PairFn, m_age: int, p_age: int, expected: float) -> None:
    criteria, _ = pair({"age": m_age}, {"age": p_age})
    assert criteria["age"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("m_subs", "p_subs", "expected"),
    [
        (["opioids"], ["opioids", "benzodiazepines"], 0.5),
        (["opioids", "benzodiazepines", "alcohol"], ["opioids", "benzodiazepines"], 1.0),
        (["alcohol"], ["opioids"], 0.0),
        ([], ["opioids"], 0.0),
        (["opioids"], [], 0.0),  # no data from the participant: 0 for every mentor
        (["alcohol", "cannabis", "opioids"], ["cannabis", "opioids", "stimulants"], 2 / 3),
    ],
)
def test_substance_share(
    pair: PairFn, m_subs: list[str], p_subs: list[str], expected: float
) -> None:
    criteria, _ = pair({"substances": m_subs}, {"substances": p_subs})
    assert criteria["substances"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("m_tags", "p_tags", "expected"),
    [
        (["fishing"], ["fishing"], 1.0),
        (["hiking"], ["fishing"], CATEGORY_CREDIT),  # both outdoor
        (["hiking", "fishing"], ["fishing"], 1.0),
        (["hiking", "knitting"], ["fishing", "music"], CATEGORY_CREDIT),  # outdoor, creative
        (["fishing"], ["fishing", "music"], 0.5),
        (["fishing"], ["fishing", "hunting", "gym", "cars"], (1 + 0.5) / 4),
        (["gym"], ["fishing"], 0.0),  # physical vs outdoor
        (["cars"], ["cars"], 1.0),  # untaxonomised tags count when equal
        (["motorcycles"], ["cars"], 0.0),  # ... but have no category
        ([], ["fishing"], 0.0),
        (["fishing"], [], 0.0),
    ],
)
def test_interest_tags_and_categories(
    pair: PairFn, m_tags: list[str], p_tags: list[str], expected: float
) -> None:
    criteria, _ = pair({"interests": m_tags}, {"interests": p_tags})
    assert criteria["interests"] == pytest.approx(expected)


def test_interest_categories_from_the_scenario_vocabulary(pair: PairFn) -> None:
    vocabulary = {"interests": {"cars": "everyday", "fishing": None}}
    criteria, _ = pair({"interests": ["cooking"]}, {"interests": ["cars"]}, vocabulary=vocabulary)
    assert criteria["interests"] == pytest.approx(CATEGORY_CREDIT)
    # mapping a shipped tag to null removes its category credit
    criteria, _ = pair({"interests": ["hiking"]}, {"interests": ["fishing"]}, vocabulary=vocabulary)
    assert criteria["interests"] == 0.0


@pytest.mark.parametrize(
    ("strengths", "goals", "expected"),
    [
        (["work", "family"], ["work", "housing", "family"], 2 / 3),
        (["work"], ["work"], 1.0),
        (["finances"], ["work"], 0.0),
        (["work"], [], 0.0),
    ],
)
def test_goals_against_strengths(
    pair: PairFn, strengths: list[str], goals: list[str], expected: float
) -> None:
    criteria, _ = pair({"strengths": strengths}, {"goals": goals})
    assert criteria["goals"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("m_avail", "p_avail", "expected"),
    [
        (["evenings"], ["daytime", "evenings"], 0.5),
        (["daytime", "evenings", "weekends"], ["weekends"], 1.0),
        (["daytime"], ["evenings"], 0.0),
    ],
)
def test_availability_share(
    pair: PairFn, m_avail: list[str], p_avail: list[str], expected: float
) -> None:
    criteria, _ = pair({"availability": m_avail}, {"availability": p_avail})
    assert criteria["availability"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("m_langs", "p_langs", "expected"),
    [
        (["no", "en"], ["en"], 1.0),
        (["no"], ["no", "ar"], 1.0),  # one common language is enough
        (["pl"], ["no"], 0.0),
        ([], ["no"], 0.0),
    ],
)
def test_language(pair: PairFn, m_langs: list[str], p_langs: list[str], expected: float) -> None:
    criteria, _ = pair({"languages": m_langs}, {"languages": p_langs})
    assert criteria["language"] == expected


def test_total_is_the_weighted_mean_of_the_criteria_in_force(pair: PairFn) -> None:
    mentor = {
        "age": 45,
        "substances": ["opioids"],
        "interests": ["hiking"],
        "strengths": ["work"],
        "availability": ["evenings"],
        "languages": ["no"],
    }
    person = {
        "age": 35,
        "substances": ["opioids", "alcohol"],
        "interests": ["fishing"],
        "goals": ["work"],
        "availability": ["evenings", "daytime"],
        "languages": ["en"],
    }
    criteria, total = pair(mentor, person)
    # age 0.6, substances 0.5, interests 0.5, goals 1, availability 0.5, language 0
    expected = {
        "age": 0.6,
        "substances": 0.5,
        "interests": 0.5,
        "goals": 1.0,
        "availability": 0.5,
        "language": 0.0,
        "gender": 1.0,
    }
    assert criteria == pytest.approx(expected)
    # under `required` gender is a rule, not a criterion: six criteria of weight 1
    assert total == pytest.approx((0.6 + 0.5 + 0.5 + 1.0 + 0.5 + 0.0) / 6)

    weights = {
        "age": 2,
        "substances": 0,
        "interests": 1,
        "goals": 1,
        "availability": 0,
        "language": 1,
    }
    _, total = pair(mentor, person, policy={"weights": weights})
    assert total == pytest.approx((2 * 0.6 + 0.5 + 1.0 + 0.0) / 5)


def test_gender_counts_only_when_preferred(pair: PairFn) -> None:
    same = {"gender": "female"}
    other = {"gender": "male"}
    only_gender = {**ONLY, "gender": 1}
    for policy_gender in ("required", "ignore"):
        # a male mentor for a woman who accepts any gender: if gender counted, 0.5
        policy = {"same_gender": policy_gender, "weights": {**ONLY, "gender": 1, "age": 1}}
        criteria, total = pair(
            {**other, "age": 35}, {"age": 35, "prefers": {"mentor_gender": "any"}}, policy=policy
        )
        assert criteria["gender"] == 0.0
        assert total == pytest.approx(1.0)
    _, t_same = pair(same, {}, policy={"same_gender": "preferred", "weights": only_gender})
    _, t_other = pair(
        other,
        {"prefers": {"mentor_gender": "any"}},
        policy={"same_gender": "preferred", "weights": only_gender},
    )
    assert (t_same, t_other) == (1.0, 0.0)
    # `ignore`: an otherwise equal mentor of the other gender scores the same
    _, t_ignore_same = pair(same, {}, policy={"same_gender": "ignore"})
    _, t_ignore_other = pair(other, {}, policy={"same_gender": "ignore"})
    assert t_ignore_same == pytest.approx(t_ignore_other)
    _, t_pref_same = pair(same, {}, policy={"same_gender": "preferred"})
    _, t_pref_other = pair(other, {}, policy={"same_gender": "preferred"})
    assert t_pref_same > t_pref_other


def test_active_weights(scenario_dict: Data) -> None:
    policy = matcher.validate(scenario_dict).policy
    assert set(active_weights(policy)) == set(CRITERIA) - {"gender"}
    preferred = policy.model_copy(update={"same_gender": "preferred"})
    assert set(active_weights(preferred)) == set(CRITERIA)
    zero = policy.model_copy(
        update={"weights": policy.weights.model_copy(update={"age": 0.0, "language": 0.0})}
    )
    assert set(active_weights(zero)) == {"substances", "interests", "goals", "availability"}


def test_all_weights_zero_gives_zero_not_nan(pair: PairFn) -> None:
    _, total = pair({}, {}, policy={"weights": ONLY})
    assert total == 0.0


def test_quality_units() -> None:
    totals = np.array([0.0, 0.1234, 0.9995, 1.0])
    assert quality_units(totals).tolist() == [0, 123, 1000, QUALITY_SCALE]
    assert quality_units(totals).dtype == np.int64


@pytest.mark.parametrize("name", ["stavanger-sola-sandnes", "grenland", "loland"])
def test_scores_of_examples_are_within_0_and_1(example_paths: dict[str, Path], name: str) -> None:
    built = build(matcher.load(example_paths[name]))
    assert len(built.scores.total) == built.problem.n_edges > 0
    assert ((built.scores.total >= 0) & (built.scores.total <= 1)).all()
    for values in built.scores.criteria.values():
        assert ((values >= 0) & (values <= 1)).all()
    assert ((built.problem.quality >= 0) & (built.problem.quality <= QUALITY_SCALE)).all()


def test_scoring_is_chunked_consistently(
    scenario_dict: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = matcher.validate(scenario_dict)
    enc = encode(loaded)
    pi = np.repeat(np.arange(enc.n_participants), enc.n_mentors).astype(np.int64)
    mi = np.tile(np.arange(enc.n_mentors), enc.n_participants).astype(np.int64)
    whole = score_pairs(enc, loaded.policy, pi, mi)
    monkeypatch.setattr("matcher.core.scoring.CHUNK", 5)
    chunked = score_pairs(enc, loaded.policy, pi, mi)
    assert np.allclose(whole.total, chunked.total)
    for name in CRITERIA:
        assert np.allclose(whole.criteria[name], chunked.criteria[name])


# --- the weights change the proposal ------------------------------------------------------


def weights_case(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder, weights: Data
) -> Data:
    return make_scenario(
        mentors=[
            make_mentor(
                "SUBST", age=35, substances=["opioids", "benzodiazepines"], interests=["golf"]
            ),
            make_mentor("HOBBY", age=35, substances=["alcohol"], interests=["fishing", "knitting"]),
        ],
        participants=[
            make_participant(
                "P1",
                age=35,
                substances=["opioids", "benzodiazepines"],
                interests=["fishing", "knitting"],
            )
        ],
        program={"mentor_capacity": 1},
        policy={"weights": {**ONLY, **weights}},
    )


@pytest.mark.parametrize(
    ("weights", "winner"),
    [({"substances": 3, "interests": 1}, "SUBST"), ({"substances": 1, "interests": 3}, "HOBBY")],
)
def test_weights_change_the_ranking(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    run: Callable[[Data], Result],
    weights: Data,
    winner: str,
) -> None:
    result = run(weights_case(make_scenario, make_mentor, make_participant, weights))
    assert [(p.participant, p.mentor) for p in result.pairs] == [("P1", winner)]
