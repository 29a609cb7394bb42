"""Spreadsheet commands of the command line: `convert` and `template`, and the result
export behind `solve --format xlsx|csv --out FILE`.

`register(app)` adds the commands to the `likematch` app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from matcher.cli.common import LangOpt, fail, use_language, wrote
from matcher.explain.result import Result
from matcher.io.files import OutputError
from matcher.io.load import load
from matcher.io.sheets.template import write_template
from matcher.io.sheets.write import write_result, write_scenario
from matcher.model.errors import ScenarioError

DEFAULT_TEMPLATE = Path("program.xlsx")


def convert(
    source: Annotated[
        Path,
        typer.Argument(
            help="The scenario to read: .yaml, .yml, .json, .xlsx or a folder of CSV files.",
            show_default=False,
        ),
    ],
    target: Annotated[
        Path,
        typer.Argument(
            help="Where to write it: .xlsx, .yaml, .yml, .json, or a folder name for CSV files.",
            show_default=False,
        ),
    ],
) -> None:
    """Convert a scenario between YAML, JSON, an Excel workbook and a folder of CSV files."""
    try:
        scenario = load(source)
    except ScenarioError as error:
        fail(error.render())
    try:
        write_scenario(scenario, target, protect=source)
    except OutputError as error:
        fail(str(error))
    wrote(target)


def template(
    out: Annotated[Path, typer.Option(help="The workbook to write (.xlsx).")] = DEFAULT_TEMPLATE,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    lang: LangOpt = None,
) -> None:
    """Write an empty scenario workbook to fill in, with drop-down lists.

    Each column is explained in a comment and on the notes sheet; the settings sheet
    lists every key with its default. With --lang nb, sheet names, headers, notes and
    drop-downs are in bokmål; a workbook in either language (or both) is read.
    """
    use_language(lang)
    if out.exists() and not force:
        fail(f"--out {out}: the file exists; pass --force to overwrite it")
    try:
        write_template(out)
    except OutputError as error:
        fail(str(error))
    wrote(out)


def export_result(
    result: Result,
    out: Path,
    fmt: Literal["xlsx", "csv"] | None = None,
    protect: Path | None = None,
) -> None:
    """Write a result for `solve --format xlsx|csv --out FILE` (an .xlsx workbook, or a
    folder of CSV files), then say so on stderr; bad paths exit with 2. `fmt` None takes
    the format from `out`; `protect` (the input scenario) is never overwritten."""
    try:
        write_result(result, out, fmt=fmt, protect=protect)
    except OutputError as error:
        fail(f"--out {error}")
    wrote(out)


def register(app: typer.Typer) -> None:
    """Add `convert` and `template` to the `likematch` app."""
    app.command("convert")(convert)
    app.command("template")(template)
