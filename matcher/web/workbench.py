"""One coordinator's round in the browser: the scenario as opened, the decisions taken
so far, and the proposal after each, so that any decision can be undone.

Each decision re-solves at once with the current proposal as `previous`, so earlier
pairs stay wherever the optimum allows. A decision the hard rules cannot meet is not
applied; the refusal names the conflicting rules in plain words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from matcher.engine import previous_pairs
from matcher.explain.result import Result
from matcher.explain.stability import Changed
from matcher.model.controls import Decision, apply_decisions
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Scenario
from matcher.render.decisions import decision_text
from matcher.text.language import current
from matcher.text.language import gettext as _
from matcher.web.solving import Solving


class Refused(Exception):
    """A decision that was not applied, and why (in the session's language)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Change:
    """A participant whose mentor differs from the proposal before (None: waiting)."""

    participant: str
    before: str | None
    now: str | None
    why: str


@dataclass(frozen=True)
class State:
    """The round after some decisions: the scenario with them applied and its proposal."""

    decisions: tuple[Decision, ...]
    scenario: Scenario
    result: Result
    changes: tuple[Change, ...] = ()


def _partners(result: Result) -> dict[str, str]:
    return {p.participant: p.mentor for p in result.pairs}


def _changes(
    before: Result, after: Result, changed: list[Changed], cause: str, subject: str = ""
) -> tuple[Change, ...]:
    """Everyone whose mentor changed between two proposals, with the most direct reason:
    the decision for the person it names, the engine's reason for an earlier pair it
    gave up, else the decision again (a place it freed or took)."""
    was, now = _partners(before), _partners(after)
    why = {c.participant: c.why for c in changed if c.participant != subject}
    people = sorted(set(was) | set(now))
    return tuple(
        Change(pid, was.get(pid), now.get(pid), why.get(pid, cause))
        for pid in people
        if was.get(pid) != now.get(pid)
    )


@dataclass
class Workbench:
    """A round held in memory for one session; `states[-1]` is what the page shows."""

    base: Scenario
    source: str  # the uploaded file's name, or the example's
    solver: str = "auto"
    solving: Solving = field(default_factory=Solving)
    states: list[State] = field(default_factory=list)
    language: str = ""
    shown: tuple[Change, ...] = ()  # changes to highlight on the next page

    @classmethod
    def open(cls, scenario: Scenario, source: str, solving: Solving | None = None) -> Workbench:
        """Solve the round as opened; a round whose own rules conflict still opens, so
        that its conflicts can be shown."""
        bench = cls(scenario, source, solving=solving or Solving())
        bench.replay(())
        return bench

    @property
    def current(self) -> State:
        """The state the page shows."""
        return self.states[-1]

    @property
    def decisions(self) -> tuple[Decision, ...]:
        """The decisions taken so far, oldest first."""
        return self.current.decisions

    def _solve(
        self, decisions: tuple[Decision, ...], previous: Result | None
    ) -> tuple[Scenario, Result, list[Changed]]:
        scenario = apply_decisions(self.base, decisions) if decisions else self.base
        earlier = None if previous is None else previous_pairs(previous)
        result, changed = self.solving(scenario, self.solver, previous=earlier)
        return scenario, result, changed

    def _step(self, taken: tuple[Decision, ...]) -> State:
        """The state after `taken`, solved with the current proposal as `previous`,
        and what changed since it because of the last decision."""
        before = self.current.result
        scenario, result, changed = self._solve(taken, before)
        last = taken[-1]
        changes = _changes(before, result, changed, decision_text(last), last.participant)
        return State(taken, scenario, result, changes)

    def replay(self, decisions: tuple[Decision, ...]) -> None:
        """Rebuild every state from the scenario as opened (after a change of language,
        every text is worded again)."""
        self.language = current()
        scenario, result, _changed = self._solve((), None)
        self.states = [State((), scenario, result)]
        for index in range(len(decisions)):
            self.states.append(self._step(decisions[: index + 1]))
        self.shown = ()

    def decide(self, decision: Decision) -> State:
        """Apply one decision and re-solve; raises `Refused` (and changes nothing) when
        it is unknown, repeated, or the hard rules cannot meet it."""
        if any(_same(decision, d) for d in self.decisions):
            raise Refused([_("this decision is already taken")])
        try:
            state = self._step((*self.decisions, decision))
        except ScenarioError as error:
            raise Refused([_shown(p) for p in error.problems]) from None
        if state.result.status == "infeasible":
            raise Refused(state.result.conflicts)
        if state.result.status == "no_proposal":
            raise Refused(state.result.notes[-1:])
        self.states.append(state)
        self.shown = state.changes
        return state

    def undo(self) -> Decision | None:
        """Take back the last decision; the proposal before it returns unchanged."""
        if len(self.states) == 1:
            return None
        left = self.states.pop()
        undone = left.decisions[-1]
        cause = _("undone: {decision}").format(decision=decision_text(undone))
        self.shown = _changes(left.result, self.current.result, [], cause)
        return undone


def _shown(finding: Finding) -> str:
    """A finding without the command line's option name, which means nothing here."""
    return finding.message if finding.path.startswith("--") else str(finding)


def _same(a: Decision, b: Decision) -> bool:
    return (a.kind, a.participant, a.mentor) == (b.kind, b.participant, b.mentor)


def now() -> dt.datetime:
    """When a decision is taken: local time with its offset, to the second."""
    return dt.datetime.now().astimezone().replace(microsecond=0)
