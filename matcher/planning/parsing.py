"""Planning settings read from text: comma lists of counts (`0,1,2`), floors
(`sola=1,2`), a mentor profile (`gender=female,municipality=sola,age=40`) and referral
rates (`sola=1.5`).

The command line's options and the programme lead's web form read the same texts, so
both refuse the same values in the same words. A bad text raises `OptionError`, whose
message names the option (or the form's field) and says what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar, cast, get_args

from matcher.model.scenario import Fairness, Gender, Scenario
from matcher.model.vocabulary import SUBSTANCES
from matcher.planning.variants import MentorProfile
from matcher.text.language import N_
from matcher.text.language import gettext as _

T = TypeVar("T")

#: What the value parsers accept, in words for messages (`{modes}`: the fairness modes).
COUNT = N_("a whole number >= 0")
POSTS = N_("a number of posts >= 0")
FAIRNESS = N_("one of {modes}")

PROFILE_KEYS = ("gender", "municipality", "age", "serves", "substances")


class OptionError(ValueError):
    """A planning setting's text that cannot be read; the message says why."""


def accepted(what: str) -> str:
    """`what` (COUNT, POSTS or FAIRNESS) in the run's language."""
    return _(what).format(modes=", ".join(get_args(Fairness)))


def comma_list(option: str, text: str, parse: Callable[[str], T], what: str) -> tuple[T, ...]:
    """`1,2,2` -> (1, 2): comma-separated values in the given order, repeats dropped."""
    out: list[T] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise OptionError(
                _("{option}: empty value in '{text}'").format(option=option, text=text)
            )
        try:
            value = parse(part)
        except ValueError:
            message = _("{option}: '{value}' is not {what}")
            raise OptionError(
                message.format(option=option, value=part, what=accepted(what))
            ) from None
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


def _unknown_municipality(option: str, muni: str, known: list[str]) -> OptionError:
    return OptionError(
        _("{option}: unknown municipality '{municipality}'; the scenario has: {known}").format(
            option=option, municipality=muni, known=", ".join(known)
        )
    )


def parse_floors(
    texts: list[str], scenario: Scenario, option: str = "--floor"
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """`MUNICIPALITY=N[,N...]` texts as grid axes; a municipality given twice is
    refused rather than one value silently winning."""
    known = [m.id for m in scenario.municipality_list()]
    out: dict[str, tuple[int, ...]] = {}
    for text in texts:
        muni, sep, values = text.partition("=")
        muni = muni.strip()
        if not sep or not muni:
            raise OptionError(
                _("{option}: expected MUNICIPALITY=N[,N...], got '{text}'").format(
                    option=option, text=text
                )
            )
        if muni not in known:
            raise _unknown_municipality(option, muni, known)
        if muni in out:
            raise OptionError(
                _("{option}: municipality '{municipality}' given twice").format(
                    option=option, municipality=muni
                )
            )
        out[muni] = comma_list(option, values, whole_number, COUNT)
    return tuple(out.items())


def parse_profile(text: str, scenario: Scenario, option: str = "--mentor-profile") -> MentorProfile:
    """`gender=female,municipality=sandnes,age=40[,serves=a+b][,substances=x+y]`."""
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            raise OptionError(
                _("{option}: expected KEY=VALUE pairs separated by commas, got '{text}'").format(
                    option=option, text=part
                )
            )
        if key not in PROFILE_KEYS:
            raise OptionError(
                _("{option}: unknown key '{key}'; use {keys}").format(
                    option=option, key=key, keys=", ".join(PROFILE_KEYS)
                )
            )
        fields[key] = value
    return profile_from(fields, scenario, option)


def profile_from(fields: Mapping[str, str], scenario: Scenario, option: str) -> MentorProfile:
    """A mentor profile from its fields as texts (`gender` and `municipality` needed;
    `age` 40, `serves` the municipality and no `substances` unless given)."""
    for key in ("gender", "municipality"):
        if key not in fields:
            raise OptionError(_("{option}: '{key}' is missing").format(option=option, key=key))
    gender = cast(Gender, fields["gender"].lower())
    if gender not in get_args(Gender):
        raise OptionError(
            _("{option}: gender must be one of {genders}").format(
                option=option, genders=", ".join(get_args(Gender))
            )
        )
    known = [m.id for m in scenario.municipality_list()]
    serves = tuple(s.strip() for s in fields.get("serves", fields["municipality"]).split("+"))
    for muni in (fields["municipality"], *serves):
        if muni not in known:
            raise _unknown_municipality(option, muni, known)
    try:
        age = int(fields.get("age", "40"))
    except ValueError:
        raise OptionError(_("{option}: age must be a whole number").format(option=option)) from None
    if not 16 <= age <= 120:
        raise OptionError(_("{option}: age must be between 16 and 120").format(option=option))
    allowed = {*SUBSTANCES, *scenario.vocabulary.substances}
    substances = (
        tuple(s.strip().lower() for s in fields["substances"].split("+"))
        if "substances" in fields
        else ()
    )
    for substance in substances:
        if substance not in allowed:
            raise OptionError(
                _("{option}: unknown substance '{substance}'; use {allowed}").format(
                    option=option, substance=substance, allowed=", ".join(sorted(allowed))
                )
            )
    return MentorProfile(
        gender=gender,
        municipality=fields["municipality"],
        age=age,
        serves=serves,
        substances=substances,
    )


def parse_rates(
    text: str, scenario: Scenario, option: str = "--referrals"
) -> tuple[tuple[str, float], ...]:
    """`sola=2.5,...`: referrals per month for the municipalities named; the others
    keep the rate read from the scenario. Unlike floors, a repeat wins silently."""
    known = [m.id for m in scenario.municipality_list()]
    out: dict[str, float] = {}
    for part in text.split(","):
        muni, sep, value = part.partition("=")
        muni = muni.strip()
        if not sep or not muni:
            raise OptionError(
                _("{option}: expected MUNICIPALITY=PER_MONTH pairs, got '{text}'").format(
                    option=option, text=part
                )
            )
        if muni not in known:
            raise _unknown_municipality(option, muni, known)
        try:
            out[muni] = non_negative(value.strip())
        except ValueError:
            raise OptionError(
                _("{option}: '{value}' for {municipality} is not a rate >= 0").format(
                    option=option, value=value.strip(), municipality=muni
                )
            ) from None
    return tuple(out.items())
