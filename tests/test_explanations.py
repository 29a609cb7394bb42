"""Explanations found by re-solving: alternatives with regret, would_match_if, the price
of fairness, and the coordinator's controls."""

from __future__ import annotations

import pytest

import matcher
from matcher.cli.common import parse_pair
from matcher.model.controls import apply_controls
from tests.conftest import EXAMPLE_PATHS, mentor, participant, scenario
from tests.rules import Rules


def test_every_new_pair_has_alternatives_and_every_waiting_person_help() -> None:
    result = matcher.solve(matcher.load(matcher.EXAMPLE))
    new = [p for p in result.pairs if not p.existing]
    assert new and any(p.alternatives for p in new)
    for pair in new:
        assert len(pair.alternatives) <= 3
        assert pair.mentor not in {a.mentor for a in pair.alternatives}
        scores = [a.score for a in pair.alternatives]
        assert scores == sorted(scores, reverse=True)
    for pair in result.pairs:
        if pair.existing:
            assert pair.alternatives == []
    consenting = {p.id for p in matcher.load(matcher.EXAMPLE).participants if p.consent}
    for person in result.unmatched:
        assert person.reasons
        if person.participant in consenting:
            assert person.would_match_if, person.participant


def test_regret_is_the_objective_lost() -> None:
    # M1 is the better mentor for P1; M2 is the alternative and costs quality only.
    data = scenario(
        mentors=[mentor("M1", substances=["alcohol"]), mentor("M2")],
        participants=[participant("P1", substances=["alcohol"])],
    )
    result = matcher.solve(matcher.validate(data))
    (pair,) = result.pairs
    assert pair.mentor == "M1"
    (alt,) = pair.alternatives
    assert alt.mentor == "M2" and alt.feasible
    assert alt.regret["coverage"] == 0 and alt.regret["priority"] == 0
    assert alt.regret["quality"] > 0
    assert alt.summary.startswith("total score -")


def test_would_match_if_names_a_verified_change() -> None:
    # One mentor with room for one; P2 waits. Raising M1's capacity matches P2.
    data = scenario(
        mentors=[mentor("M1", capacity=1)],
        participants=[participant("P1", referred="2026-01-01"), participant("P2")],
    )
    result = matcher.solve(matcher.validate(data))
    (waiting,) = result.unmatched
    assert waiting.participant == "P2"
    assert waiting.would_match_if[0] == "M1 takes 2 participants"
    # Check the claim by making the change.
    data["mentors"][0]["capacity"] = 2
    again = matcher.solve(matcher.validate(data), explain=False)
    assert "P2" in {p.participant for p in again.pairs}


def test_would_match_if_new_mentor_respects_the_participants_wishes() -> None:
    # P1 has no eligible mentor: the only one is male and P1 wants a woman of similar age.
    data = scenario(
        mentors=[mentor("M1", gender="male")],
        participants=[
            participant(
                "P1", prefers={"mentor_gender": "female", "max_age_gap": 5}, exclude_mentors=["M1"]
            )
        ],
    )
    result = matcher.solve(matcher.validate(data))
    (waiting,) = result.unmatched
    assert any("no eligible mentor" in r for r in waiting.reasons)
    assert waiting.would_match_if == ["one more mentor (woman) who takes North"]


def test_mentor_on_leave_is_a_suggested_change() -> None:
    data = scenario(mentors=[mentor("M1", active=False)], participants=[participant("P1")])
    result = matcher.solve(matcher.validate(data))
    assert result.unmatched[0].would_match_if[0] == "M1 returns from leave"


def test_no_consent_gets_no_suggestion() -> None:
    data = scenario(participants=[participant("P1", consent=False)])
    result = matcher.solve(matcher.validate(data))
    assert result.unmatched[0].would_match_if == []


@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_maxmin_never_lowers_the_lowest_coverage(name: str) -> None:
    loaded = matcher.load(EXAMPLE_PATHS[name])
    lowest = {}
    for mode in ("none", "maxmin"):
        result = matcher.solve(apply_controls(loaded, fairness=mode), explain=False)
        coverages = [r.coverage for r in result.municipalities.values() if r.coverage is not None]
        lowest[mode] = min(coverages)
    assert lowest["maxmin"] >= lowest["none"]


def test_price_of_fairness_on_the_example() -> None:
    loaded = matcher.load(matcher.EXAMPLE)
    quotas = matcher.solve(loaded)
    assert quotas.fairness is not None
    assert quotas.fairness.price_coverage == 0 and quotas.fairness.price_quality == 0
    maxmin = matcher.solve(apply_controls(loaded, fairness="maxmin"))
    assert maxmin.fairness is not None and maxmin.fairness.mode == "maxmin"
    assert maxmin.fairness.lowest_coverage is not None
    assert maxmin.fairness.lowest_coverage >= (quotas.fairness.lowest_coverage or 0)
    assert maxmin.fairness.price_coverage >= 0


def test_controls_lock_forbid_release() -> None:
    loaded = matcher.load(matcher.EXAMPLE)
    base = matcher.solve(loaded, explain=False)
    pair = next(p for p in base.pairs if not p.existing)
    forbidden = apply_controls(loaded, forbid=[(pair.participant, pair.mentor)])
    again = matcher.solve(forbidden, explain=False)
    assert (pair.participant, pair.mentor) not in {(p.participant, p.mentor) for p in again.pairs}
    kept = next(p for p in base.pairs if p.existing)
    released = matcher.solve(apply_controls(loaded, release=[kept.participant]), explain=False)
    assert (kept.participant, kept.mentor) not in {
        (p.participant, p.mentor) for p in released.pairs
    }
    waiting = base.unmatched[0].participant
    locked = apply_controls(loaded, lock=[(waiting, "M08")])
    assert locked.locks.require[-1] == (waiting, "M08")


def test_controls_reject_unknown_ids() -> None:
    loaded = matcher.load(matcher.EXAMPLE)
    with pytest.raises(matcher.ScenarioError, match="--lock: unknown participant 'P99'"):
        apply_controls(loaded, lock=[("P99", "M01")])
    with pytest.raises(matcher.ScenarioError, match="--release: participant 'P01' has no"):
        apply_controls(loaded, release=["P01"])
    with pytest.raises(matcher.ScenarioError, match="expected PARTICIPANT=MENTOR"):
        parse_pair("--lock", "P01")


CAPACITY_REASONS = (
    "every eligible mentor is full",
    "programme capacity",
    "position budget",
    "municipality cap",
)


@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_done_when_every_pair_and_waiting_person_is_explained(name: str) -> None:
    loaded = matcher.load(EXAMPLE_PATHS[name])
    result = matcher.solve(loaded)
    rules = Rules(loaded)
    for pair in result.pairs:
        assert pair.reasons, pair.participant
        if not pair.existing:
            others = len(rules.allowed(pair.participant)) - 1
            assert len(pair.alternatives) == min(3, others), pair.participant
            assert all(a.summary for a in pair.alternatives)
    consenting = {p.id for p in loaded.participants if p.consent}
    held = 0
    for person in result.unmatched:
        assert person.reasons, person.participant
        if person.participant in consenting and any(
            r.startswith(CAPACITY_REASONS) for r in person.reasons
        ):
            held += 1
            assert person.would_match_if, person.participant
    assert held > 0
