"""Reading a scenario from an .xlsx workbook or a folder of CSV files: the rows of each
table become the records of a plain scenario dict, and each record remembers the row
it came from so that every problem can name its cell."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.io.sheets.cells import MISSING, CellError, as_text, blank, convert_cell, name_of
from matcher.io.sheets.columns import (
    ID_COLUMN,
    IGNORED_COLUMNS,
    INTEREST_COLUMN,
    INTERESTS_PREFIX,
    SETTINGS,
    SETTINGS_HEADER,
    SHEETS,
    TABLES,
    Column,
    column_letter,
    put_value,
)
from matcher.io.sheets.folder import read_csv_folder, read_csv_zip
from matcher.io.sheets.names import LOCK_KINDS_NB, header_key
from matcher.io.sheets.places import SheetData, Where
from matcher.io.sheets.raw import RawTable, file_problem, read_xlsx
from matcher.model.errors import ScenarioError
from matcher.model.ids import normal_id, shown_id
from matcher.model.scenario import Scenario
from matcher.model.validate import validate
from matcher.text.language import N_
from matcher.text.language import gettext as _

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
_DEAD_FORMULA = N_(
    "a formula without a saved result; open and save the file in Excel, or paste the values"
)


def _header(raw: RawTable, columns: Mapping[str, Column], sheet: SheetData) -> dict[int, Column]:
    """The known columns of row 1 by position; unknown, unnamed and repeated columns and
    missing required ones are problems."""
    place = sheet.place(raw.name)
    head = raw.rows[0]
    width = max(len(r) for r in raw.rows)
    names = [
        name_of(header_key(as_text(head[c]))) if c < len(head) and not blank(head[c]) else None
        for c in range(width)
    ]
    if not any(n in columns for n in names):
        sheet.add(
            Where(place, raw.name, 1),
            _("row 1 must hold the column names ({columns})").format(columns=", ".join(columns)),
        )
        return {}
    out: dict[int, Column] = {}
    present: dict[str, str] = {}
    for c in range(width):
        letter = column_letter(c + 1)
        if c >= len(head) or blank(head[c]):
            if any(c < len(r) and not blank(r[c]) for r in raw.rows[1:]):
                sheet.add(
                    Where(place, raw.name, 1, letter=letter),
                    _("values in a column without a name in row 1"),
                )
            continue
        name = names[c]
        if name in IGNORED_COLUMNS:
            continue  # the coordinator's own notes: never read
        if name is None or name not in columns:
            what = _("unknown column '{name}'").format(name=name) if name else _("unknown column")
            expected = _("expected {columns}").format(columns=", ".join(columns))
            sheet.add(Where(place, raw.name, 1, column=name, letter=letter), f"{what}; {expected}")
            continue
        if name in present:
            sheet.add(
                Where(place, raw.name, 1, column=name, letter=letter),
                _("column '{name}' appears twice (also column {other})").format(
                    name=name, other=present[name]
                ),
            )
            continue
        present[name] = letter
        out[c] = columns[name]
    sheet.columns[raw.name] = present
    for col in columns.values():
        if col.required and col.name not in present:
            missing = _("missing required column '{column}'").format(column=col.name)
            sheet.add(Where(place, raw.name), missing)
    return out


def _label(values: list[object], id_index: int | None) -> str | None:
    """A row's id as messages show it, or None when it has none that can be read."""
    if id_index is None or id_index >= len(values):
        return None
    try:
        raw_id = convert_cell(values[id_index], "text")
    except CellError:
        return None
    return None if raw_id is MISSING else shown_id(normal_id(str(raw_id)))


def _records(raw: RawTable, sheet: SheetData) -> list[tuple[Where, dict[str, Any]]]:
    """The non-empty rows of a table as records, each with the row it came from."""
    place = sheet.place(raw.name)
    header = _header(raw, {c.name: c for c in TABLES[raw.name]}, sheet)
    if not header:
        return []
    id_index = next((c for c, col in header.items() if col.name == ID_COLUMN[raw.name]), None)
    out: list[tuple[Where, dict[str, Any]]] = []
    for number, values in enumerate(raw.rows[1:], start=2):
        if all(blank(v) for v in values):
            continue
        label = _label(values, id_index)
        record: dict[str, Any] = {}
        for c, col in header.items():
            cell = Where(place, raw.name, number, label, col.name, column_letter(c + 1))
            if (number, c + 1) in raw.dead:
                sheet.add(cell, _(_DEAD_FORMULA))
                continue
            try:
                value = convert_cell(values[c] if c < len(values) else None, col.kind)
            except CellError as error:
                sheet.add(cell, str(error))
                continue
            if value is not MISSING:
                put_value(record, col.path, value)
        out.append((Where(place, raw.name, number, label), record))
    return out


