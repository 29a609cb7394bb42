"""Fuzzing the structure of .xlsx workbooks: cells anywhere (up to XFD1048576, rows and
cells with and without numbers, in any order, formulas with and without a saved result),
claimed dimensions, shared strings (many, long, repeated, missing), styles (dates,
none, broken), and sheet names known, unknown, ignored and repeated in another case.
Reading one either gives a scenario or a `ScenarioError` with a message (exit 2 on the
command line), within a time bound, never another exception.

FUZZ_EXAMPLES=2000 runs a longer hunt; `pytest -m slow` adds larger workbooks."""

from __future__ import annotations

import functools
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matcher.cli.app import app
from matcher.io.sheets.columns import MAX_ROWS, SETTINGS_HEADER, SHEETS, TABLES, column_letter
from matcher.io.sheets.raw import MAX_COLUMNS
from matcher.io.sheets.read import load_spreadsheet
from matcher.io.sheets.write import write_scenario
from matcher.model.errors import ScenarioError
from tests.conftest import minimal_scenario
from tests.spreadsheets import MAIN_NS, Part, write_parts, xlsx_parts

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Wall-clock bound of one read: every workbook here is small, whatever it claims.
BOUND_S = 10.0

# --- what a workbook is made of ---------------------------------------------------------

#: Rows and columns near every limit, and far away.
ROWS = st.integers(1, 12) | st.sampled_from(
    sorted({n + d for n in MAX_ROWS.values() for d in (1, 2)} | {1_048_576, 1_048_577})
)
COLUMNS = st.integers(1, 18) | st.sampled_from([MAX_COLUMNS, MAX_COLUMNS + 1, 16_384, 16_385])
#: Sheet names: the tables (some in another case), the ignored sheet, others.
TITLES = (
    st.sampled_from([*SHEETS, "notes"])
    | st.sampled_from(SHEETS).map(str.upper)
    | st.sampled_from(["Sheet1", "Ark1", " mentors ", "Notes", "participant"])
)
HEADERS = sorted({c.name for columns in TABLES.values() for c in columns} | set(SETTINGS_HEADER))
#: Texts of cells: column names, plausible values, and anything (XML-escaped, but
#: characters XML forbids are left in: a damaged file).
TEXTS = (
    st.sampled_from(HEADERS)
    | st.sampled_from(["P1", "M1", "north", "female", "35", "true", "2026-01-01", "a; b", " "])
    | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
    | st.text(max_size=5)
)
DIMENSIONS = st.none() | st.sampled_from(["A1", "A1:XFD1048576", "B2:A1", "ZZZZ99", ""])
#: A stylesheet: none, one whose second style is a date, or a damaged one.
DATE_STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}"><cellXfs count="2"><xf numFmtId="0"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)
STYLES = st.sampled_from(
    [None, DATE_STYLES, None, DATE_STYLES, None, DATE_STYLES, "<styleSheet", "<other/>"]
)


@dataclass(frozen=True)
class Cell:
    """One stored cell: where, what kind (`t`), its value and style."""

    row: int
    column: int
    kind: str
    value: str
    style: int
    numbered: bool  # with an `r` attribute


@st.composite
def cells(draw: st.DrawFn) -> Cell:
    """A cell of any kind, at any place."""
    kind = draw(st.sampled_from(["inline", "s", "n", "b", "e", "f", "f-cached", "empty", "str"]))
    value = {
        "inline": TEXTS,
        "str": TEXTS,
        "s": st.integers(0, 3).map(str) | st.sampled_from(["-1", "60", "x"]),
        "n": st.sampled_from(["1", "35", "2.5", "46000", "-1", "1e308", "1,5"]),
        "b": st.sampled_from(["0", "1", "2"]),
        "e": st.sampled_from(["#N/A", "#REF!"]),
        "f": st.sampled_from(["1+1", "A1", ""]),
        "f-cached": st.sampled_from(["40", "1"]),
        "empty": st.just(""),
    }[kind]
    return Cell(
        draw(ROWS),
        draw(COLUMNS),
        kind,
        draw(value),
        draw(st.sampled_from([0, 0, 1, 7])),
        draw(st.booleans() | st.just(True)),
    )


def cell_xml(cell: Cell) -> str:
    """A cell as a worksheet stores it."""
    where = f' r="{column_letter(cell.column)}{cell.row}"' if cell.numbered else ""
    style = f' s="{cell.style}"' if cell.style else ""
    text = escape(cell.value)
    body = {
        "inline": ("inlineStr", f"<is><t>{text}</t></is>"),
        "str": ("str", f"<v>{text}</v>"),
        "s": ("s", f"<v>{text}</v>"),
        "n": ("n", f"<v>{text}</v>"),
        "b": ("b", f"<v>{text}</v>"),
        "e": ("e", f"<v>{text}</v>"),
        "f": ("n", f"<f>{text}</f>"),
        "f-cached": ("n", f"<f>20+20</f><v>{text}</v>"),
        "empty": ("n", ""),
    }[cell.kind]
    return f'<c{where}{style} t="{body[0]}">{body[1]}</c>'


