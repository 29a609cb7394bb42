"""The rows of each table as stored: the sheets of an .xlsx workbook or the CSV files of
a folder, before any cell is converted. Size limits refuse a large or hostile file
before its records are built; unknown and repeated tables are reported, not read.

A workbook costs what its cells cost, never what it claims: the zip directory is checked
against per-part limits before anything is unpacked, and each sheet is streamed cell by
cell, so that a sheet that claims (`<dimension>`) or uses a far corner is refused at
the first value out of place instead of being laid out in memory."""

from __future__ import annotations

import io
import posixpath
import warnings
import zipfile
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, TYPE_CHECKING, cast

from matcher.io.documents import MAX_FILE_BYTES
from matcher.io.sheets.cells import blank
from matcher.io.sheets.columns import (
    IGNORED_SHEETS,
    MAX_ROWS,
    SETTINGS_HEADER,
    SHEETS,
    TABLES,
    column_letter,
    misspelt_table,
)
from matcher.io.sheets.names import sheet_key, sheet_place, sheet_title
from matcher.io.sheets.places import SheetData, Where
from matcher.model.errors import Finding, ScenarioError
from matcher.text.language import gettext as _

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from openpyxl.reader.excel import ExcelReader

_MB = 1024 * 1024
# Limits on a workbook's parts, checked in the zip directory before anything is unpacked
# (zipfile stops a part at its declared size, so a part cannot pass by understating it).
# They come from the largest realistic workbook: 100,000 participants and 50,000 mentors
# as benchmarks.generator draws them. Its participants sheet takes 68 MB as openpyxl
# writes it (inline strings) and 46 MB as Excel saves it (shared strings: 5.1 MB for
# 185,000 distinct texts); all its parts take 106 MB, its styles 3 kB. The sheet and
# text limits leave two to three times that; the total is below the sum of the limits.
#: A worksheet, or any part not named below.
MAX_SHEET_BYTES = 128 * _MB
#: The shared strings: every distinct text of the workbook, read whole before any sheet.
MAX_STRINGS_BYTES = 16 * _MB
#: The styles: a real workbook's take kilobytes.
MAX_STYLES_BYTES = 1 * _MB
#: The content types, the workbook part and its relationships: kilobytes, too.
MAX_INDEX_BYTES = 1 * _MB
#: XML elements of each part read whole (the styles and the index parts above): openpyxl
#: builds an object for each, at about 13 us and 0.6 kB, so that this bounds their cost
#: to well under a second. A real workbook's hold hundreds, thousands with many formats.
MAX_WHOLE_ELEMENTS = 50_000
#: XML elements of the shared strings (two for each plain text): openpyxl reads them
#: whole at about 3 us each, so that this bounds their cost to about 2 s; the largest
#: realistic workbook's 185,000 texts take 370,000.
MAX_STRING_ELEMENTS = 600_000
#: Empty cells and rows stored outside a table (below its last row or right of
#: `MAX_COLUMNS`): formatting can leave a few, a file made to be slow leaves millions.
MAX_STRAY = 10_000
#: All parts together.
MAX_UNZIPPED_BYTES = 192 * _MB
#: Entries of the zip: a workbook has a few per sheet, image or chart.
MAX_PARTS = 1000
#: Columns a sheet may use: twice the widest table, so that a stray column is still
#: named; a value right of them is refused.
MAX_COLUMNS = 2 * max(len(columns) for columns in TABLES.values())
#: XML elements a sheet may hold besides those its table may need (formats, views,
#: formatted empty cells); the sheets that are no table share this many in all.
SPARE_ELEMENTS = 200_000
#: Nesting of a sheet's XML and elements in one cell: far above what any program writes.
_MAX_NESTING = 64
_MAX_CELL_PARTS = 10_000
_INDEX_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
_TEXTS = "its shared strings (the texts of its cells) take"
_INDEX = "its index (content types, workbook part and its relationships) takes"
_INDEX_ENTRIES = (
    "the workbook's index (content types, workbook part and its relationships) holds more "
    f"than {MAX_WHOLE_ELEMENTS:,} entries; is it a valid .xlsx file?"
)
_STYLE_ENTRIES = (
    f"the workbook's styles hold more than {MAX_WHOLE_ELEMENTS:,} entries (cell formats, "
    "fonts and the like); copy its tables into a new workbook"
)
_STRING_ENTRIES = (
    f"the workbook's shared strings hold more than {MAX_STRING_ELEMENTS // 2:,} texts, far "
    "more than a programme's people have; copy its tables into a new workbook"
)
_NOT_XLSX = "not a valid .xlsx workbook (open it in Excel and save it as .xlsx)"
_CANNOT = "cannot read the workbook; is it a valid .xlsx file?"


