"""What the round page shows, read off the current state: each pair with its status
and the buttons that apply to it, the report's own tables for the rest. Kept apart from
the routes so that the page and its tests read the same rows."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.explain.result import Alternative, ProposedPair
from matcher.render.decisions import (
    PairKind,
    decision_notes,
    decision_text,
    kind_word,
    locked_pairs,
    pair_kind,
)
from matcher.render.report import Section, sections
from matcher.render.wording import fairness_line, status_word, summary_line
from matcher.text import formats
from matcher.web.workbench import Change, Workbench


@dataclass(frozen=True)
class PairRow:
    """A proposed pair as the page shows it, with what the coordinator can do to it."""

    pair: ProposedPair
    status: PairKind
    status_text: str
    reasons: list[str]  # the pair's, then what the coordinator decided about them
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


def round_view(bench: Workbench) -> RoundView:
    """The page's content for the current state of `bench`: pairs marked and noted as
    the meeting report marks them, and the report's own tables for the rest."""
    state = bench.current
    scenario, result, decisions = state.scenario, state.result, state.decisions
    shown = {c.participant: c for c in bench.shown}
    locked = locked_pairs(scenario, decisions)
    notes = decision_notes(scenario, decisions)
    pairs = []
    for pair in result.pairs:
        kind = pair_kind(pair, locked)
        pairs.append(
            PairRow(
                pair,
                kind,
                kind_word(kind),
                [*pair.reasons, *notes.get(pair.participant, [])],
                formats.number(pair.score),
                shown.get(pair.participant),
                [(a, formats.number(a.score)) for a in pair.alternatives],
            )
        )
    keep = ("due", "waiting-list", "municipalities", "mentor-load")
    tables = [s for s in sections(scenario, result, decisions) if s.key in keep]
    return RoundView(
        title=scenario.name,
        source=bench.source,
        status=status_word(result.status),
        summary=summary_line(result.metrics, prose=True),
        fairness=fairness_line(result) if result.fairness else "",
        notes=list(result.notes),
        conflicts=list(result.conflicts),
        pairs=pairs,
        changes=list(bench.shown),
        decisions=list(enumerate((decision_text(d) for d in decisions), start=1)),
        tables=tables,
        waiting_changes={c.participant: c for c in bench.shown if c.now is None},
    )
