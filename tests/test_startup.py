"""Start-up stays light: `import matcher` and `likematch --help` or `--version` load none
of the heavy or optional modules, which only the commands that need them import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules that must load only when a command needs them.
HEAVY = (
    "ortools.sat.python.cp_model",
    "pandas",
    "pulp",
    "highspy",
    "openpyxl",
    "matplotlib",
    "dask",
    "distributed",
    "fastapi",
    "uvicorn",
    "jinja2",
    "babel.messages",
)

_PROBE = """
import json, sys
{run}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""
_CLI = """
from matcher.cli.app import app
try:
    app([{args}])
except SystemExit:
    pass
"""


def loaded(run: str) -> list[str]:
    """The heavy modules loaded by running `run` in a fresh interpreter."""
    code = _PROBE.format(run=run, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_import_matcher_loads_no_heavy_module() -> None:
    assert loaded("import matcher") == []


@pytest.mark.parametrize("args", ["'--help'", "'--version'", "'solve', '--help'"])
def test_help_and_version_load_no_heavy_module(args: str) -> None:
    assert loaded(_CLI.format(args=args)) == []


def test_the_probe_sees_a_heavy_module_when_one_is_loaded() -> None:
    assert loaded("import openpyxl") == ["openpyxl"]
