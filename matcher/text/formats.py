"""Dates, numbers and lists as the current language writes them, through Babel's
locale data: `20. november 2026` and `0,78` in bokmål, `20 November 2026` and `0.78`
in English, `A, B og C` against `A, B and C`. Babel loads on first use, not at start-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from matcher.text.language import current

_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


def locale() -> str:
    """The Babel locale of the current language."""
    return _LOCALES[current()]


def date(value: dt.date) -> str:
    """`20. november 2026` / `20 November 2026`."""
    # lazy: Babel's locale data loads on the first text with a date
    from babel.dates import format_date

    return format_date(value, format="long", locale=locale())


def number(value: float, decimals: int = 2, *, sign: bool = False) -> str:
    """`0,78` / `0.78` with a fixed number of decimals; `sign` writes `+0,012`."""
    # lazy: Babel's locale data loads on the first number in a text
    from babel.numbers import format_decimal

    digits = "0." + "0" * decimals if decimals else "0"
    pattern = f"+{digits};-{digits}" if sign else digits
    return format_decimal(value, format=pattern, locale=locale())


def percent(value: float) -> str:
    """`78 %` / `78%`."""
    # lazy: Babel's locale data loads on the first percentage in a text
    from babel.numbers import format_percent

    return format_percent(value, locale=locale())


def join(items: Sequence[str]) -> str:
    """`A, B og C` / `A, B and C`."""
    # lazy: Babel's locale data loads on the first list in a text
    from babel.lists import format_list

    return format_list(list(items), locale=locale()) if items else ""


def language_name(code: str) -> str:
    """`no` -> `norsk` / `Norwegian`: an ISO 639-1 code as the current language names it."""
    # lazy: Babel's locale data loads on the first language named in a text
    from babel import Locale

    names = Locale.parse(locale()).languages
    return str(names.get(code, code))
