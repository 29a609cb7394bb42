"""The tables of a scenario spreadsheet, derived from the scenario models so that a new
field gets its column without a second list to keep: the sheet names, each table's
columns (header, where the value goes in a record, how its cells are read), the
settings keys, and the help text the template shows for each column."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from matcher.io.sheets.names import shown_choice
from matcher.model.scenario import (
    MAX_HISTORY,
    MAX_LOCKS,
    MAX_MENTORS,
    MAX_MUNICIPALITIES,
    MAX_PARTICIPANTS,
    MAX_VOCABULARY,
    EndedPair,
    Mentor,
    Municipality,
    Pair,
    Participant,
    Scenario,
    unwrap,
)
from matcher.model.vocabulary import CLOSED
from matcher.text.language import N_
from matcher.text.language import gettext as _

#: How the cells of a column are read and written.
CellKind = Literal["text", "int", "float", "bool", "date", "list", "map"]

#: Tables in the order they are written; `notes` sheets are ignored when reading.
SHEETS = ("settings", "municipalities", "mentors", "participants", "pairs", "locks", "history")
IGNORED_SHEETS = ("notes",)


def misspelt_table(name: str) -> str | None:
    """The table an unknown sheet or CSV file name is close to (`mentor`, `Participant`),
    or None: a sheet that names no table (`Ark1`, `Sheet2`, `oversikt`) is the
    coordinator's own and is never read, but a near miss must not silently drop a table."""
    close = difflib.get_close_matches(name.strip().lower(), SHEETS, n=1, cutoff=0.75)
    return close[0] if close else None


#: Free-text columns a coordinator may add to any table; never read into the engine.
IGNORED_COLUMNS = ("notes", "merknad", "merknader", "kommentar", "kommentarer", "comment")
#: Rows a table may have below its header (a larger one is refused before it is read).
MAX_ROWS = {
    "mentors": MAX_MENTORS,
    "participants": MAX_PARTICIPANTS,
    "pairs": MAX_PARTICIPANTS,
    "municipalities": MAX_MUNICIPALITIES,
    "locks": 2 * MAX_LOCKS,
    "settings": 6 * MAX_VOCABULARY,
    "history": MAX_HISTORY,
}
#: Settings keys `vocabulary.interests.<tag>` hold the tag's activity category.
INTERESTS_PREFIX = "vocabulary.interests."


@dataclass(frozen=True)
class Column:
    """One column of a table (or one key of the settings sheet)."""

    name: str  # header text, e.g. "prefers.mentor_gender"
    path: tuple[str, ...]  # where the value goes in a record, e.g. ("prefers", "mentor_gender")
    kind: CellKind
    required: bool = False
    empty_list_is_default: bool = True  # False: an empty list is written as ";"
    choices: tuple[str, ...] = ()  # closed vocabulary (template drop-downs)
    default: Any = None


def _kind(annotation: Any) -> CellKind:
    base = unwrap(annotation)
    origin = get_origin(base)
    if origin in (list, tuple):
        return "list"
    if origin is dict:
        return "map"
    if origin is Literal or base is str:
        return "text"
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base is float:
        return "float"
    if base is dt.date:
        return "date"
    raise TypeError(f"no spreadsheet form for {annotation!r}")  # pragma: no cover


def _choices(annotation: Any, name: str) -> tuple[str, ...]:
    base = unwrap(annotation)
    if get_origin(base) in (list, tuple):
        base = unwrap(get_args(base)[0])
    if get_origin(base) is Literal:
        return tuple(str(a) for a in get_args(base))
    if base is bool:
        return ("true", "false")
    if name in CLOSED and base is str:
        return CLOSED[name]
    return ()


