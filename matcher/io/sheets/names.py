"""Sheet names and column headers in bokmål, so that a coordinator's workbook can be
Norwegian from end to end: `likematch template --lang nb` writes them, and every
workbook is read with either language's names (or a mix), whatever language the run
speaks. The names are data of the format, like its keys, not texts of the catalogue."""

from __future__ import annotations

from matcher.model.aliases import fold, norwegian_word
from matcher.text.language import current, gettext

#: Table -> its sheet (or CSV file) name in bokmål.
SHEETS_NB = {
    "settings": "innstillinger",
    "municipalities": "kommuner",
    "mentors": "mentorer",
    "participants": "deltakere",
    "pairs": "par",
    "locks": "låste",
    "history": "historikk",
    "notes": "merknader",
}
#: Column -> its header in bokmål (the same in every table that has it).
HEADERS_NB = {
    "id": "id",
    "name": "navn",
    "partner": "samarbeidskommune",
    "min": "min",
    "max": "maks",
    "share": "andel",
    "gender": "kjønn",
    "age": "alder",
    "municipality": "kommune",
    "serves": "tar_fra",
    "capacity": "kapasitet",
    "recovery_years": "år_i_bedring",
    "trained": "opplært",
    "active": "aktiv",
    "substances": "rusmidler",
    "interests": "interesser",
    "strengths": "styrker",
    "availability": "tilgjengelig",
    "languages": "språk",
    "consent": "samtykke",
    "referred": "henvist",
    "discharge": "utskrives",
    "goals": "mål",
    "priority": "prioritet",
    "prefers.mentor_gender": "ønsker.mentorkjønn",
    "prefers.max_age_gap": "ønsker.maks_aldersforskjell",
    "exclude_mentors": "utelukk_mentorer",
    "participant": "deltaker",
    "mentor": "mentor",
    "since": "siden",
    "release": "avslutt",
    "funding": "finansiering",
    "renewal_due": "fornyes",
    "review_due": "gjennomgås",
    "ended": "avsluttet",
    "reason": "årsak",
    "kind": "type",
    "key": "nøkkel",
    "value": "verdi",
}
#: Values of closed choices as the bokmål template's drop-downs offer them.
CHOICES_NB = {
    "female": "kvinne",
    "male": "mann",
    "other": "annet",
    "same": "samme",
    "any": "uansett",
    "true": "ja",
    "false": "nei",
    "require": "krev",
    "forbid": "utelukk",
    "nav": "nav",
    "municipality": "kommune",
    "project": "prosjekt",
}
_SHEET_KEYS = {fold(v): k for k, v in SHEETS_NB.items()} | {k: k for k in SHEETS_NB}
_HEADER_KEYS = {fold(v): k for k, v in HEADERS_NB.items()}
#: A lock's kind in bokmål.
LOCK_KINDS_NB = {"krev": "require", "låst": "require", "utelukk": "forbid", "forby": "forbid"}


def sheet_key(title: str) -> str:
    """The table a sheet or CSV file name stands for, in either language (`Deltakere`
    -> `participants`); a name of neither is returned folded, for the caller to judge."""
    key = title.strip().lower()
    return _SHEET_KEYS.get(fold(key), key)


def header_key(header: str) -> str:
    """The column a header stands for, in either language (`Kjønn` -> `gender`)."""
    return _HEADER_KEYS.get(fold(header), header)


def shown_choice(field: str, value: str) -> str:
    """A choice of `field` as the template of the current language offers it (the
    Norwegian word the aliases read it from); the reader takes both languages' words."""
    if current() != "nb":
        return value
    return CHOICES_NB.get(value) or norwegian_word(field, value)


def header(name: str) -> str:
    """A column's header in the current language (as the bokmål template writes it)."""
    return HEADERS_NB.get(name, name) if current() == "nb" else name


def sheet_title(table: str) -> str:
    """A table's sheet name in the current language."""
    return SHEETS_NB.get(table, table) if current() == "nb" else table


def sheet_place(title: str) -> str:
    """`sheet participants` / `ark deltakere`: where a problem is, for a message."""
    return gettext("sheet {name}").format(name=sheet_title(title))
