"""Where each value of a scenario spreadsheet was read, so that every problem names the
file, the sheet, the row as Excel shows it, the record's id and the column (never the
value in the cell), and validation problems mapped back from key paths to those places."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matcher.io.sheets.columns import ID_COLUMN, SHEETS, letter_index
from matcher.io.sheets.names import header, sheet_place
from matcher.model.checks import EXTEND
from matcher.model.errors import Finding, Loc, ScenarioError
from matcher.model.ids import id_key
from matcher.text.language import gettext as _

_RECORD_TABLES = ("municipalities", "mentors", "participants", "pairs", "history")
_QUOTED = re.compile(r"'([^']*)'")


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
            out += ", " + _("row {row}").format(row=self.row)
            if self.label:
                out += f" ({self.label})"
        column = self.column if self.column is None else header(self.column)
        if column is not None and self.letter:
            out += ", " + _("column {column}").format(column=f"{column} ({self.letter})")
        elif column is not None or self.letter:
            out += ", " + _("column {column}").format(column=column or self.letter)
        if self.item is not None:
            out += ", " + _("item {item}").format(item=self.item)
        return out

    def cell(self) -> tuple[str, int, str]:
        """The cell this names, to tell whether a cell already has a problem."""
        return (self.table, self.row or 0, self.column or self.letter or "")

    def sort_key(self) -> tuple[int, int, int, int]:
        """Problems sort in sheet order, then by row, column and list item."""
        order = SHEETS.index(self.table) if self.table in SHEETS else -1
        return (order, self.row or 0, letter_index(self.letter), self.item or 0)


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
        """How messages name a table: `sheet mentors` or `mentors.csv`."""
        return f"{table}.csv" if self.csv else sheet_place(table)

    def cell(self, table: str, index: int, column: str) -> Where | None:
        """Where the value of `column` in record `index` of `table` was read."""
        row = self.rows.get((table, index))
        if row is None:
            return None
        letter = self.columns.get(table, {}).get(column)
        return Where(row.place, table, row.row, row.label, column, letter)

    def add(self, where: Where | None, message: str) -> None:
        """A problem the reader found (None: not in one table)."""
        self.problems.append((where, message))

    # -- mapping validation problems back to cells --

    def locate(self, problem: Finding) -> tuple[Where | None, str]:
        """A validation problem (at a key path of the scenario) as a place in the sheets,
        with its message worded for a spreadsheet where that differs."""
        loc, message = problem.loc, problem.message
        if not loc or not isinstance(loc[0], str):
            return None, message
        if loc[0] in _RECORD_TABLES:
            return self._locate_record(loc[0], loc[1:], problem)
        if loc[0] == "locks":
            return self._locate_lock(loc[1:], problem)
        return self._locate_setting(loc, message)

    def _locate_record(self, table: str, rest: Loc, problem: Finding) -> tuple[Where | None, str]:
        """`participants[3].substances[1]` -> the row of that record, column and item."""
        message = problem.message
        if not rest or not isinstance(rest[0], int):
            return Where(self.place(table), table), self._with_rows(table, message)
        row = self.rows.get((table, rest[0]))
        if row is None:
            return None, message
        rest = rest[1:]
        if problem.kind == "missing":
            key = problem.key
            if key not in self.columns.get(table, {}):
                missing = _("missing required column '{column}'").format(column=key)
                return Where(row.place, table), missing
            rest, message = (*rest, key), _("required value is empty")
        names = [t for t in rest if isinstance(t, str)]
        items = [t for t in rest if isinstance(t, int)]
        if not names:
            return row, message
        column = ".".join(names)
        letter = self.columns.get(table, {}).get(column)
        item = items[0] + 1 if items else None
        if problem.kind == "vocabulary":
            more = _("(more values: settings key vocabulary.{column})").format(column=column)
            message = message.replace(_(EXTEND), more)
        return Where(row.place, table, row.row, row.label, column, letter, item), message

    def _locate_lock(self, rest: Loc, problem: Finding) -> tuple[Where | None, str]:
        """`locks.require[0][1]` -> the lock's row, column mentor (or as the problem says)."""
        message = problem.message
        if len(rest) < 2 or not isinstance(rest[1], int):
            return None, message
        row = self.rows.get(("locks", rest[0], rest[1]))
        if row is None:
            return None, message
        letters = self.columns.get("locks", {})
        if len(rest) >= 3 and rest[2] in (0, 1):
            column = ("participant", "mentor")[int(rest[2])]
            return Where(
                row.place, "locks", row.row, row.label, column, letters.get(column)
            ), message
        for column in ("participant", "mentor"):
            if problem.kind == f"unknown_{column}":
                return Where(
                    row.place, "locks", row.row, row.label, column, letters.get(column)
                ), message
        return row, message

    def _locate_setting(self, loc: Loc, message: str) -> tuple[Where | None, str]:
        """`policy.weights.age` -> the settings row of the longest key the path starts with."""
        names = [t for t in loc if isinstance(t, str)]
        items = [t for t in loc if isinstance(t, int)]
        for end in range(len(names), 0, -1):
            row = self.rows.get(("settings", ".".join(names[:end])))
            if row is not None:
                item = items[0] + 1 if items else None
                return Where(
                    row.place, "settings", row.row, row.label, row.column, row.letter, item
                ), message
        return None, message

    def _with_rows(self, table: str, message: str) -> str:
        """`duplicate id 'M01'` -> `duplicate id 'M01' (rows 3, 7)`."""
        quoted = _QUOTED.search(message)
        records = self.data.get(table)
        if not quoted or not isinstance(records, list):
            return message
        key = ID_COLUMN[table]
        found = [
            self.rows[(table, i)].row
            for i, record in enumerate(records)
            if isinstance(record, dict)
            and isinstance(record.get(key), str)
            and id_key(record[key]) == id_key(quoted.group(1))
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
