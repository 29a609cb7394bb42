"""The `likematch` command line. Exit codes: 0 a proposal, 2 invalid input, 3 infeasible."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

import matcher
from matcher.cli_plan import register as register_plan
from matcher.cli_sheets import export_result
from matcher.cli_sheets import register as register_sheets
from matcher.controls import PreviousError, apply_controls, load_previous, parse_pair
from matcher.engine import UnsupportedError
from matcher.errors import ScenarioError
from matcher.privacy import for_sharing, summary
from matcher.report import to_html, to_markdown
from matcher.report_table import render_table
from matcher.scenario import scenario_schema
from solvers import NoSolutionError, UnknownSolverError

DEFAULT_SOLVER = "auto"
EXIT_INVALID = 2
EXIT_INFEASIBLE = 3

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Pair peer mentors with participants leaving treatment: an optimal, explained "
    "proposal for the pairing meeting.",
)
err = Console(stderr=True, highlight=False)


class Format(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    csv = "csv"
    summary = "summary"


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"likematch {matcher.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """likematch: pairing proposals for peer-mentor aftercare."""


def write_atomic(path: Path, text: str, protect: Path | None) -> None:
    """Write `text` to `path` in one step; never overwrite the input scenario."""
    if protect is not None and path.exists() and path.resolve() == protect.resolve():
        fail(f"--out {path}: refusing to overwrite the input scenario")
    if path.is_dir():
        fail(f"--out {path}: is a folder, expected a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        fail(f"--out {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FairnessMode(StrEnum):
    none = "none"
    quotas = "quotas"
    proportional = "proportional"
    maxmin = "maxmin"


ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario file (.yaml, .yml or .json). Default: the bundled example."),
]
SolverOpt = Annotated[str, typer.Option(help="Back-end: auto, cpsat, mip, mip:highs, flow, "
                                             "networkx or greedy.")]
TimeLimitOpt = Annotated[
    float | None, typer.Option(min=0.001, help="Stop searching after this many seconds.")
]
ThreadsOpt = Annotated[int, typer.Option(min=1, help="Solver threads.")]
SeedOpt = Annotated[int, typer.Option(help="Solver random seed.")]
LockOpt = Annotated[list[str] | None, typer.Option(
    "--lock", metavar="P=M", help="Require this pair (repeatable).")]
ForbidOpt = Annotated[list[str] | None, typer.Option(
    "--forbid", metavar="P=M", help="Never propose this pair (repeatable).")]
ReleaseOpt = Annotated[list[str] | None, typer.Option(
    "--release", metavar="P", help="Release this participant's active pair (repeatable).")]
FairnessOpt = Annotated[FairnessMode | None, typer.Option(
    "--fairness", help="Override the policy's fairness mode.")]
PreviousOpt = Annotated[Path | None, typer.Option(
    "--previous", metavar="RESULT.json",
    help="The JSON result of an earlier run of this round: keep its pairs where the "
    "optimum allows.")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain/--no-explain", help="Alternatives and would-match-if, found by re-solving.")]
AnonymizeOpt = Annotated[bool, typer.Option(
    "--anonymize", help="Replace participant and mentor ids with stable pseudonyms "
    "(P-..., M-...), in texts too.")]
AnonymizeKeyOpt = Annotated[str | None, typer.Option(
    "--anonymize-key", envvar="LIKEMATCH_ANONYMIZE_KEY", metavar="SECRET",
    help="With --anonymize: a secret mixed into the pseudonyms, so that only its holders "
    "can recompute them.")]


def run_round(
    path: Path,
    solver: str,
    *,
    lock: list[str] | None = None,
    forbid: list[str] | None = None,
    release: list[str] | None = None,
    fairness: FairnessMode | None = None,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    explain: bool = True,
    previous: Path | None = None,
) -> tuple[matcher.Scenario, matcher.Result]:
    """Load, apply the coordinator's decisions and solve; bad input exits with 2."""
    try:
        loaded = matcher.load(path)
        loaded = apply_controls(
            loaded,
            lock=[parse_pair("--lock", x) for x in lock or []],
            forbid=[parse_pair("--forbid", x) for x in forbid or []],
            release=release or [],
            fairness=fairness.value if fairness is not None else None,
        )
        result = matcher.solve(loaded, solver=solver, time_limit=time_limit, threads=threads,
                               seed=seed, explain=explain,
                               previous=None if previous is None else load_previous(previous))
        return loaded, result
    except ScenarioError as error:
        fail(error.render())
    except PreviousError as error:
        fail(str(error))
    except UnknownSolverError as error:
        fail(f"--solver: {error}")
    except UnsupportedError as error:
        fail(f"--solver: {error}")
    except NoSolutionError as error:
        fail(f"{error}; try a longer --time-limit", 1)


