"""The rule every id of a person or municipality follows, in one place.

An id travels through YAML, JSON, spreadsheets, CSV, messages and reports. Control
characters, surrounding whitespace and letters from other scripts that look like Latin
ones (a Cyrillic Er for the P of `P01`) change on the way or deceive the reader, and
`P01` and `p01` are one person to a coordinator. So an id holds only Latin letters
(æ, ø, å and the other letters of Norwegian and Sami names included), digits, `-`, `_`
and `.`, begins with a letter or a digit, and is unique regardless of case.
"""

from __future__ import annotations

import re
import unicodedata

from matcher.text.language import N_, gettext

MAX_ID = 64  # characters of an id or a tag

# Latin-1 and Latin Extended-A/B letters, without the signs U+D7 and U+F7 (times, divide).
_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
#: The rule as a regular expression, also for the JSON Schema (editors check it as typed).
ID_PATTERN = f"^[0-9{_LETTER}][0-9{_LETTER}._-]{{0,{MAX_ID - 1}}}$"
_ID = re.compile(ID_PATTERN)

#: The rule as messages and documentation state it.
ID_RULE = N_(
    "an id holds only letters (a-z, æ, ø, å and other Latin letters), digits, '-', '_' "
    "and '.', begins with a letter or a digit and has at most {max} characters"
)


def id_rule() -> str:
    """The id rule in the current language."""
    return gettext(ID_RULE).format(max=MAX_ID)


def normal_id(text: str) -> str:
    """`text` in Unicode's composed form, so that an å typed as a + ring is the letter å."""
    return unicodedata.normalize("NFC", text)


def is_id(text: object) -> bool:
    """Whether `text` follows the id rule."""
    return isinstance(text, str) and _ID.match(text) is not None and "\n" not in text


def check_id(text: str) -> str:
    """`text` if it follows the id rule; pydantic reports the error without the value."""
    if not is_id(text):
        raise ValueError(gettext("not a valid id: {rule}").format(rule=id_rule()))
    return text


def id_key(text: str) -> str:
    """What makes two ids the same person: `P01` and `p01` are one."""
    return text.casefold()


def shown_id(text: object) -> str | None:
    """The id as a message may show it, or None for a cell that does not hold a valid id
    (it may be a name, a drug history or an address pasted into the wrong column, or
    hold a line break that would forge a line of the message)."""
    return text if isinstance(text, str) and is_id(text) else None
