"""The scenario as numpy arrays, indexed by mentor and participant position.

Everything the eligibility rules and the scores need is encoded once, so that both
work on whole arrays of pairs instead of looping over people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matcher.model.scenario import Scenario
from matcher.model.vocabulary import CATEGORIES, GENDERS, TAXONOMY

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Codes of `prefers.mentor_gender`: none, same, female, male, other, any.
PREF_NONE, PREF_SAME, PREF_ANY = -1, -2, -3
NO_GAP = 1_000


def _onehot(rows: Sequence[Sequence[str]], vocab: Sequence[str]) -> BoolArray:
    index = {v: i for i, v in enumerate(vocab)}
    out = np.zeros((len(rows), len(vocab)), dtype=bool)
    for r, values in enumerate(rows):
        for v in values:
            out[r, index[v]] = True
    return out


@dataclass(frozen=True)
class Encoded:
    """Array view of a scenario. Set fields are boolean matrices (people x values)."""

    mentor_ids: list[str]
    participant_ids: list[str]
    municipality_ids: list[str]
    mentor_index: dict[str, int]  # id -> position, the inverse of mentor_ids
    participant_index: dict[str, int]
    m_gender: IntArray
    p_gender: IntArray
    m_age: IntArray
    p_age: IntArray
    m_muni: IntArray
    p_muni: IntArray
    m_serves: BoolArray  # mentors x municipalities
    m_active: BoolArray
    m_trained: BoolArray
    m_recovered: BoolArray
    m_capacity: IntArray
    p_consent: BoolArray
    p_pref_gender: IntArray
    p_max_gap: IntArray
    # Pair sets as sorted codes participant x n_mentors + mentor: they hold a few pairs,
    # where a participants x mentors matrix would take 50 MB each in a large round.
    p_excluded: IntArray  # exclude_mentors
    forbidden: IntArray  # locks.forbid
    released: IntArray  # released active pairs
    p_substances: BoolArray
    m_substances: BoolArray
    p_goals: BoolArray
    m_strengths: BoolArray
    p_availability: BoolArray
    m_availability: BoolArray
    p_languages: BoolArray
    m_languages: BoolArray
    p_interests: BoolArray  # participants x interest tags
    m_interests: BoolArray
    m_interest_categories: BoolArray  # mentors x categories
    tag_category: IntArray  # interest tag -> category index, -1 for none
    interest_tags: list[str]

    @property
    def n_participants(self) -> int:
        """Every participant of the scenario, consenting or not: the row count of the
        participant arrays."""
        return len(self.participant_ids)

    @property
    def n_mentors(self) -> int:
        """Every mentor, eligible or not: the column count of pair matrices and the
        multiplier of pair codes (participant x n_mentors + mentor)."""
        return len(self.mentor_ids)


def interest_category(scenario: Scenario, tag: str) -> str | None:
    """A tag's activity category: the scenario's own vocabulary first, then the taxonomy."""
    if tag in scenario.vocabulary.interests:
        return scenario.vocabulary.interests[tag]
    return TAXONOMY.get(tag)


def _vocab(*rows: Sequence[Sequence[str]]) -> list[str]:
    """The values either side uses, sorted: the columns of one set field's matrices."""
    return sorted({v for group in rows for values in group for v in values})


def _pair_codes(
    pairs: Sequence[tuple[str, str]],
    part_index: dict[str, int],
    mentor_index: dict[str, int],
    n_mentors: int,
) -> IntArray:
    """(participant id, mentor id) pairs as sorted codes participant x n_mentors + mentor."""
    codes = [part_index[pid] * n_mentors + mentor_index[mid] for pid, mid in pairs]
    return np.unique(np.array(codes, dtype=np.int64))


def _serves(scenario: Scenario, muni_index: dict[str, int]) -> BoolArray:
    """Mentors x municipalities: True where the mentor serves it (no `serves`: all)."""
    serves = np.zeros((len(scenario.mentors), len(muni_index)), dtype=bool)
    for i, m in enumerate(scenario.mentors):
        if m.serves is None:
            serves[i, :] = True
        else:
            serves[i, [muni_index[s] for s in m.serves]] = True
    return serves


def _gender_wishes(scenario: Scenario, gender_code: dict[str, int]) -> IntArray:
    """Each participant's `prefers.mentor_gender` as a gender code or a PREF_* code."""
    pref = []
    for p in scenario.participants:
        g = p.prefers.mentor_gender
        pref.append(
            {None: PREF_NONE, "same": PREF_SAME, "any": PREF_ANY}.get(g)
            if g in (None, "same", "any")
            else gender_code[str(g)]
        )
    return np.array(pref, dtype=np.int64)


