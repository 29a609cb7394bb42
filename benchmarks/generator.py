"""Seeded, realistic scenarios of any size, shared by the tests and the benchmarks.

`generate(n_participants, n_mentors, seed)` returns plain scenario data (a dict as a
YAML or JSON file would parse to, dates as ISO strings) that `matcher.validate` accepts.
The same seed always gives the same dict.

The distributions follow DOMAIN.md: more men than women among participants and
mentors, participants 18-65 and mentors 28-70 years old, alcohol the most common
substance, interests drawn from the common tags of the shipped taxonomy, most people
speaking Norwegian, a few participants without consent, some with gender or age
preferences or excluded mentors, about a fifth already in an active pair (a few of
them released), a few coordinator locks. Active pairs and `locks.require` respect the
hard rules (eligibility, gender, age gaps, `serves`, capacities), and floors are kept
small beside the free places so that generated scenarios are usually feasible.

Generation is vectorised where it matters: 10000 x 5000 takes about a second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from matcher.model.vocabulary import AVAILABILITY, GOALS, SUBSTANCES, TAXONOMY

FairnessMode = Literal["none", "quotas", "proportional", "maxmin"]
SameGender = Literal["required", "preferred", "ignore"]
Auto = Literal["auto"]

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

ROUND_DATE = dt.date(2026, 11, 20)
MENTOR_CAPACITY = 2
POSITION_PER_PARTICIPANT = 0.10
MIN_RECOVERY_YEARS = 2.0
#: Programme cap by default: 80 % of the mentors' default places, up to this many mentors;
#: above it the generated programme has no cap (large what-if runs).
AUTO_CAPACITY_MAX_MENTORS = 1000

MUNICIPALITY_IDS = (
    "stavanger", "sola", "sandnes", "randaberg", "klepp", "time", "gjesdal", "strand",
    "hjelmeland", "bjerkreim", "eigersund", "lund", "sokndal", "kvitsoy", "ha",
)
MUNICIPALITY_NAMES = {"kvitsoy": "Kvitsøy", "ha": "Hå"}
PARTNERS = 3  # the first municipalities are the project's partners

GENDERS = ("female", "male", "other")
PARTICIPANT_GENDER_P = (0.34, 0.64, 0.02)
MENTOR_GENDER_P = (0.43, 0.55, 0.02)

#: Common interest tags of the taxonomy with a rough popularity weight.
INTERESTS: dict[str, float] = {
    "hiking": 10, "fishing": 9, "walking": 8, "gym": 8, "football": 7, "music": 7,
    "cooking": 6, "films": 6, "reading": 5, "gaming": 5, "cafes": 5, "dogs": 4,
    "swimming": 4, "running": 4, "cycling": 3, "guitar": 3, "hunting": 3, "skiing": 3,
    "woodwork": 2, "knitting": 2, "photography": 2, "painting": 2, "volunteering": 2,
    "church": 2, "board_games": 2, "gardening": 2, "camping": 2, "boxing": 1, "yoga": 1,
    "singing": 1, "courses": 1, "work_practice": 1, "bowling": 1, "golf": 1,
}
assert all(tag in TAXONOMY for tag in INTERESTS), "generator interests must be in TAXONOMY"

SUBSTANCE_W: dict[str, float] = {
    "alcohol": 0.45, "cannabis": 0.30, "stimulants": 0.30, "opioids": 0.20,
    "benzodiazepines": 0.20, "other": 0.05,
}
GOAL_W: dict[str, float] = {
    "work": 0.5, "education": 0.2, "housing": 0.35, "finances": 0.3, "public_services": 0.3,
    "social_network": 0.5, "activities": 0.4, "family": 0.3, "health": 0.35, "drug_free": 0.5,
}
STRENGTH_W: dict[str, float] = {
    "work": 0.5, "education": 0.25, "housing": 0.4, "finances": 0.3, "public_services": 0.45,
    "social_network": 0.5, "activities": 0.5, "family": 0.25, "health": 0.3, "drug_free": 0.6,
}
P_AVAILABILITY_W: dict[str, float] = {"daytime": 0.6, "evenings": 0.6, "weekends": 0.4}
M_AVAILABILITY_W: dict[str, float] = {"daytime": 0.3, "evenings": 0.7, "weekends": 0.6}
assert set(SUBSTANCE_W) == set(SUBSTANCES)
assert set(GOAL_W) == set(GOALS) == set(STRENGTH_W)
assert set(P_AVAILABILITY_W) == set(AVAILABILITY) == set(M_AVAILABILITY_W)

#: Languages: mostly Norwegian ("no"), some bilingual, a few without Norwegian.
P_LANGUAGES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("no",), 0.88), (("no", "en"), 0.05), (("en",), 0.02), (("pl",), 0.015),
    (("ar", "no"), 0.01), (("so",), 0.01), (("ti", "no"), 0.005), (("uk",), 0.01),
)
M_LANGUAGES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("no",), 0.90), (("no", "en"), 0.08), (("no", "pl"), 0.02),
)

# Codes of prefers.mentor_gender in the generator's own arrays.
PREF_NONE, PREF_SAME, PREF_ANY = -1, -2, -3
NO_GAP = 1_000


def _draw_sets(
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


def _draw_languages(
    rng: np.random.Generator, n: int, table: tuple[tuple[tuple[str, ...], float], ...]
) -> list[list[str]]:
    p = np.array([w for _, w in table], dtype=np.float64)
    picks = rng.choice(len(table), size=n, p=p / p.sum())
    return [list(table[i][0]) for i in picks.tolist()]


def _ages(rng: np.random.Generator, n: int, mean: float, sd: float, lo: int, hi: int) -> IntArray:
    return np.clip(np.round(rng.normal(mean, sd, n)), lo, hi).astype(np.int64)


def _iso(days_before: int) -> str:
    return (ROUND_DATE - dt.timedelta(days=days_before)).isoformat()


class _People:
    """The generated people as arrays, with the hard rules needed to pick valid pairs."""

    def __init__(
        self, rng: np.random.Generator, n_p: int, n_m: int, k: int, muni_p: FloatArray,
        same_gender: SameGender,
    ) -> None:
        self.n_p, self.n_m, self.k = n_p, n_m, k
        self.same_gender = same_gender
        # participants
        self.p_gender = rng.choice(3, size=n_p, p=PARTICIPANT_GENDER_P).astype(np.int64)
        self.p_age = _ages(rng, n_p, 36.0, 11.0, 18, 65)
        self.p_muni = rng.choice(k, size=n_p, p=muni_p).astype(np.int64)
        self.p_consent = rng.random(n_p) >= 0.05
        u = rng.random(n_p)
        pref = np.full(n_p, PREF_NONE, dtype=np.int64)
        pref[u < 0.15] = PREF_SAME
        pref[(u >= 0.15) & (u < 0.23)] = PREF_ANY
        explicit = (u >= 0.23) & (u < 0.27)
        if same_gender == "required":
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
        # mentors
        self.m_gender = rng.choice(3, size=n_m, p=MENTOR_GENDER_P).astype(np.int64)
        self.m_age = _ages(rng, n_m, 48.0, 9.0, 28, 70)
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


def _auto_capacity(n_mentors: int) -> int | None:
    if n_mentors > AUTO_CAPACITY_MAX_MENTORS:
        return None
    return int(n_mentors * MENTOR_CAPACITY * 0.8)


def generate(
    n_participants: int,
    n_mentors: int,
    seed: int,
    *,
    municipalities: int = 3,
    floors: bool = True,
    ceilings: bool = True,
    capacity: int | Auto | None = "auto",
    active_pairs: float = 0.2,
    locks: bool = True,
    fairness: FairnessMode = "quotas",
    same_gender: SameGender = "required",
    position_budget: float | None = None,
) -> dict[str, Any]:
    """A scenario of `n_participants` x `n_mentors` as plain data, deterministic for `seed`.

    `capacity="auto"` gives a programme cap of 80 % of the mentors' default places up to
    1000 mentors, and no cap above; `active_pairs` is the share of consenting
    participants already in an active pair (as far as capacities allow).
    """
    if n_participants < 0 or n_mentors < 0:
        raise ValueError("sizes must not be negative")
    if municipalities < 1:
        raise ValueError("at least one municipality")
    if not 0.0 <= active_pairs <= 1.0:
        raise ValueError("active_pairs is a share between 0 and 1")
    rng = np.random.default_rng(seed)
    k = municipalities
    muni_ids = [
        MUNICIPALITY_IDS[g] if g < len(MUNICIPALITY_IDS) else f"kommune{g + 1:03d}"
        for g in range(k)
    ]
    muni_p = np.sort(rng.dirichlet(np.full(k, 2.0)))[::-1].copy()
    people = _People(rng, n_participants, n_mentors, k, muni_p, same_gender)
    program_cap = _auto_capacity(n_mentors) if capacity == "auto" else capacity

    # Active pairs: a share of consenting participants, each with an eligible mentor
    # that has a free place, within the programme cap.
    left = people.m_capacity.copy()
    p_width = max(4, len(str(n_participants)))
    m_width = max(3, len(str(n_mentors)))
    pid = [f"P{i + 1:0{p_width}d}" for i in range(n_participants)]
    mid = [f"M{i + 1:0{m_width}d}" for i in range(n_mentors)]
    consenting = np.flatnonzero(people.p_consent)
    target = round(active_pairs * len(consenting))
    if program_cap is not None:
        target = min(target, program_cap // 2)
    pairs: list[tuple[int, int, bool]] = []  # participant, mentor, released
    kept_of: dict[int, int] = {}
    released_of: dict[int, int] = {}
    if target and n_mentors:
        for p in rng.permutation(consenting).tolist():
            if len(pairs) >= target:
                break
            free = np.flatnonzero(people.eligible(p) & (left > 0))
            if len(free) == 0:
                continue
            m = int(free[rng.integers(len(free))])
            left[m] -= 1
            pairs.append((p, m, False))
    if pairs:
        release = rng.random(len(pairs)) < 0.06
        for i, (p, m, _) in enumerate(pairs):
            if release[i]:
                pairs[i] = (p, m, True)
                left[m] += 1
                released_of[p] = m
            else:
                kept_of[p] = m
    since_days = rng.integers(20, 500, size=max(1, len(pairs)))
    n_kept = len(kept_of)

    # Locks: a few required pairs that the hard rules allow, a few forbidden ones.
    require: list[tuple[int, int]] = []
    forbid: list[tuple[int, int]] = []
    waiting = np.array(
        [p for p in consenting.tolist() if p not in kept_of], dtype=np.int64
    )
    if locks and n_mentors and len(waiting):
        room = len(waiting) if program_cap is None else max(0, program_cap - n_kept) // 4
        n_require = min(max(1, n_participants // 100), 25, room)
        for p in rng.permutation(waiting).tolist()[: 4 * n_require]:
            if len(require) >= n_require:
                break
            ok = people.eligible(p) & (left > 0)
            if p in released_of:
                ok[released_of[p]] = False
            free = np.flatnonzero(ok)
            if len(free):
                m = int(free[rng.integers(len(free))])
                left[m] -= 1
                require.append((p, m))
        taken = set(require) | set(kept_of.items())
        n_forbid = min(max(1, n_participants // 50), 50)
        for p, m in zip(
            rng.integers(n_participants, size=n_forbid).tolist(),
            rng.integers(n_mentors, size=n_forbid).tolist(),
            strict=True,
        ):
            if (p, m) not in taken:
                taken.add((p, m))
                forbid.append((p, m))

    # Floors and ceilings, small beside the free places so that the round is feasible.
    existing = np.bincount(people.p_muni[list(kept_of)], minlength=k).astype(np.int64)
    free_mask = people.p_consent.copy()
    free_mask[list(kept_of)] = False
    waiting_g = np.bincount(people.p_muni[free_mask], minlength=k).astype(np.int64)
    required_g = np.bincount(
        people.p_muni[[p for p, _ in require]], minlength=k
    ).astype(np.int64)
    supply = int(left[people.m_ok].sum())
    if program_cap is not None:
        supply = min(supply, program_cap - n_kept - len(require))
    budget_new = max(0, int(0.4 * supply))
    new_floor = np.zeros(k, dtype=np.int64)
    has_floor = np.zeros(k, dtype=bool)
    if floors:
        has_floor = rng.random(k) < 0.7
        spare = np.maximum(waiting_g - required_g, 0)
        new_floor = np.where(has_floor, np.minimum(spare, np.ceil(0.08 * spare)), 0)
        total = int(new_floor.sum())
        if total > budget_new:
            new_floor = np.floor(new_floor * (budget_new / total))
        new_floor = new_floor.astype(np.int64)
    has_ceiling = rng.random(k) < 0.5 if ceilings else np.zeros(k, dtype=bool)
    ceiling_extra = np.ceil(0.6 * waiting_g).astype(np.int64)

    muni_rows: list[dict[str, Any]] = []
    shares = np.round(muni_p, 3)
    partner_draw = rng.random(k)
    for g, muni in enumerate(muni_ids):
        row: dict[str, Any] = {
            "id": muni,
            "name": MUNICIPALITY_NAMES.get(muni, muni.capitalize()),
            "partner": bool(g < PARTNERS or partner_draw[g] < 0.3),
        }
        low = int(existing[g] + required_g[g] + new_floor[g])
        if has_floor[g]:
            row["min"] = low
        if has_ceiling[g]:
            row["max"] = max(low, int(existing[g] + required_g[g] + ceiling_extra[g]))
        row["share"] = float(shares[g])
        muni_rows.append(row)

    program: dict[str, Any] = {
        "mentor_capacity": MENTOR_CAPACITY,
        "position_per_participant": POSITION_PER_PARTICIPANT,
    }
    if program_cap is not None:
        program["capacity"] = int(program_cap)
    if position_budget is not None:
        program["position_budget"] = float(position_budget)

    # Attribute sets, drawn for everyone at once.
    p_substances = _draw_sets(rng, n_participants, SUBSTANCE_W, 1, 3)
    p_interests = _draw_sets(rng, n_participants, INTERESTS, 1, 4)
    p_goals = _draw_sets(rng, n_participants, GOAL_W, 1, 4)
    p_avail = _draw_sets(rng, n_participants, P_AVAILABILITY_W, 1, 3)
    p_langs = _draw_languages(rng, n_participants, P_LANGUAGES)
    m_substances = _draw_sets(rng, n_mentors, SUBSTANCE_W, 1, 3)
    m_interests = _draw_sets(rng, n_mentors, INTERESTS, 2, 5)
    m_strengths = _draw_sets(rng, n_mentors, STRENGTH_W, 2, 4)
    m_avail = _draw_sets(rng, n_mentors, M_AVAILABILITY_W, 1, 3)
    m_langs = _draw_languages(rng, n_mentors, M_LANGUAGES)
    referred_days = rng.integers(0, 300, size=n_participants)
    has_discharge = rng.random(n_participants) < 0.4
    discharge_days = rng.integers(-20, 150, size=n_participants)
    tag_draw = rng.random((n_participants, 4))
    young = (people.p_age <= 30) & (tag_draw[:, 0] < 0.8)

    mentors: list[dict[str, Any]] = []
    for i in range(n_mentors):
        mentor: dict[str, Any] = {
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
        mentor["substances"] = m_substances[i]
        mentor["interests"] = m_interests[i]
        mentor["strengths"] = m_strengths[i]
        mentor["availability"] = m_avail[i]
        mentor["languages"] = m_langs[i]
        mentors.append(mentor)

    participants: list[dict[str, Any]] = []
    pref_names = {PREF_SAME: "same", PREF_ANY: "any", 0: "female", 1: "male", 2: "other"}
    for i in range(n_participants):
        part: dict[str, Any] = {
            "id": pid[i],
            "gender": GENDERS[people.p_gender[i]],
            "age": int(people.p_age[i]),
            "municipality": muni_ids[people.p_muni[i]],
            "consent": bool(people.p_consent[i]),
            "referred": _iso(int(referred_days[i])),
        }
        if has_discharge[i]:
            part["discharge"] = _iso(-int(discharge_days[i]))
        part["substances"] = p_substances[i]
        part["interests"] = p_interests[i]
        part["goals"] = p_goals[i]
        part["availability"] = p_avail[i]
        part["languages"] = p_langs[i]
        tags = [
            tag for tag, on in (
                ("young", young[i]),
                ("in_treatment", tag_draw[i, 1] < 0.35),
                ("after_prison", tag_draw[i, 2] < 0.08),
                ("urgent", tag_draw[i, 3] < 0.04),
            ) if on
        ]
        if tags:
            part["priority"] = tags
        prefers: dict[str, Any] = {}
        if people.p_pref[i] != PREF_NONE:
            prefers["mentor_gender"] = pref_names[int(people.p_pref[i])]
        if people.p_gap[i] != NO_GAP:
            prefers["max_age_gap"] = int(people.p_gap[i])
        if prefers:
            part["prefers"] = prefers
        if i in people.p_excluded:
            part["exclude_mentors"] = [mid[m] for m in people.p_excluded[i]]
        participants.append(part)

    pair_rows: list[dict[str, Any]] = []
    for i, (p, m, released) in enumerate(pairs):
        pair: dict[str, Any] = {
            "participant": pid[p], "mentor": mid[m], "since": _iso(int(since_days[i])),
        }
        if released:
            pair["release"] = True
        pair_rows.append(pair)

    return {
        "name": f"generated {n_participants}x{n_mentors} (seed {seed})",
        "date": ROUND_DATE.isoformat(),
        "program": program,
        "municipalities": muni_rows,
        "policy": {
            "objective": ["coverage", "fairness", "priority", "quality"],
            "fairness": fairness,
            "same_gender": same_gender,
            "min_recovery_years": MIN_RECOVERY_YEARS,
        },
        "mentors": mentors,
        "participants": participants,
        "pairs": pair_rows,
        "locks": {
            "require": [[pid[p], mid[m]] for p, m in require],
            "forbid": [[pid[p], mid[m]] for p, m in forbid],
        },
    }


__all__ = ["generate"]
