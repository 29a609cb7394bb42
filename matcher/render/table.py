"""The readable table a coordinator sees by default (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher.explain.result import Result
from matcher.render.wording import (
    DUE_COLUMNS,
    MUNICIPALITY_COLUMNS,
    due_rows,
    fairness_line,
    floor_text,
    status_word,
    summary_line,
)
from matcher.text import formats
from matcher.text.language import gettext as _

TABLE_REASONS = 4  # the table shows the strongest reasons; JSON and reports show all


def render_table(result: Result, console: Console) -> None:
    """What a coordinator reads first: the pairs with their strongest
    TABLE_REASONS reasons, who waits and why, and the municipalities, with
    every scenario text escaped so that ids never act as rich markup."""
    status_style = {
        "optimal": "green",
        "feasible": "yellow",
        "infeasible": "red",
        "no_proposal": "red",
    }[result.status]
    console.print(
        f"[bold]{escape(result.scenario)}[/]  "
        + _("status {status}").format(status=f"[{status_style}]{status_word(result.status)}[/]")
        + "  "
        + _("solver {solver}").format(solver=result.solver)
        + f"  {result.elapsed_s * 1000:.0f} ms",
        highlight=False,
    )
    console.print(summary_line(result.metrics, prose=False), highlight=False)

    pairs = Table(title=_("Pairs"), title_justify="left", show_lines=False)
    pairs.add_column(_("Participant"), no_wrap=True)
    pairs.add_column(_("Mentor"), no_wrap=True)
    pairs.add_column("", no_wrap=True)
    pairs.add_column(_("Score"), justify="right", no_wrap=True)
    pairs.add_column(_("Reasons"))
    kept, new = _("kept"), _("new")
    for pair in result.pairs:
        pairs.add_row(
            escape(pair.participant),
            escape(pair.mentor),
            kept if pair.existing else f"[bold green]{new}[/]",
            formats.number(pair.score),
            escape("; ".join(pair.reasons[:TABLE_REASONS])),
        )
    console.print(pairs)

    if result.unmatched:
        waiting = Table(title=_("Waiting"), title_justify="left")
        waiting.add_column(_("Participant"), no_wrap=True)
        waiting.add_column(_("Why"))
        helps = any(person.would_match_if for person in result.unmatched)
        if helps:
            waiting.add_column(_("Would get a mentor if"))
        for person in result.unmatched:
            cells = [person.participant, "; ".join(person.reasons)]
            if helps:
                cells.append("; ".join(person.would_match_if))
            waiting.add_row(*(escape(c) for c in cells))
        console.print(waiting)

    munis = Table(title=_("Municipalities"), title_justify="left")
    for i, column in enumerate(MUNICIPALITY_COLUMNS):
        munis.add_column(_(column), justify="left" if i == 0 else "right")
    for key, row in result.municipalities.items():
        munis.add_row(
            escape(key),
            str(row.active),
            str(row.new),
            str(row.waiting),
            "" if row.coverage is None else formats.percent(row.coverage),
            floor_text(row),
            "" if row.max is None else str(row.max),
        )
    console.print(munis)
    if result.due:
        due = Table(title=_("Due before the next round"), title_justify="left")
        for i, column in enumerate(DUE_COLUMNS):
            due.add_column(_(column), justify="right" if i == 1 else "left", no_wrap=i != 2)
        for cells in due_rows(result):
            due.add_row(*(escape(cell) for cell in cells))
        console.print(due)
    if result.fairness is not None:
        console.print(fairness_line(result), highlight=False)
    note_word, conflict_word = _("note:"), _("conflict:")
    for note in result.notes:
        console.print(f"[yellow]{note_word}[/] {escape(note)}", highlight=False)
    for conflict in result.conflicts:
        console.print(f"[red]{conflict_word}[/] {escape(conflict)}", highlight=False)
