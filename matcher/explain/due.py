"""What falls due before the next round: NAV renewals and reviews of active pairs,
discharges of people still without a mentor, and pairs old enough for a talk about
ending. A missed NAV renewal stops the mentor's pay, and pairing should start about a
month before discharge, so the list comes most urgent first."""

from __future__ import annotations

import datetime as dt

from matcher.explain.result import Due, Result
from matcher.model.scenario import Scenario

#: Days ahead that renewals and reviews are listed (`--horizon`).
DEFAULT_HORIZON = 42
#: A waiting participant discharged within this many days (or already) is listed.
DISCHARGE_DAYS = 30
#: An active pair older than this is due a talk about ending.
LONG_PAIR_DAYS = 365


def due_list(scenario: Scenario, result: Result, horizon: int = DEFAULT_HORIZON) -> list[Due]:
    """Everything due within `horizon` days of the round (or overdue), most urgent first."""
    today = scenario.date
    out: list[Due] = []

    def add(kind: str, participant: str, mentor: str | None, day: dt.date) -> None:
        out.append(
            Due(
                kind=kind, participant=participant, mentor=mentor, date=day, days=(day - today).days
            )
        )

    for pair in scenario.pairs:
        if pair.release:
            continue
        for kind, day in (("renewal", pair.renewal_due), ("review", pair.review_due)):
            if day is not None and (day - today).days <= horizon:
                add(kind, pair.participant, pair.mentor, day)
        if pair.since is not None and (today - pair.since).days > LONG_PAIR_DAYS:
            add(
                "long_pair",
                pair.participant,
                pair.mentor,
                pair.since + dt.timedelta(LONG_PAIR_DAYS),
            )
    waiting = {w.participant for w in result.unmatched}
    for person in scenario.participants:
        day = person.discharge
        soon = day is not None and (day - today).days <= DISCHARGE_DAYS
        if soon and day is not None and person.id in waiting and person.consent:
            add("discharge", person.id, None, day)
    return sorted(out, key=lambda d: (d.days, d.kind, d.participant))