def _interest_categories(
    scenario: Scenario, tags: list[str], m_interests: BoolArray
) -> tuple[IntArray, BoolArray]:
    """Each interest tag's category (-1 for none), and mentors x categories: True where
    the mentor has an interest of that category."""
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    tag_category = np.array(
        [cat_index.get(interest_category(scenario, t) or "", -1) for t in tags], dtype=np.int64
    )
    m_cats = np.zeros((len(m_interests), len(CATEGORIES)), dtype=bool)
    for t, c in enumerate(tag_category):
        if c >= 0:
            m_cats[:, c] |= m_interests[:, t]
    return tag_category, m_cats


def encode(scenario: Scenario) -> Encoded:
    """The scenario as arrays, once, for the eligibility rules and the scores."""
    mentors, parts = scenario.mentors, scenario.participants
    munis = [m.id for m in scenario.municipality_list()]
    muni_index = {m: i for i, m in enumerate(munis)}
    mentor_index = {m.id: i for i, m in enumerate(mentors)}
    part_index = {p.id: i for i, p in enumerate(parts)}
    gender_code = {g: i for i, g in enumerate(GENDERS)}

    def pair_codes(pairs: Sequence[tuple[str, str]]) -> IntArray:
        return _pair_codes(pairs, part_index, mentor_index, len(mentors))

    substances = _vocab([p.substances for p in parts], [m.substances for m in mentors])
    goals = _vocab([p.goals for p in parts], [m.strengths for m in mentors])
    avail = _vocab([p.availability for p in parts], [m.availability for m in mentors])
    langs = _vocab([p.languages for p in parts], [m.languages for m in mentors])
    tags = _vocab([p.interests for p in parts], [m.interests for m in mentors])
    m_interests = _onehot([m.interests for m in mentors], tags)
    tag_category, m_cats = _interest_categories(scenario, tags, m_interests)

    return Encoded(
        mentor_ids=[m.id for m in mentors],
        participant_ids=[p.id for p in parts],
        municipality_ids=munis,
        mentor_index=mentor_index,
        participant_index=part_index,
        m_gender=np.array([gender_code[m.gender] for m in mentors], dtype=np.int64),
        p_gender=np.array([gender_code[p.gender] for p in parts], dtype=np.int64),
        m_age=np.array([m.age for m in mentors], dtype=np.int64),
        p_age=np.array([p.age for p in parts], dtype=np.int64),
        m_muni=np.array([muni_index[m.municipality] for m in mentors], dtype=np.int64),
        p_muni=np.array([muni_index[p.municipality] for p in parts], dtype=np.int64),
        m_serves=_serves(scenario, muni_index),
        m_active=np.array([m.active for m in mentors], dtype=bool),
        m_trained=np.array([m.trained for m in mentors], dtype=bool),
        m_recovered=np.array(
            [m.recovery_years >= scenario.policy.min_recovery_years for m in mentors], dtype=bool
        ),
        m_capacity=np.array([scenario.mentor_capacity(m) for m in mentors], dtype=np.int64),
        p_consent=np.array([p.consent for p in parts], dtype=bool),
        p_pref_gender=_gender_wishes(scenario, gender_code),
        p_max_gap=np.array(
            [NO_GAP if p.prefers.max_age_gap is None else p.prefers.max_age_gap for p in parts],
            dtype=np.int64,
        ),
        p_excluded=pair_codes([(p.id, m) for p in parts for m in p.exclude_mentors]),
        forbidden=pair_codes(scenario.locks.forbid),
        released=pair_codes([(x.participant, x.mentor) for x in scenario.pairs if x.release]),
        p_substances=_onehot([p.substances for p in parts], substances),
        m_substances=_onehot([m.substances for m in mentors], substances),
        p_goals=_onehot([p.goals for p in parts], goals),
        m_strengths=_onehot([m.strengths for m in mentors], goals),
        p_availability=_onehot([p.availability for p in parts], avail),
        m_availability=_onehot([m.availability for m in mentors], avail),
        p_languages=_onehot([p.languages for p in parts], langs),
        m_languages=_onehot([m.languages for m in mentors], langs),
        p_interests=_onehot([p.interests for p in parts], tags),
        m_interests=m_interests,
        m_interest_categories=m_cats,
        tag_category=tag_category,
        interest_tags=tags,
    )
