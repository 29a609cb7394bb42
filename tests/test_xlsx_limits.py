"""Hostile and oversized workbooks are refused at once, at a cost that follows the cells
they store rather than the size their sheets claim: the cases of the adversarial trial
(a far cell in an ignored sheet, a stray value in the last row of a table, a bomb of
shared strings), values out of place, and the limits of the zip directory and of each
sheet's XML. Refusals name the sheet and cell, never the value. The time bound here is
generous, for slow machines; the real costs are measured with `likematch validate`
(README, "Workbook limits").

Last, the other way: a written workbook's bytes depend on its content only, not on the
time it was written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook

import matcher
from matcher.io.sheets import raw
from matcher.io.sheets.columns import MAX_ROWS, column_letter
from matcher.io.sheets.places import SheetData
from tests.conftest import ROOT
from tests.spreadsheets import (
    MAIN_NS,
    Data,
    Part,
    edit,
    one_problem,
    raw_workbook,
    rewrite_parts,
    sheet_part,
    sheet_xml,
    text_row,
    workbook,
    write_parts,
    xlsx_parts,
)

T = TypeVar("T")
#: Wall-clock bound of one read; a refusal takes milliseconds.
BOUND_S = 10.0
#: A value that must never appear in a message.
SECRET = "Kari Nordmann"
_MB = 1024 * 1024
CANNOT = "cannot read the workbook; is it a valid .xlsx file?"
HEADER = text_row(1, {"A": "id"})


def timed(check: Callable[[], T]) -> T:
    """`check()`, which must finish within the bound."""
    start = time.perf_counter()
    result = check()
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_S, f"took {elapsed:.1f} s"
    return result


def refused(path: Path) -> str:
    """The one problem of a load that must fail, within the bound, naming no value."""
    problem = timed(lambda: one_problem(path))
    assert SECRET not in problem
    return problem


def repeated(unit: bytes, count: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """A part of `count` copies of `unit`, written in chunks."""
    yield head
    block = 100_000
    for start in range(0, count, block):
        yield unit * min(block, count - start)
    yield tail


def strings_bomb(path: Path, count: int = 11_000_000) -> Path:
    """The trial's bomb: 11 million one-letter shared strings, 187 MB unpacked, in a
    workbook of a megabyte."""
    head = f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'.encode()
    strings = repeated(b"<si><t>a</t></si>", count, head, b"</sst>")
    row = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return raw_workbook(path, [("participants", sheet_xml([HEADER, row]))], strings=strings)


def part_text(path: Path, part: str) -> str:
    """The text of a part of a workbook."""
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode()


def put_cell(
    sheet: str, row: int, column: int, value: object = SECRET
) -> Callable[[Workbook], None]:
    """An edit that puts a value in one cell of a sheet (made if missing)."""

    def change(wb: Workbook) -> None:
        ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
        ws.cell(row, column).value = value

    return change


# --- the cases of the adversarial trial ----------------------------------------------


def test_far_cell_in_an_ignored_sheet_is_never_read(tmp_path: Path, scenario_dict: Data) -> None:
    path = edit(workbook(tmp_path, scenario_dict), put_cell("notes", 1_048_576, 16_384))
    assert path.stat().st_size < 20_000  # whose notes sheet spans A1:XFD1048576
    scenario = timed(lambda: matcher.load(path))
    assert len(scenario.participants) == len(scenario_dict["participants"])


def test_stray_value_in_the_last_row_of_a_table_is_refused(
    tmp_path: Path, scenario_dict: Data
) -> None:
    path = edit(workbook(tmp_path, scenario_dict), put_cell("participants", 1_048_576, 1))
    limit = MAX_ROWS["participants"]
    assert refused(path) == (
        f"sheet participants: more than {limit} rows below the header; at most {limit} "
        "participants are allowed (cell A1048576 holds a value)"
    )


def test_a_bomb_of_shared_strings_is_refused_from_the_zip_directory(tmp_path: Path) -> None:
    path = strings_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * _MB
    assert refused(path) == (
        "the workbook is too large once unpacked: its shared strings (the texts of its "
        f"cells) take more than {raw.MAX_STRINGS_BYTES // _MB} MB"
    )


# --- values out of place ---------------------------------------------------------------


def test_a_value_right_of_the_last_column_is_refused(tmp_path: Path, scenario_dict: Data) -> None:
    last = column_letter(raw.MAX_COLUMNS)
    path = edit(workbook(tmp_path, scenario_dict), put_cell("mentors", 3, 16_384))
    assert refused(path) == (
        f"sheet mentors: cell XFD3 holds a value right of column {last}, where no table "
        "reaches; delete it or move it into the table"
    )
    # in the last column read, it is an ordinary problem of the table
    path = edit(workbook(tmp_path, scenario_dict), put_cell("mentors", 3, raw.MAX_COLUMNS))
    assert refused(path) == (
        f"sheet mentors, row 1, column {last}: values in a column without a name in row 1"
    )


def test_a_row_just_below_the_limit_is_read_and_blank_rows_cost_nothing(
    tmp_path: Path, scenario_dict: Data
) -> None:
    limit = MAX_ROWS["municipalities"]
    path = edit(workbook(tmp_path, scenario_dict), put_cell("municipalities", limit + 1, 1, "far"))
    scenario = timed(lambda: matcher.load(path))
    assert scenario.municipalities is not None
    assert [m.id for m in scenario.municipalities][-1] == "far"
    path = edit(path, put_cell("municipalities", limit + 2, 1))
    assert refused(path).startswith(f"sheet municipalities: more than {limit} rows")


def test_formatted_empty_cells_anywhere_are_harmless(tmp_path: Path, scenario_dict: Data) -> None:
    def change(wb: Workbook) -> None:
        for sheet in ("participants", "Sheet9"):
            ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
            ws.cell(1_048_576, 16_384).font = Font(bold=True)
            ws.cell(5, 40).value = "   "  # blank: only white space

    path = edit(workbook(tmp_path, scenario_dict), change)
    assert len(timed(lambda: matcher.load(path)).participants) == 4


def test_claimed_dimensions_are_ignored(tmp_path: Path, scenario_dict: Data) -> None:
    path = workbook(tmp_path, scenario_dict)
    part = sheet_part(path, "participants")
    with_claim = part_text(path, part).replace(
        '<dimension ref="A1:', '<dimension ref="A1:XFD1048576" x="'
    )
    rewrite_parts(path, {part: with_claim})
    assert len(timed(lambda: matcher.load(path)).participants) == 4


def test_an_unknown_sheet_is_read_up_to_its_first_value(
    tmp_path: Path, scenario_dict: Data
) -> None:
    path = edit(workbook(tmp_path, scenario_dict), put_cell("Mentor", 1_048_576, 16_384))
    assert refused(path).startswith("sheet Mentor: unknown sheet; did you mean 'mentors'?")
    own = edit(workbook(tmp_path, scenario_dict, "own.xlsx"), put_cell("Ark1", 1_048_576, 1))
    assert len(timed(lambda: matcher.load(own)).participants) == len(scenario_dict["participants"])


# --- the zip directory -----------------------------------------------------------------


def zeros(size: int) -> Iterator[bytes]:
    """`size` bytes of nothing, which pack into almost nothing."""
    return repeated(b"\0" * 1024, size // 1024)


def minimal_parts() -> dict[str, Part]:
    """A small readable workbook (one participants sheet) as parts."""
    return xlsx_parts([("participants", sheet_xml([HEADER]))])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda parts: parts.update({f"x/{i}": b"" for i in range(raw.MAX_PARTS)}),
            f"the workbook has more than {raw.MAX_PARTS} parts (sheets, images and the like)",
        ),
        (
            lambda parts: parts.update(
                {"xl/media/a.bin": zeros(100 * _MB)} | {"xl/media/b.bin": zeros(100 * _MB)}
            ),
            "the workbook is too large once unpacked (more than 192 MB)",
        ),
        (
            lambda parts: parts.update({"xl/media/a.bin": zeros(129 * _MB)}),
            "the workbook is too large once unpacked: a sheet or other part takes more than 128 MB",
        ),
        (
            lambda parts: parts.update({"xl/styles.xml": zeros(2 * _MB)}),
            "the workbook is too large once unpacked: its styles take more than 1 MB",
        ),
        (
            lambda parts: parts.update(
                {"xl/workbook.xml": str(parts["xl/workbook.xml"]) + " " * (2 * _MB)}
            ),
            "the workbook is too large once unpacked: its index (content types, workbook "
            "part and its relationships) takes more than 1 MB",
        ),
        (
            lambda parts: parts.update(
                {"xl/styles.xml": "<styleSheet>" + "<xf/>" * 50_001 + "</styleSheet>"}
            ),
            "the workbook's styles hold more than 50,000 entries (cell formats, fonts and the "
            "like); copy its tables into a new workbook",
        ),
        (
            lambda parts: parts.update(
                {
                    "xl/workbook.xml": str(parts["xl/workbook.xml"]).replace(
                        "<sheets>", "<x/>" * 50_001 + "<sheets>"
                    )
                }
            ),
            "the workbook's index (content types, workbook part and its relationships) holds "
            "more than 50,000 entries; is it a valid .xlsx file?",
        ),
    ],
    ids=["parts", "total", "part", "styles", "index", "style entries", "index entries"],
)
def test_the_zip_directory_is_checked_before_anything_is_unpacked(
    tmp_path: Path, change: Callable[[dict[str, Part]], None], expected: str
) -> None:
    parts = minimal_parts()
    change(parts)
    assert refused(write_parts(tmp_path / "big.xlsx", parts)) == expected


def test_shared_strings_under_another_name_have_the_same_limit(tmp_path: Path) -> None:
    parts = minimal_parts()
    parts["[Content_Types].xml"] = str(parts["[Content_Types].xml"]).replace(
        "</Types>",
        '<Override PartName="/xl/texts.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/texts.xml"] = zeros(17 * _MB)
    assert "its shared strings" in refused(write_parts(tmp_path / "renamed.xlsx", parts))


# --- the XML of a sheet ----------------------------------------------------------------


def blank_cells(count: int) -> str:
    """A row of `count` empty cells (no position, no value: the cheapest to store)."""
    return '<row r="2">' + "<c/>" * count + "</row>"


def rich_cells(count: int, runs: int) -> str:
    """A row of `count` cells (inside the table's columns), each a text of `runs` runs."""
    text = "<is>" + "<r><t>a</t></r>" * runs + "</is>"
    cells = "".join(
        f'<c r="{column_letter(c + 1)}2" t="inlineStr">{text}</c>' for c in range(count)
    )
    return f'<row r="2">{cells}</row>'


def test_a_sheet_holding_more_than_its_table_can_need_is_refused(tmp_path: Path) -> None:
    budget = raw.element_budget("municipalities")
    sheet = sheet_xml([HEADER, rich_cells(30, budget // 30 // 2 + 50)])  # 2 elements a run
    path = raw_workbook(tmp_path / "cells.xlsx", [("municipalities", sheet)])
    assert refused(path) == (
        "sheet municipalities: holds more than a table of 1000 municipalities can need "
        f"(over {budget:,} cells and other XML elements)"
    )


def test_empty_cells_and_rows_outside_a_table_are_limited(tmp_path: Path) -> None:
    wide = sheet_xml([HEADER, blank_cells(raw.MAX_STRAY + raw.MAX_COLUMNS + 1)])
    rows = "".join(f'<row r="{1002 + n}"/>' for n in range(raw.MAX_STRAY + 1))
    for name, sheet in (("wide", wide), ("long", sheet_xml([HEADER, rows]))):
        path = raw_workbook(tmp_path / f"{name}.xlsx", [("municipalities", sheet)])
        assert refused(path) == (
            f"sheet municipalities: more than {raw.MAX_STRAY:,} empty cells or rows stored "
            "below row 1001 or right of column AF, outside any table; delete those rows and "
            "columns"
        )


def test_sheets_that_are_no_table_share_one_budget(tmp_path: Path) -> None:
    half = sheet_xml([blank_cells(raw.SPARE_ELEMENTS // 2 + 10)])
    path = raw_workbook(tmp_path / "spare.xlsx", [("mentor", half), ("participant", half)])
    assert refused(path) == (
        "sheet participant: the sheets that are no scenario table hold over "
        f"{raw.SPARE_ELEMENTS:,} cells and other XML elements; delete them"
    )


@pytest.mark.parametrize(
    "row",
    [
        '<row r="2"><c r="A2">' + "<x>" * 100 + "</x>" * 100 + "</c></row>",
        '<row r="2"><c r="A2" t="inlineStr"><is>' + "<r><t>a</t></r>" * 6000 + "</is></c></row>",
        '<row r="0"><c><v>1</v></c></row>',
        '<row r="2.5"><c><v>1</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>7</v></c></row>',  # no shared strings at all
    ],
    ids=["nesting", "cell parts", "row 0", "row 2.5", "no string 7"],
)
def test_sheets_no_program_writes_are_damaged(tmp_path: Path, row: str) -> None:
    path = raw_workbook(tmp_path / "odd.xlsx", [("participants", sheet_xml([HEADER, row]))])
    assert refused(path) == CANNOT


def test_cells_are_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """Rows and cells without a number follow the one before; rich text is its text."""
    rows = [
        '<row><c t="inlineStr"><is><t>id</t></is></c>'
        '<c t="inlineStr"><is><t>age</t></is></c></row>',
        "<row><c><v>7</v></c><c><v>2.5</v></c></row>",
        '<row r="5"><c r="B5" t="inlineStr"><is><r><t>Ka</t></r><r><t>ri</t></r></is></c>'
        '<c t="b"><v>1</v></c><c r="A5"><f>1+1</f></c></row>',
    ]
    path = raw_workbook(tmp_path / "cells.xlsx", [("participants", sheet_xml(rows))])
    sheet = SheetData(str(path), False)
    (table,) = raw.read_xlsx(path, sheet)
    assert table.rows == [["id", "age"], [7, 2.5], [], [], [None, "Kari", True]]
    assert table.dead == {(5, 1)}


def test_a_sheet_without_its_part_is_no_sheet(tmp_path: Path) -> None:
    """As openpyxl: a sheet listed in the workbook whose part is missing is skipped."""
    table = sheet_xml([HEADER, text_row(2, {"A": "P1"})])
    parts = xlsx_parts([("participants", table), ("mentors", sheet_xml([HEADER]))])
    del parts["xl/worksheets/sheet2.xml"]
    path = write_parts(tmp_path / "missing.xlsx", parts)
    (read,) = raw.read_xlsx(path, SheetData(str(path), False))
    assert read.name == "participants"


def test_nothing_after_the_cells_is_read(tmp_path: Path) -> None:
    merged = repeated(b'<mergeCell ref="A1:B2"/>', 2_000_000)
    sheet = sheet_xml([HEADER, text_row(2, {"A": "P1"})]).replace("</worksheet>", "")
    parts: dict[str, Part] = xlsx_parts([("participants", "")])
    parts["xl/worksheets/sheet1.xml"] = iter(
        [sheet.encode(), b"<mergeCells>", *merged, b"</mergeCells></worksheet>"]
    )
    path = write_parts(tmp_path / "merged.xlsx", parts)
    sheet_data = SheetData(str(path), False)
    (table,) = timed(lambda: raw.read_xlsx(path, sheet_data))
    assert table.rows == [["id"], ["P1"]]


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_workbooks_are_closed_after_reading_or_refusing(
    tmp_path: Path, scenario_dict: Data
) -> None:
    good = workbook(tmp_path, scenario_dict)
    bad = edit(workbook(tmp_path, scenario_dict, "bad.xlsx"), put_cell("locks", 3, 200))
    matcher.load(good)  # openpyxl's modules loaded, as later reads find them
    before = open_files()
    matcher.load(good)
    damaged = sheet_xml([HEADER, '<row r="2"><c r="A2">' + "<x>" * 100 + "</c></row>"])
    refused(bad)
    refused(strings_bomb(tmp_path / "bomb.xlsx"))
    refused(raw_workbook(tmp_path / "damaged.xlsx", [("participants", damaged)]))
    assert open_files() == before


# --- cost, in a fresh interpreter --------------------------------------------------------

MEASURE = """
import json, resource, sys, time
import matcher
from matcher.model.errors import ScenarioError
seconds = {}
for path in sys.argv[1:]:
    start = time.perf_counter()
    try:
        matcher.load(path)
    except ScenarioError:
        pass
    seconds[path] = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak_kb}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in kB on Linux")
def test_the_trial_cases_take_little_memory(tmp_path: Path, scenario_dict: Data) -> None:
    """All three cases of the trial in one interpreter stay far below 500 MB (it took
    5 GB and more before); the peak includes the interpreter and its imports."""
    base = workbook(tmp_path, scenario_dict)
    notes = edit(
        workbook(tmp_path, scenario_dict, "notes.xlsx"), put_cell("notes", 1_048_576, 16_384)
    )
    stray = edit(
        workbook(tmp_path, scenario_dict, "stray.xlsx"), put_cell("participants", 1_048_576, 1)
    )
    paths = [base, notes, stray, strings_bomb(tmp_path / "bomb.xlsx")]
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(run.stdout)
    assert measured["peak_kb"] < 500 * 1024, measured
    assert max(measured["seconds"].values()) < BOUND_S, measured
