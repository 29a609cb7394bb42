"""The programme lead's three forms, read and checked: the what-if grid, recruitment and
the year simulation.

The grid's lists are read by the same parsers as the command line's options
(`matcher.planning.parsing`), so the page refuses what `likematch whatif` refuses, in
the same words, with the form's field named instead of the option. Every problem of a
form is reported at once. The bounds keep one request from occupying the machine for
hours: the page says what to ask for instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from matcher.model.scenario import Scenario
from matcher.planning.parsing import (
    COUNT,
    FAIRNESS,
    POSTS,
    OptionError,
    comma_list,
    fairness_mode,
    non_negative,
    optional_list,
    profile_from,
    whole_number,
)
from matcher.planning.runs import nav_share_of
from matcher.planning.simulate import Settings
from matcher.planning.variants import MentorProfile
from matcher.planning.whatif import Grid
from matcher.text.language import gettext as _

T = TypeVar("T")

MAX_VARIANTS = 200
MAX_ADDED_MENTORS = 20
MAX_RUNS = 2000
MAX_MONTHS = 36
MAX_TOP = 50
MAX_SEED = 2**31 - 1
MAX_TEXT = 200  # characters of one field

#: Each form's fields as the page first shows them (the command line's defaults).
DEFAULTS: dict[str, dict[str, str]] = {
    "whatif": {
        "add_mentors": "0,1,2",
        "mentor_capacity": "",
        "capacity": "",
        "position_budget": "",
        "gender": "",
        "municipality": "",
        "age": "40",
    },
    "recruit": {"top": "5", "keep_caps": ""},
    "simulate": {
        "runs": "200",
        "months": "12",
        "seed": "0",
        "round_weeks": "4",
        "add_mentors": "0",
    },
}


class FormProblems(ValueError):
    """A form with values that cannot be used; `problems` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SimulationAsked:
    """What the simulation form asks for: the settings, and mentors to add first."""

    settings: Settings
    add_mentors: int


def floor_field(municipality: str) -> str:
    """The form field of a municipality's floor values."""
    return f"floor-{municipality}"


class _Reader:
    """One form's fields, and the problems found while reading them."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = fields
        self.problems: list[str] = []

    def text(self, name: str, label: str) -> str:
        """A field's text, trimmed; too long a text is a problem (and reads as empty)."""
        value = self.fields.get(name, "").strip()
        if len(value) > MAX_TEXT:
            self.problems.append(
                _("{field}: at most {limit} characters").format(field=label, limit=MAX_TEXT)
            )
            return ""
        return value

    def parsed(self, read: Callable[[], T], fallback: T) -> T:
        """`read()`, or `fallback` with its problem noted."""
        try:
            return read()
        except OptionError as error:
            self.problems.append(str(error))
            return fallback

    def number(self, name: str, label: str, low: int, high: int, default: int) -> int:
        """A whole number from `low` to `high` (`default` when left empty); above
        `high`, the message says it is a limit of this page, not a mistake."""
        text = self.text(name, label) or str(default)
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if low <= value <= high:
            return value
        if value > high:
            message = _("{field}: at most {limit} at a time, so that the answer comes in minutes")
            self.problems.append(message.format(field=label, limit=high))
        else:
            message = _("{field}: '{value}' is not a whole number from {low} to {high}")
            self.problems.append(message.format(field=label, value=text, low=low, high=high))
        return low

    def check(self) -> None:
        """Raise `FormProblems` if anything was wrong."""
        if self.problems:
            raise FormProblems(self.problems)


def _profile(read: _Reader, scenario: Scenario) -> MentorProfile | None:
    """The added mentors' profile, or None for the profiles that help most."""
    gender = read.text("gender", _("Gender"))
    if not gender:
        return None
    fields = {
        "gender": gender,
        "municipality": read.text("municipality", _("Municipality")),
        "age": read.text("age", _("Age")) or "40",
    }
    label = _("Who the added mentors are")
    return read.parsed(lambda: profile_from(fields, scenario, label), None)


