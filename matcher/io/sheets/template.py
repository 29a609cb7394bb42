"""The blank scenario workbook a coordinator fills in: every table with its header, a
comment and an input prompt on each column, drop-down lists for closed vocabularies
and references between sheets, the settings keys with their defaults, and a notes sheet
that explains every column."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.io.files import OutputError, write_file
from matcher.io.sheets.cells import to_cell
from matcher.io.sheets.columns import (
    HELP,
    SETTINGS,
    SETTINGS_HEADER,
    TABLES,
    Column,
    column_help,
    column_letter,
)
from matcher.io.sheets.names import header, sheet_title, shown_choice
from matcher.io.sheets.write import SheetTable, save_workbook, tables_workbook
from matcher.text.language import N_
from matcher.text.language import gettext as _

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

#: Rows below the header that the drop-down lists and checks cover.
TEMPLATE_ROWS = 500
#: The per-record tables, in sheet order.
_RECORD_TABLES = ("municipalities", "mentors", "participants", "pairs", "locks", "history")
#: Columns that hold ids of another sheet's records: a drop-down of that sheet's ids.
_REFERENCES = {
    "municipality": "municipalities",
    "serves": "municipalities",
    "exclude_mentors": "mentors",
    "mentor": "mentors",
    "participant": "participants",
}
_NOTES = [
    N_("likematch scenario workbook"),
    N_(
        "Row 1 of each sheet holds the column names; do not rename them. One row per "
        "record; empty rows are skipped."
    ),
    N_(
        "An empty cell means 'not given': the default applies. Several values in one cell "
        "are separated by ; (e.g. alcohol; opioids)."
    ),
    N_(
        "Yes/no columns take yes/no, true/false, 1/0 or x for yes. Dates: 2026-09-01, "
        "01.09.2026 or 1.9.26. Words may be Norwegian or English."
    ),
    N_(
        "Use pseudonymous ids (M01, P01), never names. A column named notes, merknad or "
        "kommentar, this notes sheet and sheets of your own (Ark1) are never read."
    ),
]
_NOTES_HEADER = (N_("sheet"), N_("column"), N_("meaning"))


def _template_value(col: Column) -> Any:
    """A setting's default as the template shows it (name and date left empty)."""
    if col.name in ("name", "date"):
        return None
    return to_cell(col.default, col, csv_mode=False)


def _data_validation(
    table: str, col: Column, tables: Mapping[str, list[Column]]
) -> DataValidation | None:
    """The check Excel makes on a column's cells: a drop-down of its choices or of the
    ids of the sheet it refers to, a number or a date range; None for free text."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.worksheet.datavalidation import DataValidation

    title = header(col.name)[:32]
    target = _REFERENCES.get(col.name)
    if col.choices:
        single = col.kind != "list"
        return DataValidation(
            type="list",
            formula1='"' + ",".join(shown_choice(col.path[-1], c) for c in col.choices) + '"',
            allow_blank=True,
            showErrorMessage=single,
            errorStyle="warning" if col.kind == "bool" else "stop",
            error=_("Choose a value from the list."),
            errorTitle=title,
        )
    if target is not None and table != target:
        id_letter = column_letter([c.name for c in tables[target]].index("id") + 1)
        return DataValidation(
            type="list",
            formula1=f"'{sheet_title(target)}'!${id_letter}$2:${id_letter}${TEMPLATE_ROWS}",
            allow_blank=True,
            showErrorMessage=col.kind != "list",
            errorStyle="warning",
            error=_("Not an id from the sheet {sheet}.").format(sheet=sheet_title(target)),
            errorTitle=title,
        )
    if col.kind in ("int", "float"):
        low, high = ("16", "120") if col.name == "age" else ("0", None)
        return DataValidation(
            type="whole" if col.kind == "int" else "decimal",
            operator="between" if high else "greaterThanOrEqual",
            formula1=low,
            formula2=high,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=title,
            error=(
                _("Enter a number from {low} to {high}.").format(low=low, high=high)
                if high
                else _("Enter a number of at least {low}.").format(low=low)
            ),
        )
    if col.kind == "date":
        return DataValidation(
            type="date",
            operator="greaterThan",
            formula1="1",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=title,
            error=_("Enter a date (for example 01.09.2026)."),
        )
    return None


def _add_validation(
    ws: Worksheet, table: str, col: Column, letter: str, tables: Mapping[str, list[Column]]
) -> None:
    """Give a column's cells their check (if any) and the column's help as a prompt."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = _data_validation(table, col, tables)
    if dv is None:
        dv = DataValidation(allow_blank=True)
    dv.showInputMessage = True
    dv.promptTitle = header(col.name)[:32]
    dv.prompt = column_help(table, col)[:250]
    ws.add_data_validation(dv)
    dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")


