"""Errors the library raises; the command line maps them to exit codes 2 and 3."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"[^\W\d][\w .\-]{0,63}")  # a key as people type one, in any script


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the input: where (a key path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(ValueError):
    """Invalid input. Carries every problem found, never the offending values."""

    def __init__(self, problems: list[Finding], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{prefix}invalid scenario ({len(self.problems)} {noun})"]
        lines += [f"  {prefix}{problem}" for problem in self.problems]
        return "\n".join(lines)


def key_name(key: object) -> str:
    """A key as it may appear in a message: a short name, else a placeholder (a key that
    does not look like a name may be a value typed in the wrong place)."""
    text = str(key)
    return text if _NAME.fullmatch(text) else "(not a name)"
