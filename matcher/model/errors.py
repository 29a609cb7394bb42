"""Errors the library raises; the command line maps them to exit codes 2 and 3."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matcher.model.ids import shown_id
from matcher.text.language import gettext, ngettext

_NAME = re.compile(r"[^\W\d][\w .\-]{0,63}")  # a key as people type one, in any script

#: A place in a scenario document as its keys and list positions:
#: `("participants", 3, "age")`.
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the input: where (as shown, and as a key path that readers of
    other formats map back to their own places) and what."""

    #: the place as shown: `participants[3] (P04).age`, `--lock`, or empty for the file
    path: str
    message: str
    #: the same place as parts, `("participants", 3, "age")`; empty when the place is
    #: not in the scenario document (a command-line option, the file as a whole)
    loc: Loc = ()
    #: what kind of problem, for readers that word it for their own format whatever the
    #: language: `missing` (a required `key`), `vocabulary`, `unknown_participant`,
    #: `unknown_mentor`; empty for the rest
    kind: str = ""
    key: str = ""

    @classmethod
    def at(cls, loc: Loc, message: str, data: Any = None, kind: str = "", key: str = "") -> Finding:
        """A problem at `loc` in the document `data`, shown as `format_loc` shows it."""
        return cls(format_loc(loc, data), message, loc, kind, key)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def format_loc(loc: Sequence[str | int], data: Any = None) -> str:
    """`('participants', 3, 'age')` -> `participants[3] (P04).age` (the id from `data`)."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                label = shown_id(node.get("id")) if isinstance(node, dict) else None
                if label is not None:
                    out += f" ({label})"
            else:
                node = None
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


class ScenarioError(ValueError):
    """Invalid input. Carries every problem found, never the offending values."""

    def __init__(self, problems: list[Finding], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """The problems as the command line prints them, one per line under a count."""
        prefix = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        head = ngettext("invalid scenario ({n} problem)", "invalid scenario ({n} problems)", count)
        lines = [prefix + head.format(n=count)]
        lines += [f"  {prefix}{problem}" for problem in self.problems]
        return "\n".join(lines)


def key_name(key: object) -> str:
    """A key as it may appear in a message: a short name, else a placeholder (a key that
    does not look like a name may be a value typed in the wrong place)."""
    text = str(key)
    return text if _NAME.fullmatch(text) else gettext("(not a name)")
