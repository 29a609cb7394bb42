"""Who goes first when not everyone can be matched: integer priority points per participant.

Points (documented in the README):
- waiting: 1 point per day since referral, up to 365;
- discharge: pairing about a month before discharge is best, so discharge within
  30 days (or already past) gives 120 points, falling linearly to 0 at 120 days;
- tags: urgent 200, young 60, after_prison 60, in_treatment 40 (unknown added tags 0);
- partner municipality: 1000, more than all the rest together, so partner
  municipalities come strictly first among people of equal coverage (the Loland rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from matcher.model.scenario import Participant, Policy, Scenario
from matcher.text.language import gettext, ngettext
from matcher.text.terms import term

MAX_WAIT_DAYS = 365
DISCHARGE_POINTS = 120
DISCHARGE_BEST_DAYS = 30
DISCHARGE_HORIZON_DAYS = 120
TAG_POINTS = {"urgent": 200, "young": 60, "after_prison": 60, "in_treatment": 40}
PARTNER_POINTS = 1000


@dataclass(frozen=True)
class Priority:
    """A participant's points with the facts behind them, so that the report can say why
    someone is ahead, not only by how much."""

    points: int
    waiting_days: int
    days_to_discharge: int | None
    partner: bool

    def reasons(self, tags: list[str]) -> list[str]:
        """Plain sentences for the report's waiting list. `tags` are listed as given, also
        those worth no points (tags added in the scenario's vocabulary)."""
        out = []
        if self.waiting_days > 0:
            days = self.waiting_days
            out.append(
                ngettext(
                    "waiting {days} day since referral", "waiting {days} days since referral", days
                ).format(days=days)
            )
        if self.days_to_discharge is not None:
            d = self.days_to_discharge
            out.append(
                ngettext("discharged {days} day ago", "discharged {days} days ago", -d).format(
                    days=-d
                )
                if d < 0
                else ngettext("discharge in {days} day", "discharge in {days} days", d).format(
                    days=d
                )
            )
        out += [gettext("priority group: {tag}").format(tag=term("priority", tag)) for tag in tags]
        if self.partner:
            out.append(gettext("partner municipality"))
        return out


def tags_of(participant: Participant, policy: Policy) -> list[str]:
    """The participant's priority tags, once each, with `young` added when the policy's
    `young_max_age` says so (NAV and Grenland prioritise young people by age)."""
    tags = list(dict.fromkeys(participant.priority))
    limit = policy.young_max_age
    if limit is not None and participant.age <= limit and "young" not in tags:
        tags.append("young")
    return tags


def priority(
    participant: Participant, date: dt.date, partner: bool, tags: list[str] | None = None
) -> Priority:
    """Points as the module docstring counts them, to the round's `date`: no referral date
    means no waiting time, and a repeated tag counts once (`tags`: the participant's own,
    unless given)."""
    referred = participant.referred or date
    waiting = max(0, (date - referred).days)
    points = min(waiting, MAX_WAIT_DAYS)
    to_discharge = None
    if participant.discharge is not None:
        to_discharge = (participant.discharge - date).days
        span = DISCHARGE_HORIZON_DAYS - DISCHARGE_BEST_DAYS
        frac = (DISCHARGE_HORIZON_DAYS - max(to_discharge, DISCHARGE_BEST_DAYS)) / span
        points += round(DISCHARGE_POINTS * min(1.0, max(0.0, frac)))
    points += sum(
        TAG_POINTS.get(tag, 0) for tag in set(participant.priority if tags is None else tags)
    )
    if partner:
        points += PARTNER_POINTS
    return Priority(points, waiting, to_discharge, partner)


def priorities(scenario: Scenario) -> list[Priority]:
    """Every participant's priority in scenario order, consent not checked: the caller
    decides who is ranked."""
    partner = {m.id: m.partner for m in scenario.municipality_list()}
    return [
        priority(p, scenario.date, partner[p.municipality], tags_of(p, scenario.policy))
        for p in scenario.participants
    ]
