"""The people of a generated scenario: the distributions they are drawn from, the arrays
`benchmarks.generator` builds a round on, and the `mentors` and `participants` records.

The distributions follow the A-larm project reports (`benchmarks.generator` sums them
up). They live here, apart from the round (active pairs, locks, floors and ceilings), so
that each module stays small enough to read in one sitting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from matcher.model.vocabulary import AVAILABILITY, GOALS, SUBSTANCES, TAXONOMY

SameGender = Literal["required", "preferred", "ignore"]

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
Row = dict[str, Any]

MENTOR_CAPACITY = 2
MIN_RECOVERY_YEARS = 2.0

GENDERS = ("female", "male", "other")
PARTICIPANT_GENDER_P = (0.34, 0.64, 0.02)
MENTOR_GENDER_P = (0.43, 0.55, 0.02)

#: Common interest tags of the taxonomy with a rough popularity weight.
INTERESTS: dict[str, float] = {
    "hiking": 10,
    "fishing": 9,
    "walking": 8,
    "gym": 8,
    "football": 7,
    "music": 7,
    "cooking": 6,
    "films": 6,
    "reading": 5,
    "gaming": 5,
    "cafes": 5,
    "dogs": 4,
    "swimming": 4,
    "running": 4,
    "cycling": 3,
    "guitar": 3,
    "hunting": 3,
    "skiing": 3,
    "woodwork": 2,
    "knitting": 2,
    "photography": 2,
    "painting": 2,
    "volunteering": 2,
    "church": 2,
    "board_games": 2,
    "gardening": 2,
    "camping": 2,
    "boxing": 1,
    "yoga": 1,
    "singing": 1,
    "courses": 1,
    "work_practice": 1,
    "bowling": 1,
    "golf": 1,
}
assert all(tag in TAXONOMY for tag in INTERESTS), "generator interests must be in TAXONOMY"

SUBSTANCE_W: dict[str, float] = {
    "alcohol": 0.45,
    "cannabis": 0.30,
    "stimulants": 0.30,
    "opioids": 0.20,
    "benzodiazepines": 0.20,
    "other": 0.05,
}
GOAL_W: dict[str, float] = {
    "work": 0.5,
    "education": 0.2,
    "housing": 0.35,
    "finances": 0.3,
    "public_services": 0.3,
    "social_network": 0.5,
    "activities": 0.4,
    "family": 0.3,
    "health": 0.35,
    "drug_free": 0.5,
}
STRENGTH_W: dict[str, float] = {
    "work": 0.5,
    "education": 0.25,
    "housing": 0.4,
    "finances": 0.3,
    "public_services": 0.45,
    "social_network": 0.5,
    "activities": 0.5,
    "family": 0.25,
    "health": 0.3,
    "drug_free": 0.6,
}
P_AVAILABILITY_W: dict[str, float] = {"daytime": 0.6, "evenings": 0.6, "weekends": 0.4}
M_AVAILABILITY_W: dict[str, float] = {"daytime": 0.3, "evenings": 0.7, "weekends": 0.6}
assert set(SUBSTANCE_W) == set(SUBSTANCES)
assert set(GOAL_W) == set(GOALS) == set(STRENGTH_W)
assert set(P_AVAILABILITY_W) == set(AVAILABILITY) == set(M_AVAILABILITY_W)

LanguageTable = tuple[tuple[tuple[str, ...], float], ...]

#: Languages: mostly Norwegian ("no"), some bilingual, a few without Norwegian.
P_LANGUAGES: LanguageTable = (
    (("no",), 0.88),
    (("no", "en"), 0.05),
    (("en",), 0.02),
    (("pl",), 0.015),
    (("ar", "no"), 0.01),
    (("so",), 0.01),
    (("ti", "no"), 0.005),
    (("uk",), 0.01),
)
M_LANGUAGES: LanguageTable = (
    (("no",), 0.90),
    (("no", "en"), 0.08),
    (("no", "pl"), 0.02),
)

# Codes of prefers.mentor_gender in the generator's own arrays.
PREF_NONE, PREF_SAME, PREF_ANY = -1, -2, -3
NO_GAP = 1_000
PREF_NAMES = {PREF_SAME: "same", PREF_ANY: "any", 0: "female", 1: "male", 2: "other"}

#: The date every generated round is held on; referral and pair dates count back from it.
ROUND_DATE = dt.date(2026, 11, 20)


def iso(days_before: int) -> str:
    """The ISO date `days_before` days before the round (after it when negative)."""
    return (ROUND_DATE - dt.timedelta(days=days_before)).isoformat()


def draw_sets(
    rng: np.random.Generator, n: int, weights: dict[str, float], low: int, high: int
) -> list[list[str]]:
    """`n` weighted samples without replacement of `low`..`high` tags each (in the
    vocabulary's order), by the Efraimidis-Spirakis keys u ** (1 / w)."""
    vocab = list(weights)
    w = np.array([weights[v] for v in vocab], dtype=np.float64)
    keys = rng.random((n, len(vocab))) ** (1.0 / w)
    order = np.argsort(-keys, axis=1, kind="stable")
    sizes = rng.integers(low, min(high, len(vocab)) + 1, size=n)
    return [[vocab[j] for j in sorted(order[i, : sizes[i]].tolist())] for i in range(n)]


def draw_languages(rng: np.random.Generator, n: int, table: LanguageTable) -> list[list[str]]:
    """`n` language lists, each picked whole from `table` by its weight."""
    p = np.array([w for _, w in table], dtype=np.float64)
    picks = rng.choice(len(table), size=n, p=p / p.sum())
    return [list(table[i][0]) for i in picks.tolist()]


def draw_ages(
    rng: np.random.Generator, n: int, mean: float, sd: float, lo: int, hi: int
) -> IntArray:
    """`n` whole ages from a normal distribution, clipped to `lo`..`hi`."""
    return np.clip(np.round(rng.normal(mean, sd, n)), lo, hi).astype(np.int64)


class People:
    """The generated people as arrays, with the hard rules needed to pick valid pairs."""

    def __init__(
        self,
        rng: np.random.Generator,
        n_p: int,
        n_m: int,
        k: int,
        muni_p: FloatArray,
        same_gender: SameGender,
    ) -> None:
        self.n_p, self.n_m, self.k = n_p, n_m, k
        self.same_gender = same_gender
        self._draw_participants(rng, muni_p)
        self._draw_mentors(rng, muni_p)

    def _draw_participants(self, rng: np.random.Generator, muni_p: FloatArray) -> None:
        """Gender, age, municipality, consent, wishes and exclusions of the participants."""
        n_p, n_m = self.n_p, self.n_m
        self.p_gender = rng.choice(3, size=n_p, p=PARTICIPANT_GENDER_P).astype(np.int64)
        self.p_age = draw_ages(rng, n_p, 36.0, 11.0, 18, 65)
        self.p_muni = rng.choice(self.k, size=n_p, p=muni_p).astype(np.int64)
        self.p_consent = rng.random(n_p) >= 0.05
        u = rng.random(n_p)
        pref = np.full(n_p, PREF_NONE, dtype=np.int64)
        pref[u < 0.15] = PREF_SAME
        pref[(u >= 0.15) & (u < 0.23)] = PREF_ANY
        explicit = (u >= 0.23) & (u < 0.27)
        if self.same_gender == "required":
            # Under `required` an explicit wish is for the participant's own gender,
            # which every reading of rule 3 agrees on.
            pref[explicit] = self.p_gender[explicit]
        else:
            pref[explicit] = rng.choice(3, size=int(explicit.sum()), p=MENTOR_GENDER_P)
        self.p_pref = pref
        self.p_gap = np.where(rng.random(n_p) < 0.10, rng.integers(10, 26, size=n_p), NO_GAP)
        self.p_excluded: dict[int, list[int]] = {}
        if n_m:
            for p in np.flatnonzero(rng.random(n_p) < 0.03).tolist():
                count = int(rng.integers(1, min(2, n_m) + 1))
                picks = rng.choice(n_m, size=count, replace=False).tolist()
                self.p_excluded[p] = sorted(int(m) for m in picks)

    def _draw_mentors(self, rng: np.random.Generator, muni_p: FloatArray) -> None:
        """Gender, age, municipality, capacity, recovery, status and `serves` of the mentors."""
        n_m, k = self.n_m, self.k
        self.m_gender = rng.choice(3, size=n_m, p=MENTOR_GENDER_P).astype(np.int64)
        self.m_age = draw_ages(rng, n_m, 48.0, 9.0, 28, 70)
        self.m_muni = rng.choice(k, size=n_m, p=muni_p).astype(np.int64)
        u = rng.random(n_m)
        cap = np.full(n_m, -1, dtype=np.int64)  # -1: the programme default
        cap[u < 0.10] = 1
        cap[(u >= 0.10) & (u < 0.22)] = 3
        cap[(u >= 0.22) & (u < 0.25)] = 4
        self.m_capacity_field = cap
        self.m_capacity = np.where(cap < 0, MENTOR_CAPACITY, cap).astype(np.int64)
        self.m_recovery = np.round(1.0 + rng.gamma(2.0, 3.0, n_m), 1)
        self.m_trained = rng.random(n_m) >= 0.07
        self.m_active = rng.random(n_m) >= 0.06
        restricted = rng.random(n_m) < 0.30
        serves = np.where(restricted[:, None], rng.random((n_m, k)) < 0.4, True)
        serves[np.arange(n_m), self.m_muni] = True
        self.m_restricted = restricted
        self.m_serves: BoolArray = serves
        self.m_ok = self.m_active & self.m_trained & (self.m_recovery >= MIN_RECOVERY_YEARS)

    def eligible(self, p: int) -> BoolArray:
        """Mentors that rules 2-6 (without locks) allow for participant `p`."""
        ok = self.m_ok & self.m_serves[:, self.p_muni[p]]
        pref, gender = int(self.p_pref[p]), int(self.p_gender[p])
        if self.same_gender == "required" and pref != PREF_ANY:
            ok &= self.m_gender == gender
        if pref == PREF_SAME:
            ok &= self.m_gender == gender
        elif pref >= 0:
            ok &= self.m_gender == pref
        ok &= np.abs(self.m_age - self.p_age[p]) <= self.p_gap[p]
        for m in self.p_excluded.get(p, []):
            ok[m] = False
        return ok


@dataclass
class Attributes:
    """Everyone's tag sets, dates and priority draws, drawn for all people at once."""

    p_substances: list[list[str]]
    p_interests: list[list[str]]
    p_goals: list[list[str]]
    p_avail: list[list[str]]
    p_langs: list[list[str]]
    m_substances: list[list[str]]
    m_interests: list[list[str]]
    m_strengths: list[list[str]]
    m_avail: list[list[str]]
    m_langs: list[list[str]]
    referred_days: IntArray
    has_discharge: BoolArray
    discharge_days: IntArray
    tag_draw: FloatArray

    @classmethod
    def draw(cls, rng: np.random.Generator, n_p: int, n_m: int) -> Attributes:
        """Draw every attribute; keyword arguments are evaluated in the order written,
        which is the order of the draws."""
        return cls(
            p_substances=draw_sets(rng, n_p, SUBSTANCE_W, 1, 3),
            p_interests=draw_sets(rng, n_p, INTERESTS, 1, 4),
            p_goals=draw_sets(rng, n_p, GOAL_W, 1, 4),
            p_avail=draw_sets(rng, n_p, P_AVAILABILITY_W, 1, 3),
            p_langs=draw_languages(rng, n_p, P_LANGUAGES),
            m_substances=draw_sets(rng, n_m, SUBSTANCE_W, 1, 3),
            m_interests=draw_sets(rng, n_m, INTERESTS, 2, 5),
            m_strengths=draw_sets(rng, n_m, STRENGTH_W, 2, 4),
            m_avail=draw_sets(rng, n_m, M_AVAILABILITY_W, 1, 3),
            m_langs=draw_languages(rng, n_m, M_LANGUAGES),
            referred_days=rng.integers(0, 300, size=n_p),
            has_discharge=rng.random(n_p) < 0.4,
            discharge_days=rng.integers(-20, 150, size=n_p),
            tag_draw=rng.random((n_p, 4)),
        )


def mentor_rows(
    people: People, attrs: Attributes, mid: list[str], muni_ids: list[str]
) -> list[Row]:
    """The `mentors` list, optional keys only where they differ from the defaults."""
    mentors: list[Row] = []
    for i in range(people.n_m):
        mentor: Row = {
            "id": mid[i],
            "gender": GENDERS[people.m_gender[i]],
            "age": int(people.m_age[i]),
            "municipality": muni_ids[people.m_muni[i]],
        }
        if people.m_restricted[i]:
            mentor["serves"] = [muni_ids[g] for g in np.flatnonzero(people.m_serves[i])]
        if people.m_capacity_field[i] >= 0:
            mentor["capacity"] = int(people.m_capacity_field[i])
        mentor["recovery_years"] = float(people.m_recovery[i])
        if not people.m_trained[i]:
            mentor["trained"] = False
        if not people.m_active[i]:
            mentor["active"] = False
        mentor["substances"] = attrs.m_substances[i]
        mentor["interests"] = attrs.m_interests[i]
        mentor["strengths"] = attrs.m_strengths[i]
        mentor["availability"] = attrs.m_avail[i]
        mentor["languages"] = attrs.m_langs[i]
        mentors.append(mentor)
    return mentors


def _priority_tags(people: People, attrs: Attributes) -> list[list[str]]:
    """Every participant's priority tags (most young people are tagged `young`)."""
    draw = attrs.tag_draw
    young = (people.p_age <= 30) & (draw[:, 0] < 0.8)
    flags = np.column_stack([young, draw[:, 1] < 0.35, draw[:, 2] < 0.08, draw[:, 3] < 0.04])
    names = ("young", "in_treatment", "after_prison", "urgent")
    return [[tag for tag, on in zip(names, row, strict=True) if on] for row in flags.tolist()]


def _prefers(people: People, i: int) -> Row:
    """Participant `i`'s `prefers` record (empty when they state no wish)."""
    prefers: Row = {}
    if people.p_pref[i] != PREF_NONE:
        prefers["mentor_gender"] = PREF_NAMES[int(people.p_pref[i])]
    if people.p_gap[i] != NO_GAP:
        prefers["max_age_gap"] = int(people.p_gap[i])
    return prefers


def participant_rows(
    people: People, attrs: Attributes, pid: list[str], mid: list[str], muni_ids: list[str]
) -> list[Row]:
    """The `participants` list, optional keys only where they are set."""
    participants: list[Row] = []
    priority = _priority_tags(people, attrs)
    for i in range(people.n_p):
        part: Row = {
            "id": pid[i],
            "gender": GENDERS[people.p_gender[i]],
            "age": int(people.p_age[i]),
            "municipality": muni_ids[people.p_muni[i]],
            "consent": bool(people.p_consent[i]),
            "referred": iso(int(attrs.referred_days[i])),
        }
        if attrs.has_discharge[i]:
            part["discharge"] = iso(-int(attrs.discharge_days[i]))
        part["substances"] = attrs.p_substances[i]
        part["interests"] = attrs.p_interests[i]
        part["goals"] = attrs.p_goals[i]
        part["availability"] = attrs.p_avail[i]
        part["languages"] = attrs.p_langs[i]
        if priority[i]:
            part["priority"] = priority[i]
        prefers = _prefers(people, i)
        if prefers:
            part["prefers"] = prefers
        if i in people.p_excluded:
            part["exclude_mentors"] = [mid[m] for m in people.p_excluded[i]]
        participants.append(part)
    return participants
