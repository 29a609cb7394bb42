"""One cell to one value and back: what a spreadsheet cell (text from CSV; text, number,
bool or date from a workbook) means for its column, and how a model value is written
as a cell, neutralised so that a spreadsheet never runs it as a formula.

Conversion goes only as far as pydantic cannot go itself (Excel's booleans and dates,
decimal commas, `;`-separated lists); the models say what is wrong with the rest.
Messages about a cell never repeat its value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from matcher.io.sheets.columns import CellKind, Column
from matcher.text.language import gettext as _

#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRUE = frozenset({"true", "yes", "1", "ja", "x", "sant"})
_FALSE = frozenset({"false", "no", "0", "nei", "usant"})
_NAME_LIKE = re.compile(r"[a-z_][a-z0-9_.]{0,60}")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The date forms a cell may hold, as messages name them.
DATE_FORMS = "2026-09-01, 01.09.2026, 1.9.2026, 01.09.26"
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


class CellError(ValueError):
    """A cell that cannot be read as its column's type (the message names no value)."""


#: What `convert_cell` returns for an empty cell: not given, the default applies.
MISSING: Any = object()


def as_text(value: object) -> str:
    """A cell as text: whole numbers without `.0`, dates (and midnights) as ISO dates."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def blank(value: object) -> bool:
    """Whether a cell is empty (nothing, or only white space)."""
    return value is None or (isinstance(value, str) and not value.strip())


def name_of(value: object) -> str | None:
    """A header or key cell as a lower-case name, or None when it does not look like
    one (then it is not echoed: it may be data in the wrong row)."""
    text = as_text(value).strip().lower()
    return text if _NAME_LIKE.fullmatch(text) else None


def _clean(value: object) -> object:
    """Strip text, undo export neutralisation; empty means not given (`MISSING`)."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "'" and text[1:2] and text[1] in FORMULA_TRIGGERS:
            text = text[1:].strip()
        if not text:
            return MISSING
        if text in _ERROR_CODES:
            raise CellError(_("the cell shows an Excel error; enter a value"))
        return text
    return value


def convert_cell(value: object, kind: CellKind) -> Any:
    """A raw cell (text from CSV; text, number, bool or datetime from xlsx) as the value
    the models want, converted only as far as pydantic cannot do it itself. Returns
    `MISSING` for an empty cell; raises `CellError` for a cell that cannot be it."""
    value = _clean(value)
    if value is MISSING:
        return MISSING
    if isinstance(value, dt.time | dt.timedelta):
        raise CellError(_("expected a value, found a time of day"))
    if kind in ("text", "map"):
        return as_text(value)
    if kind in ("int", "float"):
        return _number(value, kind)
    if kind == "bool":
        return _boolean(value)
    if kind == "date":
        return _date(value)
    return _list(value)


def _number(value: object, kind: CellKind) -> object:
    if isinstance(value, bool):
        raise CellError(_("expected a number, found true/false"))
    if isinstance(value, dt.date):
        raise CellError(_("expected a number, found a date (check the cell format)"))
    if isinstance(value, str) and kind == "float" and _DECIMAL_COMMA.fullmatch(value):
        return value.replace(",", ".")
    return value


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = as_text(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(_("expected ja/nei, true/false, yes/no, 1/0 or x for yes"))


def _date(value: object) -> dt.date | str:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise CellError(_("expected a date ({forms}), found a number").format(forms=DATE_FORMS))
    dotted = _DOTTED_DATE.fullmatch(value)
    if dotted:
        day, month, year = (int(g) for g in dotted.groups())
        try:
            return dt.date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            raise CellError(
                _("not a valid date (write it as {forms})").format(forms=DATE_FORMS)
            ) from None
    midnight = _MIDNIGHT.fullmatch(value)
    if midnight:
        return midnight.group(1)
    if not _ISO_DATE.fullmatch(value):
        raise CellError(_("expected a date such as {forms}").format(forms=DATE_FORMS))
    return value  # pydantic parses it, or says why it is no date (2026-02-30)


def _list(value: object) -> list[str]:
    """A `;`-separated list (a lone `;` is an explicit empty list)."""
    if not isinstance(value, str):
        return [as_text(value)]
    if "," in value:
        raise CellError(_("separate several values with ';', not ','"))
    return [item.strip() for item in value.split(";") if item.strip()]


def neutralise(text: str) -> str:
    """Prefix `'` to a text a spreadsheet would run as a formula (CSV/formula injection)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def to_cell(value: Any, col: Column | None, csv_mode: bool) -> Any:
    """A model value as a cell: lists `;`-joined, dates as dates (xlsx) or ISO text."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        if not value:
            return None if col is None or col.empty_list_is_default else ";"
        value = "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return ("true" if value else "false") if csv_mode else value
    if isinstance(value, dt.date):
        return value.isoformat() if csv_mode else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # 2 rather than 2.0; the models read it back as 2.0
    if isinstance(value, int | float):
        return str(value) if csv_mode else value
    return neutralise(str(value))