def _columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    out: list[Column] = []
    for name, info in model.model_fields.items():
        base = unwrap(info.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            out += _columns(base, (*prefix, name))
            continue
        kind = _kind(info.annotation)
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        out.append(
            Column(
                name=".".join((*prefix, name)),
                path=(*prefix, name),
                kind=kind,
                required=info.is_required() and not prefix,
                empty_list_is_default=kind != "list" or default == [],
                # vocabulary.* add values: a drop-down of the built-in ones would mislead
                choices=() if prefix == ("vocabulary",) else _choices(info.annotation, name),
                default=default,
            )
        )
    return out


LOCK_COLUMNS = [
    Column("kind", ("kind",), "text", True, choices=("require", "forbid")),
    Column("participant", ("participant",), "text", True),
    Column("mentor", ("mentor",), "text", True),
]
#: Columns of each per-record table.
TABLES: dict[str, list[Column]] = {
    "municipalities": _columns(Municipality),
    "mentors": _columns(Mentor),
    "participants": _columns(Participant),
    "pairs": _columns(Pair),
    "locks": LOCK_COLUMNS,
    "history": _columns(EndedPair),
}
SETTINGS_HEADER = ("key", "value")
_SETTING_FIELDS = [n for n in Scenario.model_fields if n not in TABLES]
#: Keys of the settings sheet (`vocabulary.interests.<tag>` comes on top).
SETTINGS: dict[str, Column] = {
    c.name: c for c in _columns(Scenario) if c.path[0] in _SETTING_FIELDS and c.kind != "map"
}
#: The value of a `vocabulary.interests.<tag>` row.
INTEREST_COLUMN = Column("vocabulary.interests", ("vocabulary", "interests"), "text")
#: The column that labels a row in messages (`row 5 (P04)`).
ID_COLUMN = {
    "municipalities": "id",
    "mentors": "id",
    "participants": "id",
    "pairs": "participant",
    "locks": "participant",
    "history": "participant",
}


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA (as Excel names columns)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def letter_index(letter: str | None) -> int:
    """A -> 1, AA -> 27; no letter -> 0 (the inverse of `column_letter`)."""
    out = 0
    for char in letter or "":
        out = out * 26 + ord(char) - ord("A") + 1
    return out


def put_value(record: dict[str, Any], path: Sequence[str], value: Any) -> None:
    """Set a column's value in a record, making the nested mappings on the way."""
    node = record
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def get_value(record: Mapping[str, Any], path: Sequence[str]) -> Any:
    """A column's value in a dumped record, or None where the path ends early."""
    node: Any = record
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


# --- what each column means, for the template's comments, prompts and notes sheet ----

HELP: dict[str, str] = {
    "municipalities.id": N_("Short id of the municipality (e.g. stavanger); people refer to it."),
    "municipalities.name": N_("Name shown in reports (optional)."),
    "municipalities.partner": N_("Partner municipality: its participants come first."),
    "municipalities.min": N_("Floor: at least this many active participants after the round."),
    "municipalities.max": N_("Ceiling: at most this many active participants after the round."),
    "municipalities.share": N_("Share of the places (e.g. 0.6) for fairness: proportional."),
    "id": N_("Pseudonymous id (e.g. M01, P01); never a name."),
    "gender": N_("Gender."),
    "age": N_("Age in years (16-120)."),
    "municipality": N_("The municipality the person lives in: its id or its name."),
    "mentors.serves": N_(
        "Municipalities the mentor can take participants from; empty = all of them."
    ),
    "mentors.capacity": N_("Max participants for this mentor; empty = program.mentor_capacity."),
    "recovery_years": N_("Years in recovery (drug-free)."),
    "trained": N_("Has completed the mentor course; empty = yes."),
    "active": N_("Available this round (no = on leave); empty = yes."),
    "substances": N_("Drug history."),
    "interests": N_("Free tags, e.g. hiking; music; football (Norwegian words work too)."),
    "strengths": N_("What the mentor can help with."),
    "availability": N_("When the person can meet."),
    "languages": N_("Languages, by name or two-letter code, e.g. norsk; engelsk; ar."),
    "consent": N_("Recorded consent; no = never matched or scored."),
    "referred": N_("Date of referral (e.g. 01.09.2026); empty = the round's date."),
    "discharge": N_("Planned discharge from treatment (e.g. 15.12.2026), optional."),
    "goals": N_("The participant's goals for the follow-up."),
    "priority": N_("Priority tags."),
    "prefers.mentor_gender": N_(
        "Wish for the mentor's gender (a hard rule); any lifts the same-gender rule."
    ),
    "prefers.max_age_gap": N_("Max age difference to the mentor in years (a hard rule)."),
    "exclude_mentors": N_("Mentor ids never to propose (e.g. known from the drug scene)."),
    "pairs.participant": N_("Participant id of an active pair."),
    "pairs.mentor": N_("Mentor id of an active pair."),
    "since": N_("Date the pair started."),
    "release": N_("yes = end this pair and match the participant again."),
    "funding": N_("Who pays for the pair: NAV, the municipality, a project or other."),
    "renewal_due": N_("Date the funding must be renewed (NAV: every 3 months)."),
    "review_due": N_("Date of the pair's next review."),
    "ended": N_("Date the pair ended."),
    "reason": N_("Why the pair ended (optional; free text)."),
    "history.municipality": N_("The municipality the participant lived in."),
    "history.participant": N_("Participant id (need not be in this round)."),
    "history.mentor": N_("Mentor id (need not be in this round)."),
    "locks.kind": N_("require = always propose this pair; forbid = never."),
    "locks.participant": N_("Participant id."),
    "locks.mentor": N_("Mentor id."),
    "name": N_("Name of the round, shown in reports."),
    "date": N_("Date of the round; waiting time is counted to it. Empty = today."),
    "program.capacity": N_("Max active participants (existing pairs count); empty = no cap."),
    "program.mentor_capacity": N_("Default max participants per mentor."),
    "program.position_per_participant": N_("Share of a full-time post per participant."),
    "program.position_budget": N_("Max total mentor posts; empty = no budget."),
    "policy.objective": N_("Criteria, most important first."),
    "policy.fairness": N_("How places are split between municipalities."),
    "policy.same_gender": N_("Same-gender rule."),
    "policy.min_recovery_years": N_("Years in recovery a mentor needs."),
    "policy.max_age_gap": N_("Hard limit on the age difference; empty = none."),
    "policy.weights": N_("Relative weight of this criterion in the compatibility score."),
    "policy.min_score": N_("No new pair scoring below this (0-1); empty = no minimum."),
    "policy.young_max_age": N_("Participants of at most this age count as young."),
    "vocabulary": N_("Extra values allowed in this column besides the built-in ones."),
    "vocabulary.interests.TAG": N_(
        "Add rows vocabulary.interests.TAG with the tag's category (everyday, social, "
        "creative, volunteering, work, education, outdoor, physical) or empty."
    ),
}


def column_help(table: str, col: Column) -> str:
    """What a column of `table` holds, its allowed values and whether it is required."""
    found = (
        HELP.get(f"{table}.{col.name}")
        or HELP.get(col.name)
        or HELP.get(".".join(col.path[:2]))
        or HELP.get(col.path[0])
    )
    text = col.name if found is None else _(found)
    choices = ", ".join(shown_choice(col.path[-1], c) for c in col.choices)
    if col.choices and col.kind == "list":
        text += " " + _("Values: {values}; several separated by ;").format(values=choices)
    elif col.kind == "list":
        text += " " + _("Several values separated by ;")
    elif col.choices:
        text += " " + _("One of: {values}.").format(values=choices)
    if col.required:
        text += " " + _("Required.")
    return text
