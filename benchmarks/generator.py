"""Seeded, realistic scenarios of any size, shared by the tests and the benchmarks.

`generate(n_participants, n_mentors, seed)` returns plain scenario data (a dict as a
YAML or JSON file would parse to, dates as ISO strings) that `matcher.validate` accepts.
The same seed always gives the same dict.

The distributions follow the A-larm project reports: more men than women among
participants and mentors, participants 18-65 and mentors 28-70 years old, alcohol the
most common substance, interests drawn from the common tags of the shipped taxonomy,
most people speaking Norwegian, a few participants without consent, some with gender or
age preferences or excluded mentors, about a fifth already in an active pair (a few of
them released), a few coordinator locks. Active pairs and `locks.require` respect the
hard rules (eligibility, gender, age gaps, `serves`, capacities), and floors are kept
small beside the free places so that generated scenarios are usually feasible.

The people are drawn in `benchmarks.population`; this module builds the round on them,
one part at a time and always in the same order of random draws: municipalities, people,
active pairs, locks, floors and ceilings, then everyone's tags and dates.

Generation is vectorised where it matters: 10000 x 5000 takes about a second
(`python -m benchmarks.generation` measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from benchmarks.population import (
    MENTOR_CAPACITY,
    MIN_RECOVERY_YEARS,
    ROUND_DATE,
    Attributes,
    BoolArray,
    FloatArray,
    IntArray,
    People,
    Row,
    SameGender,
    iso,
    mentor_rows,
    participant_rows,
)

FairnessMode = Literal["none", "quotas", "proportional", "maxmin"]
Auto = Literal["auto"]
Index = tuple[int, int]  # (participant, mentor) positions

POSITION_PER_PARTICIPANT = 0.10
#: Programme cap by default: 80 % of the mentors' default places, up to this many mentors;
#: above it the generated programme has no cap (large what-if runs).
AUTO_CAPACITY_MAX_MENTORS = 1000

MUNICIPALITY_IDS = (
    "stavanger",
    "sola",
    "sandnes",
    "randaberg",
    "klepp",
    "time",
    "gjesdal",
    "strand",
    "hjelmeland",
    "bjerkreim",
    "eigersund",
    "lund",
    "sokndal",
    "kvitsoy",
    "ha",
)
MUNICIPALITY_NAMES = {"kvitsoy": "Kvitsøy", "ha": "Hå"}
PARTNERS = 3  # the first municipalities are the project's partners


def _ids(prefix: str, n: int, min_width: int) -> list[str]:
    """`prefix` and a 1-based number, zero-padded to one width for the whole list."""
    width = max(min_width, len(str(n)))
    return [f"{prefix}{i + 1:0{width}d}" for i in range(n)]


def _auto_capacity(n_mentors: int) -> int | None:
    """The default programme cap (see `AUTO_CAPACITY_MAX_MENTORS`)."""
    if n_mentors > AUTO_CAPACITY_MAX_MENTORS:
        return None
    return int(n_mentors * MENTOR_CAPACITY * 0.8)


def _municipality_ids(k: int) -> list[str]:
    """The real Rogaland ids first, numbered placeholders beyond them."""
    return [
        MUNICIPALITY_IDS[g] if g < len(MUNICIPALITY_IDS) else f"kommune{g + 1:03d}"
        for g in range(k)
    ]


# --- active pairs -------------------------------------------------------------------------


@dataclass
class _ActivePairs:
    """The active pairs of the round, and the mentor places they leave free."""

    pairs: list[tuple[int, int, bool]]  # participant, mentor, released
    kept_of: dict[int, int]
    released_of: dict[int, int]
    left: IntArray  # free places per mentor; required locks take from them too
    since_days: IntArray


def _draw_active_pairs(
    rng: np.random.Generator, people: People, program_cap: int | None, share: float
) -> _ActivePairs:
    """A `share` of consenting participants, each with an eligible mentor that has a free
    place, within the programme cap; a few of the pairs are released."""
    left = people.m_capacity.copy()
    consenting = np.flatnonzero(people.p_consent)
    target = round(share * len(consenting))
    if program_cap is not None:
        target = min(target, program_cap // 2)
    pairs: list[tuple[int, int, bool]] = []
    if target and people.n_m:
        for p in rng.permutation(consenting).tolist():
            if len(pairs) >= target:
                break
            free = np.flatnonzero(people.eligible(p) & (left > 0))
            if len(free) == 0:
                continue
            m = int(free[rng.integers(len(free))])
            left[m] -= 1
            pairs.append((p, m, False))
    kept_of: dict[int, int] = {}
    released_of: dict[int, int] = {}
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
    return _ActivePairs(pairs, kept_of, released_of, left, since_days)


# --- locks --------------------------------------------------------------------------------


@dataclass
class _Locks:
    """Coordinator locks by position: pairs required and pairs forbidden."""

    require: list[Index]
    forbid: list[Index]


def _draw_locks(
    rng: np.random.Generator,
    people: People,
    active: _ActivePairs,
    program_cap: int | None,
    enabled: bool,
) -> _Locks:
    """A few required pairs that the hard rules allow, a few forbidden ones."""
    consenting = np.flatnonzero(people.p_consent)
    waiting = np.array([p for p in consenting.tolist() if p not in active.kept_of], dtype=np.int64)
    if not (enabled and people.n_m and len(waiting)):
        return _Locks([], [])
    require = _draw_required(rng, people, active, program_cap, waiting)
    taken = set(require) | set(active.kept_of.items())
    return _Locks(require, _draw_forbidden(rng, people, taken))


def _draw_required(
    rng: np.random.Generator,
    people: People,
    active: _ActivePairs,
    program_cap: int | None,
    waiting: IntArray,
) -> list[Index]:
    """Required pairs for waiting participants, each taking a free place of its mentor
    (from `active.left`) and never a released pair again."""
    n_kept = len(active.kept_of)
    room = len(waiting) if program_cap is None else max(0, program_cap - n_kept) // 4
    n_require = min(max(1, people.n_p // 100), 25, room)
    require: list[Index] = []
    for p in rng.permutation(waiting).tolist()[: 4 * n_require]:
        if len(require) >= n_require:
            break
        ok = people.eligible(p) & (active.left > 0)
        if p in active.released_of:
            ok[active.released_of[p]] = False
        free = np.flatnonzero(ok)
        if len(free):
            m = int(free[rng.integers(len(free))])
            active.left[m] -= 1
            require.append((p, m))
    return require


def _draw_forbidden(rng: np.random.Generator, people: People, taken: set[Index]) -> list[Index]:
    """Random forbidden pairs, never a required or kept one (`taken`) nor twice the same."""
    n_forbid = min(max(1, people.n_p // 50), 50)
    forbid: list[Index] = []
    for p, m in zip(
        rng.integers(people.n_p, size=n_forbid).tolist(),
        rng.integers(people.n_m, size=n_forbid).tolist(),
        strict=True,
    ):
        if (p, m) not in taken:
            taken.add((p, m))
            forbid.append((p, m))
    return forbid


# --- floors and ceilings ------------------------------------------------------------------


@dataclass
class _Bounds:
    """Each municipality's stated `min` and `max` (None where it states none)."""

    floors: list[int | None]
    ceilings: list[int | None]


