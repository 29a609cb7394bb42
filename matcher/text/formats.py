"""Dates, numbers and lists as the current language writes them, through Babel's
locale data: `20. november 2026` and `0,78` in bokmål, `20 November 2026` and `0.78`
in English, `A, B og C` against `A, B and C`. Babel loads on first use, not at start-up."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matcher.text.language import Language, current

if TYPE_CHECKING:
    from babel import Locale

_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


@functools.cache
def _parsed(language: Language) -> Locale:
    # lazy: Babel's locale data loads on the first date, number or list in a text
    from babel import Locale

    return Locale.parse(_LOCALES[language])


def locale() -> Locale:
    """The Babel locale of the current language, parsed once: Babel's formatters would
    parse a locale name again on every call, and a large round words thousands."""
    return _parsed(current())


def date(value: dt.date) -> str:
    """`20. november 2026` / `20 November 2026`."""
    # lazy: Babel's locale data loads on the first text with a date
    from babel.dates import format_date

    return format_date(value, format="long", locale=locale())


def datetime(value: dt.datetime) -> str:
    """`20. november 2026, 14:05` / `20 November 2026, 14:05`: the date in full and the
    time to the minute, on the clock of the value's own time zone (not converted)."""
    # lazy: Babel's locale data loads on the first text with a time
    from babel.dates import format_time

    clock = format_time(value.time(), format="short", locale=locale())  # naive: as is
    pattern = str(locale().datetime_formats["long"]).replace("'", "")
    return pattern.replace("{0}", clock).replace("{1}", date(value.date()))


def number(value: float, decimals: int = 2, *, sign: bool = False) -> str:
    """`0,78` / `0.78` with a fixed number of decimals; `sign` writes `+0,012`."""
    # lazy: Babel's locale data loads on the first number in a text
    from babel.numbers import format_decimal

    digits = "0." + "0" * decimals if decimals else "0"
    pattern = f"+{digits};-{digits}" if sign else digits
    return format_decimal(value, format=pattern, locale=locale())


def decimal(value: float) -> str:
    """`1,5` / `1.5`, `1`: at most two decimals, without trailing zeros (mentor posts)."""
    # lazy: Babel's locale data loads on the first number in a text
    from babel.numbers import format_decimal

    return format_decimal(value, format="0.##", locale=locale())


def percent(value: float) -> str:
    """`78 %` / `78%`."""
    # lazy: Babel's locale data loads on the first percentage in a text
    from babel.numbers import format_percent

    return format_percent(value, locale=locale())


def join(items: Sequence[str]) -> str:
    """`A, B og C` / `A, B and C`."""
    # lazy: Babel's locale data loads on the first list in a text
    from babel.lists import format_list

    if len(items) < 2:  # nothing to join: spare Babel's pattern lookup
        return "".join(items)
    return format_list(list(items), locale=locale())


def language_name(code: str) -> str:
    """`no` -> `norsk` / `Norwegian`: an ISO 639-1 code as the current language names it."""
    return str(locale().languages.get(code, code))
