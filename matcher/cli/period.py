"""`likematch period`: the counts a coordinator reports to a municipality every month and
to NAV every three months, per municipality, with small counts suppressed."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.common import (
    LangOpt,
    OutOpt,
    ScenarioArg,
    emit,
    fail,
    load_scenario,
    render_rich,
    use_language,
    wrote,
)
from matcher.io.files import OutputError
from matcher.planning.period import PeriodError
from matcher.render.period import period_report, period_workbook, render_period
from matcher.render.plans import to_json
from matcher.text.language import gettext as _


class PeriodFormat(StrEnum):
    """`period --format`."""

    table = "table"
    json = "json"
    xlsx = "xlsx"


def period(
    scenario: ScenarioArg = None,
    start: Annotated[
        dt.datetime | None,
        typer.Option(
            "--from",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="First day. Default: the first day of the round's month.",
        ),
    ] = None,
    end: Annotated[
        dt.datetime | None,
        typer.Option(
            "--to",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Last day. Default: the round's date.",
        ),
    ] = None,
    fmt: Annotated[
        PeriodFormat, typer.Option("--format", help="Output format.")
    ] = PeriodFormat.table,
    out: OutOpt = None,
    lang: LangOpt = None,
) -> None:
    """Count a period's work per municipality, for reports to municipalities and NAV.

    Participants followed, new and ended pairs, pairs active at the end with their mentor
    posts, and pairs by funding, from the active pairs and the ended ones (history).
    Counts below 3 are suppressed, and so is any count that would give one away."""
    use_language(lang)
    path, loaded = load_scenario(scenario)
    first = loaded.date.replace(day=1) if start is None else start.date()
    last = loaded.date if end is None else end.date()
    try:
        report = period_report(loaded, first, last)
    except PeriodError as error:
        fail(str(error))
    if fmt is PeriodFormat.xlsx:
        if out is None:
            fail(_("--format {format} needs --out FILE").format(format=fmt.value))
        try:
            period_workbook(report, out, protect=Path(path))
        except OutputError as error:
            fail(f"--out {error}")
        wrote(out)
    elif fmt is PeriodFormat.json:
        emit(to_json(report), out, Path(path))
    else:
        text = render_rich(lambda c: render_period(report, c), out is not None)
        if text:
            emit(text, out, Path(path))


def register(app: typer.Typer) -> None:
    """Add `period` to a typer app (the `likematch` app)."""
    app.command("period")(period)