def _floors(read: _Reader, scenario: Scenario) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The floor values given, one axis per municipality."""
    floors: list[tuple[str, tuple[int, ...]]] = []
    for muni in scenario.municipality_list():
        label = _("Floor for {municipality}").format(municipality=muni.label)
        text = read.text(floor_field(muni.id), label)
        if text:
            none: tuple[int, ...] = ()
            values = read.parsed(partial(comma_list, label, text, whole_number, COUNT), none)
            if values:
                floors.append((muni.id, values))
    return tuple(floors)


def whatif_grid(fields: Mapping[str, str], fairness: list[str], scenario: Scenario) -> Grid:
    """The grid the what-if form asks for; raises `FormProblems`."""
    read = _Reader(fields)
    added_label = _("Added mentors")
    added_text = read.text("add_mentors", added_label) or "0"
    nobody: tuple[int, ...] = (0,)
    added = read.parsed(partial(comma_list, added_label, added_text, whole_number, COUNT), nobody)
    if max(added) > MAX_ADDED_MENTORS:
        message = _("{field}: at most {limit} mentors can be added")
        read.problems.append(message.format(field=added_label, limit=MAX_ADDED_MENTORS))

    def axis(name: str, label: str, parse: Callable[[str], T], what: str) -> tuple[T | None, ...]:
        text = read.text(name, label)
        return read.parsed(lambda: optional_list(label, text, parse, what), (None,))

    modes = _("Fairness")
    grid = Grid(
        add_mentors=added,
        mentor_capacity=axis("mentor_capacity", _("Participants per mentor"), whole_number, COUNT),
        capacity=axis("capacity", _("Programme capacity"), whole_number, COUNT),
        position_budget=axis("position_budget", _("Mentor posts"), non_negative, POSTS),
        floors=_floors(read, scenario),
        fairness=read.parsed(
            lambda: optional_list(modes, ",".join(fairness), fairness_mode, FAIRNESS), (None,)
        ),
        profile=_profile(read, scenario),
    )
    read.check()
    size = variant_count(grid)
    if size > MAX_VARIANTS:
        message = _(
            "The grid has {variants} combinations; at most {limit} can be compared at once. "
            "Give fewer values."
        )
        raise FormProblems([message.format(variants=size, limit=MAX_VARIANTS)])
    return grid


def variant_count(grid: Grid) -> int:
    """How many variants the grid holds, counted without listing them."""
    axes = [
        grid.add_mentors,
        grid.mentor_capacity,
        grid.capacity,
        grid.position_budget,
        grid.fairness,
    ]
    return math.prod(len(a) for a in axes) * math.prod(len(v) for _m, v in grid.floors)


def recruit_asked(fields: Mapping[str, str]) -> tuple[int, bool]:
    """How many profiles to show, and whether recruits bring no places of their own;
    raises `FormProblems`."""
    read = _Reader(fields)
    top = read.number("top", _("Profiles to show"), 1, MAX_TOP, 5)
    read.check()
    return top, bool(fields.get("keep_caps"))


def simulation_asked(fields: Mapping[str, str], scenario: Scenario, solver: str) -> SimulationAsked:
    """The simulation form's settings; the rest are the command line's defaults, and
    NAV's share of new pairs is the share among the round's active pairs. Raises
    `FormProblems`."""
    read = _Reader(fields)
    runs = read.number("runs", _("Runs"), 1, MAX_RUNS, 200)
    months = read.number("months", _("Months"), 1, MAX_MONTHS, 12)
    seed = read.number("seed", _("Seed"), 0, MAX_SEED, 0)
    weeks = read.number("round_weeks", _("Weeks between rounds"), 1, 52, 4)
    added = read.number("add_mentors", _("Added mentors"), 0, MAX_ADDED_MENTORS, 0)
    read.check()
    settings = Settings(
        months=months,
        runs=runs,
        seed=seed,
        round_weeks=weeks,
        solver=solver,
        nav_share=nav_share_of(scenario),
    )
    return SimulationAsked(settings, added)
