"""Checks that no single record can make: vocabularies, duplicate ids and references
between records. Messages name ids and keys, never a value from a person's record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from matcher.model.aliases import canonical, language_code, norwegian_word
from matcher.model.errors import Finding, Loc, key_name
from matcher.model.ids import id_key, shown_id
from matcher.model.scenario import Municipality, Scenario
from matcher.model.vocabulary import CATEGORIES, CLOSED
from matcher.text.language import N_, current
from matcher.text.language import gettext as _

_PEOPLE_FIELDS = {
    "mentors": ("substances", "strengths", "availability"),
    "participants": ("substances", "goals", "availability", "priority"),
}


#: How a vocabulary problem ends in a scenario file; a spreadsheet words it its own way.
EXTEND = N_("(extend under vocabulary:)")
_UNKNOWN = {"participant": N_("unknown participant '{id}'"), "mentor": N_("unknown mentor '{id}'")}
_NO_SUCH = {"participant": N_("unknown participant (no participant has this id)"),
            "mentor": N_("unknown mentor (no mentor has this id)")}  # fmt: skip


def unknown_value(field_name: str, allowed: set[str]) -> str:
    """The message for a value outside its vocabulary, naming the allowed values as the
    run's language writes them (`alkohol` in bokmål; both languages' words are read)."""
    words = (
        sorted(allowed)
        if current() == "en"
        else sorted(norwegian_word(field_name, v) for v in allowed)
    )
    values = ", ".join(words)
    return _("unknown value; allowed: {values}").format(values=values) + " " + _(EXTEND)


def _duplicates(ids: Iterable[str]) -> list[str]:
    """Ids given more than once, regardless of case (`P01` and `p01` are one person)."""
    spellings: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for i in ids:
        spellings.setdefault(id_key(i), set()).add(i)
        counts[id_key(i)] += 1
    return [_duplicate(sorted(spellings[k])) for k in sorted(spellings) if counts[k] > 1]


def _duplicate(spellings: list[str]) -> str:
    """`duplicate id 'P01'`, naming every spelling when they differ only in case."""
    if len(spellings) == 1:
        return _("duplicate id '{id}'").format(id=spellings[0])
    return _("duplicate id '{id}' (written {spellings}; case does not make ids differ)").format(
        id=spellings[0], spellings=", ".join(spellings)
    )


@dataclass(frozen=True)
class Partial:
    """A scenario built from the records that have a valid shape: where each kept record
    was in the file, the ids of the records left out, and whether the vocabulary was."""

    positions: dict[str, list[int]] = field(default_factory=dict)
    absent: dict[str, set[str]] = field(default_factory=dict)
    vocabulary: bool = True
    #: kinds with a left-out record without an id: references to them are not checked
    open_kinds: set[str] = field(default_factory=set)

    def at(self, kind: str, index: int) -> int:
        """The position in the file of record `index` of `kind` in the scenario."""
        kept = self.positions.get(kind)
        return index if kept is None else kept[index]


class _Findings:
    """The problems of one check, placed at the records' positions in the file; a person
    is labelled with their id (`mentors[3] (M04).serves[0]`), as `format_loc` does."""

    def __init__(self, scenario: Scenario, partial: Partial) -> None:
        self.partial = partial
        self.problems: list[Finding] = []
        #: each person's id at the position of their record in the file (`format_loc`
        #: takes labels from a document of this shape)
        self.labels: dict[str, list[dict[str, str] | None]] = {}
        for kind in _PEOPLE_FIELDS:
            people = getattr(scenario, kind)
            places = [partial.at(kind, i) for i in range(len(people))]
            slots: list[dict[str, str] | None] = [None] * (max(places, default=-1) + 1)
            for place, person in zip(places, people, strict=True):
                slots[place] = {"id": person.id}
            self.labels[kind] = slots

    def add(self, loc: Loc, message: str, kind: str = "") -> None:
        """Record a problem at `loc` (positions as in the file)."""
        self.problems.append(Finding.at(loc, message, self.labels, kind=kind))


class _References:
    """Checks that an id names a record. Ids of records left out of a partial scenario
    count as known; a kind with a left-out record without an id is not checked."""

    def __init__(
        self, scenario: Scenario, municipalities: list[Municipality], found: _Findings
    ) -> None:
        absent = found.partial.absent
        self.found = found
        self.known = {
            "municipality": {m.id for m in municipalities} | absent.get("municipalities", set()),
            "mentor": {m.id for m in scenario.mentors} | absent.get("mentors", set()),
            "participant": (
                {p.id for p in scenario.participants} | absent.get("participants", set())
            ),
        }
        #: each kind's ids regardless of case, to suggest `P01` for `p01`
        self.folded = {kind: {id_key(i): i for i in ids} for kind, ids in self.known.items()}
        shown = sorted(i for i in self.known["municipality"] if shown_id(i) is not None)
        self.declared = ", ".join(shown) or _("none (municipalities: is empty)")

    # A reference in a person's record is one of their attributes (where they live,
    # whom they know): name the key, never the value. Pairs and locks name ids only.

    def municipality(self, loc: Loc, value: str) -> None:
        """A municipality a person lives in or a mentor serves."""
        if (
            value not in self.known["municipality"]
            and "municipalities" not in self.found.partial.open_kinds
        ):
            self.found.add(
                loc, _("unknown municipality; declared: {ids}").format(ids=self.declared)
            )

    def record(self, loc: Loc, kind: str, value: str, echo: bool = True) -> None:
        """A mentor or participant id; `echo` False keeps the id out of the message."""
        if value not in self.known[kind] and f"{kind}s" not in self.found.partial.open_kinds:
            text = _(_UNKNOWN[kind]).format(id=key_name(value)) if echo else _(_NO_SUCH[kind])
            same = self.folded[kind].get(id_key(value)) if echo else None
            if same:
                hint = _("did you mean '{id}'? (write an id the same way everywhere)")
                text += "; " + hint.format(id=same)
            self.found.add(loc, text, kind=f"unknown_{kind}")


def check_scenario(scenario: Scenario, partial: Partial | None = None) -> list[Finding]:
    """Vocabularies, duplicate ids and cross-references (of a partial scenario: without
    complaints about what was left out)."""
    found = _Findings(scenario, partial or Partial())
    municipalities = scenario.municipality_list()
    _check_vocabularies(scenario, found)
    _check_duplicates(scenario, municipalities, found)
    refs = _References(scenario, municipalities, found)
    _check_people(scenario, refs)
    _check_pairs(scenario, refs)
    _check_locks(scenario, refs)
    if scenario.municipalities is not None:  # else history names its own municipalities
        for i, ended in enumerate(scenario.history):
            loc: Loc = ("history", found.partial.at("history", i), "municipality")
            refs.municipality(loc, ended.municipality)
    return found.problems


def _allowed(scenario: Scenario) -> dict[str, set[str]]:
    """Each closed vocabulary's values, with the scenario's additions."""
    extra = scenario.vocabulary
    return {name: set(values) | set(getattr(extra, name)) for name, values in CLOSED.items()}


def _check_vocabularies(scenario: Scenario, found: _Findings) -> None:
    """Interest categories, and people's values in the closed vocabularies (with the
    scenario's additions)."""
    extra = scenario.vocabulary
    for tag, category in extra.interests.items():
        if category is not None and category not in CATEGORIES:
            found.add(
                ("vocabulary", "interests", tag),
                _("unknown category; allowed: {values}").format(values=", ".join(CATEGORIES)),
            )
    if not found.partial.vocabulary:
        return
    allowed = _allowed(scenario)
    for kind, fields in _PEOPLE_FIELDS.items():
        for i, person in enumerate(getattr(scenario, kind)):
            for name in fields:
                for j, value in enumerate(getattr(person, name)):
                    if value not in allowed[name]:
                        found.add(
                            (kind, found.partial.at(kind, i), name, j),
                            unknown_value(name, allowed[name]),
                            kind="vocabulary",
                        )
            for j, value in enumerate(person.languages):
                if language_code(value) is None:
                    found.add(
                        (kind, found.partial.at(kind, i), "languages", j),
                        _(
                            "unknown language; write its name (norsk, engelsk, arabisk) or "
                            "its two-letter code (no, en, ar)"
                        ),
                    )


