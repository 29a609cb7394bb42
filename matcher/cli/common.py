"""What every command shares: the stderr console, failing with an exit code, writing
output, and the options that mean the same in every command.

Exit codes: 0 a proposal, 2 invalid input, 3 infeasible hard rules.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from matcher import EXAMPLE
from matcher.io.files import OutputError, write_text
from matcher.io.load import load
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Scenario
from matcher.text.language import LanguageError, choose, set_language
from matcher.text.language import gettext as _

DEFAULT_SOLVER = "auto"
EXIT_INVALID = 2
EXIT_INFEASIBLE = 3
EXIT_NO_PROPOSAL = 4
WIDTH = 160  # text width of tables written to a file or a pipe

err = Console(stderr=True, highlight=False)

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="Scenario file (.yaml, .yml, .json, .xlsx or a CSV folder). Default: the bundled "
        "example."
    ),
]
OutOpt = Annotated[
    Path | None, typer.Option(help="Write the output to this file instead of the screen.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of the output: nb (bokmål) or en (English). Default: LIKEMATCH_LANG, "
        "else LANG, else English. JSON keys and codes stay as they are.",
    ),
]


def load_scenario(path: Path | None) -> tuple[Path, Scenario]:
    """The scenario a command was given (the bundled example without one); bad input
    exits with 2 and every problem."""
    source = path or EXAMPLE
    try:
        return source, load(source)
    except ScenarioError as error:
        fail(error.render())


def use_language(option: str | None) -> None:
    """Speak the language `--lang` or the environment chooses for the rest of the run; a
    language likematch does not speak exits with 2."""
    try:
        set_language(choose(option, os.environ))
    except LanguageError as error:
        where = "--lang" if option else "LIKEMATCH_LANG"
        fail(f"{where}: {error}")


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Say what is wrong on stderr, in one place, and leave with `code` (no traceback)."""
    word = _("error:")
    err.print(f"[bold red]{word}[/] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def wrote(path: Path) -> None:
    """Tell the user where the output went (stderr, so stdout stays clean)."""
    err.print(escape(_("wrote {path}").format(path=path)))


def parse_pair(option: str, text: str) -> tuple[str, str]:
    """`P01=M01` -> ('P01', 'M01'), as `--lock` and `--forbid` take pairs."""
    participant, sep, mentor = text.partition("=")
    if not sep or not participant.strip() or not mentor.strip():
        expected = _("expected PARTICIPANT=MENTOR, got '{text}'").format(text=text)
        raise ScenarioError([Finding(option, expected)])
    return participant.strip(), mentor.strip()


def emit(text: str, out: Path | None, protect: Path) -> None:
    """Print `text`, or write it to `--out` without ever touching the input file."""
    if out is None:
        sys.stdout.write(text)
        return
    try:
        write_text(out, text, protect=protect)
    except OutputError as error:
        fail(f"--out {error}")
    wrote(out)


def render_rich(draw: Callable[[Console], None], to_file: bool) -> str:
    """A rich table as text for a file, or printed straight to the terminal."""
    if not to_file:
        # A pipe gets a fixed width, so the text does not depend on where it went.
        console = Console()
        draw(console if console.is_terminal else Console(width=WIDTH))
        return ""
    console = Console(file=io.StringIO(), width=WIDTH)
    draw(console)
    return console.file.getvalue() if isinstance(console.file, io.StringIO) else ""
