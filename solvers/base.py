"""The solver-neutral problem, the one solution type, and the back-end interface.

A problem is a bipartite b-matching over candidate edges (eligible new pairs only):
each participant takes at most one edge, each mentor at most its remaining capacity,
the whole round at most `capacity` and `budget` new pairs, and each municipality group
between `lower` and `upper` new pairs. Existing pairs are already subtracted.

The objective is lexicographic over the levels in `objective`, each an integer to
maximise (see `evaluate`), so that every back-end optimises and reports the same thing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
Status = Literal["optimal", "feasible", "infeasible"]
Level = Literal["coverage", "fairness", "priority", "quality", "stability"]
FairnessMode = Literal["none", "quotas", "proportional", "maxmin"]

#: Resolution of `maxmin` coverage: the level is floor(RATIO_SCALE * lowest coverage).
RATIO_SCALE = 1_000_000_000


@dataclass(frozen=True)
class Group:
    """A municipality: bounds on its new pairs, and what fairness needs to know of it."""

    key: str
    lower: int
    upper: int | None
    existing: int  # active pairs kept from before the round
    eligible: int  # participants with consent (denominator of maxmin coverage)
    target: int  # proportional: weight of the group's share; 0 = not counted


@dataclass(frozen=True)
class Problem:
    """One round as every back-end sees it (see the module docstring)."""

    n_participants: int
    n_mentors: int
    edge_p: IntArray
    edge_m: IntArray
    quality: IntArray  # per edge, >= 0
    priority: IntArray  # per participant, >= 0
    mentor_capacity: IntArray  # remaining places per mentor
    participant_group: IntArray  # group index per participant
    groups: tuple[Group, ...]
    capacity: int | None  # remaining programme places
    budget: int | None  # remaining places under the position budget
    required: IntArray  # edge indices that must be chosen
    objective: tuple[Level, ...]
    fairness: FairnessMode
    #: Per edge, 1 when the pair was in the previous proposal of this round: the last
    #: level then keeps earlier pairs wherever the optimum allows (None = no such level).
    stable: IntArray | None = None

    @property
    def n_edges(self) -> int:
        """Candidate edges."""
        return len(self.edge_p)

    @property
    def total_limit(self) -> int | None:
        """The tighter of capacity and budget on new pairs (None: neither)."""
        limits = [x for x in (self.capacity, self.budget) if x is not None]
        return min(limits) if limits else None

    @property
    def edge_group(self) -> IntArray:
        """The group of each edge's participant."""
        return self.participant_group[self.edge_p]

    @property
    def has_fairness_level(self) -> bool:
        """Whether fairness is an objective level (`proportional` or `maxmin`) rather
        than only bounds."""
        return "fairness" in self.objective and self.fairness in ("proportional", "maxmin")

    @property
    def levels(self) -> tuple[Level, ...]:
        """The objective levels that matter, most important first (`quotas` and `none`
        add no fairness level: their bounds are constraints)."""
        kept = tuple(
            level
            for level in self.objective
            if (level != "fairness" or self.has_fairness_level) and level != "stability"
        )
        return (*kept, "stability") if self.stable is not None else kept


#: The least time a solve is given, even when the deadline has (nearly) passed, so that a
#: back-end can still report what it has found (or that it found nothing) instead of
#: failing to start. The one minimum slice of every back-end and driver.
MIN_SLICE_S = 0.01


#: Solver threads: far above any machine this runs on, below what crashes CP-SAT.
MAX_THREADS = 256
#: Random seeds: CP-SAT and HiGHS take a signed 32-bit seed.
MAX_SEED = 2**31 - 1


class OptionsError(ValueError):
    """A solve option out of range; the message gives the allowed range."""


