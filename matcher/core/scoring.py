"""Compatibility scores in [0, 1] per criterion, for arrays of (participant, mentor) pairs.

The total is the weighted mean of the criteria in force: `gender` only when the policy
says `preferred`. A criterion the participant gave no data for scores 0 for every
mentor, so it does not change their ranking. Work is chunked to bound memory.

Two ways of counting lead to the same arithmetic (`_finish`), so that their scores
agree to the last bit: `score_pairs` gathers the sets of each pair (for a few pairs),
`BlockScorer` counts shared values for a block of participants against all mentors
with one matrix product per criterion (for the millions of candidate edges of a large
round, where gathering sets per pair would dominate the run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from matcher.core.encoding import BoolArray, Encoded, FloatArray, IntArray
from matcher.model.scenario import Policy

AGE_SCALE = 25.0  # years of age gap at which age closeness reaches 0
CATEGORY_CREDIT = 0.5  # an interest shared only at category level counts half
QUALITY_SCALE = 1000  # integer quality units per score point, for the solvers
CHUNK = 200_000

CRITERIA = ("gender", "age", "substances", "interests", "goals", "availability", "language")
#: Criteria that are the share of the participant's values the mentor also has.
SHARES = {
    "substances": ("p_substances", "m_substances"),
    "goals": ("p_goals", "m_strengths"),
    "availability": ("p_availability", "m_availability"),
}


@dataclass(frozen=True)
class Counts:
    """The integer facts the criteria are computed from, one entry per pair."""

    same_gender: BoolArray
    gap: IntArray
    common: dict[str, FloatArray]  # per share criterion: values in common
    size: dict[str, FloatArray]  # per share criterion: the participant's values
    interest_points: FloatArray  # exact tags + CATEGORY_CREDIT x category-only tags
    n_tags: FloatArray
    common_language: FloatArray


@dataclass(frozen=True)
class Scores:
    """Per-criterion values and the weighted total for a list of pairs.

    The criteria are recomputed on first use from the pairs (`source`), so that the
    millions of candidate edges of a large round keep only their totals in memory.
    """

    total: FloatArray
    weights: dict[str, float]
    source: tuple[Encoded, Policy, IntArray, IntArray]
    given: dict[str, FloatArray] | None = field(default=None, repr=False)

    @cached_property
    def criteria(self) -> dict[str, FloatArray]:
        """Every criterion of CRITERIA per pair (weighted or not), recomputed from `source` on
        first use for a large round: `take` the pairs you need before asking."""
        if self.given is not None:
            return self.given
        enc, policy, pi, mi = self.source
        return score_pairs(enc, policy, pi, mi).criteria

    def take(self, index: IntArray) -> Scores:
        """The scores of the pairs at `index`, with their criteria computed at once."""
        enc, policy, pi, mi = self.source
        source = (enc, policy, pi[index], mi[index])
        if self.given is not None:
            given = {name: values[index] for name, values in self.given.items()}
        else:
            given = score_pairs(*source).criteria
        return Scores(self.total[index], self.weights, source, given)


def active_weights(policy: Policy) -> dict[str, float]:
    """The weights that count, in CRITERIA order: zero weights dropped, `gender` only with
    `same_gender: preferred`. Both scorers sum in this order, so their totals agree."""
    w = policy.weights
    weights = {
        "gender": w.gender if policy.same_gender == "preferred" else 0.0,
        "age": w.age,
        "substances": w.substances,
        "interests": w.interests,
        "goals": w.goals,
        "availability": w.availability,
        "language": w.language,
    }
    return {k: v for k, v in weights.items() if v > 0}


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    out: FloatArray = np.divide(num, den, out=np.zeros(len(num)), where=den > 0)
    return out


def _finish(c: Counts, names: tuple[str, ...] = CRITERIA) -> dict[str, FloatArray]:
    """The criteria in `names` from the counts: the one place where scores are computed."""
    out: dict[str, FloatArray] = {}
    for name in names:
        if name == "gender":
            out[name] = c.same_gender.astype(np.float64)
        elif name == "age":
            out[name] = np.clip(1.0 - c.gap.astype(np.float64) / AGE_SCALE, 0.0, 1.0)
        elif name in SHARES:
            out[name] = _ratio(c.common[name], c.size[name])
        elif name == "interests":
            out[name] = _ratio(c.interest_points, c.n_tags)
        else:
            out[name] = (c.common_language > 0).astype(np.float64)
    return out


def _weighted(criteria: dict[str, FloatArray], weights: dict[str, float], n: int) -> FloatArray:
    total = np.zeros(n, dtype=np.float64)
    for name, w in weights.items():
        total += w * criteria[name]
    weight_sum = sum(weights.values())
    if weight_sum > 0:
        total /= weight_sum
    return total


def _count(values: BoolArray) -> FloatArray:
    out: FloatArray = values.sum(axis=1, dtype=np.float64)
    return out


def _pair_counts(enc: Encoded, pi: IntArray, mi: IntArray) -> Counts:
    p_tags, m_tags = enc.p_interests[pi], enc.m_interests[mi]
    exact = p_tags & m_tags
    if len(enc.interest_tags):
        cats = enc.tag_category
        has_cat = enc.m_interest_categories[mi][:, np.maximum(cats, 0)] & (cats >= 0)
        by_category = p_tags & ~m_tags & has_cat
    else:
        by_category = exact
    common, size = {}, {}
    for name, (p_attr, m_attr) in SHARES.items():
        p_set: BoolArray = getattr(enc, p_attr)[pi]
        common[name] = _count(p_set & getattr(enc, m_attr)[mi])
        size[name] = _count(p_set)
    return Counts(
        same_gender=enc.p_gender[pi] == enc.m_gender[mi],
        gap=np.abs(enc.p_age[pi] - enc.m_age[mi]),
        common=common,
        size=size,
        interest_points=_count(exact) + CATEGORY_CREDIT * _count(by_category),
        n_tags=_count(p_tags),
        common_language=_count(enc.p_languages[pi] & enc.m_languages[mi]),
    )


def score_pairs(enc: Encoded, policy: Policy, pi: IntArray, mi: IntArray) -> Scores:
    """Scores of the pairs (pi[k], mi[k]), every criterion kept, in chunks of CHUNK pairs;
    eligibility is not checked. A large round's edges use `BlockScorer` instead."""
    weights = active_weights(policy)
    parts: dict[str, list[FloatArray]] = {c: [] for c in CRITERIA}
    for start in range(0, len(pi), CHUNK):
        chunk = _finish(_pair_counts(enc, pi[start : start + CHUNK], mi[start : start + CHUNK]))
        for name, values in chunk.items():
            parts[name].append(values)
    criteria = {
        c: np.concatenate(v) if v else np.zeros(0, dtype=np.float64) for c, v in parts.items()
    }
    total = _weighted(criteria, weights, len(pi))
    return Scores(total, weights, (enc, policy, pi, mi), criteria)


