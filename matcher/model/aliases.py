"""The coordinators' own words for the contract's values.

Coordinators write `kvinne`, `alkohol`, `fiske` or `norsk` in their spreadsheets, and
`Alcohol`, `self help groups` or `kafe` as often as the canonical `alcohol`,
`self_help_groups` and `kafé`. Each value is folded (case, surrounding space, a space or
`-` for `_`, and the accents é, è, ê, ë, ü and the like, never æ, ø or å, which make
other words) and then looked up among the aliases of its field, so that both languages
mean one tag and match each other. A value with no alias stays as folded, and the
checks report it if the field's vocabulary does not hold it.

Languages become ISO 639-1 codes, from their Norwegian or English names as Babel's
locale data gives them (`arabisk`, `Somali`, `tigrinja`), or from a code; bokmål and
nynorsk (`nb`, `nn`) are Norwegian (`no`), since they share the spoken language.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

#: Combining accents that are dropped when folding: grave, acute, circumflex, tilde,
#: diaeresis. The ring of å and the stroke of ø are letters of their own in Norwegian.
_ACCENTS = frozenset("\u0300\u0301\u0302\u0303\u0308")
_SEPARATORS = re.compile(r"[\s\-]+")


def fold(text: str) -> str:
    """The form values are compared in: `Self-help  Groups` -> `self_help_groups`,
    `Kafé` -> `kafe`, `Økonomi` -> `økonomi`."""
    decomposed = unicodedata.normalize("NFD", text.strip().casefold())
    kept = "".join(c for c in decomposed if c not in _ACCENTS)
    return _SEPARATORS.sub("_", unicodedata.normalize("NFC", kept))


def _table(*groups: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    """Alias -> canonical value, from (canonical, aliases) groups; every key folded."""
    out: dict[str, str] = {}
    for canonical, aliases in groups:
        for word in (canonical, *aliases):
            out[fold(word)] = canonical
    return out


GENDER = _table(
    ("female", ("kvinne", "k", "f", "kvinnelig", "dame")),
    ("male", ("mann", "m", "mannlig")),
    ("other", ("annet", "annen", "ikke-binær")),
)
MENTOR_GENDER = {
    **GENDER,
    **_table(("same", ("samme", "samme kjønn")), ("any", ("alle", "uansett", "hvem som helst"))),
}
SUBSTANCES = _table(
    ("alcohol", ("alkohol",)),
    ("cannabis", ("hasj", "marihuana")),
    ("opioids", ("opioider", "opiater", "heroin")),
    ("stimulants", ("sentralstimulerende", "amfetamin", "kokain")),
    ("benzodiazepines", ("benzodiazepiner", "benzo")),
    ("other", ("annet", "andre")),
)
GOALS = _table(
    ("work", ("arbeid", "jobb")),
    ("education", ("utdanning", "skole")),
    ("housing", ("bolig",)),
    ("finances", ("økonomi",)),
    ("public_services", ("offentlige tjenester", "nav")),
    ("social_network", ("sosialt nettverk", "nettverk")),
    ("activities", ("aktiviteter", "aktivitet", "fritid")),
    ("family", ("familie",)),
    ("health", ("helse",)),
    ("drug_free", ("rusfri", "rusfrihet", "drug free")),
)
AVAILABILITY = _table(
    ("daytime", ("dagtid", "dag", "på dagtid")),
    ("evenings", ("kveld", "kvelder", "kveldstid")),
    ("weekends", ("helg", "helger", "helgene")),
)
PRIORITY = _table(
    ("young", ("ung", "unge")),
    ("in_treatment", ("i behandling", "behandling")),
    ("after_prison", ("etter soning", "løslatt")),
    ("urgent", ("haster", "akutt")),
)
#: Norwegian interest words and their English twin in the taxonomy.
INTERESTS = _table(
    ("nature", ("friluftsliv", "natur")),
    ("walking", ("tur", "turer", "turgåing", "gåtur", "gåturer")),
    ("hiking", ("fjelltur", "fjellturer", "fottur")),
    ("fishing", ("fiske",)),
    ("hunting", ("jakt",)),
    ("skiing", ("ski", "skigåing", "skitur")),
    ("camping", ("telttur",)),
    ("boating", ("båt", "båtliv")),
    ("sailing", ("seiling",)),
    ("climbing", ("klatring",)),
    ("kayaking", ("padling", "kajakk")),
    ("berry_picking", ("bærplukking", "sopp og bær")),
    ("mountains", ("fjellet",)),
    ("training", ("trening",)),
    ("gym", ("treningssenter", "styrketrening")),
    ("swimming", ("svømming",)),
    ("football", ("fotball",)),
    ("running", ("løping", "jogging")),
    ("cycling", ("sykling",)),
    ("boxing", ("boksing",)),
    ("martial_arts", ("kampsport",)),
    ("handball", ("håndball",)),
    ("table_tennis", ("bordtennis",)),
    ("knitting", ("strikking", "strikke")),
    ("crochet", ("hekling",)),
    ("sewing", ("søm", "sying")),
    ("choir", ("kor",)),
    ("singing", ("sang", "synge")),
    ("music", ("musikk",)),
    ("guitar", ("gitar",)),
    ("carpentry", ("snekring", "snekre")),
    ("woodwork", ("treverk", "trearbeid")),
    ("painting", ("maling", "male")),
    ("drawing", ("tegning", "tegne")),
    ("art", ("kunst",)),
    ("photography", ("foto", "fotografering")),
    ("writing", ("skriving", "skrive")),
    ("crafts", ("håndarbeid", "håndverk")),
    ("theatre", ("teater",)),
    ("dancing", ("dans", "danse")),
    ("cafe", ("kafé", "kafe", "kaffe", "kafébesøk")),
    ("cafes", ("kafeer", "kaféer")),
    ("cars", ("biler", "bil")),
    ("motorcycles", ("motorsykler", "motorsykkel", "mc")),
    ("trips", ("utflukter", "reiser", "reise")),
    ("films", ("kino", "film", "filmer")),
    ("self_help_groups", ("selvhjelpsgruppe", "selvhjelpsgrupper", "selvhjelp")),
    ("peer_groups", ("likepersongruppe", "likepersongrupper")),
    ("meeting_places", ("møteplass", "møteplasser", "væresteder")),
    ("church", ("kirke", "menighet")),
    ("friends", ("venner",)),
    ("board_games", ("brettspill",)),
    ("card_games", ("kortspill",)),
    ("gaming", ("dataspill", "spill", "gaming")),
    ("volunteering", ("frivillig arbeid", "frivillighet", "frivillig")),
    ("associations", ("lag og foreninger", "foreninger")),
    ("red_cross", ("røde kors",)),
    ("sports_club", ("idrettslag",)),
    ("organisations", ("organisasjoner",)),
    ("work_practice", ("jobbpraksis", "arbeidspraksis", "praksis")),
    ("job", ("jobb",)),
    ("work", ("arbeid",)),
    ("courses", ("kurs",)),
    ("school", ("skole",)),
    ("studies", ("studier", "studere")),
    ("languages", ("språk",)),
    ("cooking", ("matlaging", "lage mat")),
    ("baking", ("baking", "bake")),
    ("gardening", ("hagearbeid", "hage")),
    ("reading", ("lesing", "lese", "bøker")),
    ("dogs", ("hund", "hunder")),
    ("cats", ("katt", "katter")),
    ("pets", ("dyr", "kjæledyr")),
)
FUNDING = _table(
    ("nav", ()),
    ("municipality", ("kommune", "kommunen")),
    ("project", ("prosjekt", "prosjektmidler")),
    ("other", ("annet", "annen")),
)
#: Field name -> its aliases (fields not named here have none).
BY_FIELD: dict[str, Mapping[str, str]] = {
    "funding": FUNDING,
    "gender": GENDER,
    "mentor_gender": MENTOR_GENDER,
    "substances": SUBSTANCES,
    "goals": GOALS,
    "strengths": GOALS,
    "availability": AVAILABILITY,
    "priority": PRIORITY,
    "interests": INTERESTS,
}
#: Norwegian in any of its written forms.
NORWEGIAN = "no"
_NORWEGIAN_FORMS = ("nb", "nn", "no", "nob", "nno", "nor", "norsk", "bokmål", "nynorsk")


#: Values that are Norwegian words as they stand.
_SAME_IN_NORWEGIAN = frozenset({"cannabis"})


def norwegian_word(field: str, value: str) -> str:
    """The first Norwegian word the aliases give a value (`drug_free` -> `rusfri`), as
    a coordinator may write it; the value itself when it has none or is Norwegian too."""
    if value in _SAME_IN_NORWEGIAN:
        return value
    for word, meant in BY_FIELD.get(field, {}).items():
        if meant == value and word != value:
            return word.replace("_", " ")
    return value


def canonical(field: str, value: str) -> str:
    """The contract's value for what a coordinator wrote in `field`."""
    key = fold(value)
    if field == "languages":
        return language_code(key) or key
    return BY_FIELD.get(field, {}).get(key, key)


