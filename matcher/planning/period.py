"""Counts for a period report to a municipality or to NAV: participants followed, pairs
started and ended, pairs by funding, and mentor posts, per municipality, from the active
pairs and the ended ones (`history`). Coordinators report monthly to the municipalities,
every three months to NAV, and yearly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from matcher.model.scenario import Scenario

FUNDING = ("nav", "municipality", "project", "other", "unknown")
#: Columns of the report, in order; `funding_*` count the pairs followed by who pays.
COLUMNS = ("followed", "new", "ended", "active_end", *(f"funding_{f}" for f in FUNDING))


class PeriodError(ValueError):
    """A period that cannot be counted (it ends before it starts)."""


class PeriodRow(BaseModel):
    """One municipality's counts (None: withheld, as too small or as giving one away)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    municipality: str
    counts: dict[str, int | None]
    #: the withheld counts that are below the threshold (`<3`); the others are withheld
    #: only because they would give one of those away (`x`)
    small: list[str]
    posts: float | None  # mentor posts of the pairs active at the end (`active_end`)


class PeriodReport(BaseModel):
    """The period's counts per municipality and in total, with small counts suppressed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    start: dt.date
    end: dt.date
    columns: list[str]
    rows: list[PeriodRow]
    total: PeriodRow
    suppressed_below: int


@dataclass(frozen=True)
class _Span:
    """One pair's time: from `since` (None: before any period) to `ended` (None: still
    active), with whom and where."""

    participant: str
    municipality: str
    since: dt.date | None
    ended: dt.date | None
    funding: str

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return (self.since is None or self.since <= end) and (
            self.ended is None or self.ended >= start
        )


def _spans(scenario: Scenario) -> list[_Span]:
    where = {p.id: p.municipality for p in scenario.participants}
    spans = [
        _Span(p.participant, where[p.participant], p.since, None, p.funding or "unknown")
        for p in scenario.pairs
    ]
    spans += [
        _Span(h.participant, h.municipality, h.since, h.ended, h.funding or "unknown")
        for h in scenario.history
    ]
    return spans


def counts(scenario: Scenario, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """Per municipality (in the scenario's order, then those only history names), the
    period's counts, before any suppression."""
    if end < start:
        raise PeriodError(f"--to {end} is before --from {start}")
    names = [m.id for m in scenario.municipality_list()]
    names += sorted({h.municipality for h in scenario.history} - set(names))
    table = {name: dict.fromkeys(COLUMNS, 0) for name in names}
    followed: dict[str, set[str]] = {name: set() for name in names}
    for span in _spans(scenario):
        row = table[span.municipality]
        if span.overlaps(start, end):
            followed[span.municipality].add(span.participant)
            row[f"funding_{span.funding}"] += 1
        if span.since is not None and start <= span.since <= end:
            row["new"] += 1
        if span.ended is not None and start <= span.ended <= end:
            row["ended"] += 1
        if span.overlaps(end, end):
            row["active_end"] += 1
    for name in names:
        table[name]["followed"] = len(followed[name])
    return table