@st.composite
def sheets(draw: st.DrawFn, max_cells: int = 40) -> tuple[str, str]:
    """A sheet: a title, a header row of column names (usually), cells anywhere, rows
    in order or not and numbered or not, and the dimension it claims."""
    title = draw(TITLES)
    header = draw(st.lists(st.sampled_from(HEADERS), max_size=8))
    body = draw(st.lists(cells(), max_size=max_cells))
    rows: dict[int, list[Cell]] = {
        1: [Cell(1, c, "inline", h, 0, True) for c, h in enumerate(header, 1)]
    }
    for cell in body:
        rows.setdefault(cell.row, []).append(cell)
    order = sorted(rows)
    if draw(st.booleans()):
        order = draw(st.permutations(order))
    numbered = draw(st.booleans() | st.just(True))
    xml = [
        (f'<row r="{row}">' if numbered else "<row>") + "".join(map(cell_xml, rows[row])) + "</row>"
        for row in order
    ]
    dimension = draw(DIMENSIONS)
    claim = f"<dimension ref={quoteattr(dimension)}/>" if dimension is not None else ""
    part = f'<worksheet xmlns="{MAIN_NS}">{claim}<sheetData>{"".join(xml)}</sheetData></worksheet>'
    return escape(title, {'"': "&quot;"}), part


@st.composite
def shared_strings(draw: st.DrawFn, most: int = 200) -> str | None:
    """None, or a table of strings: few or many, short or long, often repeated."""
    if draw(st.booleans()):
        return None
    texts = draw(st.lists(TEXTS, max_size=30))
    texts += [draw(TEXTS)] * draw(st.integers(0, most))
    texts += ["x" * draw(st.sampled_from([0, 1000, 40_000]))]
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in draw(st.permutations(texts)))
    return f'<sst xmlns="{MAIN_NS}" count="{len(texts)}">{items}</sst>'


#: A workbook as its parts, by name.
Book = dict[str, Part]


def books(max_cells: int = 40, most_strings: int = 200) -> st.SearchStrategy[Book]:
    """Workbooks of one to five sheets, made up from nothing."""
    return st.builds(
        xlsx_parts,
        st.lists(sheets(max_cells), min_size=1, max_size=5),
        shared_strings(most_strings),
        STYLES,
    )


@functools.cache
def valid_book() -> dict[str, bytes]:
    """The parts of a valid scenario workbook, as openpyxl writes it (sheets in order)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "round.xlsx"
        write_scenario(minimal_scenario(), path)
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


@st.composite
def edited_books(draw: st.DrawFn) -> Book:
    """A valid workbook with a few edits: other claimed dimensions, cells added below
    the rows (often far, often blank), sheets renamed (often in another case)."""
    parts = {name: data.decode() for name, data in valid_book().items()}
    titles = re.findall(r'<sheet name="([^"]*)"', parts["xl/workbook.xml"])
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(1, len(titles)))
        name = f"xl/worksheets/sheet{index}.xml"
        text = parts[name]
        edit = draw(st.sampled_from(["claim", "append", "rename"]))
        if edit == "claim":
            dimension = draw(DIMENSIONS.filter(lambda d: d is not None))
            text = re.sub(
                '<dimension ref="[^"]*"', f"<dimension ref={quoteattr(str(dimension))}", text
            )
        elif edit == "append":
            added = draw(st.lists(cells().filter(lambda c: c.row > 30), max_size=4))
            rows = "".join(
                f'<row r="{c.row}">{cell_xml(c)}</row>' for c in sorted(added, key=lambda c: c.row)
            )
            text = text.replace("</sheetData>", rows + "</sheetData>")
        else:
            title = titles[index - 1]
            new = draw(
                st.sampled_from([title.upper(), title.title(), f" {title}", "notes", "Ark1"])
            )
            book = parts["xl/workbook.xml"]
            parts["xl/workbook.xml"] = book.replace(f'name="{title}"', f'name="{new}"')
        parts[name] = text
    edited: Book = dict(parts)
    return edited


# --- the properties ---------------------------------------------------------------------


def read_or_refuse(book: Book, read: Callable[[Path], object]) -> None:
    """`read` the workbook: a scenario or a ScenarioError with a message, in time."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_parts(Path(folder) / "book.xlsx", book)
        start = time.perf_counter()
        try:
            read(path)
        except ScenarioError as error:
            assert error.problems and all(str(p) for p in error.problems)
        elapsed = time.perf_counter() - start
    assert elapsed < BOUND_S, f"took {elapsed:.1f} s"


@FUZZ
@given(books())
def test_any_workbook_is_read_or_refused(book: Book) -> None:
    read_or_refuse(book, load_spreadsheet)


@FUZZ
@given(edited_books())
def test_any_edit_of_a_valid_workbook_is_read_or_refused(book: Book) -> None:
    read_or_refuse(book, load_spreadsheet)


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 10))
@given(books() | edited_books())
def test_validate_exits_0_or_2_with_a_message(book: Book) -> None:
    def validate(path: Path) -> None:
        result = CliRunner().invoke(app, ["validate", str(path)])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        assert result.exit_code == 0 or "error:" in result.output

    read_or_refuse(book, validate)


@pytest.mark.slow
@settings(FUZZ, max_examples=10 * EXAMPLES)
@given(books(max_cells=400, most_strings=20_000))
def test_larger_workbooks_are_read_or_refused(book: Book) -> None:
    read_or_refuse(book, load_spreadsheet)