def _read_table(raw: RawTable, sheet: SheetData) -> None:
    """A per-record table (municipalities, mentors, participants, pairs)."""
    records = _records(raw, sheet)
    if raw.name == "municipalities" and not records:
        return  # no rows: not given (the municipalities people name), as in the template
    sheet.data[raw.name] = [record for _where, record in records]
    for index, (row, _record) in enumerate(records):
        sheet.rows[(raw.name, index)] = row


def _read_locks(raw: RawTable, sheet: SheetData) -> None:
    """The locks table, one row per required or forbidden pair, into `locks:`."""
    locks: dict[str, list[list[str]]] = {"require": [], "forbid": []}
    for row, record in _records(raw, sheet):
        letters = sheet.columns.get("locks", {})
        written = str(record.get("kind", "")).strip().lower()
        kind = LOCK_KINDS_NB.get(written, written)
        if kind not in locks:
            what = (
                "required value is empty" if "kind" not in record else "expected require or forbid"
            )
            sheet.add(
                Where(row.place, "locks", row.row, row.label, "kind", letters.get("kind")), what
            )
            continue
        ok = True
        for name in ("participant", "mentor"):
            if name not in record:
                sheet.add(
                    Where(row.place, "locks", row.row, row.label, name, letters.get(name)),
                    "required value is empty",
                )
                ok = False
        if ok:
            sheet.rows[("locks", kind, len(locks[kind]))] = row
            locks[kind].append([record["participant"], record["mentor"]])
    sheet.data["locks"] = locks


_Setting = tuple[str, Column, tuple[str, ...]]


def _setting(key_cell: object, where: Where, sheet: SheetData) -> _Setting | None:
    """The key a settings row's key cell names, its column and where its value goes in
    the scenario; None (and a problem) if it names none."""
    text = as_text(key_cell).strip()
    tag = text[len(INTERESTS_PREFIX) :].strip()
    key = (
        INTERESTS_PREFIX + tag
        if text.lower().startswith(INTERESTS_PREFIX) and tag
        else name_of(key_cell)
    )
    if key is None:
        sheet.add(where, _("not a settings key"))
        return None
    if key.startswith(INTERESTS_PREFIX):
        return key, INTEREST_COLUMN, ("vocabulary", "interests", tag)
    if key in SETTINGS:
        return key, SETTINGS[key], SETTINGS[key].path
    hint = (
        "; write one row per tag: vocabulary.interests.TAG"
        if (key == "vocabulary.interests")
        else ""
    )
    sheet.add(
        Where(where.place, "settings", where.row, key, "key", where.letter),
        f"unknown settings key{hint}",
    )
    return None


def _read_settings(raw: RawTable, sheet: SheetData) -> None:
    """The settings table, one `key`, `value` row per scenario setting, into the dict."""
    place = sheet.place("settings")
    header = _header(raw, {n: Column(n, (n,), "text", True) for n in SETTINGS_HEADER}, sheet)
    where_of = {col.name: c for c, col in header.items()}
    if set(where_of) != set(SETTINGS_HEADER):
        return
    kc, vc = where_of["key"], where_of["value"]
    k_letter, v_letter = column_letter(kc + 1), column_letter(vc + 1)
    seen: dict[str, int] = {}
    for number, values in enumerate(raw.rows[1:], start=2):
        key_cell = values[kc] if kc < len(values) else None
        value_cell = values[vc] if vc < len(values) else None
        key_where = Where(place, "settings", number, None, "key", k_letter)
        if blank(key_cell):
            if not blank(value_cell):
                sheet.add(key_where, _("a value without a key"))
            continue
        named = _setting(key_cell, key_where, sheet)
        if named is None:
            continue
        key, col, path = named
        where = Where(place, "settings", number, key, "value", v_letter)
        if key in seen:
            sheet.add(where, _("key repeated (first in row {row})").format(row=seen[key]))
            continue
        seen[key] = number
        sheet.rows[("settings", key)] = where
        if (number, vc + 1) in raw.dead:
            sheet.add(where, _(_DEAD_FORMULA))
            continue
        try:
            value = convert_cell(value_cell, col.kind)
        except CellError as error:
            sheet.add(where, str(error))
            continue
        if value is MISSING:
            if col is not INTEREST_COLUMN:
                continue  # not given: the default
            value = None  # a tag without a category
        put_value(sheet.data, path, value)