def check_left_out(
    scenario: Scenario, data: dict[str, Any], left_out: dict[str, set[int]], faulty: set[Loc]
) -> list[Finding]:
    """The vocabulary problems of records left out for a shape error elsewhere in them,
    so that one pass reports every problem of a row (fields with an error of their own,
    in `faulty`, are not checked twice)."""
    allowed = _allowed(scenario)
    found: list[Finding] = []
    for kind, fields in _PEOPLE_FIELDS.items():
        records = data.get(kind)
        if not isinstance(records, list):
            continue
        for i in sorted(left_out.get(kind, set())):
            record = records[i] if i < len(records) else None
            if not isinstance(record, dict):
                continue
            for name in fields:
                values = record.get(name)
                if (kind, i, name) in faulty or not isinstance(values, list):
                    continue
                for j, value in enumerate(values):
                    if isinstance(value, str) and canonical(name, value) not in allowed[name]:
                        found.append(
                            Finding.at(
                                (kind, i, name, j),
                                unknown_value(name, allowed[name]),
                                data,
                                kind="vocabulary",
                            )
                        )
    return found


def _check_duplicates(
    scenario: Scenario, municipalities: list[Municipality], found: _Findings
) -> None:
    """Ids that more than one municipality, mentor or participant has."""
    for dup in _duplicates(m.id for m in municipalities):
        found.add(("municipalities",), dup)
    for dup in _duplicates(m.id for m in scenario.mentors):
        found.add(("mentors",), dup)
    for dup in _duplicates(p.id for p in scenario.participants):
        found.add(("participants",), dup)