@dataclass
class RawTable:
    """One table as stored: the canonical table name and its rows of raw cells."""

    name: str
    rows: list[list[object]]  # row 1 (index 0) is the header
    dead: set[tuple[int, int]] = field(default_factory=set)  # (row, column) formulas w/o value


def file_problem(source: str, message: str) -> ScenarioError:
    """A problem with the file as a whole, which stops reading it."""
    return ScenarioError([Finding("", message)], source)


def check_size(file: Path | int, source: str, name: str = "") -> None:
    """Refuse a file larger than any input may be before it is opened: a path by its
    size on disk, bytes in memory (an upload, an entry of a zip) by their count, which
    `name` then names in the message."""
    size = file.stat().st_size if isinstance(file, Path) else file
    if size > MAX_FILE_BYTES:
        shown = file.name if isinstance(file, Path) else name
        raise file_problem(source, f"{shown}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _check_part(archive: zipfile.ZipFile, name: str, limit: int, what: str, source: str) -> None:
    """Refuse a part whose declared unpacked size is above `limit` (absent: no problem)."""
    info = archive.NameToInfo.get(name)
    if info is not None and info.file_size > limit:
        raise file_problem(
            source,
            f"the workbook is too large once unpacked: {what} more than {limit // _MB} MB",
        )


def _check_elements(
    archive: zipfile.ZipFile,
    name: str,
    refusal: str,
    source: str,
    limit: int = MAX_WHOLE_ELEMENTS,
) -> None:
    """Refuse a part read whole that holds more than `limit` elements, counted without
    parsing: each opens with a `<` that no text may hold, so the `<` that do not close
    one are an upper bound (absent part: no problem)."""
    if name in archive.NameToInfo:
        data = archive.read(name)
        if data.count(b"<") - data.count(b"</") > limit:
            raise file_problem(source, refusal)


def _check_directory(archive: zipfile.ZipFile, source: str) -> None:
    """Refuse a workbook whose zip directory declares too many or too large parts, or
    whose parts read whole at the usual names hold too many elements."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise file_problem(
            source, f"the workbook has more than {MAX_PARTS} parts (sheets, images and the like)"
        )
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise file_problem(
            source,
            f"the workbook is too large once unpacked (more than {MAX_UNZIPPED_BYTES // _MB} MB)",
        )
    _check_part(archive, "xl/sharedStrings.xml", MAX_STRINGS_BYTES, _TEXTS, source)
    _check_elements(archive, "xl/sharedStrings.xml", _STRING_ENTRIES, source, MAX_STRING_ELEMENTS)
    for info in infos:
        _check_part(archive, info.filename, MAX_SHEET_BYTES, "a sheet or other part takes", source)
    for name in _INDEX_PARTS:
        _check_part(archive, name, MAX_INDEX_BYTES, _INDEX, source)
        _check_elements(archive, name, _INDEX_ENTRIES, source)
    _check_part(archive, "xl/styles.xml", MAX_STYLES_BYTES, "its styles take", source)
    _check_elements(archive, "xl/styles.xml", _STYLE_ENTRIES, source)


def _check_named_parts(reader: ExcelReader, source: str) -> None:
    """The limits of the shared strings and workbook parts wherever the content types
    put them (openpyxl reads them from there, not from the usual names)."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.xml.constants import SHARED_STRINGS, XLSM, XLSX, XLTM, XLTX

    for override in reader.package.Override:
        name = str(override.PartName).lstrip("/")
        if override.ContentType == SHARED_STRINGS:
            _check_part(reader.archive, name, MAX_STRINGS_BYTES, _TEXTS, source)
            _check_elements(reader.archive, name, _STRING_ENTRIES, source, MAX_STRING_ELEMENTS)
        elif override.ContentType in (XLSX, XLSM, XLTX, XLTM):
            folder, leaf = posixpath.split(name)
            for part in (name, posixpath.join(folder, "_rels", f"{leaf}.rels")):
                _check_part(reader.archive, part, MAX_INDEX_BYTES, _INDEX, source)
                _check_elements(reader.archive, part, _INDEX_ENTRIES, source)


def _open_workbook(stream: IO[bytes], source: str) -> ExcelReader:
    """The workbook's shared strings, sheet list and styles, read by openpyxl once every
    limit is checked; its sheets are left to `_stored_cells`, and what a scenario never
    uses (properties, theme, links to other files, images, comments) is not read."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        reader = ExcelReader(stream, read_only=True, data_only=True, keep_links=False)
    except Exception:  # zipfile raises several kinds of errors on a damaged file
        raise file_problem(source, _NOT_XLSX) from None
    try:
        _check_directory(reader.archive, source)
        reader.read_manifest()
        _check_named_parts(reader, source)
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
    except ScenarioError:
        reader.archive.close()
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        reader.archive.close()
        raise file_problem(source, _CANNOT) from None
    return reader


#: A stored cell: row, column, value (a formula's saved result), whether it is a formula.
_Cell = tuple[int, int, object, bool]


def _row_number(text: str | None, previous: int) -> int:
    """The row a `<row>` element stands for, as openpyxl reads it (no number: the next
    row); a number below 1 means a damaged file."""
    if text is None:
        return previous + 1
    number = float(text)
    if not number.is_integer() or number < 1:
        raise ValueError("not a row number")
    return int(number)


def element_budget(name: str) -> int:
    """XML elements a known sheet may hold: for each row its table may have, a row of
    inline-string cells (three elements each) four columns wider than the table, and
    the spare. A sheet that holds more is no table of ours, and would cost more to read
    than the largest table allowed."""
    width = len(TABLES[name]) if name in TABLES else len(SETTINGS_HEADER)
    return (MAX_ROWS[name] + 1) * (1 + 3 * (width + 4)) + SPARE_ELEMENTS


@dataclass
class _Budget:
    """XML elements still to be read in the sheets it covers."""

    left: int


class _Exhausted(Exception):
    """A sheet holds more XML elements than its budget."""


class _Strays(Exception):
    """A table's sheet stores more than `MAX_STRAY` rows below the table's last row."""


def _stored_cells(
    reader: ExcelReader, part: str, budget: _Budget, last_row: int | None = None
) -> Generator[_Cell, None, None]:
    """Every cell stored in a worksheet part, in file order, converted by openpyxl's own
    cell parser (shared strings, numbers, dates, booleans as openpyxl reads them). Only
    `<sheetData>` is read and every element is dropped once read, so that memory stays
    flat and time follows the stored cells, whatever the sheet claims or holds besides;
    nesting or cells of a size no spreadsheet program writes are refused, and so are more
    than `MAX_STRAY` rows below `last_row`, empty or not."""
    # lazy: openpyxl is heavy, load it only when a workbook is read or written
    from openpyxl.worksheet._reader import CELL_TAG, DATA_TAG, FORMULA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    wb = reader.wb
    with reader.archive.open(part) as source:
        parser = WorkSheetParser(
            source,
            reader.shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=getattr(wb, "_date_formats", ()),
            timedelta_formats=getattr(wb, "_timedelta_formats", ()),
        )
        path: list[Element] = []
        cell: Element | None = None  # the cell being read, its parts kept until its end
        parts = strays = 0
        for event, element in iterparse(source, events=("start", "end")):
            depth = len(path)
            if event == "start":
                if budget.left <= 0:
                    raise _Exhausted
                budget.left -= 1
                parts += 1
                if depth >= _MAX_NESTING or (cell is not None and parts > _MAX_CELL_PARTS):
                    raise ValueError("nested too deeply, or a cell too large")
                if depth == 2 and element.tag == ROW_TAG and path[1].tag == DATA_TAG:
                    parser.row_counter = _row_number(element.get("r"), parser.row_counter)
                    parser.col_counter = 0
                    if last_row is not None and parser.row_counter > last_row:
                        strays += 1
                        if strays > MAX_STRAY:
                            raise _Strays
                elif depth == 3 and element.tag == CELL_TAG and path[2].tag == ROW_TAG:
                    cell, parts = (element, 0) if path[1].tag == DATA_TAG else (None, parts)
                path.append(element)
                continue
            path.pop()
            if cell is not None and element is cell:
                formula = element.find(FORMULA_TAG) is not None
                found = parser.parse_cell(element)
                cell = None
                del path[-1][0]
                yield cast(int, found["row"]), cast(int, found["column"]), found["value"], formula
            elif depth == 2 and element.tag == DATA_TAG:
                return  # nothing after the cells matters
            elif cell is None and path:
                del path[-1][0]  # read: each element ends as the first child left


def _beyond(title: str, name: str, row: int, column: int) -> str:
    """The refusal of a value out of place: where it is, never what it is."""
    where = f"{column_letter(column)}{row}"
    limit = MAX_ROWS[name]
    if row > limit + 1:
        return (
            f"sheet {title}: more than {limit} rows below the header; at most {limit} "
            f"{name} are allowed (cell {where} holds a value)"
        )
    return (
        f"sheet {title}: cell {where} holds a value right of column "
        f"{column_letter(MAX_COLUMNS)}, where no table reaches; delete it or move it "
        "into the table"
    )


def _read_table(cells: Iterator[_Cell], name: str, title: str, source: str) -> RawTable | None:
    """A known sheet's rows, None if it holds no value. A value below the rows its table
    may have or right of `MAX_COLUMNS` stops the reading at once; empty and blank cells
    anywhere cost nothing but their reading."""
    last = MAX_ROWS[name] + 1  # the header and the most rows allowed below it
    grid: dict[int, list[object]] = {}
    dead: set[tuple[int, int]] = set()
    filled = False
    stray = 0
    for row, column, value, formula in cells:
        if row > last or column > MAX_COLUMNS:
            if not blank(value):
                raise file_problem(source, _beyond(title, name, row, column))
            stray += 1
            if stray > MAX_STRAY:
                raise file_problem(source, _strays(title, name))
        elif formula and value is None:
            dead.add((row, column))
        elif value is not None:
            line = grid.setdefault(row, [])
            if len(line) < column:
                line.extend([None] * (column - len(line)))
            line[column - 1] = value
            filled = filled or not blank(value)
    if not filled:
        return None
    return RawTable(name, [grid.get(r, []) for r in range(1, max(grid) + 1)], dead)


def _strays(title: str, name: str) -> str:
    return (
        f"sheet {title}: more than {MAX_STRAY:,} empty cells or rows stored below row "
        f"{MAX_ROWS[name] + 1} or right of column {column_letter(MAX_COLUMNS)}, outside any "
        "table; delete those rows and columns"
    )


def _too_much(title: str, name: str) -> str:
    if name in SHEETS:
        return (
            f"sheet {title}: holds more than a table of {MAX_ROWS[name]} {name} can need "
            f"(over {element_budget(name):,} cells and other XML elements)"
        )
    return (
        f"sheet {title}: the sheets that are no scenario table hold over "
        f"{SPARE_ELEMENTS:,} cells and other XML elements; delete them"
    )


def _read_sheets(reader: ExcelReader, sheet: SheetData) -> list[RawTable]:
    """The scenario sheets with content; notes sheets are never read, unknown ones only
    up to their first value, repeated ones not at all."""
    raws: list[RawTable] = []
    seen: set[str] = set()
    spare = _Budget(SPARE_ELEMENTS)  # shared by the sheets that are no table
    for child, rel in reader.parser.find_sheets():
        if rel.target not in reader.valid_files or "chartsheet" in str(rel.Type):
            continue  # as openpyxl: a missing part is no sheet, a chart holds no table
        title = str(child.name)
        name = sheet_key(title)
        if name in IGNORED_SHEETS:
            continue
        if name in seen:
            sheet.add(Where(sheet_place(title), name), _("a second sheet with this name"))
            continue
        known = name in SHEETS
        near = None if known else misspelt_table(name)
        if not known and near is None:
            continue  # the coordinator's own sheet (`Ark1`): never read
        budget = _Budget(element_budget(name)) if known else spare
        try:
            last = MAX_ROWS[name] + 1 if known else None
            with closing(_stored_cells(reader, rel.target, budget, last)) as cells:
                if known:
                    seen.add(name)
                    raw = _read_table(cells, name, title, sheet.source)
                    raws += [raw] if raw is not None else []
                elif any(not blank(value) for _row, _column, value, _formula in cells):
                    unknown = _("unknown sheet; did you mean '{near}'? (sheets: {sheets})").format(
                        near=sheet_title(str(near)),
                        sheets=", ".join(sheet_title(s) for s in SHEETS),
                    )
                    sheet.add(Where(sheet_place(title), title), unknown)
        except _Exhausted:
            raise file_problem(sheet.source, _too_much(title, name)) from None
        except _Strays:
            raise file_problem(sheet.source, _strays(title, name)) from None
    return raws


def read_xlsx(file: Path | bytes, sheet: SheetData) -> list[RawTable]:
    """The scenario sheets of a workbook with content, from a file or from the bytes of
    an upload (read in memory, never written anywhere); problems go to `sheet`."""
    source = sheet.source
    if isinstance(file, Path):
        check_size(file, source)
        opened: IO[bytes] = file.open("rb")
    else:
        check_size(len(file), source, PurePath(source).name)
        opened = io.BytesIO(file)
    with warnings.catch_warnings(), opened as stream:
        warnings.simplefilter("ignore")
        reader = _open_workbook(stream, source)
        try:
            return _read_sheets(reader, sheet)
        except ScenarioError:
            raise
        except Exception:  # openpyxl raises many kinds of errors on a damaged file
            raise file_problem(source, _CANNOT) from None
        finally:
            reader.archive.close()
