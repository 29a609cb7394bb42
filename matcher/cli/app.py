"""The `likematch` command: one typer app that each command group adds itself to.

The groups (`round`, `sheets`, `plan`) know nothing of each other or of this module, so
a new command is one function in the group it belongs to, registered there.
"""

from __future__ import annotations

from typing import Annotated

import typer

import matcher
from matcher.cli import period, plan, round, serve, sheets
from matcher.cli.common import use_language

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Pair peer mentors with participants leaving treatment: an optimal, explained "
    "proposal for the pairing meeting.",
)


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
    use_language(None)  # LIKEMATCH_LANG or LANG; a command's --lang overrides it


round.register(app)
sheets.register(app)
plan.register(app)
period.register(app)
serve.register(app)
