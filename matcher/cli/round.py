"""The coordinator's round on the command line: `solve`, `report`, `validate` and
`schema`. Bad input exits with 2, infeasible hard rules with 3."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

import matcher
from matcher.cli.common import (
    DEFAULT_SOLVER,
    EXIT_INFEASIBLE,
    EXIT_NO_PROPOSAL,
    LangOpt,
    ScenarioArg,
    emit,
    err,
    fail,
    load_scenario,
    parse_pair,
    use_language,
)
from matcher.cli.sheets import export_result
from matcher.engine import UnsupportedError
from matcher.explain.due import DEFAULT_HORIZON
from matcher.io.previous import PreviousError, load_previous
from matcher.model.controls import Decision, apply_controls, apply_decisions
from matcher.model.errors import ScenarioError
from matcher.model.scenario import scenario_schema
from matcher.render.privacy import decisions_for_sharing, for_sharing, summary
from matcher.render.report import to_html, to_markdown
from matcher.render.table import render_table
from matcher.text.language import gettext as _
from solvers import OptionsError, UnknownSolverError


class Format(StrEnum):
    """What `solve --format` writes."""

    table = "table"
    json = "json"
    xlsx = "xlsx"
    csv = "csv"
    summary = "summary"


class FairnessMode(StrEnum):
    """The fairness modes `--fairness` may set."""

    none = "none"
    quotas = "quotas"
    proportional = "proportional"
    maxmin = "maxmin"


SolverOpt = Annotated[
    str, typer.Option(help="Back-end: auto, cpsat, mip, mip:highs, flow, networkx or greedy.")
]
TimeLimitOpt = Annotated[
    float | None, typer.Option(min=0.001, help="Stop searching after this many seconds.")
]
ThreadsOpt = Annotated[int, typer.Option(min=1, help="Solver threads.")]
SeedOpt = Annotated[int, typer.Option(help="Solver random seed.")]
LockOpt = Annotated[
    list[str] | None, typer.Option("--lock", metavar="P=M", help="Require this pair (repeatable).")
]
ForbidOpt = Annotated[
    list[str] | None,
    typer.Option("--forbid", metavar="P=M", help="Never propose this pair (repeatable)."),
]
ReleaseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--release", metavar="P", help="Release this participant's active pair (repeatable)."
    ),
]
FairnessOpt = Annotated[
    FairnessMode | None, typer.Option("--fairness", help="Override the policy's fairness mode.")
]
PreviousOpt = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        metavar="RESULT.json",
        help="The JSON result of an earlier run of this round: keep its pairs where the "
        "optimum allows.",
    ),
]
ExplainOpt = Annotated[
    bool,
    typer.Option(
        "--explain/--no-explain", help="Alternatives and would-match-if, found by re-solving."
    ),
]
HorizonOpt = Annotated[
    int,
    typer.Option(
        "--horizon",
        min=0,
        max=3650,
        metavar="DAYS",
        help="List renewals and reviews of active pairs due within this many days.",
    ),
]
AnonymizeOpt = Annotated[
    bool,
    typer.Option(
        "--anonymize",
        help="Replace participant and mentor ids with stable pseudonyms "
        "(P-..., M-...), in texts too.",
    ),
]
AnonymizeKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--anonymize-key",
        envvar="LIKEMATCH_ANONYMIZE_KEY",
        metavar="SECRET",
        help="With --anonymize: a secret mixed into the pseudonyms, so that only its holders "
        "can recompute them.",
    ),
]


@dataclass(frozen=True)
class Decisions:
    """The coordinator's decisions for this run, as `--lock`, `--forbid`, `--release`,
    `--fairness` and `--previous` gave them."""

    lock: list[str] | None = None
    forbid: list[str] | None = None
    release: list[str] | None = None
    fairness: FairnessMode | None = None
    previous: Path | None = None

    def taken(self) -> tuple[Decision, ...]:
        """The locks, then the forbidden pairs, then the releases, each in the order
        given (the options do not tell how they interleave); a pair that is not
        `P=M` raises `ScenarioError`."""
        return (
            *(Decision("lock", *parse_pair("--lock", x)) for x in self.lock or []),
            *(Decision("forbid", *parse_pair("--forbid", x)) for x in self.forbid or []),
            *(Decision("release", x) for x in self.release or []),
        )


def exit_if_infeasible(result: matcher.Result) -> None:
    """Exit 3 naming the conflicting rules, or 4 when the solver found no proposal, after
    the output was written."""
    if result.status == "infeasible":
        conflicts = "; ".join(result.conflicts)
        fail(
            _("infeasible: the hard rules conflict: {conflicts}").format(conflicts=conflicts),
            EXIT_INFEASIBLE,
        )
    if result.status == "no_proposal":
        fail(
            _("no proposal: {why}; try a longer --time-limit or another --solver").format(
                why=result.notes[-1]
            ),
            EXIT_NO_PROPOSAL,
        )


def run_round(
    path: Path,
    solver: str,
    decisions: Decisions,
    *,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    explain: bool = True,
    horizon: int = DEFAULT_HORIZON,
) -> tuple[matcher.Scenario, matcher.Result, list[tuple[str, str]]]:
    """Load, apply the coordinator's decisions and solve; bad input exits with 2. Also
    gives the `--previous` proposal's pairs, which its note may name."""
    try:
        earlier = None if decisions.previous is None else load_previous(decisions.previous)
        loaded = apply_decisions(matcher.load(path), decisions.taken())
        if decisions.fairness is not None:
            loaded = apply_controls(loaded, fairness=decisions.fairness.value)
        result = matcher.solve(
            loaded,
            solver=solver,
            time_limit=time_limit,
            threads=threads,
            seed=seed,
            explain=explain,
            previous=earlier,
            horizon=horizon,
        )
        return loaded, result, earlier or []
    except ScenarioError as error:
        fail(error.render())
    except PreviousError as error:
        fail(str(error))
    except UnknownSolverError as error:
        fail(f"--solver: {error}")
    except OptionsError as error:
        fail(str(error))
    except UnsupportedError as error:
        fail(f"--solver: {error}")


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
    horizon: HorizonOpt = DEFAULT_HORIZON,
    lang: LangOpt = None,
) -> None:
    """Propose pairs for one matching round, with reasons and a waiting list.

    `--format summary` gives per-municipality counts for sharing, without ids and with
    counts below 3 suppressed."""
    use_language(lang)
    path = scenario or matcher.EXAMPLE
    decisions = Decisions(lock, forbid, release, fairness, previous)
    loaded, result, earlier = run_round(
        path,
        solver,
        decisions,
        time_limit=time_limit,
        threads=threads,
        seed=seed,
        explain=explain,
        horizon=horizon,
    )
    loaded, result = for_sharing(
        loaded, result, anonymize=anonymize, key=anonymize_key, previous=earlier
    )
    if fmt in (Format.xlsx, Format.csv):
        if out is None:
            fail(_("--format {format} needs --out FILE").format(format=fmt.value))
        export_result(result, out, fmt="xlsx" if fmt is Format.xlsx else "csv", protect=Path(path))
    elif fmt is Format.json:
        emit(result.to_json() + "\n", out, protect=Path(path))
    elif fmt is Format.summary:
        emit(summary(loaded, result), out, protect=Path(path))
    elif out is None:
        render_table(result, Console())
    else:
        console = Console(file=io.StringIO(), width=120)
        render_table(result, console)
        emit(
            console.file.getvalue() if isinstance(console.file, io.StringIO) else "",
            out,
            protect=Path(path),
        )
    exit_if_infeasible(result)