def _grid(n: int, **fields: FloatArray) -> Counts:
    """Counts for `n` made-up pairs, zero except for the given facts."""
    zero = np.zeros(n, dtype=np.float64)
    per_share = {name: fields.get(name, zero) for name in SHARES}
    size = {name: fields.get(f"{name}_size", zero) for name in SHARES}
    return Counts(
        same_gender=fields.get("same_gender", zero) > 0,
        gap=fields.get("gap", zero).astype(np.int64),
        common=per_share,
        size=size,
        interest_points=fields.get("interest_points", zero),
        n_tags=fields.get("n_tags", zero),
        common_language=fields.get("common_language", zero),
    )


def _most(values: BoolArray) -> int:
    return int(np.count_nonzero(values, axis=1).max(initial=0))


@dataclass(frozen=True)
class _Term:
    """One criterion of `BlockScorer`: how to count it for a block, and its weighted value
    for every possible count code (computed by `_finish`, so exactly the same numbers)."""

    p_attr: str
    m_cols: NDArray[np.float32]  # (values + 1) x mentors: the mentor sets and a row of ones
    p_weight: float  # the code is common + p_weight x (the participant's count)
    table: FloatArray  # weight x criterion value, by code


class BlockScorer:
    """Totals of the pairs of a block of participants against all mentors.

    Each set criterion is one matrix product of the block's sets with all mentors' sets,
    giving per pair a small integer code (values in common, and the participant's own
    count) that indexes a table of the weighted criterion value. Counts stay far below
    2**24, so float32 products are exact.
    """

    def __init__(self, enc: Encoded, policy: Policy) -> None:
        self.enc = enc
        self.weights = active_weights(policy)
        self.terms: dict[str, _Term] = {}
        for name, (p_attr, m_attr) in SHARES.items():
            if name in self.weights:
                most = _most(getattr(enc, p_attr))
                common, size = _codes(most, most)
                grid = _grid(len(common), **{name: common, f"{name}_size": size})
                values = _finish(grid, (name,))
                self._add(name, p_attr, getattr(enc, m_attr), most + 1, values[name])
        if "interests" in self.weights:
            # Half points: 2 per tag in common, 1 per tag shared only at category level.
            cats = enc.tag_category
            has_cat = enc.m_interest_categories[:, np.maximum(cats, 0)] & (cats >= 0)
            credit = np.where(enc.m_interests, 2.0, np.where(has_cat, 1.0, 0.0))
            most = _most(enc.p_interests)
            halves, n_tags = _codes(2 * most, most)
            values = _finish(
                _grid(len(halves), interest_points=halves / 2, n_tags=n_tags), ("interests",)
            )
            self._add("interests", "p_interests", credit, 2 * most + 1, values["interests"])
        if "language" in self.weights:
            most = _most(enc.p_languages)
            common = np.arange(most + 1, dtype=np.float64)
            values = _finish(_grid(most + 1, common_language=common), ("language",))
            self._add("language", "p_languages", enc.m_languages, 0, values["language"])
        ages = np.concatenate([enc.p_age, enc.m_age])
        span = int(ages.max() - ages.min()) + 1 if len(ages) else 1
        gaps = _finish(_grid(span, gap=np.arange(span, dtype=np.float64)), ("age",))["age"]
        same = _finish(_grid(2, same_gender=np.arange(2, dtype=np.float64)), ("gender",))["gender"]
        self.age_table = self.weights.get("age", 0.0) * gaps
        self.gender_table = self.weights.get("gender", 0.0) * same

    def _add(
        self,
        name: str,
        p_attr: str,
        m_sets: BoolArray | FloatArray,
        p_weight: float,
        values: FloatArray,
    ) -> None:
        ones = np.ones((1, self.enc.n_mentors), dtype=np.float32)
        m_cols = np.concatenate([np.asarray(m_sets, dtype=np.float32).T, ones])
        self.terms[name] = _Term(
            p_attr, np.ascontiguousarray(m_cols), p_weight, self.weights[name] * values
        )

    def totals(self, rows: IntArray, r: IntArray, m: IntArray) -> FloatArray:
        """Totals of the pairs (rows[r], m), `rows` a block of participant indices."""
        enc = self.enc
        flat = r * enc.n_mentors + m
        total = np.zeros(len(r), dtype=np.float64)
        for name in self.weights:  # the order of `_weighted`, for the same sums
            if name == "gender":
                total += self.gender_table[(enc.p_gender[rows][r] == enc.m_gender[m]).view(np.int8)]
            elif name == "age":
                total += self.age_table[np.abs(enc.p_age[rows][r] - enc.m_age[m])]
            else:
                term = self.terms[name]
                p_sets: BoolArray = getattr(enc, term.p_attr)[rows]
                own = np.count_nonzero(p_sets, axis=1) * term.p_weight
                p_cols = np.concatenate([p_sets, own[:, None]], axis=1).astype(np.float32)
                codes = (p_cols @ term.m_cols).ravel()[flat].astype(np.intp)
                total += term.table[codes]
        weight_sum = sum(self.weights.values())
        if weight_sum > 0:
            total /= weight_sum
        return total


def _codes(most_common: int, most_own: int) -> tuple[FloatArray, FloatArray]:
    """Every (common, own) pair of a code common + (most_common + 1) x own."""
    common = np.tile(np.arange(most_common + 1), most_own + 1).astype(np.float64)
    own = np.repeat(np.arange(most_own + 1), most_common + 1).astype(np.float64)
    return common, own


def quality_units(total: FloatArray) -> IntArray:
    """Scores as integers for the solvers; the same rounding for every back-end."""
    scaled = total * QUALITY_SCALE
    return np.rint(scaled, out=scaled).astype(np.int64)