def read_spreadsheet(path: str | Path) -> SheetData:
    """Read a workbook or a folder of CSV files into a plain scenario dict, remembering
    where each record came from. Problems of the reader are in `.problems`."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise file_problem(source, "no such file or folder")
    suffix = path.suffix.lower()
    if path.is_dir():
        sheet = SheetData(source, True)
        return sheet_data(read_csv_folder(path, sheet), sheet)
    if suffix in SPREADSHEET_SUFFIXES:
        return _workbook(path, source)
    if suffix == ".csv":
        raise file_problem(
            source,
            "one CSV file holds one table; give the folder that holds "
            "mentors.csv, participants.csv, ...",
        )
    raise not_read(suffix, source)


def read_upload_sheets(data: bytes, suffix: str, source: str) -> SheetData:
    """`read_spreadsheet` for the bytes of an upload, which never touch the disk: an .xlsx
    workbook, or a folder of CSV files zipped (`suffix` ".zip"). Problems name `source`."""
    if suffix == ".zip":
        sheet = SheetData(source, True)
        return sheet_data(read_csv_zip(data, sheet), sheet)
    if suffix in SPREADSHEET_SUFFIXES:
        return _workbook(data, source)
    if suffix == ".csv":
        raise file_problem(
            source,
            _(
                "one CSV file holds one table; zip the folder that holds mentors.csv, "
                "participants.csv, ... and upload the .zip file"
            ),
        )
    raise not_read(suffix, source)


def not_read(suffix: str, source: str) -> ScenarioError:
    """The refusal of a file that is no spreadsheet this reads, with what to do instead."""
    if suffix in (".xls", ".ods", ".numbers"):
        return file_problem(source, f"'{suffix}' files are not read; save the workbook as .xlsx")
    return file_problem(
        source, f"unsupported file type '{suffix}'; use .xlsx or a folder of CSV files"
    )


def _workbook(file: Path | bytes, source: str) -> SheetData:
    """A workbook's tables, from a file or from bytes; one without any is refused."""
    sheet = SheetData(source, False)
    raws = read_xlsx(file, sheet)
    if not raws and not sheet.problems:
        raise file_problem(
            source, "no scenario sheets in this workbook; expected " + ", ".join(SHEETS)
        )
    return sheet_data(raws, sheet)


def sheet_data(raws: list[RawTable], sheet: SheetData) -> SheetData:
    """The records of every table read, into `sheet`, whichever form they came in (a
    workbook or CSV files, from disk or from memory)."""
    for raw in sorted(raws, key=lambda r: SHEETS.index(r.name)):
        if raw.name == "settings":
            _read_settings(raw, sheet)
        elif raw.name == "locks":
            _read_locks(raw, sheet)
        else:
            _read_table(raw, sheet)
    return sheet


def load_spreadsheet(path: str | Path) -> Scenario:
    """Load and validate a scenario from an .xlsx workbook or a folder of CSV files;
    raises `ScenarioError` naming sheet, row and column of every problem."""
    return validate_sheets(read_spreadsheet(path))


def validate_sheets(sheet: SheetData) -> Scenario:
    """The scenario of a spreadsheet read, or `ScenarioError` with the reader's and the
    validator's problems, each at its sheet, row and column."""
    try:
        scenario = validate(sheet.data, sheet.source)
    except ScenarioError as error:
        raise sheet.error(error.problems) from None
    if sheet.problems:
        raise sheet.error()
    return scenario