def _record_sheets(wb: Workbook) -> None:
    """Comments, widths and checks for the columns of the per-record tables."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.comments import Comment

    for name in _RECORD_TABLES:
        ws = wb[sheet_title(name)]
        for index, col in enumerate(TABLES[name], start=1):
            letter = column_letter(index)
            ws[f"{letter}1"].comment = Comment(column_help(name, col), "likematch", 120, 260)
            ws.column_dimensions[letter].width = max(len(header(col.name)) + 4, 14)
            _add_validation(ws, name, col, letter, TABLES)


def _settings_sheet(wb: Workbook) -> None:
    """A comment on each settings key, drop-downs and date formats for their values."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.comments import Comment
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb[sheet_title("settings")]
    for row, (key, col) in enumerate(SETTINGS.items(), start=2):
        ws[f"A{row}"].comment = Comment(column_help("settings", col), "likematch", 120, 260)
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(col.choices) + '"',
                allow_blank=True,
                showErrorMessage=col.kind != "list",
                showInputMessage=True,
                promptTitle=key[:32],
                prompt=column_help("settings", col)[:250],
            )
            ws.add_data_validation(dv)
            dv.add(f"B{row}")
        if col.kind == "date":
            ws[f"B{row}"].number_format = "yyyy-mm-dd"
    ws.column_dimensions["B"].width = 40


def _notes_sheet(wb: Workbook) -> None:
    """The first sheet: how to fill in the workbook, then every column and its meaning."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.styles import Alignment, Font

    notes = wb.create_sheet(sheet_title("notes"), 0)
    lines: list[list[str]] = [[_(line)] for line in _NOTES]
    lines += [[], [_(word) for word in _NOTES_HEADER]]
    settings = sheet_title("settings")
    lines += [[settings, key, column_help("settings", col)] for key, col in SETTINGS.items()]
    lines.append([settings, "vocabulary.interests.TAG", _(HELP["vocabulary.interests.TAG"])])
    for name in _RECORD_TABLES:
        lines += [
            [sheet_title(name), header(col.name), column_help(name, col)] for col in TABLES[name]
        ]
    for line in lines:
        notes.append(line)
    notes["A1"].font = Font(bold=True, size=14)
    for cell in notes[len(_NOTES) + 2]:
        cell.font = Font(bold=True)
    for row in notes.iter_rows(min_row=len(_NOTES) + 3):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 34
    notes.column_dimensions["C"].width = 90


def template_workbook() -> Workbook:
    """An empty scenario workbook: headers with comments, drop-downs for every closed
    vocabulary, a settings sheet with the keys and their defaults, and a notes sheet."""
    settings = [[key, _template_value(col)] for key, col in SETTINGS.items()]
    keys = [header(name) for name in SETTINGS_HEADER]
    tables: dict[str, SheetTable] = {sheet_title("settings"): (keys, settings)}
    for name in _RECORD_TABLES:
        tables[sheet_title(name)] = ([header(c.name) for c in TABLES[name]], [])
    wb = tables_workbook(tables)
    _record_sheets(wb)
    _settings_sheet(wb)
    _notes_sheet(wb)
    return wb


def write_template(path: str | Path, *, protect: str | Path | None = None) -> None:
    """Write the empty scenario workbook (see `template_workbook`) to an .xlsx path."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path}: the template is a workbook; use a name ending in .xlsx")
    wb = template_workbook()
    write_file(
        path, lambda tmp: save_workbook(wb, tmp), Path(protect) if protect is not None else None
    )
