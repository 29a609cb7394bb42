"""Written workbooks: the same content gives the same bytes, whenever it is written (zip
entry times and document dates are fixed), so that outputs can be compared and cached."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.io.sheets.template import write_template
from matcher.io.sheets.write import ZIP_TIME, write_result, write_scenario
from tests.conftest import EXAMPLE_PATHS
from tests.spreadsheets import sheet_part

WRITTEN = ("scenario.xlsx", "result.xlsx", "template.xlsx")


@pytest.fixture(scope="module")
def written_twice(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    """A scenario, its result and the template, each written twice 2 s apart (the
    resolution of a zip entry's time), as bytes by file name."""
    scenario = matcher.load(EXAMPLE_PATHS["stavanger-sola-sandnes"])
    result = matcher.solve(scenario)
    runs: list[dict[str, bytes]] = []
    for run in range(2):
        time.sleep(2.1 * run)
        folder = tmp_path_factory.mktemp(f"written{run}")
        write_scenario(scenario, folder / "scenario.xlsx")
        write_result(result, folder / "result.xlsx")
        write_template(folder / "template.xlsx")
        runs.append({name: (folder / name).read_bytes() for name in WRITTEN})
    return runs


@pytest.mark.parametrize("name", WRITTEN)
def test_a_workbook_written_twice_has_the_same_bytes(
    written_twice: list[dict[str, bytes]], name: str, tmp_path: Path
) -> None:
    first, second = written_twice
    assert first[name] == second[name]
    path = tmp_path / name
    path.write_bytes(first[name])
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_TIME}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified


def test_two_solves_differ_only_in_the_timing_on_the_metrics_sheet(tmp_path: Path) -> None:
    """`elapsed_s` is on the metrics sheet; every other part is byte for byte the same."""
    example = EXAMPLE_PATHS["stavanger-sola-sandnes"]
    parts: list[dict[str, bytes]] = []
    for run in range(2):
        time.sleep(2.1 * run)
        out = tmp_path / f"result{run}.xlsx"
        args = ["solve", str(example), "--format", "xlsx", "--out", str(out)]
        assert CliRunner().invoke(app, args).exit_code == 0
        with zipfile.ZipFile(out) as archive:
            parts.append({name: archive.read(name) for name in archive.namelist()})
    assert list(parts[0]) == list(parts[1])
    differ = {name for name in parts[0] if parts[0][name] != parts[1][name]}
    assert differ <= {sheet_part(tmp_path / "result0.xlsx", "metrics")}