@dataclass(frozen=True)
class Options:
    """How to run a solve. One absolute deadline bounds a whole call: drivers (leximin,
    pricing, the engine, explanations) hand the same options down to every inner solve,
    so the time left is never converted to a relative limit and back."""

    deadline: float | None = None  # a time.monotonic() value; None = no limit
    threads: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse what a back-end would crash on, once for every back-end."""
        if not 1 <= self.threads <= MAX_THREADS:
            raise OptionsError(f"--threads must be between 1 and {MAX_THREADS}, got {self.threads}")
        if not 0 <= self.seed <= MAX_SEED:
            raise OptionsError(f"--seed must be between 0 and {MAX_SEED}, got {self.seed}")

    @classmethod
    def within(cls, seconds: float | None, threads: int = 1, seed: int = 0) -> Options:
        """Options whose deadline is `seconds` from now (None: no time limit)."""
        deadline = None if seconds is None else time.monotonic() + seconds
        return cls(deadline=deadline, threads=threads, seed=seed)

    def left(self) -> float | None:
        """Seconds until the deadline, at least `MIN_SLICE_S`; None without a deadline.
        What a back-end passes to its solver as a time limit."""
        if self.deadline is None:
            return None
        return max(self.deadline - time.monotonic(), MIN_SLICE_S)

    def expired(self, at: float | None = None) -> bool:
        """Whether the deadline has passed (by `at`, a `time.monotonic()` value; now by
        default): drivers check it before starting another solve."""
        if self.deadline is None:
            return False
        return (time.monotonic() if at is None else at) >= self.deadline


@dataclass(frozen=True)
class Solution:
    """What every back-end returns: status, chosen edges and the value of each level."""

    status: Status
    chosen: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    levels: dict[str, int] = field(default_factory=dict)
    solver: str = ""  # the back-end that produced it, when a dispatcher chose one


class NoSolutionError(RuntimeError):
    """The back-end stopped before it found any proposal: the time limit ran out, or a
    heuristic gave up. Not a proof of infeasibility."""


class Solver(Protocol):
    """The interface of every back-end, so that the engine can use any of them."""

    name: str
    exact: bool

    def supports(self, problem: Problem) -> str | None:
        """None when this back-end can solve the problem, else the reason it cannot."""

    def solve(self, problem: Problem, options: Options) -> Solution:
        """The best proposal found before the deadline of `options`."""
        ...


@dataclass(frozen=True)
class EdgeGroups:
    """Edges grouped by owner (participant, mentor, group or node): the one way `solvers`
    groups edges, so that model builders, greedy and pricing share one sort.

    Owner o's edges are `order[start[o]:end[o]]`, in ascending edge order; `order` is
    None when the edges already come grouped (owners non-decreasing, as
    `matcher.core.problem.build` emits them per participant), and the slices then index
    the edges themselves."""

    order: IntArray | None
    start: IntArray
    end: IntArray

    def members(self) -> list[list[int]]:
        """Each owner's edge indices as Python lists (models are built edge by edge)."""
        n = int(self.end[-1]) if len(self.end) else 0
        order = list(range(n)) if self.order is None else self.order.tolist()
        return [order[a:b] for a, b in zip(self.start.tolist(), self.end.tolist(), strict=True)]

    def maximum(self, values: IntArray, empty: int) -> IntArray:
        """Per owner, the highest of `values` (one per edge) over its edges; `empty` for
        an owner without edges."""
        grouped = values if self.order is None else values[self.order]
        out = np.full(len(self.start), empty, dtype=np.int64)
        has = self.end > self.start
        if has.any():  # non-empty slices are contiguous, so each runs to the next start
            out[has] = np.maximum.reduceat(grouped.astype(np.int64), self.start[has])
        return out


def group_edges(owner: IntArray, size: int) -> EdgeGroups:
    """The edges of each of `size` owners (`owner` per edge), in one stable sort: none
    when they already come grouped, a radix sort when owners fit in 16 bits."""
    counts = np.bincount(owner, minlength=size).astype(np.int64)
    end = np.cumsum(counts)
    order: IntArray | None = None
    if len(owner) and np.any(owner[1:] < owner[:-1]):
        key = owner.astype(np.uint16) if size <= 1 << 16 else owner
        order = np.argsort(key, kind="stable").astype(np.int64)
    return EdgeGroups(order=order, start=end - counts, end=end)


