"""Priority points (matcher.core.priority): waiting time, discharge window, tags and the
partner municipality, which must come strictly first."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

import matcher
from matcher.core.priority import (
    DISCHARGE_POINTS,
    MAX_WAIT_DAYS,
    PARTNER_POINTS,
    TAG_POINTS,
    Priority,
    priorities,
    priority,
)
from matcher.explain.result import Result
from matcher.model.scenario import Participant

Data = dict[str, Any]
Builder = Callable[..., Data]
DATE = dt.date(2026, 11, 20)


def person(**fields: Any) -> Participant:
    data: Data = {
        "id": "P1",
        "gender": "female",
        "age": 30,
        "municipality": "north",
        "consent": True,
    }
    data.update(fields)
    return Participant.model_validate(data)


def days_before(n: int) -> dt.date:
    return DATE - dt.timedelta(days=n)


def days_after(n: int) -> dt.date:
    return DATE + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("referred", "points", "waiting"),
    [
        (None, 0, 0),  # default: referred on the round's date
        (days_before(0), 0, 0),
        (days_before(10), 10, 10),
        (days_before(364), 364, 364),
        (days_before(365), 365, 365),
        (days_before(366), MAX_WAIT_DAYS, 366),
        (days_before(1000), MAX_WAIT_DAYS, 1000),
        (days_after(5), 0, 0),  # referred after the round's date: no waiting time
    ],
)
def test_waiting_days_capped_at_365(referred: dt.date | None, points: int, waiting: int) -> None:
    got = priority(person(referred=referred), DATE, partner=False)
    assert got == Priority(
        points=points, waiting_days=waiting, days_to_discharge=None, partner=False
    )


@pytest.mark.parametrize(
    ("days", "points"),
    [
        (-30, DISCHARGE_POINTS),  # already discharged: as urgent as it gets
        (0, DISCHARGE_POINTS),
        (10, DISCHARGE_POINTS),
        (30, DISCHARGE_POINTS),
        (31, 119),
        (75, DISCHARGE_POINTS // 2),
        (105, 20),
        (119, 1),
        (120, 0),
        (200, 0),
    ],
)
def test_discharge_window(days: int, points: int) -> None:
    got = priority(person(discharge=days_after(days)), DATE, partner=False)
    assert got.points == points
    assert got.days_to_discharge == days


def test_discharge_points_fall_monotonically() -> None:
    points = [
        priority(person(discharge=days_after(d)), DATE, False).points for d in range(-10, 150)
    ]
    assert all(a >= b for a, b in itertools.pairwise(points))


@pytest.mark.parametrize("tag", sorted(TAG_POINTS))
def test_each_tag(tag: str) -> None:
    assert priority(person(priority=[tag]), DATE, False).points == TAG_POINTS[tag]


def test_tag_points_and_their_order() -> None:
    assert TAG_POINTS == {"urgent": 200, "young": 60, "after_prison": 60, "in_treatment": 40}
    every = priority(person(priority=list(TAG_POINTS)), DATE, False)
    assert every.points == 360


def test_unknown_added_tag_gives_no_points(scenario_dict: Data) -> None:
    scenario_dict["vocabulary"] = {"priority": ["homeless"]}
    scenario_dict["participants"][1]["priority"] = ["homeless"]
    loaded = matcher.validate(scenario_dict)
    assert priority(loaded.participants[1], loaded.date, False).points == 0


def test_points_add_up() -> None:
    p = person(referred=days_before(100), discharge=days_after(75), priority=["young"])
    got = priority(p, DATE, partner=True)
    assert got.points == 100 + 60 + 60 + PARTNER_POINTS
    assert got.partner is True


def test_partner_outweighs_everything_else() -> None:
    most = person(referred=days_before(5000), discharge=days_after(-1), priority=list(TAG_POINTS))
    least = person()
    assert priority(least, DATE, partner=True).points > priority(most, DATE, False).points
    assert MAX_WAIT_DAYS + DISCHARGE_POINTS + sum(TAG_POINTS.values()) < PARTNER_POINTS


def test_repeated_tag_counts_once() -> None:
    once = priority(person(priority=["urgent"]), DATE, False).points
    many = priority(person(priority=["urgent"] * 5), DATE, False).points
    assert many == once


def test_reasons() -> None:
    p = person(
        referred=days_before(42), discharge=days_after(12), priority=["after_prison", "young"]
    )
    got = priority(p, DATE, partner=True)
    assert got.reasons(p.priority) == [
        "waiting 42 days since referral",
        "discharge in 12 days",
        "priority group: after prison",
        "priority group: young",
        "partner municipality",
    ]
    past = priority(person(discharge=days_before(3)), DATE, partner=False)
    assert past.reasons([]) == ["discharged 3 days ago"]
    assert priority(person(), DATE, partner=False).reasons([]) == []


def test_priorities_follow_the_municipality_partner_flag(scenario_dict: Data) -> None:
    loaded = matcher.validate(scenario_dict)
    got = priorities(loaded)
    assert [g.partner for g in got] == [True, False, True, True]  # north partner, south not
    # P1 referred 2026-09-01 (80 days), partner; P3 urgent, partner
    assert got[0].points == 80 + PARTNER_POINTS
    assert got[2].points == 200 + PARTNER_POINTS


# --- priority in the proposal ------------------------------------------------------------


def one_slot(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    first: Data,
    second: Data,
    **top: Any,
) -> Data:
    """Two otherwise identical participants compete for one mentor place."""
    return make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("A", **first), make_participant("B", **second)],
        **top,
    )


@pytest.mark.parametrize(
    ("first", "second", "winner"),
    [
        ({"referred": "2026-10-01"}, {"referred": "2026-06-01"}, "B"),  # waited longer
        # waiting is capped at a year, so a small tag outweighs two more years of waiting
        ({"referred": "2023-01-01"}, {"referred": "2025-06-01", "priority": ["in_treatment"]}, "B"),
        ({"discharge": "2027-06-01"}, {"discharge": "2026-12-01"}, "B"),  # sooner discharge
        ({"priority": ["urgent"]}, {"priority": ["young", "in_treatment"]}, "A"),
        (
            {"municipality": "south"},
            {"referred": "2025-11-20", "priority": ["urgent"], "discharge": "2026-11-25"},
            "A",
        ),  # partner first
    ],
)
def test_priority_decides_who_gets_the_place(
    make_scenario: Builder,
    make_mentor: Builder,
    make_participant: Builder,
    run: Callable[[Data], Result],
    first: Data,
    second: Data,
    winner: str,
) -> None:
    data = one_slot(
        make_scenario,
        make_mentor,
        make_participant,
        first,
        second,
        municipalities=[{"id": "north", "partner": False}, {"id": "south", "partner": True}],
    )
    result = run(data)
    assert [p.participant for p in result.pairs] == [winner]
    loser = "B" if winner == "A" else "A"
    assert [u.participant for u in result.unmatched] == [loser]
    assert "every eligible mentor is full" in result.unmatched[0].reasons[0]
