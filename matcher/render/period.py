"""The period report as it leaves the coordinator's desk: counts below 3 suppressed,
with the same exact complementary suppression as the round's summary, so that no hidden
count can be worked out from the totals. Then as a table, JSON or a workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher.io.files import OutputError, write_file
from matcher.io.sheets.write import SheetTable, save_workbook, tables_workbook
from matcher.model.scenario import Scenario
from matcher.planning.period import COLUMNS, PeriodReport, PeriodRow, counts
from matcher.render.privacy import SMALL, suppress, total_relations
from matcher.text import formats
from matcher.text.language import N_
from matcher.text.language import gettext as _

_HEADERS = {
    "followed": N_("Followed"),
    "new": N_("New pairs"),
    "ended": N_("Ended pairs"),
    "active_end": N_("Active at end"),
    "funding_nav": N_("Funded by NAV"),
    "funding_municipality": N_("Funded by the municipality"),
    "funding_project": N_("Funded by a project"),
    "funding_other": N_("Other funding"),
    "funding_unknown": N_("Funding not given"),
}


def period_report(scenario: Scenario, start: dt.date, end: dt.date) -> PeriodReport:
    """The counts of `matcher.planning.period`, with small and revealing counts withheld."""
    table = counts(scenario, start, end)
    names = list(table)
    values = [[table[n][c] for c in COLUMNS] for n in names]
    values.append([sum(column) for column in zip(*values, strict=True)] or [0] * len(COLUMNS))
    hidden = suppress(values, total_relations(values))
    per_post = scenario.program.position_per_participant

    def row(r: int, name: str) -> PeriodRow:
        shown = {c: None if (r, i) in hidden else values[r][i] for i, c in enumerate(COLUMNS)}
        small = [c for i, c in enumerate(COLUMNS) if values[r][i] < SMALL]
        active = shown["active_end"]
        posts = None if active is None else round(active * per_post, 6)
        return PeriodRow(municipality=name, counts=shown, small=small, posts=posts)

    labels = {m.id: m.label for m in scenario.municipality_list()}
    return PeriodReport(
        scenario=scenario.name,
        start=start,
        end=end,
        columns=list(COLUMNS),
        rows=[row(r, labels.get(n, n)) for r, n in enumerate(names)],
        total=row(len(names), _("total")),
        suppressed_below=SMALL,
    )


def _cell(value: int | float | None, small: bool) -> str:
    if value is None:
        return f"<{SMALL}" if small else "x"
    return str(value) if isinstance(value, int) else formats.number(value, 2)


def _rows(report: PeriodReport) -> list[list[str]]:
    out = []
    for row in [*report.rows, report.total]:
        cells = [_cell(row.counts[c], c in row.small) for c in report.columns]
        out.append([row.municipality, *cells, _cell(row.posts, False)])
    return out


def _header(report: PeriodReport) -> list[str]:
    return [_("Municipality"), *[_(_HEADERS[c]) for c in report.columns], _("Mentor posts")]


def render_period(report: PeriodReport, console: Console) -> None:
    """The report as a table, with a line on what the suppression means."""
    title = _("Period {start} to {end}").format(
        start=formats.date(report.start), end=formats.date(report.end)
    )
    console.print(f"[bold]{escape(report.scenario)}[/]: {escape(title)}", highlight=False)
    table = Table(title_justify="left")
    for i, column in enumerate(_header(report)):
        table.add_column(column, justify="left" if i == 0 else "right")
    for cells in _rows(report):
        table.add_row(*(escape(c) for c in cells))
    console.print(table)
    console.print(
        _(
            "Counts below {small} are shown as <{small}; x is a count withheld so that no "
            "<{small} can be worked out from the others."
        ).format(small=SMALL),
        highlight=False,
    )


def period_workbook(report: PeriodReport, path: Path, protect: Path | None = None) -> None:
    """The report as a one-sheet workbook, written atomically like every other output."""
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path}: use a file name ending in .xlsx")
    tables: dict[str, SheetTable] = {"period": (_header(report), [list(r) for r in _rows(report)])}
    wb = tables_workbook(tables)
    write_file(path, lambda tmp: save_workbook(wb, tmp), protect)
