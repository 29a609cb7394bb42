"""Scenarios in spreadsheets (an .xlsx workbook or a folder of CSV files), and results out.

Coordinators live in Excel, so the same content as a YAML scenario loads from a
workbook (one sheet per table) or from a folder with one CSV file per table.

Layout
------
Every table has a header row (row 1) with the field names of the scenario contract;
each further row is one record. Tables (sheet names, or CSV file names without
``.csv``; case does not matter):

``mentors``, ``participants``, ``municipalities``, ``pairs``
    One column per field, named exactly as in the contract (``id``, ``gender``,
    ``age``, ``recovery_years``, ...). The nested ``prefers`` of a participant is
    two columns, ``prefers.mentor_gender`` and ``prefers.max_age_gap``. The sheet
    ``municipalities`` is optional (left out or without rows: the municipalities
    people name).
``locks`` (optional)
    Columns ``kind`` (``require`` or ``forbid``), ``participant``, ``mentor``.
``settings`` (optional)
    Columns ``key`` and ``value``: everything that is not a per-person table, with
    dotted keys: ``name``, ``date``, ``program.capacity``,
    ``program.mentor_capacity``, ``program.position_per_participant``,
    ``program.position_budget``, ``policy.objective``, ``policy.fairness``,
    ``policy.same_gender``, ``policy.min_recovery_years``, ``policy.max_age_gap``,
    ``policy.weights.age`` (and the other weights), ``vocabulary.substances`` (and
    the other vocabularies) and ``vocabulary.interests.<tag>`` with the tag's
    activity category as the value (empty: no category).
``notes`` (optional)
    Ignored: room for the coordinator's own notes (the template explains the
    columns there).

Cells
-----
* List fields (``serves``, ``substances``, ``interests``, ``strengths``,
  ``availability``, ``languages``, ``goals``, ``priority``, ``exclude_mentors``,
  ``policy.objective``, the vocabularies) are ``;``-separated: ``alcohol; opioids``.
  A lone ``;`` is an explicit empty list (a mentor who ``serves`` no municipality).
* Booleans accept ``true``/``false``, ``yes``/``no``, ``1``/``0`` and ``ja``/``nei``,
  in any case, and Excel's TRUE/FALSE.
* Dates are Excel dates, ``YYYY-MM-DD`` or ``DD.MM.YYYY``; decimals may use a comma
  in CSV files (``0,10``).
* An empty cell means "not given": the contract's default applies.
* A text that starts with ``'`` followed by ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is read without the ``'`` (exports neutralise such texts so that
  a spreadsheet never runs them as formulas).
* CSV files may be comma-, semicolon- or tab-separated (the delimiter is taken from
  the header row) and UTF-8 (with or without BOM) or Windows-1252.

A table may have as many rows as it may hold records (`MAX_ROWS`: 100 000 participants,
50 000 mentors, ...); a larger one is refused before its records are built.

Unknown sheets (with content), unknown columns and unknown settings keys are errors:
a typo must not silently drop a constraint. Every problem names the file, the sheet,
the row as Excel shows it (header = row 1), the record's id and the column, never
the value in the cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel

from matcher.explain.result import Result
from matcher.io.documents import MAX_FILE_BYTES
from matcher.io.files import OutputError, write_file, write_folder, write_text
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import (
    MAX_LOCKS,
    MAX_MENTORS,
    MAX_MUNICIPALITIES,
    MAX_PARTICIPANTS,
    MAX_VOCABULARY,
    Municipality,
    Participant,
    Scenario,
    unwrap,
)
from matcher.model.scenario import Mentor as _Mentor
from matcher.model.scenario import Pair as _Pair
from matcher.model.validate import validate
from matcher.model.vocabulary import CATEGORIES, CLOSED

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "SHEETS",
    "OutputError",
    "SheetData",
    "Where",
    "load_spreadsheet",
    "neutralise",
    "output_format",
    "read_spreadsheet",
    "scenario_document",
    "write_result",
    "write_scenario",
    "write_template",
]

Kind = Literal["text", "int", "float", "bool", "date", "list", "map"]
Format = Literal["xlsx", "csv", "yaml", "json"]

#: Tables in the order they are written; `notes` sheets are ignored when reading.
SHEETS = ("settings", "municipalities", "mentors", "participants", "pairs", "locks")
IGNORED_SHEETS = ("notes",)
RESULT_SHEETS = ("pairs", "waiting", "municipalities", "metrics")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: Rows a table may have below its header (a larger one is refused before it is read).
MAX_ROWS = {"mentors": MAX_MENTORS, "participants": MAX_PARTICIPANTS,
            "pairs": MAX_PARTICIPANTS, "municipalities": MAX_MUNICIPALITIES,
            "locks": 2 * MAX_LOCKS, "settings": 6 * MAX_VOCABULARY}
TEMPLATE_ROWS = 500
_INTERESTS_PREFIX = "vocabulary.interests."
_TRUE = frozenset({"true", "yes", "1", "ja"})
_FALSE = frozenset({"false", "no", "0", "nei"})
_NAME_LIKE = re.compile(r"[a-z_][a-z0-9_.]{0,60}")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


# --- the columns, derived from the models -------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table (or one key of the settings sheet)."""

    name: str  # header text, e.g. "prefers.mentor_gender"
    path: tuple[str, ...]  # where the value goes in a record, e.g. ("prefers", "mentor_gender")
    kind: Kind
    required: bool = False
    empty_list_is_default: bool = True  # False: an empty list is written as ";"
    choices: tuple[str, ...] = ()  # closed vocabulary (template drop-downs)
    default: Any = None


def _kind(annotation: Any) -> Kind:
    base = unwrap(annotation)
    origin = get_origin(base)
    if origin in (list, tuple):
        return "list"
    if origin is dict:
        return "map"
    if origin is Literal or base is str:
        return "text"
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base is float:
        return "float"
    if base is dt.date:
        return "date"
    raise TypeError(f"no spreadsheet form for {annotation!r}")  # pragma: no cover


