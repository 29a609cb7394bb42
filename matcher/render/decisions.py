"""The coordinator's decisions in words, for the meeting report and the web app: what was
decided (`lock P01 with M03`), by whom and when, the settings' one-line list, and the
notes a decision leaves on the pairs and the waiting list it touched.

The scenario a report is given has the decisions applied, and its own file may hold
more of the coordinator's decisions (`locks:`, `release: true`); the notes on pairs and
waiting people are read off the scenario, with the decisions added, so that both kinds
read alike.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from matcher.explain.result import ProposedPair
from matcher.model.controls import Decision
from matcher.model.scenario import Scenario
from matcher.text import formats
from matcher.text.language import N_
from matcher.text.language import gettext as _

#: The columns of the list of decisions, after the decision's number.
DECISION_COLUMNS = (N_("Decision"), N_("By"), N_("When"))


def decision_text(decision: Decision, mentor: str | None = None) -> str:
    """What was decided, as a coordinator says it: `lock P01 with M03`, `forbid P02 with
    M05`, `release P11's active pair with M02`. A release names no mentor of its own:
    `mentor` gives the released pair's, if known."""
    if decision.kind == "release":
        if mentor is None:
            return _("release {participant}'s active pair").format(participant=decision.participant)
        return _("release {participant}'s active pair with {mentor}").format(
            participant=decision.participant, mentor=mentor
        )
    wording = (
        _("lock {participant} with {mentor}")
        if decision.kind == "lock"
        else _("forbid {participant} with {mentor}")
    )
    return wording.format(participant=decision.participant, mentor=decision.mentor or "")


def _short(decision: Decision) -> str:
    """`lock P01-M03`, `forbid P02-M05`, `release P11`: one decision in a list."""
    if decision.kind == "release":
        return _("release {participant}").format(participant=decision.participant)
    wording = (
        _("lock {participant}-{mentor}")
        if decision.kind == "lock"
        else _("forbid {participant}-{mentor}")
    )
    return wording.format(participant=decision.participant, mentor=decision.mentor or "")


def decisions_line(decisions: Sequence[Decision]) -> str:
    """The decisions in one line, in the order taken (`none` without any)."""
    return "; ".join(_short(d) for d in decisions) if decisions else _("none")


def _released(scenario: Scenario) -> dict[str, str]:
    """Participant -> the mentor of their released active pair."""
    return {pair.participant: pair.mentor for pair in scenario.pairs if pair.release}


def decision_rows(scenario: Scenario, decisions: Sequence[Decision]) -> list[list[str]]:
    """The decisions as rows of `#` and `DECISION_COLUMNS`, in the order taken; who and
    when are empty where unknown (the command line knows neither)."""
    released = _released(scenario)
    return [
        [
            str(number),
            decision_text(d, released.get(d.participant) if d.kind == "release" else None),
            d.by or "",
            "" if d.at is None else formats.datetime(d.at),
        ]
        for number, d in enumerate(decisions, start=1)
    ]


def locked_pairs(scenario: Scenario, decisions: Sequence[Decision] = ()) -> set[tuple[str, str]]:
    """The pairs the coordinator requires: the scenario's `locks.require` and the locks
    among the decisions."""
    locked = {(p, m) for p, m in scenario.locks.require}
    return locked | {(d.participant, d.mentor or "") for d in decisions if d.kind == "lock"}


#: How a proposed pair stands: kept (an active pair), locked by the coordinator, or new.
PairKind = Literal["new", "kept", "locked"]


def pair_kind(pair: ProposedPair, locked: Collection[tuple[str, str]]) -> PairKind:
    """A pair's standing, with `locked` from `locked_pairs`: the report and the round
    page mark pairs alike."""
    if pair.existing:
        return "kept"
    return "locked" if (pair.participant, pair.mentor) in locked else "new"


def kind_word(kind: PairKind) -> str:
    """A pair's standing in words."""
    return {"new": _("new"), "kept": _("kept"), "locked": _("locked")}[kind]


def decision_notes(scenario: Scenario, decisions: Sequence[Decision] = ()) -> dict[str, list[str]]:
    """Participant -> short lines on what the coordinator decided about them: each
    mentor they may not have, and the active pair released so that they are matched
    again. Participants without such a decision have no entry."""
    forbidden = [(p, m) for p, m in scenario.locks.forbid]
    forbidden += [(d.participant, d.mentor or "") for d in decisions if d.kind == "forbid"]
    notes: dict[str, list[str]] = {}
    for participant, mentor in dict.fromkeys(forbidden):  # once each, in order
        notes.setdefault(participant, []).append(
            _("not with {mentor} (forbidden by the coordinator)").format(mentor=mentor)
        )
    for participant, mentor in _released(scenario).items():
        notes.setdefault(participant, []).append(
            _("active pair with {mentor} released by the coordinator").format(mentor=mentor)
        )
    return notes