def _check_people(scenario: Scenario, refs: _References) -> None:
    """Municipalities in people's records, and the mentors participants exclude."""
    at = refs.found.partial.at
    for i, mentor in enumerate(scenario.mentors):
        where: Loc = ("mentors", at("mentors", i))
        refs.municipality((*where, "municipality"), mentor.municipality)
        for j, served in enumerate(mentor.serves or []):
            refs.municipality((*where, "serves", j), served)
    for i, person in enumerate(scenario.participants):
        where = ("participants", at("participants", i))
        refs.municipality((*where, "municipality"), person.municipality)
        for j, mid in enumerate(person.exclude_mentors):
            refs.record((*where, "exclude_mentors", j), "mentor", mid, echo=False)


def _check_pairs(scenario: Scenario, refs: _References) -> None:
    """Active pairs: known ids, recorded consent, at most one pair per participant."""
    found = refs.found
    participants = {p.id: p for p in scenario.participants}
    paired: Counter[str] = Counter()
    for i, pair in enumerate(scenario.pairs):
        where: Loc = ("pairs", found.partial.at("pairs", i))
        refs.record((*where, "participant"), "participant", pair.participant)
        if (
            pair.participant in participants
            and not participants[pair.participant].consent
            and not pair.release
        ):
            found.add(
                where,
                _(
                    "participant '{id}' has consent: false; an active pair needs recorded "
                    "consent (or release: true)"
                ).format(id=pair.participant),
            )
        refs.record((*where, "mentor"), "mentor", pair.mentor)
        paired[pair.participant] += 1
    for pid in sorted(p for p, n in paired.items() if n > 1 and p in participants):
        found.add(("pairs",), _("participant '{id}' appears in more than one pair").format(id=pid))


def _check_locks(scenario: Scenario, refs: _References) -> None:
    """Required and forbidden pairs name known participants and mentors."""
    for kind in ("require", "forbid"):
        for i, (pid, mid) in enumerate(getattr(scenario.locks, kind)):
            where: Loc = ("locks", kind, refs.found.partial.at(f"locks.{kind}", i))
            refs.record(where, "participant", pid)
            refs.record(where, "mentor", mid)
