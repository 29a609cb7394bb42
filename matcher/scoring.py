"""Compatibility scores in [0, 1] per criterion, for arrays of (participant, mentor) pairs.

The total is the weighted mean of the criteria in force: `gender` only when the policy
says `preferred`. A criterion the participant gave no data for scores 0 for every
mentor, so it does not change their ranking. Work is chunked to bound memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.encoding import BoolArray, Encoded, FloatArray, IntArray
from matcher.scenario import Policy

AGE_SCALE = 25.0  # years of age gap at which age closeness reaches 0
CATEGORY_CREDIT = 0.5  # an interest shared only at category level counts half
QUALITY_SCALE = 1000  # integer quality units per score point, for the solvers
CHUNK = 200_000

CRITERIA = ("gender", "age", "substances", "interests", "goals", "availability", "language")


@dataclass(frozen=True)
class Scores:
    """Per-criterion values and the weighted total for a list of pairs."""

    criteria: dict[str, FloatArray]
    total: FloatArray
    weights: dict[str, float]


def active_weights(policy: Policy) -> dict[str, float]:
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


def _share(p_set: BoolArray, m_set: BoolArray) -> FloatArray:
    """Share of the participant's values that the mentor also has (0 if none given)."""
    common = np.count_nonzero(p_set & m_set, axis=1)
    size = np.count_nonzero(p_set, axis=1)
    out: FloatArray = np.divide(common, size, out=np.zeros(len(common)), where=size > 0)
    return out


def _criteria(enc: Encoded, pi: IntArray, mi: IntArray) -> dict[str, FloatArray]:
    gap = np.abs(enc.p_age[pi] - enc.m_age[mi]).astype(np.float64)
    p_tags, m_tags = enc.p_interests[pi], enc.m_interests[mi]
    exact = p_tags & m_tags
    if len(enc.interest_tags):
        cats = enc.tag_category
        has_cat = enc.m_interest_categories[mi][:, np.maximum(cats, 0)] & (cats >= 0)
        by_category = p_tags & ~m_tags & has_cat
    else:
        by_category = exact
    n_tags = np.count_nonzero(p_tags, axis=1)
    interest_points = np.count_nonzero(exact, axis=1) + CATEGORY_CREDIT * np.count_nonzero(
        by_category, axis=1
    )
    common_language = np.count_nonzero(enc.p_languages[pi] & enc.m_languages[mi], axis=1)
    return {
        "gender": (enc.p_gender[pi] == enc.m_gender[mi]).astype(np.float64),
        "age": np.clip(1.0 - gap / AGE_SCALE, 0.0, 1.0),
        "substances": _share(enc.p_substances[pi], enc.m_substances[mi]),
        "interests": np.divide(
            interest_points, n_tags, out=np.zeros(len(pi)), where=n_tags > 0
        ),
        "goals": _share(enc.p_goals[pi], enc.m_strengths[mi]),
        "availability": _share(enc.p_availability[pi], enc.m_availability[mi]),
        "language": (common_language > 0).astype(np.float64),
    }


def score_pairs(enc: Encoded, policy: Policy, pi: IntArray, mi: IntArray) -> Scores:
    weights = active_weights(policy)
    parts: dict[str, list[FloatArray]] = {c: [] for c in CRITERIA}
    for start in range(0, len(pi), CHUNK):
        chunk = _criteria(enc, pi[start : start + CHUNK], mi[start : start + CHUNK])
        for name, values in chunk.items():
            parts[name].append(values)
    criteria = {
        c: np.concatenate(v) if v else np.zeros(0, dtype=np.float64) for c, v in parts.items()
    }
    total = np.zeros(len(pi), dtype=np.float64)
    weight_sum = sum(weights.values())
    for name, w in weights.items():
        total += w * criteria[name]
    if weight_sum > 0:
        total /= weight_sum
    return Scores(criteria=criteria, total=total, weights=weights)


def quality_units(total: FloatArray) -> IntArray:
    """Scores as integers for the solvers; the same rounding for every back-end."""
    return np.rint(total * QUALITY_SCALE).astype(np.int64)