def _draw_bounds(
    rng: np.random.Generator,
    people: People,
    active: _ActivePairs,
    locks: _Locks,
    program_cap: int | None,
    *,
    floors: bool,
    ceilings: bool,
) -> _Bounds:
    """Floors and ceilings, small beside the free places so that the round is feasible."""
    k = people.k
    kept = list(active.kept_of)
    existing = np.bincount(people.p_muni[kept], minlength=k).astype(np.int64)
    free_mask = people.p_consent.copy()
    free_mask[kept] = False
    waiting_g = np.bincount(people.p_muni[free_mask], minlength=k).astype(np.int64)
    required = [p for p, _ in locks.require]
    required_g = np.bincount(people.p_muni[required], minlength=k).astype(np.int64)
    supply = int(active.left[people.m_ok].sum())
    if program_cap is not None:
        supply = min(supply, program_cap - len(kept) - len(locks.require))
    new_floor = np.zeros(k, dtype=np.int64)
    has_floor: BoolArray = np.zeros(k, dtype=bool)
    if floors:
        new_floor, has_floor = _draw_new_floors(
            rng, waiting_g, required_g, budget=max(0, int(0.4 * supply))
        )
    has_ceiling = rng.random(k) < 0.5 if ceilings else np.zeros(k, dtype=bool)
    ceiling_extra = np.ceil(0.6 * waiting_g).astype(np.int64)
    low = [int(existing[g] + required_g[g] + new_floor[g]) for g in range(k)]
    return _Bounds(
        floors=[low[g] if has_floor[g] else None for g in range(k)],
        ceilings=[
            max(low[g], int(existing[g] + required_g[g] + ceiling_extra[g]))
            if has_ceiling[g]
            else None
            for g in range(k)
        ],
    )