def _choices(annotation: Any, name: str) -> tuple[str, ...]:
    base = unwrap(annotation)
    if get_origin(base) in (list, tuple):
        base = unwrap(get_args(base)[0])
    if get_origin(base) is Literal:
        return tuple(str(a) for a in get_args(base))
    if base is bool:
        return ("true", "false")
    if name in CLOSED and base is str:
        return CLOSED[name]
    return ()


def _columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    out: list[Column] = []
    for name, info in model.model_fields.items():
        base = unwrap(info.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            out += _columns(base, (*prefix, name))
            continue
        kind = _kind(info.annotation)
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        out.append(Column(
            name=".".join((*prefix, name)),
            path=(*prefix, name),
            kind=kind,
            required=info.is_required() and not prefix,
            empty_list_is_default=kind != "list" or default == [],
            # vocabulary.* add values: a drop-down of the built-in ones would mislead
            choices=() if prefix == ("vocabulary",) else _choices(info.annotation, name),
            default=default,
        ))
    return out


_LOCK_COLUMNS = [
    Column("kind", ("kind",), "text", True, choices=("require", "forbid")),
    Column("participant", ("participant",), "text", True),
    Column("mentor", ("mentor",), "text", True),
]
#: Columns of each per-record table.
TABLES: dict[str, list[Column]] = {
    "municipalities": _columns(Municipality),
    "mentors": _columns(_Mentor),
    "participants": _columns(Participant),
    "pairs": _columns(_Pair),
    "locks": _LOCK_COLUMNS,
}
_SETTINGS_HEADER = ("key", "value")
_SETTING_FIELDS = [n for n in Scenario.model_fields if n not in TABLES]
#: Keys of the settings sheet (`vocabulary.interests.<tag>` comes on top).
SETTINGS: dict[str, Column] = {
    c.name: c
    for c in _columns(Scenario)
    if c.path[0] in _SETTING_FIELDS and c.kind != "map"
}
_INTEREST_COLUMN = Column("vocabulary.interests", ("vocabulary", "interests"), "text")
_ID_COLUMN = {"municipalities": "id", "mentors": "id", "participants": "id",
              "pairs": "participant", "locks": "participant"}


# --- where a value came from ---------------------------------------------------------


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA (as Excel names columns)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _letter_index(letter: str | None) -> int:
    out = 0
    for char in letter or "":
        out = out * 26 + ord(char) - ord("A") + 1
    return out


@dataclass(frozen=True)
class Where:
    """A place in a workbook: `sheet participants, row 5 (P04), column substances (F)`."""

    place: str  # "sheet participants" or "participants.csv"
    table: str
    row: int | None = None  # as the spreadsheet shows it; the header is row 1
    label: str | None = None  # the record's id
    column: str | None = None
    letter: str | None = None
    item: int | None = None  # 1-based position in a ;-separated list

    def __str__(self) -> str:
        out = self.place
        if self.row is not None:
            out += f", row {self.row}"
            if self.label:
                out += f" ({self.label})"
        if self.column is not None and self.letter:
            out += f", column {self.column} ({self.letter})"
        elif self.column is not None:
            out += f", column {self.column}"
        elif self.letter:
            out += f", column {self.letter}"
        if self.item is not None:
            out += f", item {self.item}"
        return out

    def cell(self) -> tuple[str, int, str]:
        return (self.table, self.row or 0, self.column or self.letter or "")

    def sort_key(self) -> tuple[int, int, int, int]:
        order = SHEETS.index(self.table) if self.table in SHEETS else -1
        return (order, self.row or 0, _letter_index(self.letter), self.item or 0)


@dataclass
class SheetData:
    """A scenario read from a spreadsheet: the plain dict for `matcher.validate`, and
    where each record and column came from so that problems can name cells."""

    source: str
    csv: bool
    data: dict[str, Any] = field(default_factory=dict)
    #: ("mentors", 3) -> row of mentors[3]; ("locks", "require", 0); ("settings", key).
    rows: dict[tuple[Any, ...], Where] = field(default_factory=dict)
    #: table -> column name -> column letter, for the columns present.
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[tuple[Where | None, str]] = field(default_factory=list)

    def place(self, table: str) -> str:
        return f"{table}.csv" if self.csv else f"sheet {table}"

    def cell(self, table: str, index: int, column: str) -> Where | None:
        """Where the value of `column` in record `index` of `table` was read."""
        row = self.rows.get((table, index))
        if row is None:
            return None
        letter = self.columns.get(table, {}).get(column)
        return Where(row.place, table, row.row, row.label, column, letter)

    def add(self, where: Where | None, message: str) -> None:
        self.problems.append((where, message))

    # -- mapping validation problems back to cells --

    def locate(self, problem: Finding) -> tuple[Where | None, str]:
        """A validation problem (with a YAML-style key path) as a place in the sheets."""
        message = problem.message
        tokens = _parse_path(problem.path, self.data)
        if not tokens or not isinstance(tokens[0], str):
            return None, message
        head = tokens[0]
        missing = re.fullmatch(r"missing required key '(.+)'", message)
        if head in ("municipalities", "mentors", "participants", "pairs"):
            if len(tokens) == 1 or not isinstance(tokens[1], int):
                return Where(self.place(head), head), self._with_rows(head, message)
            row = self.rows.get((head, tokens[1]))
            if row is None:
                return None, message
            rest = tokens[2:]
            if missing:
                key = missing.group(1)
                if key not in self.columns.get(head, {}):
                    return Where(row.place, head), f"missing required column '{key}'"
                rest, message = [*rest, key], "required value is empty"
            names = [t for t in rest if isinstance(t, str)]
            items = [t for t in rest if isinstance(t, int)]
            if not names:
                return row, message
            column = ".".join(names)
            letter = self.columns.get(head, {}).get(column)
            item = items[0] + 1 if items else None
            message = message.replace(
                "(extend under vocabulary:)", f"(more values: settings key vocabulary.{column})")
            return Where(row.place, head, row.row, row.label, column, letter, item), message
        if head == "locks":
            if len(tokens) >= 3 and isinstance(tokens[2], int):
                row = self.rows.get(("locks", tokens[1], tokens[2]))
                if row is not None:
                    if len(tokens) >= 4 and tokens[3] in (0, 1):
                        column = ("participant", "mentor")[int(tokens[3])]
                        letter = self.columns.get("locks", {}).get(column)
                        return Where(row.place, "locks", row.row, row.label, column,
                                     letter), message
                    for column in ("participant", "mentor"):
                        if message.startswith(f"unknown {column} "):
                            letter = self.columns.get("locks", {}).get(column)
                            return Where(row.place, "locks", row.row, row.label, column,
                                         letter), message
                    return row, message
            return None, message
        names = [t for t in tokens if isinstance(t, str)]
        items = [t for t in tokens if isinstance(t, int)]
        for end in range(len(names), 0, -1):
            row = self.rows.get(("settings", ".".join(names[:end])))
            if row is not None:
                item = items[0] + 1 if items else None
                return Where(row.place, "settings", row.row, row.label, row.column,
                             row.letter, item), message
        return None, message

    def _with_rows(self, table: str, message: str) -> str:
        """`duplicate id 'M01'` -> `duplicate id 'M01' (rows 3, 7)`."""
        quoted = re.search(r"'([^']*)'", message)
        records = self.data.get(table)
        if not quoted or not isinstance(records, list):
            return message
        key = _ID_COLUMN[table]
        found = [
            self.rows[(table, i)].row
            for i, record in enumerate(records)
            if isinstance(record, dict) and record.get(key) == quoted.group(1)
            and (table, i) in self.rows
        ]
        if len(found) < 2:
            return message
        return f"{message} (rows {', '.join(str(r) for r in found)})"

    def error(self, validation: Sequence[Finding] = ()) -> ScenarioError:
        """The reader's and the validator's problems, located, de-duplicated, in sheet order.
        A cell the reader already complained about gets no second message."""
        bad_cells = {w.cell() for w, _ in self.problems if w is not None and w.row}
        entries: list[tuple[Where | None, str, str]] = [(w, m, "") for w, m in self.problems]
        for problem in validation:
            where, message = self.locate(problem)
            if where is not None and where.row and where.cell() in bad_cells:
                continue
            entries.append((where, message, problem.path))
        seen: set[tuple[str, str]] = set()
        out: list[tuple[tuple[int, int, int, int], Finding]] = []
        for where, message, original in entries:
            path = str(where) if where is not None else original
            if (path, message) in seen:
                continue
            seen.add((path, message))
            key = where.sort_key() if where is not None else (-2, 0, 0, 0)
            out.append((key, Finding(path, message)))
        out.sort(key=lambda pair: pair[0])
        return ScenarioError([p for _, p in out], self.source)


def _parse_path(path: str, data: Any) -> list[str | int]:
    """`participants[3] (P04).substances[1]` -> `['participants', 3, 'substances', 1]`,
    skipping the ` (id)` labels that `format_loc` adds (ids are found in `data`)."""
    tokens: list[str | int] = []
    node = data
    i = 0
    while i < len(path):
        char = path[i]
        if char == "[":
            end = path.find("]", i)
            if end < 0 or not path[i + 1:end].isdigit():
                return []
            index = int(path[i + 1:end])
            tokens.append(index)
            node = node[index] if isinstance(node, list) and 0 <= index < len(node) else None
            i = end + 1
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                label = f" ({node['id']})"
                if path.startswith(label, i):
                    i += len(label)
        elif char == ".":
            i += 1
        else:
            match = re.compile(r"[^.\[]+").match(path, i)
            if match is None:  # pragma: no cover - the pattern matches any other char
                return []
            key = match.group(0)
            tokens.append(key)
            node = node.get(key) if isinstance(node, dict) else None
            i = match.end()
    return tokens


# --- cells to values -----------------------------------------------------------------


class _CellError(ValueError):
    """A cell that cannot be read as its column's type (the message names no value)."""


_MISSING: Any = object()


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _clean(value: object) -> object:
    """Strip text, undo export neutralisation; empty means not given (`_MISSING`)."""
    if value is None:
        return _MISSING
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "'" and text[1:2] and text[1] in FORMULA_TRIGGERS:
            text = text[1:].strip()
        if not text:
            return _MISSING
        if text in _ERROR_CODES:
            raise _CellError("the cell shows an Excel error; enter a value")
        return text
    return value


def convert_cell(value: object, kind: Kind) -> Any:
    """A raw cell (text from CSV; text, number, bool or datetime from xlsx) as the value
    the models want, converted only as far as pydantic cannot do it itself. Returns
    `_MISSING` for an empty cell; raises `_CellError` for a cell that cannot be it."""
    value = _clean(value)
    if value is _MISSING:
        return _MISSING
    if isinstance(value, dt.time | dt.timedelta):
        raise _CellError("expected a value, found a time of day")
    if kind in ("text", "map"):
        return _as_text(value)
    if kind in ("int", "float"):
        if isinstance(value, bool):
            raise _CellError("expected a number, found true/false")
        if isinstance(value, dt.date):
            raise _CellError("expected a number, found a date (check the cell format)")
        if isinstance(value, str) and kind == "float" and _DECIMAL_COMMA.fullmatch(value):
            return value.replace(",", ".")
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        word = _as_text(value).lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise _CellError("expected true/false, yes/no or 1/0")
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str):
            raise _CellError("expected a date (YYYY-MM-DD), found a number")
        dotted = _DOTTED_DATE.fullmatch(value)
        if dotted:
            day, month, year = (int(g) for g in dotted.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise _CellError("not a valid date") from None
        midnight = _MIDNIGHT.fullmatch(value)
        return midnight.group(1) if midnight else value  # pydantic parses or says why not
    # a ;-separated list
    if not isinstance(value, str):
        return [_as_text(value)]
    if "," in value:
        raise _CellError("separate several values with ';', not ','")
    return [item.strip() for item in value.split(";") if item.strip()]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _name_of(value: object) -> str | None:
    """A header or key cell as a lower-case name, or None when it does not look like
    one (then it is not echoed: it may be data in the wrong row)."""
    text = _as_text(value).strip().lower()
    return text if _NAME_LIKE.fullmatch(text) else None


def _put(record: dict[str, Any], path: Sequence[str], value: Any) -> None:
    node = record
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


# --- reading -------------------------------------------------------------------------


@dataclass
class _Raw:
    name: str  # the canonical table name
    rows: list[list[object]]  # row 1 (index 0) is the header
    dead: set[tuple[int, int]] = field(default_factory=set)  # (row, column) formulas w/o value


def _fail(source: str, message: str) -> ScenarioError:
    return ScenarioError([Finding("", message)], source)


def _check_size(path: Path, source: str) -> None:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(source, f"{path.name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _check_rows(name: str, rows: int, place: str, source: str) -> None:
    """Refuse a table with more rows than its records may number (header not counted)."""
    limit = MAX_ROWS[name]
    if rows > limit + 1:
        raise _fail(source, f"{place}: more than {limit} rows below the header; at most "
                            f"{limit} {name} are allowed")


def _read_xlsx(path: Path, sheet: SheetData) -> list[_Raw]:
    import openpyxl

    source = sheet.source
    _check_size(path, source)
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise _fail(source, "not a valid .xlsx workbook (open it in Excel and save it "
                            "as .xlsx)") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise _fail(source, "the workbook is too large once unpacked")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise _fail(source, "cannot read the workbook; is it a valid .xlsx file?") from None
    raws: list[_Raw] = []
    seen: set[str] = set()
    for ws in values.worksheets:
        name = ws.title.strip().lower()
        rows: list[list[object]] = [list(r) for r in ws.iter_rows(values_only=True)]
        filled = sum(1 for row in rows if not all(_blank(v) for v in row))
        empty = filled == 0
        if name in MAX_ROWS:
            _check_rows(name, filled, f"sheet {ws.title}", source)
        if name in IGNORED_SHEETS:
            continue
        if name not in SHEETS:
            if not empty:
                sheet.add(Where(f"sheet {ws.title}", ws.title),
                          f"unknown sheet; expected {', '.join(SHEETS)} (or notes)")
            continue
        if name in seen:
            sheet.add(Where(f"sheet {ws.title}", name), "a second sheet with this name")
            continue
        seen.add(name)
        dead = {
            (c.row, c.column)
            for row in formulas[ws.title].iter_rows()
            for c in row
            if c.data_type == "f" and isinstance(c.row, int) and isinstance(c.column, int)
            and ws.cell(c.row, c.column).value is None
        }
        if not empty:
            raws.append(_Raw(name, rows, dead))
    values.close()
    formulas.close()
    return raws


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv_folder(path: Path, sheet: SheetData) -> list[_Raw]:
    source = sheet.source
    raws: list[_Raw] = []
    seen: set[str] = set()
    for file in sorted(path.iterdir()):
        if not file.is_file() or file.suffix.lower() != ".csv" or file.name.startswith("."):
            continue
        name = file.stem.strip().lower()
        if name in IGNORED_SHEETS:
            continue
        if name not in SHEETS:
            sheet.add(Where(file.name, file.name),
                      f"unknown file; expected {', '.join(s + '.csv' for s in SHEETS)}")
            continue
        if name in seen:
            sheet.add(Where(file.name, name), "a second file for this table")
            continue
        seen.add(name)
        _check_size(file, source)
        try:
            text = _decode(file.read_bytes())
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
            rows: list[list[object]] = [list(r) for r in itertools.islice(
                reader, MAX_ROWS[name] + 2)]
            _check_rows(name, len(rows), file.name, source)
        except (OSError, csv.Error) as error:
            sheet.add(Where(file.name, name), f"cannot read the file: {error}")
            continue
        if any(not _blank(v) for row in rows for v in row):
            raws.append(_Raw(name, [list(r) for r in rows]))
    if not seen and not sheet.problems:
        raise _fail(source, "no scenario tables in this folder; expected "
                            + ", ".join(s + ".csv" for s in SHEETS))
    if not raws and not sheet.problems:
        raise _fail(source, "the CSV files are empty")
    return raws


def _header(raw: _Raw, columns: Mapping[str, Column], sheet: SheetData) -> dict[int, Column]:
    place = sheet.place(raw.name)
    head = raw.rows[0]
    width = max(len(r) for r in raw.rows)
    names = [_name_of(head[c]) if c < len(head) and not _blank(head[c]) else None
             for c in range(width)]
    if not any(n in columns for n in names):
        sheet.add(Where(place, raw.name, 1),
                  f"row 1 must hold the column names ({', '.join(columns)})")
        return {}
    out: dict[int, Column] = {}
    present: dict[str, str] = {}
    for c in range(width):
        letter = column_letter(c + 1)
        if c >= len(head) or _blank(head[c]):
            if any(c < len(r) and not _blank(r[c]) for r in raw.rows[1:]):
                sheet.add(Where(place, raw.name, 1, letter=letter),
                          "values in a column without a name in row 1")
            continue
        name = names[c]
        if name is None or name not in columns:
            what = f"unknown column '{name}'" if name else "unknown column"
            sheet.add(Where(place, raw.name, 1, column=name, letter=letter),
                      f"{what}; expected {', '.join(columns)}")
            continue
        if name in present:
            sheet.add(Where(place, raw.name, 1, column=name, letter=letter),
                      f"column '{name}' appears twice (also column {present[name]})")
            continue
        present[name] = letter
        out[c] = columns[name]
    sheet.columns[raw.name] = present
    for col in columns.values():
        if col.required and col.name not in present:
            sheet.add(Where(place, raw.name), f"missing required column '{col.name}'")
    return out


def _records(raw: _Raw, sheet: SheetData) -> list[tuple[Where, dict[str, Any]]]:
    """The non-empty rows of a table as records, each with the row it came from."""
    place = sheet.place(raw.name)
    header = _header(raw, {c.name: c for c in TABLES[raw.name]}, sheet)
    if not header:
        return []
    id_index = next((c for c, col in header.items() if col.name == _ID_COLUMN[raw.name]), None)
    out: list[tuple[Where, dict[str, Any]]] = []
    for number, values in enumerate(raw.rows[1:], start=2):
        if all(_blank(v) for v in values):
            continue
        label: str | None = None
        if id_index is not None and id_index < len(values):
            try:
                raw_id = convert_cell(values[id_index], "text")
            except _CellError:
                raw_id = _MISSING
            label = None if raw_id is _MISSING else str(raw_id)
        row = Where(place, raw.name, number, label)
        record: dict[str, Any] = {}
        for c, col in header.items():
            cell = Where(place, raw.name, number, label, col.name, column_letter(c + 1))
            if (number, c + 1) in raw.dead:
                sheet.add(cell, "a formula without a saved result; open and save the file in "
                                "Excel, or paste the values")
                continue
            try:
                value = convert_cell(values[c] if c < len(values) else None, col.kind)
            except _CellError as error:
                sheet.add(cell, str(error))
                continue
            if value is not _MISSING:
                _put(record, col.path, value)
        out.append((row, record))
    return out


def _table(raw: _Raw, sheet: SheetData) -> None:
    records = _records(raw, sheet)
    if raw.name == "municipalities" and not records:
        return  # no rows: not given (the municipalities people name), as in the template
    sheet.data[raw.name] = [record for _, record in records]
    for index, (row, _) in enumerate(records):
        sheet.rows[(raw.name, index)] = row


def _locks(raw: _Raw, sheet: SheetData) -> None:
    locks: dict[str, list[list[str]]] = {"require": [], "forbid": []}
    for row, record in _records(raw, sheet):
        letters = sheet.columns.get("locks", {})
        kind = str(record.get("kind", "")).lower()
        if kind not in locks:
            what = "required value is empty" if "kind" not in record else (
                "expected require or forbid")
            sheet.add(Where(row.place, "locks", row.row, row.label, "kind",
                            letters.get("kind")), what)
            continue
        ok = True
        for name in ("participant", "mentor"):
            if name not in record:
                sheet.add(Where(row.place, "locks", row.row, row.label, name,
                                letters.get(name)), "required value is empty")
                ok = False
        if ok:
            sheet.rows[("locks", kind, len(locks[kind]))] = row
            locks[kind].append([record["participant"], record["mentor"]])
    sheet.data["locks"] = locks


def _settings(raw: _Raw, sheet: SheetData) -> None:
    place = sheet.place("settings")
    header = _header(raw, {n: Column(n, (n,), "text", True) for n in _SETTINGS_HEADER}, sheet)
    where_of = {col.name: c for c, col in header.items()}
    if set(where_of) != set(_SETTINGS_HEADER):
        return
    kc, vc = where_of["key"], where_of["value"]
    k_letter, v_letter = column_letter(kc + 1), column_letter(vc + 1)
    seen: dict[str, int] = {}
    for number, values in enumerate(raw.rows[1:], start=2):
        key_cell = values[kc] if kc < len(values) else None
        value_cell = values[vc] if vc < len(values) else None
        key_where = Where(place, "settings", number, None, "key", k_letter)
        if _blank(key_cell):
            if not _blank(value_cell):
                sheet.add(key_where, "a value without a key")
            continue
        text = _as_text(key_cell).strip()
        tag = text[len(_INTERESTS_PREFIX):].strip()
        key = (_INTERESTS_PREFIX + tag if text.lower().startswith(_INTERESTS_PREFIX) and tag
               else _name_of(key_cell))
        if key is None:
            sheet.add(key_where, "not a settings key")
            continue
        if key.startswith(_INTERESTS_PREFIX):
            col = _INTEREST_COLUMN
            path: tuple[str, ...] = ("vocabulary", "interests", tag)
        elif key in SETTINGS:
            col = SETTINGS[key]
            path = col.path
        else:
            hint = "; write one row per tag: vocabulary.interests.TAG" if (
                key == "vocabulary.interests") else ""
            sheet.add(Where(place, "settings", number, key, "key", k_letter),
                      f"unknown settings key{hint}")
            continue
        where = Where(place, "settings", number, key, "value", v_letter)
        if key in seen:
            sheet.add(where, f"key repeated (first in row {seen[key]})")
            continue
        seen[key] = number
        sheet.rows[("settings", key)] = where
        if (number, vc + 1) in raw.dead:
            sheet.add(where, "a formula without a saved result; open and save the file in "
                             "Excel, or paste the values")
            continue
        try:
            value = convert_cell(value_cell, col.kind)
        except _CellError as error:
            sheet.add(where, str(error))
            continue
        if value is _MISSING:
            if col is not _INTEREST_COLUMN:
                continue  # not given: the default
            value = None  # a tag without a category
        _put(sheet.data, path, value)


def read_spreadsheet(path: str | Path) -> SheetData:
    """Read a workbook or a folder of CSV files into a plain scenario dict, remembering
    where each record came from. Problems of the reader are in `.problems`."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise _fail(source, "no such file or folder")
    suffix = path.suffix.lower()
    csv_mode = path.is_dir()
    sheet = SheetData(source, csv_mode)
    if csv_mode:
        raws = _read_csv_folder(path, sheet)
    elif suffix in SPREADSHEET_SUFFIXES:
        raws = _read_xlsx(path, sheet)
        if not raws and not sheet.problems:
            raise _fail(source, "no scenario sheets in this workbook; expected "
                                + ", ".join(SHEETS))
    elif suffix == ".csv":
        raise _fail(source, "one CSV file holds one table; give the folder that holds "
                            "mentors.csv, participants.csv, ...")
    elif suffix in (".xls", ".ods", ".numbers"):
        raise _fail(source, f"'{suffix}' files are not read; save the workbook as .xlsx")
    else:
        raise _fail(source, f"unsupported file type '{suffix}'; use .xlsx or a folder of "
                            "CSV files")
    for raw in sorted(raws, key=lambda r: SHEETS.index(r.name)):
        if raw.name == "settings":
            _settings(raw, sheet)
        elif raw.name == "locks":
            _locks(raw, sheet)
        else:
            _table(raw, sheet)
    return sheet


def load_spreadsheet(path: str | Path) -> Scenario:
    """Load and validate a scenario from an .xlsx workbook or a folder of CSV files;
    raises `ScenarioError` naming sheet, row and column of every problem."""
    sheet = read_spreadsheet(path)
    try:
        scenario = validate(sheet.data, sheet.source)
    except ScenarioError as error:
        raise sheet.error(error.problems) from None
    if sheet.problems:
        raise sheet.error()
    return scenario


# --- values to cells -----------------------------------------------------------------


def neutralise(text: str) -> str:
    """Prefix `'` to a text a spreadsheet would run as a formula (CSV/formula injection)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _out(value: Any, col: Column | None, csv_mode: bool) -> Any:
    """A model value as a cell: lists `;`-joined, dates as dates (xlsx) or ISO text."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        if not value:
            return None if col is None or col.empty_list_is_default else ";"
        value = "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return ("true" if value else "false") if csv_mode else value
    if isinstance(value, dt.date):
        return value.isoformat() if csv_mode else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # 2 rather than 2.0; the models read it back as 2.0
    if isinstance(value, int | float):
        return str(value) if csv_mode else value
    return neutralise(str(value))


def _get(record: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = record
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


Table = tuple[list[str], list[list[Any]]]


def scenario_tables(scenario: Scenario, csv_mode: bool = False) -> dict[str, Table]:
    """The scenario as tables (header, rows of cell values), in sheet order."""
    dump = scenario.model_dump(mode="python")
    tables: dict[str, Table] = {}
    settings: list[list[Any]] = []
    for key, col in SETTINGS.items():
        settings.append([key, _out(_get(dump, col.path), col, csv_mode)])
    for tag, category in scenario.vocabulary.interests.items():
        settings.append([neutralise(_INTERESTS_PREFIX + tag), _out(category, None, csv_mode)])
    tables["settings"] = (list(_SETTINGS_HEADER), settings)
    for name in ("municipalities", "mentors", "participants", "pairs"):
        if name == "municipalities" and scenario.municipalities is None:
            continue
        columns = TABLES[name]
        rows = [[_out(_get(record, c.path), c, csv_mode) for c in columns]
                for record in dump[name]]
        tables[name] = ([c.name for c in columns], rows)
    locks = [[_out(kind, None, csv_mode), _out(p, None, csv_mode), _out(m, None, csv_mode)]
             for kind in ("require", "forbid") for p, m in getattr(scenario.locks, kind)]
    tables["locks"] = ([c.name for c in _LOCK_COLUMNS], locks)
    return tables


def _tidy(value: Any) -> Any:
    """Whole floats as ints (`recovery_years: 9`, not `9.0`), recursively."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    return value


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a YAML/JSON document: defaults left out, name and date kept."""
    dump = scenario.model_dump(mode="json", exclude_defaults=True)
    full = scenario.model_dump(mode="json")
    out: dict[str, Any] = {}
    for key in Scenario.model_fields:
        if key in ("name", "date"):
            out[key] = full[key]
        elif key in dump:
            out[key] = _tidy(dump[key])
    return out


def result_tables(result: Result, csv_mode: bool = False) -> dict[str, Table]:
    """The result as tables: pairs, waiting, municipalities, metrics."""
    sep = "; " if csv_mode else "\n"
    pairs = [
        [p.participant, p.mentor, "kept" if p.existing else "new", p.score,
         sep.join(p.reasons),
         sep.join(f"{a.mentor} (score {a.score:.2f}): {a.summary}" for a in p.alternatives)]
        for p in result.pairs
    ]
    waiting = [[w.participant, sep.join(w.reasons), sep.join(w.would_match_if)]
               for w in result.unmatched]
    muni_fields = list(type(next(iter(result.municipalities.values()))).model_fields) if (
        result.municipalities) else []
    municipalities = [
        [mid, *(getattr(row, f) for f in muni_fields)]
        for mid, row in result.municipalities.items()
    ]
    metrics: list[list[Any]] = []

    def flat(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                flat(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            metrics.append([prefix, sep.join(str(v) for v in value)])
        else:
            metrics.append([prefix, value])

    dump = result.to_dict()
    for key in ("scenario", "solver", "status", "elapsed_s"):
        flat(key, dump[key])
    for key, value in dump.items():
        if key not in ("scenario", "solver", "status", "elapsed_s", "pairs", "unmatched",
                       "municipalities"):
            flat(key, value)
    tables: dict[str, Table] = {
        "pairs": (["participant", "mentor", "kind", "score", "reasons", "alternatives"], pairs),
        "waiting": (["participant", "reasons", "would_match_if"], waiting),
        "municipalities": (["municipality", *muni_fields], municipalities),
        "metrics": (["key", "value"], metrics),
    }
    return {name: (header, [[_out(v, None, csv_mode) for v in row] for row in rows])
            for name, (header, rows) in tables.items()}


# --- writing files -------------------------------------------------------------------


def output_format(path: Path) -> Format:
    """The format a path asks for: .xlsx, .yaml/.yml, .json, or a folder (no suffix, or an
    existing folder) of CSV files."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    if path.is_dir() or not suffix:
        return "csv"
    if suffix == ".csv":
        raise OutputError(f"{path}: several tables go to a folder of CSV files; give a folder "
                          "name without .csv")
    raise OutputError(f"{path}: unsupported output type '{suffix}'; use .xlsx, .yaml, .json "
                      "or a folder name")


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def _workbook(tables: Mapping[str, Table], wrap: Iterable[str] = ()) -> Workbook:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    wrapped = set(wrap)
    for name, (header, rows) in tables.items():
        ws = wb.create_sheet(name)
        ws.append([neutralise(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        widths = [len(h) for h in header]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                    text = "2026-01-01"
                else:
                    text = "" if cell.value is None else str(cell.value)
                col = cell.column - 1 if isinstance(cell.column, int) else 0
                longest = max((len(line) for line in text.split("\n")), default=0)
                widths[col] = max(widths[col], min(longest, 60))
                if f"{name}.{header[col]}" in wrapped:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[column_letter(index)].width = width + 2
        ws.freeze_panes = "A2"
    return wb


def write_scenario(scenario_or_data: Scenario | Mapping[str, Any], path: str | Path, *,
                   protect: str | Path | None = None) -> None:
    """Write a scenario as .xlsx, .yaml/.yml, .json or a folder of CSV files (chosen by
    `path`), atomically. A dict is validated first. `protect` (the input) is never
    overwritten. Reading the output back gives an equal `Scenario`."""
    path = Path(path)
    guard = Path(protect) if protect is not None else None
    scenario = (scenario_or_data if isinstance(scenario_or_data, Scenario)
                else validate(dict(scenario_or_data)))
    fmt = output_format(path)
    if fmt == "yaml":
        text = yaml.safe_dump(scenario_document(scenario), allow_unicode=True,
                              sort_keys=False, default_flow_style=None, width=100)
        write_text(path, text, guard)
    elif fmt == "json":
        text = json.dumps(scenario_document(scenario), indent=2, ensure_ascii=False) + "\n"
        write_text(path, text, guard)
    elif fmt == "xlsx":
        wb = _workbook(scenario_tables(scenario))
        write_file(path, wb.save, guard)
    else:
        files = {f"{name}.csv": _csv_text(*table)
                 for name, table in scenario_tables(scenario, csv_mode=True).items()}
        write_folder(path, files, guard, SHEETS)


def write_result(result: Result, path: str | Path, *, fmt: Literal["xlsx", "csv"] | None = None,
                 protect: str | Path | None = None) -> None:
    """Export a result as .xlsx (sheets pairs, waiting, municipalities, metrics) or as a
    folder of CSV files with the same names, atomically; texts that a spreadsheet would
    run as formulas are neutralised."""
    path = Path(path)
    guard = Path(protect) if protect is not None else None
    if fmt is None:
        found = output_format(path)
        if found not in ("xlsx", "csv"):
            raise OutputError(f"{path}: a result goes to .xlsx or a folder of CSV files")
        fmt = found
    if fmt == "xlsx":
        if path.suffix.lower() != ".xlsx":
            raise OutputError(f"{path}: use a file name ending in .xlsx")
        wb = _workbook(result_tables(result), wrap=(
            "pairs.reasons", "pairs.alternatives", "waiting.reasons",
            "waiting.would_match_if"))
        write_file(path, wb.save, guard)
    else:
        if path.suffix.lower() == ".csv" or (path.suffix and not path.is_dir()):
            raise OutputError(f"{path}: the CSV files go to a folder; give a folder name "
                              "without a suffix")
        files = {f"{name}.csv": _csv_text(*table)
                 for name, table in result_tables(result, csv_mode=True).items()}
        write_folder(path, files, guard, RESULT_SHEETS)


# --- the template --------------------------------------------------------------------

_HELP: dict[str, str] = {
    "municipalities.id": "Short id of the municipality (e.g. stavanger); people refer to it.",
    "municipalities.name": "Name shown in reports (optional).",
    "municipalities.partner": "Partner municipality: its participants come first.",
    "municipalities.min": "Floor: at least this many active participants after the round.",
    "municipalities.max": "Ceiling: at most this many active participants after the round.",
    "municipalities.share": "Share of the places (e.g. 0.6) for fairness: proportional.",
    "id": "Pseudonymous id (e.g. M01, P01); never a name.",
    "gender": "Gender.",
    "age": "Age in years (16-120).",
    "municipality": "Id of the municipality the person lives in (sheet municipalities).",
    "mentors.serves": "Municipality ids the mentor can take participants from; "
                      "empty = all of them.",
    "mentors.capacity": "Max participants for this mentor; empty = program.mentor_capacity.",
    "recovery_years": "Years in recovery (drug-free).",
    "trained": "Has completed the mentor course; empty = true.",
    "active": "Available this round (false = on leave); empty = true.",
    "substances": "Drug history.",
    "interests": "Free tags, e.g. hiking; music; football.",
    "strengths": "What the mentor can help with.",
    "availability": "When the person can meet.",
    "languages": "Language codes, e.g. no; en.",
    "consent": "Recorded consent; false = never matched or scored.",
    "referred": "Date of referral (YYYY-MM-DD); empty = the round's date.",
    "discharge": "Planned discharge from treatment (YYYY-MM-DD), optional.",
    "goals": "The participant's goals for the follow-up.",
    "priority": "Priority tags.",
    "prefers.mentor_gender": "Wish for the mentor's gender (hard); any lifts the "
                             "same-gender rule.",
    "prefers.max_age_gap": "Max age difference to the mentor in years (hard).",
    "exclude_mentors": "Mentor ids never to propose (e.g. known from the drug scene).",
    "pairs.participant": "Participant id of an active pair.",
    "pairs.mentor": "Mentor id of an active pair.",
    "since": "Date the pair started (YYYY-MM-DD).",
    "release": "true = end this pair and match the participant again.",
    "locks.kind": "require = always propose this pair; forbid = never.",
    "locks.participant": "Participant id.",
    "locks.mentor": "Mentor id.",
    "name": "Name of the round, shown in reports.",
    "date": "Date of the round (YYYY-MM-DD); waiting time is counted to it. Empty = today.",
    "program.capacity": "Max active participants (existing pairs count); empty = no cap.",
    "program.mentor_capacity": "Default max participants per mentor.",
    "program.position_per_participant": "Share of a full-time post per participant.",
    "program.position_budget": "Max total mentor posts; empty = no budget.",
    "policy.objective": "Criteria, most important first.",
    "policy.fairness": "How places are split between municipalities.",
    "policy.same_gender": "Same-gender rule.",
    "policy.min_recovery_years": "Years in recovery a mentor needs.",
    "policy.max_age_gap": "Hard limit on the age difference; empty = none.",
    "policy.weights": "Relative weight of this criterion in the compatibility score.",
    "vocabulary": "Extra values allowed in this column besides the built-in ones.",
    "vocabulary.interests.TAG": "Add rows vocabulary.interests.TAG with the tag's "
                                "category (" + ", ".join(CATEGORIES) + ") or empty.",
}


def _help(table: str, col: Column) -> str:
    text = (_HELP.get(f"{table}.{col.name}") or _HELP.get(col.name)
            or _HELP.get(".".join(col.path[:2])) or _HELP.get(col.path[0]) or col.name)
    if col.choices and col.kind == "list":
        text += " Values: " + ", ".join(col.choices) + "; several separated by ;"
    elif col.kind == "list":
        text += " Several values separated by ;"
    elif col.choices:
        text += " One of: " + ", ".join(col.choices) + "."
    if col.required:
        text += " Required."
    return text


def _template_value(col: Column) -> Any:
    if col.name in ("name", "date"):
        return None
    return _out(col.default, col, csv_mode=False)


_REFERENCES = {
    "municipality": "municipalities", "serves": "municipalities",
    "exclude_mentors": "mentors", "mentor": "mentors", "participant": "participants",
}


def _validation(ws: Worksheet, table: str, col: Column, letter: str,
                tables: Mapping[str, list[Column]]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    area = f"{letter}2:{letter}{TEMPLATE_ROWS}"
    prompt = _help(table, col)[:250]
    title = col.name[:32]
    target = _REFERENCES.get(col.name)
    dv: DataValidation | None = None
    if col.choices:
        single = col.kind != "list"
        dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"',
                            allow_blank=True, showErrorMessage=single,
                            errorStyle="warning" if col.kind == "bool" else "stop",
                            error="Choose a value from the list.", errorTitle=title)
    elif target is not None and table != target:
        id_letter = column_letter([c.name for c in tables[target]].index("id") + 1)
        dv = DataValidation(type="list",
                            formula1=f"{target}!${id_letter}$2:${id_letter}${TEMPLATE_ROWS}",
                            allow_blank=True, showErrorMessage=col.kind != "list",
                            errorStyle="warning",
                            error=f"Not an id from the sheet {target}.", errorTitle=title)
    elif col.kind in ("int", "float"):
        low, high = ("16", "120") if col.name == "age" else ("0", None)
        dv = DataValidation(type="whole" if col.kind == "int" else "decimal",
                            operator="between" if high else "greaterThanOrEqual",
                            formula1=low, formula2=high, allow_blank=True,
                            showErrorMessage=True, errorTitle=title,
                            error="Enter a number" + (f" from {low} to {high}." if high
                                                      else f" of at least {low}."))
    elif col.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1",
                            allow_blank=True, showErrorMessage=True, errorTitle=title,
                            error="Enter a date (YYYY-MM-DD).")
    if dv is None:
        dv = DataValidation(allow_blank=True)
    dv.showInputMessage = True
    dv.promptTitle = title
    dv.prompt = prompt
    ws.add_data_validation(dv)
    dv.add(area)


def template_workbook() -> Workbook:
    """An empty scenario workbook: headers with comments, drop-downs for every closed
    vocabulary, a settings sheet with the keys and their defaults, and a notes sheet."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    settings = [[key, _template_value(col)] for key, col in SETTINGS.items()]
    tables: dict[str, Table] = {"settings": (list(_SETTINGS_HEADER), settings)}
    for name in ("municipalities", "mentors", "participants", "pairs", "locks"):
        tables[name] = ([c.name for c in TABLES[name]], [])
    wb = _workbook(tables)
    for name in ("municipalities", "mentors", "participants", "pairs", "locks"):
        ws = wb[name]
        for index, col in enumerate(TABLES[name], start=1):
            letter = column_letter(index)
            ws[f"{letter}1"].comment = Comment(_help(name, col), "likematch", 120, 260)
            ws.column_dimensions[letter].width = max(len(col.name) + 4, 14)
            _validation(ws, name, col, letter, TABLES)
    ws = wb["settings"]
    for row, (key, col) in enumerate(SETTINGS.items(), start=2):
        ws[f"A{row}"].comment = Comment(_help("settings", col), "likematch", 120, 260)
        if col.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"',
                                allow_blank=True, showErrorMessage=col.kind != "list",
                                showInputMessage=True, promptTitle=key[:32],
                                prompt=_help("settings", col)[:250])
            ws.add_data_validation(dv)
            dv.add(f"B{row}")
        if col.kind == "date":
            ws[f"B{row}"].number_format = "yyyy-mm-dd"
    ws.column_dimensions["B"].width = 40

    notes = wb.create_sheet("notes", 0)
    lines = [
        ["likematch scenario workbook"],
        ["Row 1 of each sheet holds the column names; do not rename them. One row per "
         "record; empty rows are skipped."],
        ["An empty cell means 'not given': the default applies. Several values in one cell "
         "are separated by ; (e.g. alcohol; opioids)."],
        ["true/false columns also accept yes/no and 1/0. Dates: YYYY-MM-DD."],
        ["Use pseudonymous ids (M01, P01), never names. Sheets other than these are an "
         "error; this notes sheet is ignored."],
        [],
        ["sheet", "column", "meaning"],
    ]
    lines += [["settings", key, _help("settings", col)] for key, col in SETTINGS.items()]
    lines.append(["settings", "vocabulary.interests.TAG", _HELP["vocabulary.interests.TAG"]])
    for name in ("municipalities", "mentors", "participants", "pairs", "locks"):
        lines += [[name, col.name, _help(name, col)] for col in TABLES[name]]
    for line in lines:
        notes.append(line)
    notes["A1"].font = Font(bold=True, size=14)
    for cell in notes[7]:
        cell.font = Font(bold=True)
    for row in notes.iter_rows(min_row=8):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 34
    notes.column_dimensions["C"].width = 90
    return wb


def write_template(path: str | Path, *, protect: str | Path | None = None) -> None:
    """Write the empty scenario workbook (see `template_workbook`) to an .xlsx path."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path}: the template is a workbook; use a name ending in .xlsx")
    wb = template_workbook()
    write_file(path, wb.save, Path(protect) if protect is not None else None)
