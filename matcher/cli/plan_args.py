"""The planning commands' option texts as values: `--floor sola=1,2`, `--mentor-profile
gender=female,...`, `--referrals sola=1.5`, comma lists of counts. A bad text exits with 2
and says what to write instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast, get_args

from matcher.cli.common import (
    fail,
)
from matcher.model.scenario import Fairness, Gender, Scenario
from matcher.model.vocabulary import SUBSTANCES
from matcher.planning.variants import MentorProfile

T = TypeVar("T")

#: What the value parsers accept, in words for error messages.
COUNT = "a whole number >= 0"
POSTS = "a number of posts >= 0"
FAIRNESS = "one of " + ", ".join(get_args(Fairness))


def comma_list(option: str, text: str, parse: Callable[[str], T], what: str) -> tuple[T, ...]:
    """`1,2,2` -> (1, 2): comma-separated values in the given order, repeats dropped."""
    out: list[T] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            fail(f"{option}: empty value in '{text}'")
        try:
            value = parse(part)
        except ValueError:
            fail(f"{option}: '{part}' is not {what}")
        if value not in out:
            out.append(value)
    return tuple(out)


def whole_number(text: str) -> int:
    """A count option's value: 0 or more (a ValueError names it bad)."""
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def non_negative(text: str) -> float:
    """A number of posts: finite and 0 or more (a ValueError names it bad)."""
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError(text)
    return value


def fairness_mode(text: str) -> Fairness:
    """A fairness mode of the scenario format (a ValueError names it bad)."""
    if text not in get_args(Fairness):
        raise ValueError(text)
    return text  # type: ignore[return-value]


def optional_list(
    option: str, text: str | None, parse: Callable[[str], T], what: str
) -> tuple[T, ...] | tuple[None]:
    """A grid axis the user may leave out: `(None,)` (keep the scenario's value) when not
    given, else the comma list, each value checked by `parse`."""
    if not text:
        return (None,)
    return comma_list(option, text, parse, what)


def parse_floors(texts: list[str], scenario: Scenario) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The repeated `--floor MUNICIPALITY=N[,N...]` options as grid axes; a municipality
    given twice is refused (exit 2) rather than one value silently winning."""
    known = [m.id for m in scenario.municipality_list()]
    out: dict[str, tuple[int, ...]] = {}
    for text in texts:
        muni, sep, values = text.partition("=")
        muni = muni.strip()
        if not sep or not muni:
            fail(f"--floor: expected MUNICIPALITY=N[,N...], got '{text}'")
        if muni not in known:
            fail(f"--floor: unknown municipality '{muni}'; the scenario has: {', '.join(known)}")
        if muni in out:
            fail(f"--floor: municipality '{muni}' given twice")
        out[muni] = comma_list("--floor", values, whole_number, "a whole number >= 0")
    return tuple(out.items())


PROFILE_KEYS = ("gender", "municipality", "age", "serves", "substances")


def parse_profile(text: str, scenario: Scenario) -> MentorProfile:
    """`gender=female,municipality=sandnes,age=40[,serves=a+b][,substances=x+y]`."""
    option = "--mentor-profile"
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            fail(f"{option}: expected KEY=VALUE pairs separated by commas, got '{part}'")
        if key not in PROFILE_KEYS:
            fail(f"{option}: unknown key '{key}'; use {', '.join(PROFILE_KEYS)}")
        fields[key] = value
    for key in ("gender", "municipality"):
        if key not in fields:
            fail(f"{option}: '{key}' is missing")
    gender = cast(Gender, fields["gender"].lower())
    if gender not in get_args(Gender):
        fail(f"{option}: gender must be one of {', '.join(get_args(Gender))}")
    known = [m.id for m in scenario.municipality_list()]
    serves = tuple(s.strip() for s in fields.get("serves", fields["municipality"]).split("+"))
    for muni in (fields["municipality"], *serves):
        if muni not in known:
            fail(f"{option}: unknown municipality '{muni}'; the scenario has: {', '.join(known)}")
    try:
        age = int(fields.get("age", "40"))
    except ValueError:
        fail(f"{option}: age must be a whole number")
    if not 16 <= age <= 120:
        fail(f"{option}: age must be between 16 and 120")
    allowed = {*SUBSTANCES, *scenario.vocabulary.substances}
    substances = (
        tuple(s.strip().lower() for s in fields["substances"].split("+"))
        if "substances" in fields
        else ()
    )
    for substance in substances:
        if substance not in allowed:
            fail(f"{option}: unknown substance '{substance}'; use {', '.join(sorted(allowed))}")
    return MentorProfile(
        gender=gender,
        municipality=fields["municipality"],
        age=age,
        serves=serves,
        substances=substances,
    )


def parse_rates(text: str, scenario: Scenario) -> tuple[tuple[str, float], ...]:
    """`--referrals sola=2.5,...`: referrals per month for the municipalities named; the
    others keep the rate read from the scenario. Unlike --floor, a repeat wins silently."""
    known = [m.id for m in scenario.municipality_list()]
    out: dict[str, float] = {}
    for part in text.split(","):
        muni, sep, value = part.partition("=")
        muni = muni.strip()
        if not sep or not muni:
            fail(f"--referrals: expected MUNICIPALITY=PER_MONTH pairs, got '{part}'")
        if muni not in known:
            fail(
                f"--referrals: unknown municipality '{muni}'; the scenario has: {', '.join(known)}"
            )
        try:
            out[muni] = non_negative(value.strip())
        except ValueError:
            fail(f"--referrals: '{value.strip()}' for {muni} is not a rate >= 0")
    return tuple(out.items())