@app.command()
def solve(
    scenario: ScenarioArg = None,
    solver: SolverOpt = DEFAULT_SOLVER,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    out: Annotated[
        Path | None, typer.Option(help="Write the output to this file instead of the screen.")
    ] = None,
    time_limit: TimeLimitOpt = None,
    threads: ThreadsOpt = 1,
    seed: SeedOpt = 0,
    lock: LockOpt = None,
    forbid: ForbidOpt = None,
    release: ReleaseOpt = None,
    fairness: FairnessOpt = None,
    explain: ExplainOpt = True,
    previous: PreviousOpt = None,
    anonymize: AnonymizeOpt = False,
    anonymize_key: AnonymizeKeyOpt = None,
) -> None:
    """Propose pairs for one matching round, with reasons and a waiting list.

    `--format summary` gives per-municipality counts for sharing, without ids and with
    counts below 3 suppressed."""
    path = scenario or matcher.EXAMPLE
    loaded, result = run_round(path, solver, lock=lock, forbid=forbid, release=release,
                               fairness=fairness, time_limit=time_limit, threads=threads,
                               seed=seed, explain=explain, previous=previous)
    loaded, result = for_sharing(loaded, result, anonymize=anonymize, key=anonymize_key)
    if fmt in (Format.xlsx, Format.csv):
        if out is None:
            fail(f"--format {fmt.value} needs --out FILE")
        export_result(result, out, fmt="xlsx" if fmt is Format.xlsx else "csv",
                      protect=Path(path))
        text = ""
    elif fmt is Format.json:
        text = result.to_json() + "\n"
    elif fmt is Format.summary:
        text = summary(loaded, result)
    else:
        console = Console(file=io.StringIO(), width=120) if out else Console()
        render_table(result, console)
        text = console.file.getvalue() if isinstance(console.file, io.StringIO) else ""
    if out is not None and fmt not in (Format.xlsx, Format.csv):
        write_atomic(out, text, protect=Path(path))
        err.print(f"wrote {escape(str(out))}")
    elif text:
        sys.stdout.write(text)
    if result.status == "infeasible":
        fail("infeasible: the hard rules conflict: " + "; ".join(result.conflicts),
             EXIT_INFEASIBLE)


@app.command()
def report(
    scenario: ScenarioArg = None,
    out: Annotated[Path, typer.Option(
        help="The report file: .html (printable page) or .md (Markdown).")] = Path("meeting.html"),
    solver: SolverOpt = DEFAULT_SOLVER,
    time_limit: TimeLimitOpt = None,
    lock: LockOpt = None,
    forbid: ForbidOpt = None,
    release: ReleaseOpt = None,
    fairness: FairnessOpt = None,
    previous: PreviousOpt = None,
    anonymize: AnonymizeOpt = False,
    anonymize_key: AnonymizeKeyOpt = None,
) -> None:
    """Write the pairing-meeting report: pairs, waiting list, municipalities, mentor load."""
    if out.suffix.lower() not in (".html", ".htm", ".md"):
        fail(f"--out {out}: use a .html or .md file name")
    path = scenario or matcher.EXAMPLE
    loaded, result = run_round(path, solver, lock=lock, forbid=forbid, release=release,
                               fairness=fairness, time_limit=time_limit, previous=previous)
    loaded, result = for_sharing(loaded, result, anonymize=anonymize, key=anonymize_key)
    text = (to_markdown if out.suffix.lower() == ".md" else to_html)(loaded, result)
    write_atomic(out, text, protect=Path(path))
    err.print(f"wrote {escape(str(out))}")
    if result.status == "infeasible":
        fail("infeasible: the hard rules conflict: " + "; ".join(result.conflicts),
             EXIT_INFEASIBLE)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario file, for editors and other tools."""
    sys.stdout.write(json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command()
def validate(scenario: ScenarioArg = None) -> None:
    """Check a scenario and report every problem at once (exit 2 if there are any)."""
    path = scenario or matcher.EXAMPLE
    try:
        loaded = matcher.load(path)
    except ScenarioError as error:
        fail(error.render())
    waiting = sum(1 for p in loaded.participants if p.consent) - sum(
        1 for p in loaded.pairs if not p.release)
    err.print(
        f"{escape(str(path))}: valid: {len(loaded.mentors)} mentors, "
        f"{len(loaded.participants)} participants ({waiting} with consent waiting), "
        f"{len(loaded.pairs)} pairs, {len(loaded.municipality_list())} municipalities",
        highlight=False,
    )


register_sheets(app)
register_plan(app)
