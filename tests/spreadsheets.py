"""Helpers shared by the spreadsheet tests: the example scenarios and their pairs, the
problems a load reports, and small edits of workbooks and CSV folders."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
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
