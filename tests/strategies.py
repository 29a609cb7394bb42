"""Hypothesis strategies for small random scenarios (plain dicts, as parsed from YAML).

Everything is drawn directly with hypothesis so that a failing case shrinks to a
minimal scenario. Values are kept in small ranges on purpose: a handful of ages, two or
three municipalities, capacities of 0-3, so that the hard rules bind and interact
(gender, age gaps, `serves`, floors against caps, locks against kept pairs). Choices are
weighted so that many scenarios still have pairs to propose, and each list of choices
starts with the value a failing case should shrink to. Half the scenarios are "noisy"
(mentors on leave or untrained, `serves`, age limits, gender wishes, exclusions); the
other half keep to gender, capacities, floors, locks and the objective, where the
optimisation is.

One combination is never drawn: `locks.forbid` or `exclude_mentors` on a kept active
pair. The contract does not say what happens then (rule 6 says never proposed, rule 7
says kept); test_bruteforce.py has the pinned case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

Data = dict[str, Any]

ROUND_DATE = dt.date(2026, 11, 20)
MUNICIPALITIES = ("north", "south", "east")
GENDERS = ("female", "male", "female", "male", "female", "male", "other")
CRITERIA = ("coverage", "fairness", "priority", "quality")
DEFAULT_OBJECTIVE = list(CRITERIA)
INTERESTS = ("hiking", "fishing", "gym", "music", "knitting", "cooking", "chess")
SUBSTANCES = ("alcohol", "cannabis", "opioids", "stimulants")
GOALS = ("work", "housing", "social_network", "drug_free")
AVAILABILITY = ("daytime", "evenings", "weekends")
PRIORITY_TAGS = ("young", "in_treatment", "after_prison", "urgent")
LANGUAGES = (["no"], ["no"], ["no", "en"], ["en"])


def _maybe(strategy: st.SearchStrategy[Any], none_weight: int = 1) -> st.SearchStrategy[Any]:
    """None about `none_weight` times in (none_weight + 2); shrinks to None. (`one_of` with
    repeated branches does not weight them.)"""
    present = st.sampled_from([False] * none_weight + [True] * 2)
    return present.flatmap(lambda on: strategy if on else st.none())


def _often(draw: st.DrawFn, times: int, of: int) -> bool:
    """True about `times` in `of` draws (shrinks to True). Plain integer draws are
    biased towards their bounds, which would make rare cases common."""
    return bool(draw(st.sampled_from([True] * times + [False] * (of - times))))


def _subset(values: tuple[str, ...], max_size: int = 2) -> st.SearchStrategy[list[str]]:
    """Up to `max_size` distinct values (shrinks to the empty list)."""
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size)


def _date(days: int) -> str:
    """The ISO date `days` after the round (before it when negative)."""
    return (ROUND_DATE + dt.timedelta(days=days)).isoformat()


@st.composite
def municipalities(draw: st.DrawFn, ids: list[str]) -> list[Data]:
    """Declared municipalities `ids`, each maybe with a min, a max and a share."""
    rows = []
    for mid in ids:
        row: Data = {"id": mid, "partner": draw(st.booleans())}
        low = draw(_maybe(st.sampled_from([1, 2, 0, 3]), 2))
        high = draw(_maybe(st.sampled_from([2, 1, 3, 4, 0]), 2))
        share = draw(_maybe(st.sampled_from([0.0, 0.2, 0.5, 1.0]), 2))
        if low is not None:
            row["min"] = low
        if high is not None:
            row["max"] = high
        if share is not None:
            row["share"] = share
        rows.append(row)
    return rows


@st.composite
def policies(draw: st.DrawFn, noisy: bool = True) -> Data:
    """A policy: mostly the default objective, any fairness mode and gender rule."""
    kind = draw(st.sampled_from(["default", "default", "default", "order", "subset"]))
    objective = DEFAULT_OBJECTIVE
    if kind == "order":
        objective = draw(st.permutations(CRITERIA))
    elif kind == "subset":
        objective = draw(st.lists(st.sampled_from(CRITERIA), unique=True, max_size=4))
    policy: Data = {
        "objective": list(objective),
        "fairness": draw(st.sampled_from(["quotas", "none", "proportional", "maxmin"])),
        "same_gender": draw(st.sampled_from(["required", "preferred", "ignore"])),
        "min_recovery_years": draw(st.sampled_from([2, 2, 0, 3])) if noisy else 2,
    }
    gap = draw(_maybe(st.sampled_from([25, 15, 10]), 6)) if noisy else None
    if gap is not None:
        policy["max_age_gap"] = gap
    return policy


@st.composite
def programs(draw: st.DrawFn, max_participants: int) -> Data:
    """A programme: capacities, sometimes a programme cap and a position budget."""
    program: Data = {
        "mentor_capacity": draw(st.sampled_from([2, 1, 2, 3, 1, 2, 0])),
        "position_per_participant": draw(st.sampled_from([0.1, 0.1, 0.2, 0.25])),
    }
    capacity = None
    if not _often(draw, 1, 2):
        capacity = draw(st.integers(1, max(1, max_participants))) if _often(draw, 9, 10) else 0
    budget = draw(_maybe(st.sampled_from([1.0, 0.5, 0.3, 0.7, 0.2, 0.0]), 8))
    if capacity is not None:
        program["capacity"] = capacity
    if budget is not None:
        program["position_budget"] = budget
    return program


@st.composite
def mentors(draw: st.DrawFn, n: int, munis: list[str], noisy: bool = True) -> list[Data]:
    """`n` mentors; when `noisy`, some on leave, untrained or serving a few places only."""
    rows = []
    for i in range(n):
        row: Data = {
            "id": f"M{i + 1}",
            "gender": draw(st.sampled_from(GENDERS)),
            "age": draw(st.sampled_from([40, 45, 35, 52, 28, 60, 70])),
            "municipality": draw(st.sampled_from(munis)),
            "recovery_years": draw(st.sampled_from([5, 8, 3, 2, 5, 1.5] if noisy else [5, 8])),
        }
        if noisy:
            serves = draw(_maybe(st.lists(st.sampled_from(munis), unique=True, max_size=3), 3))
            if serves is not None:
                row["serves"] = serves
        capacity = draw(_maybe(st.sampled_from([1, 2, 3, 1, 2, 0]), 2))
        if capacity is not None:
            row["capacity"] = capacity
        if noisy and not _often(draw, 5, 6):
            row["trained"] = False
        if noisy and not _often(draw, 5, 6):
            row["active"] = False
        row["substances"] = draw(_subset(SUBSTANCES))
        row["interests"] = draw(_subset(INTERESTS, 3))
        row["strengths"] = draw(_subset(GOALS))
        row["availability"] = draw(_subset(AVAILABILITY))
        row["languages"] = draw(st.sampled_from(LANGUAGES))
        rows.append(row)
    return rows


@st.composite
def participants(
    draw: st.DrawFn, n: int, munis: list[str], mentor_ids: list[str], noisy: bool = True
) -> list[Data]:
    """`n` participants; when `noisy`, with any gender wish, age limits and exclusions."""
    rows = []
    for i in range(n):
        row: Data = {
            "id": f"P{i + 1}",
            "gender": draw(st.sampled_from(GENDERS)),
            "age": draw(st.sampled_from([35, 40, 25, 47, 18, 55, 65])),
            "municipality": draw(st.sampled_from(munis)),
            "consent": _often(draw, 9, 10),
        }
        referred = draw(_maybe(st.integers(-400, 0), 1))
        if referred is not None:
            row["referred"] = _date(referred)
        discharge = draw(_maybe(st.integers(-30, 150), 2))
        if discharge is not None:
            row["discharge"] = _date(discharge)
        row["substances"] = draw(_subset(SUBSTANCES))
        row["interests"] = draw(_subset(INTERESTS, 3))
        row["goals"] = draw(_subset(GOALS))
        row["availability"] = draw(_subset(AVAILABILITY))
        row["languages"] = draw(st.sampled_from(LANGUAGES))
        tags = draw(_subset(PRIORITY_TAGS))
        if tags:
            row["priority"] = tags
        prefers: Data = {}
        wishes = ["same", "any", "female", "male", "other"] if noisy else ["any", "same"]
        wish = draw(_maybe(st.sampled_from(wishes), 4))
        if wish is not None:
            prefers["mentor_gender"] = wish
        gap = draw(_maybe(st.sampled_from([25, 15, 10, 5, 0]), 4)) if noisy else None
        if gap is not None:
            prefers["max_age_gap"] = gap
        if prefers:
            row["prefers"] = prefers
        if noisy and mentor_ids and not _often(draw, 4, 5):
            row["exclude_mentors"] = draw(
                st.lists(st.sampled_from(mentor_ids), unique=True, min_size=1, max_size=2)
            )
        rows.append(row)
    return rows


@st.composite
def active_pairs(draw: st.DrawFn, people: list[Data], mentor_ids: list[str]) -> list[Data]:
    """Active pairs with any mentor (kept pairs need not meet this round's rules);
    a participant without consent can only be in a released pair."""
    pairs: list[Data] = []
    if not mentor_ids:
        return pairs
    for person in people:
        if _often(draw, 4, 5):
            continue
        mid = draw(st.sampled_from(mentor_ids))
        release = not person["consent"] or not _often(draw, 3, 4)
        if not release and mid in person.get("exclude_mentors", []):
            continue  # see the module docstring
        pair: Data = {"participant": person["id"], "mentor": mid, "since": _date(-100)}
        if release:
            pair["release"] = True
        pairs.append(pair)
    return pairs


@st.composite
def scenario_data(
    draw: st.DrawFn,
    max_participants: int = 8,
    max_mentors: int = 5,
    max_municipalities: int = 3,
    min_participants: int = 1,
    min_mentors: int = 1,
) -> Data:
    """A small valid scenario dict touching every hard rule."""
    noisy = _often(draw, 1, 2)
    k = draw(st.integers(1, max_municipalities))
    munis = list(MUNICIPALITIES[:k])
    n_m = draw(st.integers(min_mentors, max_mentors))
    n_p = draw(st.integers(min_participants, max_participants))
    mentor_rows = draw(mentors(n_m, munis, noisy))
    mentor_ids = [m["id"] for m in mentor_rows]
    people = draw(participants(n_p, munis, mentor_ids, noisy))
    pairs = draw(active_pairs(people, mentor_ids))
    kept = {(x["participant"], x["mentor"]) for x in pairs if not x.get("release")}
    person_ids = [p["id"] for p in people]
    lock = (
        st.tuples(st.sampled_from(person_ids), st.sampled_from(mentor_ids))
        if mentor_ids
        else st.nothing()
    )
    require = draw(st.lists(lock, unique=True, max_size=2)) if not _often(draw, 3, 4) else []
    forbid = (
        [x for x in draw(st.lists(lock, unique=True, max_size=2)) if x not in kept]
        if not _often(draw, 2, 3)
        else []
    )
    data: Data = {
        "name": "hypothesis",
        "date": ROUND_DATE.isoformat(),
        "program": draw(programs(n_p)),
        "policy": draw(policies(noisy)),
        "mentors": mentor_rows,
        "participants": people,
        "pairs": pairs,
        "locks": {"require": [list(x) for x in require], "forbid": [list(x) for x in forbid]},
    }
    if _often(draw, 5, 6):  # mostly declared, sometimes named by people only
        data["municipalities"] = draw(municipalities(munis))
    else:  # undeclared: only the municipalities people live in exist
        named = {p["municipality"] for p in people} | {m["municipality"] for m in mentor_rows}
        for row in mentor_rows:
            if "serves" in row:
                row["serves"] = [g for g in row["serves"] if g in named]
    return data
