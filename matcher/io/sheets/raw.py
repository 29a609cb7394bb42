"""The rows of each table as stored: the sheets of an .xlsx workbook or the CSV files of
a folder, before any cell is converted. Size limits refuse a large or hostile file
before its records are built; unknown and repeated tables are reported, not read."""

from __future__ import annotations

import csv
import io
import itertools
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from matcher.io.documents import MAX_FILE_BYTES
from matcher.io.sheets.cells import blank
from matcher.io.sheets.columns import IGNORED_SHEETS, MAX_ROWS, SHEETS
from matcher.io.sheets.places import SheetData, Where
from matcher.model.errors import Finding, ScenarioError

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


@dataclass
class RawTable:
    """One table as stored: the canonical table name and its rows of raw cells."""

    name: str
    rows: list[list[object]]  # row 1 (index 0) is the header
    dead: set[tuple[int, int]] = field(default_factory=set)  # (row, column) formulas w/o value


def file_problem(source: str, message: str) -> ScenarioError:
    """A problem with the file as a whole, which stops reading it."""
    return ScenarioError([Finding("", message)], source)


def _check_size(path: Path, source: str) -> None:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise file_problem(source, f"{path.name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _check_rows(name: str, rows: int, place: str, source: str) -> None:
    """Refuse a table with more rows than its records may number (header not counted)."""
    limit = MAX_ROWS[name]
    if rows > limit + 1:
        raise file_problem(
            source,
            f"{place}: more than {limit} rows below the header; at most {limit} {name} are allowed",
        )


def read_xlsx(path: Path, sheet: SheetData) -> list[RawTable]:
    """The scenario sheets of a workbook with content; problems go to `sheet`."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    import openpyxl

    source = sheet.source
    _check_size(path, source)
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise file_problem(
            source, "not a valid .xlsx workbook (open it in Excel and save it as .xlsx)"
        ) from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise file_problem(source, "the workbook is too large once unpacked")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise file_problem(source, "cannot read the workbook; is it a valid .xlsx file?") from None
    raws: list[RawTable] = []
    seen: set[str] = set()
    for ws in values.worksheets:
        name = ws.title.strip().lower()
        rows: list[list[object]] = [list(r) for r in ws.iter_rows(values_only=True)]
        filled = sum(1 for row in rows if not all(blank(v) for v in row))
        empty = filled == 0
        if name in MAX_ROWS:
            _check_rows(name, filled, f"sheet {ws.title}", source)
        if name in IGNORED_SHEETS:
            continue
        if name not in SHEETS:
            if not empty:
                sheet.add(
                    Where(f"sheet {ws.title}", ws.title),
                    f"unknown sheet; expected {', '.join(SHEETS)} (or notes)",
                )
            continue
        if name in seen:
            sheet.add(Where(f"sheet {ws.title}", name), "a second sheet with this name")
            continue
        seen.add(name)
        dead = {
            (c.row, c.column)
            for row in formulas[ws.title].iter_rows()
            for c in row
            if c.data_type == "f"
            and isinstance(c.row, int)
            and isinstance(c.column, int)
            and ws.cell(c.row, c.column).value is None
        }
        if not empty:
            raws.append(RawTable(name, rows, dead))
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


def read_csv_folder(path: Path, sheet: SheetData) -> list[RawTable]:
    """The scenario tables of a folder of CSV files with content (any of `,;` or tab,
    UTF-8 or Windows-1252); problems go to `sheet`."""
    source = sheet.source
    raws: list[RawTable] = []
    seen: set[str] = set()
    for file in sorted(path.iterdir()):
        if not file.is_file() or file.suffix.lower() != ".csv" or file.name.startswith("."):
            continue
        name = file.stem.strip().lower()
        if name in IGNORED_SHEETS:
            continue
        if name not in SHEETS:
            sheet.add(
                Where(file.name, file.name),
                f"unknown file; expected {', '.join(s + '.csv' for s in SHEETS)}",
            )
            continue
        if name in seen:
            sheet.add(Where(file.name, name), "a second file for this table")
            continue
        seen.add(name)
        _check_size(file, source)
        try:
            text = _decode(file.read_bytes())
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
            rows: list[list[object]] = [
                list(r) for r in itertools.islice(reader, MAX_ROWS[name] + 2)
            ]
            _check_rows(name, len(rows), file.name, source)
        except (OSError, csv.Error) as error:
            sheet.add(Where(file.name, name), f"cannot read the file: {error}")
            continue
        if any(not blank(v) for row in rows for v in row):
            raws.append(RawTable(name, [list(r) for r in rows]))
    if not seen and not sheet.problems:
        raise file_problem(
            source,
            "no scenario tables in this folder; expected " + ", ".join(s + ".csv" for s in SHEETS),
        )
    if not raws and not sheet.problems:
        raise file_problem(source, "the CSV files are empty")
    return raws