def _draw_new_floors(
    rng: np.random.Generator, waiting_g: IntArray, required_g: IntArray, budget: int
) -> tuple[IntArray, BoolArray]:
    """New pairs each municipality's floor asks for (about 8 % of its waiting people
    beside the required ones, in about 70 % of them), scaled down to `budget` in all."""
    has_floor: BoolArray = rng.random(len(waiting_g)) < 0.7
    spare = np.maximum(waiting_g - required_g, 0)
    new_floor: FloatArray = np.where(has_floor, np.minimum(spare, np.ceil(0.08 * spare)), 0)
    total = int(new_floor.sum())
    if total > budget:
        new_floor = np.floor(new_floor * (budget / total))
    return new_floor.astype(np.int64), has_floor


# --- rows of the scenario -----------------------------------------------------------------


def _municipality_rows(
    rng: np.random.Generator, muni_ids: list[str], muni_p: FloatArray, bounds: _Bounds
) -> list[Row]:
    """The `municipalities` list: partners (the first ones and a few more), bounds, shares."""
    shares = np.round(muni_p, 3)
    partner_draw = rng.random(len(muni_ids))
    rows: list[Row] = []
    for g, muni in enumerate(muni_ids):
        row: Row = {
            "id": muni,
            "name": MUNICIPALITY_NAMES.get(muni, muni.capitalize()),
            "partner": bool(g < PARTNERS or partner_draw[g] < 0.3),
        }
        if bounds.floors[g] is not None:
            row["min"] = bounds.floors[g]
        if bounds.ceilings[g] is not None:
            row["max"] = bounds.ceilings[g]
        row["share"] = float(shares[g])
        rows.append(row)
    return rows


def _program(program_cap: int | None, position_budget: float | None) -> Row:
    """The `program` record."""
    program: Row = {
        "mentor_capacity": MENTOR_CAPACITY,
        "position_per_participant": POSITION_PER_PARTICIPANT,
    }
    if program_cap is not None:
        program["capacity"] = int(program_cap)
    if position_budget is not None:
        program["position_budget"] = float(position_budget)
    return program


def _pair_rows(active: _ActivePairs, pid: list[str], mid: list[str]) -> list[Row]:
    """The `pairs` list: every active pair with its start date, released ones marked."""
    rows: list[Row] = []
    for i, (p, m, released) in enumerate(active.pairs):
        pair: Row = {
            "participant": pid[p],
            "mentor": mid[m],
            "since": iso(int(active.since_days[i])),
        }
        if released:
            pair["release"] = True
        rows.append(pair)
    return rows


# --- the scenario -------------------------------------------------------------------------


def _check_arguments(
    n_participants: int, n_mentors: int, municipalities: int, active_pairs: float
) -> None:
    """Reject sizes and shares no scenario can have, before anything is drawn."""
    if n_participants < 0 or n_mentors < 0:
        raise ValueError("sizes must not be negative")
    if municipalities < 1:
        raise ValueError("at least one municipality")
    if not 0.0 <= active_pairs <= 1.0:
        raise ValueError("active_pairs is a share between 0 and 1")


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
    _check_arguments(n_participants, n_mentors, municipalities, active_pairs)
    rng = np.random.default_rng(seed)
    k = municipalities
    muni_ids = _municipality_ids(k)
    muni_p = np.sort(rng.dirichlet(np.full(k, 2.0)))[::-1].copy()
    people = People(rng, n_participants, n_mentors, k, muni_p, same_gender)
    program_cap = _auto_capacity(n_mentors) if capacity == "auto" else capacity
    # The draws below follow each other on one generator: their order is the output.
    active = _draw_active_pairs(rng, people, program_cap, active_pairs)
    lock = _draw_locks(rng, people, active, program_cap, locks)
    bounds = _draw_bounds(rng, people, active, lock, program_cap, floors=floors, ceilings=ceilings)
    muni_rows = _municipality_rows(rng, muni_ids, muni_p, bounds)
    attrs = Attributes.draw(rng, n_participants, n_mentors)
    pid = _ids("P", n_participants, 4)
    mid = _ids("M", n_mentors, 3)
    return {
        "name": f"generated {n_participants}x{n_mentors} (seed {seed})",
        "date": ROUND_DATE.isoformat(),
        "program": _program(program_cap, position_budget),
        "municipalities": muni_rows,
        "policy": {
            "objective": ["coverage", "fairness", "priority", "quality"],
            "fairness": fairness,
            "same_gender": same_gender,
            "min_recovery_years": MIN_RECOVERY_YEARS,
        },
        "mentors": mentor_rows(people, attrs, mid, muni_ids),
        "participants": participant_rows(people, attrs, pid, mid, muni_ids),
        "pairs": _pair_rows(active, pid, mid),
        "locks": {
            "require": [[pid[p], mid[m]] for p, m in lock.require],
            "forbid": [[pid[p], mid[m]] for p, m in lock.forbid],
        },
    }


__all__ = ["generate"]
