"""Helpers shared by the spreadsheet tests: the example scenarios and their pairs, the
problems a load reports, and small edits of workbooks and CSV folders."""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

import matcher
from matcher.io.sheets.write import write_scenario
from matcher.model.errors import ScenarioError
from matcher.model.scenario import Scenario

Data = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    "stavanger-sola-sandnes": ROOT / "matcher" / "data" / "stavanger-sola-sandnes.yaml",
    "grenland": ROOT / "scenarios" / "grenland.yaml",
    "loland": ROOT / "scenarios" / "loland.yaml",
}
OUT = {"xlsx": "round.xlsx", "csv": "round", "yaml": "round.yaml", "json": "round.json"}


@functools.cache
def original(name: str) -> tuple[Scenario, list[tuple[str, str]]]:
    """An example scenario and its solved pairs (computed once per example)."""
    scenario = matcher.load(EXAMPLES[name])
    return scenario, pairs_of(scenario)


def pairs_of(scenario: Scenario) -> list[tuple[str, str]]:
    """The pairs a scenario solves to, sorted, to compare two scenarios by outcome."""
    result = matcher.solve(scenario, explain=False)
    return sorted((p.participant, p.mentor) for p in result.pairs)


def problems(path: Path) -> list[str]:
    """The rendered problems of a load that must fail."""
    with pytest.raises(ScenarioError) as info:
        matcher.load(path)
    assert info.value.source == str(path)
    return [str(p) for p in info.value.problems]


def one_problem(path: Path) -> str:
    """The one problem of a load that must fail with exactly one."""
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def workbook(tmp_path: Path, data: Data, name: str = "round.xlsx") -> Path:
    """A scenario written as a workbook."""
    path = tmp_path / name
    write_scenario(data, path)
    return path


def edit(path: Path, change: Callable[[Workbook], None]) -> Path:
    """Change a workbook in place, as a coordinator would in Excel."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def put(wb: Workbook, sheet: str, row: int, column: str, value: Any) -> None:
    """Set the cell of a named column in a row."""
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row, header.index(column) + 1).value = value


def write_csv(
    folder: Path, name: str, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> None:
    """Write a CSV table as another program would: any delimiter and encoding."""
    folder.mkdir(exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    (folder / f"{name}.csv").write_bytes(buffer.getvalue().encode(encoding))


def csv_folder(tmp_path: Path, data: Data) -> Path:
    """A scenario written as a folder of CSV files."""
    path = tmp_path / "round"
    write_scenario(data, path)
    return path


def set_csv(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set the cell of a named column in a row of a CSV table."""
    path = folder / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[row - 1][rows[0].index(column)] = value
    write_csv(folder, table, rows)


def no_temp_files(folder: Path) -> bool:
    """Whether the atomic writer left no temporary file behind."""
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


# --- workbooks written part by part, for files no spreadsheet program would save -------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml."
#: A part's text, or its chunks (written one by one, for parts too large to hold).
Part = str | bytes | Iterable[bytes]


def sheet_xml(cells: Iterable[str] = (), dimension: str | None = None) -> str:
    """A worksheet part: `cells` are `<row>` elements (or anything else inside
    `<sheetData>`); `dimension` is the range the sheet claims to span."""
    claim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<worksheet xmlns="{MAIN_NS}">{claim}<sheetData>{"".join(cells)}</sheetData></worksheet>'
    )


def text_row(row: int, values: dict[str, str]) -> str:
    """A `<row>` of inline strings, `values` keyed by column letter."""
    cells = "".join(
        f'<c r="{col}{row}" t="inlineStr"><is><t>{text}</t></is></c>'
        for col, text in values.items()
    )
    return f'<row r="{row}">{cells}</row>'


def xlsx_parts(
    sheets: Sequence[tuple[str, Part]],
    strings: Part | None = None,
    styles: Part | None = None,
) -> dict[str, Part]:
    """The parts of a minimal workbook: `sheets` as (title, worksheet part), optional
    shared strings and styles parts."""
    kinds = {f"xl/worksheets/sheet{i}.xml": "worksheet" for i in range(1, len(sheets) + 1)}
    parts: dict[str, Part] = {name: part for name, (_, part) in zip(kinds, sheets, strict=True)}
    if strings is not None:
        kinds["xl/sharedStrings.xml"] = "sharedStrings"
        parts["xl/sharedStrings.xml"] = strings
    if styles is not None:
        kinds["xl/styles.xml"] = "styles"
        parts["xl/styles.xml"] = styles
    overrides = "".join(
        f'<Override PartName="/{name}" ContentType="{_TYPE}{kind}+xml"/>'
        for name, kind in [("xl/workbook.xml", "sheet.main"), *kinds.items()]
    )
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    titles = "".join(
        f'<sheet name="{title}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (title, _) in enumerate(sheets, start=1)
    )
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{titles}</sheets></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/{kind}" Target="{name[3:]}"/>'
        for i, (name, kind) in enumerate(kinds.items(), start=1)
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'
    )
    return parts


def write_parts(path: Path, parts: Mapping[str, Part]) -> Path:
    """Zip the parts into an .xlsx file, streaming chunked parts."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, part in parts.items():
            if isinstance(part, str | bytes):
                archive.writestr(name, part)
                continue
            with archive.open(name, "w", force_zip64=True) as out:
                for chunk in part:
                    out.write(chunk)
    return path


def raw_workbook(
    path: Path,
    sheets: Sequence[tuple[str, Part]],
    strings: Part | None = None,
    styles: Part | None = None,
) -> Path:
    """A workbook written part by part (see `xlsx_parts`)."""
    return write_parts(path, xlsx_parts(sheets, strings, styles))


def sheet_part(path: Path, title: str) -> str:
    """The zip part of a sheet of a workbook that openpyxl saved (sheets in order)."""
    return f"xl/worksheets/sheet{openpyxl.load_workbook(path).sheetnames.index(title) + 1}.xml"


def rewrite_parts(path: Path, changes: Mapping[str, Part]) -> Path:
    """Replace (or add) parts of a workbook, keeping the others as they are."""
    with zipfile.ZipFile(path) as archive:
        parts: dict[str, Part] = {name: archive.read(name) for name in archive.namelist()}
    parts.update(changes)
    return write_parts(path, parts)
