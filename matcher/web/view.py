"""What the round page shows, read off the current state: each pair with its status
and the buttons that apply to it, the report's own tables for the rest. Kept apart from
the routes so that the page and its tests read the same rows."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.explain.result import Alternative, ProposedPair
from matcher.render.report import Section, sections
from matcher.render.wording import fairness_line, status_word, summary_line
from matcher.text import formats
from matcher.text.language import gettext as _
from matcher.web.workbench import Change, State, Workbench


@dataclass(frozen=True)
class PairRow:
    """A proposed pair as the page shows it, with what the coordinator can do to it."""

    pair: ProposedPair
    status: str  # "new", "kept" or "locked"
    status_text: str
    score: str
    change: Change | None
    alternatives: list[tuple[Alternative, str]]  # with the score as shown


@dataclass(frozen=True)
class RoundView:
    """Everything the round page needs, in the session's language."""

    title: str
    source: str
    status: str
    summary: str
    fairness: str
    notes: list[str]
    conflicts: list[str]
    pairs: list[PairRow]
    changes: list[Change]
    decisions: list[tuple[int, str]]  # (number, text) oldest first
    tables: list[Section]  # due, waiting list, municipalities, mentor load
    waiting_changes: dict[str, Change]


def _status(pair: ProposedPair, state: State) -> str:
    if pair.existing:
        return "kept"
    if (pair.participant, pair.mentor) in {tuple(x) for x in state.scenario.locks.require}:
        return "locked"
    return "new"


def _status_text(status: str) -> str:
    return {"new": _("new"), "kept": _("kept"), "locked": _("locked")}[status]


def round_view(bench: Workbench, decision_texts: list[str]) -> RoundView:
    """The page's content for the current state of `bench`."""
    state = bench.current
    result = state.result
    shown = {c.participant: c for c in bench.shown}
    pairs = []
    for pair in result.pairs:
        status = _status(pair, state)
        alternatives = [(a, formats.number(a.score)) for a in pair.alternatives]
        pairs.append(
            PairRow(
                pair,
                status,
                _status_text(status),
                formats.number(pair.score),
                shown.get(pair.participant),
                alternatives,
            )
        )
    keep = ("due", "waiting-list", "municipalities", "mentor-load")
    tables = [s for s in sections(state.scenario, result) if s.key in keep]
    return RoundView(
        title=state.scenario.name,
        source=bench.source,
        status=status_word(result.status),
        summary=summary_line(result.metrics, prose=True),
        fairness=fairness_line(result) if result.fairness else "",
        notes=list(result.notes),
        conflicts=list(result.conflicts),
        pairs=pairs,
        changes=list(bench.shown),
        decisions=list(enumerate(decision_texts, start=1)),
        tables=tables,
        waiting_changes={c.participant: c for c in bench.shown if c.now is None},
    )
