"""Validation messages in the run's language.

Pydantic words its errors in English only. Each error type a scenario can meet has its
wording here, as a catalogue text with pydantic's own parameters (`{ge}`, `{max_length}`),
so that a coordinator reads "må være minst 16" where pydantic says "Input should be
greater than or equal to 16". The English texts are pydantic's (a test keeps them so); an
error type not listed keeps pydantic's English message.
"""

from __future__ import annotations

from typing import Any

from matcher.text.language import N_, current, gettext

#: Pydantic error type -> its wording, with the error's context as parameters.
PYDANTIC: dict[str, str] = {
    "int_parsing": N_("input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("input should be a valid integer"),
    "int_from_float": N_("input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("input should be a valid number, unable to parse string as a number"),
    "float_type": N_("input should be a valid number"),
    "finite_number": N_("input should be a finite number"),
    "greater_than_equal": N_("input should be greater than or equal to {ge}"),
    "less_than_equal": N_("input should be less than or equal to {le}"),
    "greater_than": N_("input should be greater than {gt}"),
    "less_than": N_("input should be less than {lt}"),
    "bool_parsing": N_("input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("input should be a valid boolean"),
    "date_from_datetime_parsing": N_("input should be a valid date or datetime, {error}"),
    "date_parsing": N_("input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_type": N_("input should be a valid date"),
    "literal_error": N_("input should be {expected}"),
    "list_type": N_("input should be a valid list"),
    "string_type": N_("input should be a valid string"),
    "string_too_long": N_("string should have at most {max_length} characters"),
    "string_too_short": N_("string should have at least {min_length} character"),
    "too_long": N_(
        "{field_type} should have at most {max_length} items after validation, not {actual_length}"
    ),
    "tuple_type": N_("input should be a valid tuple"),
    "dict_type": N_("input should be a valid dictionary"),
    "model_type": N_("input should be a valid dictionary or instance of {class_name}"),
}
#: Words inside pydantic's parameters that read as English in another language.
_PARAMETER_WORDS = {"List": N_("List"), "Dict": N_("Dict")}


def pydantic_message(kind: str, english: str, context: dict[str, Any] | None) -> str:
    """A pydantic error in the current language (its English `english` as a fallback)."""
    template = PYDANTIC.get(kind)
    if template is None or current() == "en":
        return english
    params = {k: _parameter(v) for k, v in (context or {}).items()}
    try:
        return gettext(template).format(**params)
    except (KeyError, IndexError):
        return english


def _parameter(value: Any) -> str:
    text = str(value)
    if text in _PARAMETER_WORDS:
        return gettext(_PARAMETER_WORDS[text])
    return text.replace(" or ", " " + gettext("or") + " ")
