"""Which language a run speaks, and its gettext translations.

The language is chosen once per run (`--lang`, else `LIKEMATCH_LANG`, else `LANG`, else
English) and held in a context variable, so that a library caller can speak another
language in its own thread or task without a global switch. The bokmål catalogue is a
plain-text `.po` file, compiled in memory by Babel the first time it is needed, so that
the catalogue in the repository is the one the program reads.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Literal

Language = Literal["en", "nb"]
LANGUAGES: tuple[Language, ...] = ("en", "nb")
DEFAULT: Language = "en"
DOMAIN = "likematch"
CATALOGUES = Path(__file__).parent / "locale"
#: What `LANG` and friends may say for bokmål: `nb_NO.UTF-8`, `no_NO`, `nn_NO`.
_NORWEGIAN = ("nb", "no", "nn")

_current: ContextVar[Language] = ContextVar("likematch_language", default=DEFAULT)


class LanguageError(ValueError):
    """A language likematch does not speak."""


def parse(text: str) -> Language:
    """`nb`, `NB`, `no`, `nb_NO.UTF-8` -> `nb`; `en_GB` -> `en`; anything else refused."""
    code = text.strip().split(".")[0].split("_")[0].split("-")[0].lower()
    if code in _NORWEGIAN:
        return "nb"
    if code == "en":
        return "en"
    raise LanguageError(f"unknown language '{text}'; choose nb (bokmål) or en (English)")


def choose(option: str | None, environ: Mapping[str, str]) -> Language:
    """The run's language: `--lang`, else `LIKEMATCH_LANG`, else `LANG`, else English. A
    wrong `--lang` or `LIKEMATCH_LANG` is an error; a `LANG` such as `C.UTF-8` that names
    no language of ours just means English."""
    if option:
        return parse(option)
    if environ.get("LIKEMATCH_LANG"):
        return parse(environ["LIKEMATCH_LANG"])
    try:
        return parse(environ.get("LANG", ""))
    except LanguageError:
        return DEFAULT


def current() -> Language:
    """The language texts are made in now."""
    return _current.get()


def set_language(language: Language) -> None:
    """Speak `language` from now on in this context (the command line, once per run)."""
    _current.set(language)


@contextmanager
def speaking(language: str | None) -> Iterator[Language]:
    """Speak `language` inside the block (None: keep the current one)."""
    chosen = current() if language is None else parse(language)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@functools.cache
def translations(language: Language) -> _gettext.NullTranslations:
    """The catalogue of `language`; English is the source language and needs none."""
    if language == "en":
        return _gettext.NullTranslations()
    # lazy: Babel's catalogue reader is needed only when a run speaks Norwegian
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (CATALOGUES / f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    """`message` in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for `n` things, in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, where the same English word may need another
    translation in another `context` (a vocabulary field)."""
    return translations(current()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark `message` for the catalogue where it is defined; translate it where used."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark `message` in `context` for the catalogue (translate it with `pgettext`)."""
    return message
