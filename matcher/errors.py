"""Errors the library raises; the command line maps them to exit codes 2 and 3."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (a key path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(ValueError):
    """Invalid input. Carries every problem found, never the offending values."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{prefix}invalid scenario ({len(self.problems)} {noun})"]
        lines += [f"  {prefix}{problem}" for problem in self.problems]
        return "\n".join(lines)


class InfeasibleError(RuntimeError):
    """The hard rules cannot all hold; `conflicts` names a minimal set of them."""

    def __init__(self, conflicts: list[str]) -> None:
        self.conflicts = conflicts
        super().__init__("infeasible: " + "; ".join(conflicts))