def group_totals(problem: Problem, chosen: IntArray) -> IntArray:
    """Active participants per group after the round (existing plus new)."""
    new = np.bincount(problem.edge_group[chosen], minlength=len(problem.groups))
    return np.array([g.existing for g in problem.groups], dtype=np.int64) + new


def edge_values(problem: Problem, level: Level) -> IntArray:
    """The value of an edge-additive level on every candidate edge."""
    if level == "coverage":
        return np.ones(problem.n_edges, dtype=np.int64)
    if level == "priority":
        return problem.priority[problem.edge_p].astype(np.int64)
    if level == "quality":
        return problem.quality.astype(np.int64)
    if level == "stability":
        if problem.stable is None:
            return np.zeros(problem.n_edges, dtype=np.int64)
        return problem.stable.astype(np.int64)
    raise ValueError(f"{level} is not a value per edge")


def evaluate(problem: Problem, chosen: IntArray) -> dict[str, int]:
    """The value of every objective level for a set of chosen edges (higher is better)."""
    chosen = np.asarray(chosen, dtype=np.int64)
    levels = {
        "coverage": len(chosen),
        "priority": int(problem.priority[problem.edge_p[chosen]].sum()),
        "quality": int(problem.quality[chosen].sum()),
    }
    if problem.has_fairness_level:
        totals = group_totals(problem, chosen)
        if problem.fairness == "proportional":
            levels["fairness"] = -proportional_deviation(problem, totals)
        else:
            levels["fairness"] = maxmin_level(problem, totals)
    else:
        levels["fairness"] = 0
    out = {k: levels[k] for k in ("coverage", "fairness", "priority", "quality")}
    if problem.stable is not None:
        out["stability"] = int(problem.stable[chosen].sum())
    return out


def proportional_deviation(problem: Problem, totals: IntArray) -> int:
    """sum over counted groups of |S * total_g - target_g * T|, S = sum of targets."""
    targets = np.array([g.target for g in problem.groups], dtype=np.int64)
    s = int(targets.sum())
    t = int(totals.sum())
    counted = targets > 0
    return int(np.abs(s * totals[counted] - targets[counted] * t).sum())


def maxmin_level(problem: Problem, totals: IntArray) -> int:
    """floor(RATIO_SCALE * lowest coverage) over groups with eligible participants."""
    values = [
        RATIO_SCALE * int(totals[i]) // g.eligible
        for i, g in enumerate(problem.groups)
        if g.eligible > 0
    ]
    return min(values) if values else 0


def check_solution(problem: Problem, chosen: IntArray) -> list[str]:
    """Every constraint of the problem that `chosen` breaks (empty when feasible)."""
    chosen = np.asarray(chosen, dtype=np.int64)
    broken = []
    if len(np.unique(chosen)) != len(chosen):
        broken.append("an edge is chosen twice")
    per_p = np.bincount(problem.edge_p[chosen], minlength=problem.n_participants)
    if (per_p > 1).any():
        broken.append("a participant has two mentors")
    per_m = np.bincount(problem.edge_m[chosen], minlength=problem.n_mentors)
    if (per_m > problem.mentor_capacity).any():
        broken.append("a mentor is over capacity")
    limit = problem.total_limit
    if limit is not None and len(chosen) > limit:
        broken.append("programme capacity or budget exceeded")
    new = np.bincount(problem.edge_group[chosen], minlength=len(problem.groups))
    for g, count in zip(problem.groups, new, strict=True):
        if count < g.lower or (g.upper is not None and count > g.upper):
            broken.append(f"municipality {g.key} bounds broken")
    missing = np.setdiff1d(problem.required, chosen)
    if len(missing):
        broken.append("a required pair is missing")
    return broken
