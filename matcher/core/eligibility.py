"""Hard rules 2-7 and 9 of the contract as boolean masks over participant x mentor pairs.

Each rule is kept apart so that an explanation can say which rule excludes a mentor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.core.encoding import PREF_ANY, PREF_SAME, BoolArray, Encoded, IntArray
from matcher.model.scenario import Policy
from matcher.model.vocabulary import GENDERS
from matcher.text.language import gettext
from matcher.text.messages import RULE_TEXTS


@dataclass(frozen=True)
class Rule:
    """One hard rule as explanations name it (its words are in `RULE_TEXTS`)."""

    key: str
    number: int

    @property
    def text(self) -> str:
        """Why a mentor fails the rule, in plain words of the current language."""
        return gettext(RULE_TEXTS[self.key])

    @property
    def cited(self) -> str:
        """Why a mentor fails the rule, with its number: the one wording of a failed rule."""
        return gettext("{rule} (rule {number})").format(rule=self.text, number=self.number)


RULES: tuple[Rule, ...] = (
    Rule("consent", 9),
    Rule("on_leave", 2),
    Rule("untrained", 2),
    Rule("recovery", 2),
    Rule("gender", 3),
    Rule("age_gap", 4),
    Rule("serves", 5),
    Rule("excluded", 6),
    Rule("forbidden", 6),
    Rule("released", 7),
)
RULE_BY_KEY = {rule.key: rule for rule in RULES}


def _gender_table(enc: Encoded, policy: Policy, rows: IntArray) -> BoolArray:
    """Per participant in `rows` and mentor gender code: True where rule 3 allows it.

    The rule depends on the mentor only through their gender, so a (rows x genders)
    table indexed by the mentors' codes gives the whole mask.
    """
    shape = (len(rows), len(GENDERS))
    pg = enc.p_gender[rows][:, None]
    mg = np.arange(len(GENDERS))[None, :]
    pref = enc.p_pref_gender[rows][:, None]
    same = pg == mg
    if policy.same_gender == "required":
        gender = same | (pref == PREF_ANY)
    else:
        gender = np.ones(shape, dtype=bool)
    gender = np.where(pref == PREF_SAME, same, gender)
    # An explicit gender wish is hard on top of the policy (only `any` lifts the policy).
    out: BoolArray = np.where(pref >= 0, gender & (mg == pref), gender)
    return out


def _age_limit(enc: Encoded, policy: Policy, rows: IntArray) -> IntArray:
    limit = enc.p_max_gap[rows]
    if policy.max_age_gap is not None:
        limit = np.minimum(limit, policy.max_age_gap)
    return limit


def rule_masks(enc: Encoded, policy: Policy, rows: IntArray) -> dict[str, BoolArray]:
    """For the participants in `rows` (x all mentors): True where the pair passes a rule."""
    shape = (len(rows), enc.n_mentors)
    gap = np.abs(enc.p_age[rows][:, None] - enc.m_age[None, :])
    return {
        "consent": np.broadcast_to(enc.p_consent[rows][:, None], shape),
        "on_leave": np.broadcast_to(enc.m_active[None, :], shape),
        "untrained": np.broadcast_to(enc.m_trained[None, :], shape),
        "recovery": np.broadcast_to(enc.m_recovered[None, :], shape),
        "gender": _gender_table(enc, policy, rows)[:, enc.m_gender],
        "age_gap": gap <= _age_limit(enc, policy, rows)[:, None],
        "serves": enc.m_serves[:, enc.p_muni[rows]].T,
        "excluded": ~pair_mask(enc.p_excluded, rows, enc.n_mentors),
        "forbidden": ~pair_mask(enc.forbidden, rows, enc.n_mentors),
        "released": ~pair_mask(enc.released, rows, enc.n_mentors),
    }


def pairs_in(codes: IntArray, rows: IntArray, n_mentors: int) -> tuple[IntArray, IntArray]:
    """The pairs of a sorted code set (participant x n_mentors + mentor) whose
    participant is in `rows`, as (position in rows, mentor)."""
    starts = rows.astype(np.int64) * n_mentors
    lo = np.searchsorted(codes, starts)
    counts = np.searchsorted(codes, starts + n_mentors) - lo
    which = np.repeat(np.arange(len(rows)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    found = codes[np.repeat(lo, counts) + np.arange(len(which)) - first]
    return which, found - starts[which]


def _pairs_in_sorted(codes: IntArray, rows: IntArray, n_mentors: int) -> tuple[IntArray, IntArray]:
    """`pairs_in` for rows in increasing order without repeats (a block of `eligible`),
    with a few operations over the codes rather than over the rows."""
    p = codes // n_mentors
    at = np.minimum(np.searchsorted(rows, p), len(rows) - 1)
    hit = rows[at] == p
    return at[hit], codes[hit] - p[hit] * n_mentors


def pair_mask(codes: IntArray, rows: IntArray, n_mentors: int) -> BoolArray:
    """(rows x mentors): True where the pair is in the code set."""
    out = np.zeros((len(rows), n_mentors), dtype=bool)
    if len(codes):
        out[pairs_in(codes, rows, n_mentors)] = True
    return out


def eligible(enc: Encoded, policy: Policy, rows: IntArray) -> BoolArray:
    """The AND of `rule_masks`, without building one array per rule (this runs over
    every participant x mentor pair of a round)."""
    out = _gender_table(enc, policy, rows)[:, enc.m_gender]
    out &= np.ascontiguousarray(enc.m_serves.T)[enc.p_muni[rows]]
    # |age gap| <= limit as a window of mentor ages, without a gap array.
    age, limit = enc.p_age[rows], _age_limit(enc, policy, rows)
    out &= enc.m_age[None, :] >= (age - limit)[:, None]
    out &= enc.m_age[None, :] <= (age + limit)[:, None]
    out &= (enc.m_active & enc.m_trained & enc.m_recovered)[None, :]
    out &= enc.p_consent[rows][:, None]
    increasing = len(rows) < 2 or bool((rows[1:] > rows[:-1]).all())
    find = _pairs_in_sorted if increasing else pairs_in
    for codes in (enc.p_excluded, enc.forbidden, enc.released):
        if len(codes) and len(rows):
            out[find(codes, rows, enc.n_mentors)] = False
    return out


def failed_rules(enc: Encoded, policy: Policy, p: int, m: int) -> list[Rule]:
    """The rules that exclude mentor `m` for participant `p` (empty if eligible)."""
    masks = rule_masks(enc, policy, np.array([p]))
    return [RULE_BY_KEY[key] for key, mask in masks.items() if not mask[0, m]]


def failed_rules_text(enc: Encoded, policy: Policy, p: int, m: int) -> str:
    """`failed_rules` in words, as lock conflicts and explanations say it ("" if
    eligible)."""
    return "; ".join(rule.cited for rule in failed_rules(enc, policy, p, m))
