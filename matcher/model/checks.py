"""Checks that no single record can make: vocabularies, duplicate ids and references
between records. Messages name ids and keys, never a value from a person's record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from matcher.model.errors import Finding, key_name
from matcher.model.scenario import Scenario
from matcher.model.vocabulary import CATEGORIES, CLOSED

_PEOPLE_FIELDS = {
    "mentors": ("substances", "strengths", "availability"),
    "participants": ("substances", "goals", "availability", "priority"),
}


def _duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


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
        kept = self.positions.get(kind)
        return index if kept is None else kept[index]


def check_scenario(scenario: Scenario, partial: Partial | None = None) -> list[Finding]:
    """Vocabularies, duplicate ids and cross-references (of a partial scenario: without
    complaints about what was left out)."""
    part_of = partial or Partial()
    at = part_of.at
    problems: list[Finding] = []
    add = problems.append
    extra = scenario.vocabulary
    allowed = {
        name: set(values) | set(getattr(extra, name)) for name, values in CLOSED.items()
    }
    for tag, category in extra.interests.items():
        if category is not None and category not in CATEGORIES:
            add(Finding(f"vocabulary.interests.{tag}",
                        f"unknown category; allowed: {', '.join(CATEGORIES)}"))

    for kind, fields in _PEOPLE_FIELDS.items() if part_of.vocabulary else ():
        people = getattr(scenario, kind)
        for i, person in enumerate(people):
            for name in fields:
                for j, value in enumerate(getattr(person, name)):
                    if value not in allowed[name]:
                        add(Finding(
                            f"{kind}[{at(kind, i)}] ({person.id}).{name}[{j}]",
                            f"unknown value; allowed: {', '.join(sorted(allowed[name]))}"
                            " (extend under vocabulary:)",
                        ))

    municipalities = scenario.municipality_list()
    for dup in _duplicates(m.id for m in municipalities):
        add(Finding("municipalities", f"duplicate id '{dup}'"))
    for dup in _duplicates(m.id for m in scenario.mentors):
        add(Finding("mentors", f"duplicate id '{dup}'"))
    for dup in _duplicates(p.id for p in scenario.participants):
        add(Finding("participants", f"duplicate id '{dup}'"))

    known_muni = {m.id for m in municipalities} | part_of.absent.get("municipalities", set())
    mentor_ids = {m.id for m in scenario.mentors} | part_of.absent.get("mentors", set())
    participants = {p.id: p for p in scenario.participants}
    participant_ids = set(participants) | part_of.absent.get("participants", set())

    # A reference in a person's record is one of their attributes (where they live,
    # whom they know): name the key, never the value. Pairs and locks name ids only.
    declared = ", ".join(sorted(known_muni)) or "none (municipalities: is empty)"

    def muni(path: str, value: str) -> None:
        if value not in known_muni and "municipalities" not in part_of.open_kinds:
            add(Finding(path, f"unknown municipality; declared: {declared}"))

    def ref(path: str, kind: str, value: str, known: Iterable[str], echo: bool = True) -> None:
        if value not in known and f"{kind}s" not in part_of.open_kinds:
            shown = f"'{key_name(value)}'" if echo else f"(no {kind} has this id)"
            add(Finding(path, f"unknown {kind} {shown}"))

    for i, mentor in enumerate(scenario.mentors):
        where = f"mentors[{at('mentors', i)}] ({mentor.id})"
        muni(f"{where}.municipality", mentor.municipality)
        for j, served in enumerate(mentor.serves or []):
            muni(f"{where}.serves[{j}]", served)
    for i, person in enumerate(scenario.participants):
        where = f"participants[{at('participants', i)}] ({person.id})"
        muni(f"{where}.municipality", person.municipality)
        for j, mid in enumerate(person.exclude_mentors):
            ref(f"{where}.exclude_mentors[{j}]", "mentor", mid, mentor_ids, echo=False)

    paired: Counter[str] = Counter()
    for i, pair in enumerate(scenario.pairs):
        path = f"pairs[{at('pairs', i)}]"
        ref(f"{path}.participant", "participant", pair.participant, participant_ids)
        if pair.participant in participants and not participants[pair.participant].consent \
                and not pair.release:
            add(Finding(path, f"participant '{pair.participant}' has consent: false; "
                              "an active pair needs recorded consent (or release: true)"))
        ref(f"{path}.mentor", "mentor", pair.mentor, mentor_ids)
        paired[pair.participant] += 1
    for pid in sorted(p for p, n in paired.items() if n > 1 and p in participants):
        add(Finding("pairs", f"participant '{pid}' appears in more than one pair"))

    for kind in ("require", "forbid"):
        for i, (pid, mid) in enumerate(getattr(scenario.locks, kind)):
            path = f"locks.{kind}[{at(f'locks.{kind}', i)}]"
            ref(path, "participant", pid, participant_ids)
            ref(path, "mentor", mid, mentor_ids)
    return problems