@functools.cache
def _language_names() -> dict[str, str]:
    """Folded language name or code -> ISO 639-1 code, from Babel's locale data in
    bokmål, nynorsk and English. Loaded on first use: it is only needed for a round
    whose languages are written as names."""
    # lazy: Babel's locale data loads in tens of milliseconds; most commands never need it
    from babel import Locale

    out: dict[str, str] = {}
    for locale in ("en", "nn", "nb"):  # bokmål last: its names win
        for code, name in Locale.parse(locale).languages.items():
            if len(code) == 2:
                out[fold(name)] = code
                out[code] = code
    for form in _NORWEGIAN_FORMS:
        out[fold(form)] = NORWEGIAN
    for name in ("norsk bokmål", "norsk nynorsk", "norwegian", "norwegian bokmål"):
        out[fold(name)] = NORWEGIAN
    return out


def language_code(text: str) -> str | None:
    """The ISO 639-1 code of a language name or code (`arabisk` -> `ar`), or None."""
    return _language_names().get(fold(text))


def municipality_references(data: object) -> object:
    """Parsed scenario data with each person's municipality (and those a mentor serves)
    written as the municipality's id, when it was written as its id or its name in
    another case (`Sandnes`, `SANDNES`, `sandnes`). Without declared municipalities, the
    first spelling in the file names the municipality. Anything else is left for the
    checks to report."""
    if not isinstance(data, dict):
        return data
    declared = data.get("municipalities")
    lookup: dict[str, str] = {}
    if isinstance(declared, list):
        records = [m for m in declared if isinstance(m, dict) and isinstance(m.get("id"), str)]
        for m in records:  # ids first: an id wins over another municipality's name
            lookup.setdefault(fold(m["id"]), m["id"])
        for m in records:
            if isinstance(m.get("name"), str):
                lookup.setdefault(fold(m["name"]), m["id"])
    out = dict(data)
    for kind in ("mentors", "participants", "history"):
        people = data.get(kind)
        if not isinstance(people, list):
            continue
        written = []
        for person in people:
            if isinstance(person, dict):
                person = _person_references(person, lookup, implicit=declared is None)
            written.append(person)
        out[kind] = written
    return out


def _person_references(
    person: dict[str, object], lookup: dict[str, str], implicit: bool
) -> dict[str, object]:
    """One record's municipality references as ids (`lookup` grows with first spellings
    when no municipalities are declared)."""

    def one(value: object) -> object:
        if not isinstance(value, str):
            return value
        key = fold(value)
        if implicit:
            return lookup.setdefault(key, value)
        return lookup.get(key, value)

    changed = dict(person)
    if "municipality" in person:
        changed["municipality"] = one(person["municipality"])
    serves = person.get("serves")
    if isinstance(serves, list):
        changed["serves"] = [one(v) for v in serves]
    return changed
