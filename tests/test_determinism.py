"""The same input and options give the same output, but for the timing fields: JSON, and
the cell values of xlsx and CSV exports. Each run is a fresh interpreter with its own
string-hash seed, so that an order taken from a set or a dict of strings would show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_PATHS, ROOT

FORMATS = {"json": "result.json", "xlsx": "result.xlsx", "csv": "result"}
# One interpreter runs every example in every format, the way the command line would.
DRIVER = """
import sys
from matcher.cli.app import app
for name, path, fmt, out in zip(*[iter(sys.argv[1:])] * 4):
    explain = "--explain" if fmt == "json" else "--no-explain"  # explanations cost most
    try:
        app(["solve", path, "--format", fmt, "--out", out, explain], standalone_mode=False)
    except SystemExit as stop:
        sys.exit(f"{name} {fmt}: exit {stop.code}")
"""


def run_all(folder: Path, hash_seed: int) -> subprocess.Popen[bytes]:
    folder.mkdir()
    args = [
        str(x)
        for name, path in EXAMPLE_PATHS.items()
        for fmt, out in FORMATS.items()
        for x in (name, path, fmt, folder / f"{name}-{out}")
    ]
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def without_timing(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k != "elapsed_s"}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet (or CSV file) as rows of values, without the `elapsed_s` row."""
    tables: dict[str, list[list[Any]]]
    if path.is_dir():
        tables = {
            p.stem: [line.split(",") for line in p.read_text("utf-8-sig").splitlines()]
            for p in sorted(path.iterdir())
        }
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        tables = {
            ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in workbook.worksheets
        }
    return {
        name: [row for row in rows if row[:1] != ["elapsed_s"]] for name, rows in tables.items()
    }


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("determinism")
    first, second = base / "first", base / "second"
    runs = [run_all(first, 1), run_all(second, 2)]  # in parallel
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr.decode()
    return first, second


@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_json_is_identical_but_for_timing(two_runs: tuple[Path, Path], name: str) -> None:
    texts = [(run / f"{name}-result.json").read_text() for run in two_runs]
    first, second = (json.loads(t) for t in texts)
    assert first["pairs"] and "elapsed_s" in first
    assert without_timing(first) == without_timing(second)
    # byte for byte once the timing line is gone (sorted keys, stable lists)
    lines = [[line for line in t.splitlines() if '"elapsed_s"' not in line] for t in texts]
    assert lines[0] == lines[1]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("name", sorted(EXAMPLE_PATHS))
def test_exports_are_identical_but_for_timing(
    two_runs: tuple[Path, Path], name: str, fmt: str
) -> None:
    first, second = (cells(run / f"{name}-{FORMATS[fmt]}") for run in two_runs)
    assert sorted(first) == ["metrics", "municipalities", "pairs", "waiting"]
    assert len(first["pairs"]) > 1
    assert first == second


def test_json_keys_are_sorted(two_runs: tuple[Path, Path]) -> None:
    text = (two_runs[0] / "grenland-result.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