def report(
    scenario: ScenarioArg = None,
    out: Annotated[
        Path, typer.Option(help="The report file: .html (printable page) or .md (Markdown).")
    ] = Path("meeting.html"),
    solver: SolverOpt = DEFAULT_SOLVER,
    time_limit: TimeLimitOpt = None,
    lock: LockOpt = None,
    forbid: ForbidOpt = None,
    release: ReleaseOpt = None,
    fairness: FairnessOpt = None,
    previous: PreviousOpt = None,
    anonymize: AnonymizeOpt = False,
    anonymize_key: AnonymizeKeyOpt = None,
    horizon: HorizonOpt = DEFAULT_HORIZON,
    lang: LangOpt = None,
) -> None:
    """Write the pairing-meeting report: pairs, waiting list, municipalities, mentor load."""
    use_language(lang)
    if out.suffix.lower() not in (".html", ".htm", ".md"):
        fail(_("--out {path}: use a .html or .md file name").format(path=out))
    path = scenario or matcher.EXAMPLE
    decisions = Decisions(lock, forbid, release, fairness, previous)
    loaded, result, earlier = run_round(
        path, solver, decisions, time_limit=time_limit, horizon=horizon
    )
    taken = decisions_for_sharing(
        loaded, decisions.taken(), anonymize=anonymize, key=anonymize_key, previous=earlier
    )
    loaded, result = for_sharing(
        loaded, result, anonymize=anonymize, key=anonymize_key, previous=earlier
    )
    text = (to_markdown if out.suffix.lower() == ".md" else to_html)(loaded, result, taken)
    emit(text, out, protect=Path(path))
    exit_if_infeasible(result)


def schema(
    result: Annotated[
        bool,
        typer.Option(
            "--result",
            help="The schema of the JSON result instead (with every reason code).",
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of a scenario file, for editors and other tools."""
    if result:
        found = matcher.Result.model_json_schema(mode="serialization")
        found["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    else:
        found = scenario_schema()
    sys.stdout.write(json.dumps(found, indent=2, ensure_ascii=False) + "\n")


def validate(scenario: ScenarioArg = None, lang: LangOpt = None) -> None:
    """Check a scenario and report every problem at once (exit 2 if there are any)."""
    use_language(lang)
    path, loaded = load_scenario(scenario)
    waiting = sum(1 for p in loaded.participants if p.consent) - sum(
        1 for p in loaded.pairs if not p.release
    )
    counts = _(
        "valid: {mentors} mentors, {participants} participants ({waiting} with consent "
        "waiting), {pairs} pairs, {municipalities} municipalities"
    ).format(
        mentors=len(loaded.mentors),
        participants=len(loaded.participants),
        waiting=waiting,
        pairs=len(loaded.pairs),
        municipalities=len(loaded.municipality_list()),
    )
    err.print(f"{escape(str(path))}: {escape(counts)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the round's commands to the `likematch` app."""
    app.command("solve")(solve)
    app.command("report")(report)
    app.command("schema")(schema)
    app.command("validate")(validate)
