"""Recruitment advice: which new mentor would take the most people off the waiting list.

A profile is gender x municipality served x age band x substance experience. The
round's proposal is kept as it is (pairs are not reshuffled for a newcomer) and each
profile is tried as one extra mentor who may take only people left waiting. The
recruit brings their own places (programme capacity and position budget grow by the
recruit's capacity) unless `keep_caps`, which shows whether the programme cap, not
the lack of a fitting mentor, is what keeps people waiting. Profiles are ranked by
how many waiting people the recruit would take, then by how many they could take at
all, then by the quality of those pairs.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import get_args

import numpy as np
from pydantic import BaseModel, ConfigDict

from matcher.model.scenario import Gender, Pair, Scenario
from matcher.model.vocabulary import SUBSTANCES
from matcher.planning.executor import Executor, InProcess, Progress
from matcher.planning.variants import DEFAULT_SOLVER, MentorProfile, add_mentors, quick_solve

#: Age bands (first and last year) of a recruit; a profile's age is the band's middle.
AGE_BANDS: tuple[tuple[int, int], ...] = ((25, 34), (35, 44), (45, 54), (55, 64), (65, 74))


class Candidate(BaseModel):
    """What one recruited mentor of this profile would change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str
    gender: str
    municipality: str
    age_band: str
    substance: str
    gain: int  # waiting participants the recruit would take
    reachable: int  # waiting participants the recruit could be paired with at all
    would_match: list[str]  # who the recruit would take
    mean_score: float  # of the recruit's pairs


class Recruitment(BaseModel):
    """The `recruit` command's answer: the short list, how many people the round's
    proposal leaves waiting, and how many profiles were tried."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    waiting: int
    evaluated: int
    keep_caps: bool
    candidates: list[Candidate]


def band_of(age: int) -> str:
    """The label of the age band holding `age` (`35-44`); an age outside every band
    (a --mentor-profile of 20) is its own label."""
    for lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return f"{lo}-{hi}"
    return str(age)


def _substances(scenario: Scenario) -> list[str]:
    return sorted({*SUBSTANCES, *scenario.vocabulary.substances})


def candidate_profiles(scenario: Scenario, substances: bool = True) -> list[MentorProfile]:
    """Every profile; without `substances`, one per gender x municipality x age band."""
    kinds: list[tuple[str, ...]] = [(s,) for s in _substances(scenario)] if substances else [()]
    return [
        MentorProfile(gender=gender, municipality=muni.id, age=(lo + hi + 1) // 2, substances=kind)
        for gender in get_args(Gender)
        for muni in scenario.municipality_list()
        for lo, hi in AGE_BANDS
        for kind in kinds
    ]


def with_places(scenario: Scenario, places: int) -> Scenario:
    """Room in the programme for `places` more participants (capacity and budget)."""
    program = scenario.program
    update: dict[str, object] = {}
    if program.capacity is not None:
        update["capacity"] = program.capacity + places
    budget = program.raised_budget(places)
    if budget is not None:
        update["position_budget"] = budget
    return scenario.model_copy(update={"program": program.model_copy(update=update)})


def settle(scenario: Scenario, solver: str) -> tuple[Scenario, frozenset[str]]:
    """The round's proposal made permanent: its new pairs become active pairs and every
    mentor is full at their new load, so only a recruit can take anyone. Also returns
    who is left waiting."""
    built, solution = quick_solve(scenario, solver)
    consenting = {p.id for p in scenario.participants if p.consent}
    if solution.status == "infeasible":
        return scenario, frozenset(consenting)
    new = [
        Pair(participant=pid, mentor=mid, since=scenario.date)
        for pid, mid in built.pair_ids(solution.chosen)
    ]
    load = built.load_with(solution.chosen)
    mentors = [
        m.model_copy(update={"capacity": int(load[i])}) for i, m in enumerate(scenario.mentors)
    ]
    ids = built.enc.participant_ids
    matched = {x.participant for x in new} | {ids[p] for p, _ in built.kept}
    settled = scenario.model_copy(update={"mentors": mentors, "pairs": [*scenario.pairs, *new]})
    return settled, frozenset(consenting - matched)


def try_profile(
    settled: Scenario,
    waiting: frozenset[str],
    solver: str,
    keep_caps: bool,
    profile: MentorProfile,
) -> Candidate:
    """Who one recruit of this profile would take from the waiting list."""
    trial = add_mentors(settled, [profile])
    if not keep_caps:
        trial = with_places(trial, settled.program.mentor_capacity)
    built, solution = quick_solve(trial, solver)
    ids, problem = built.enc.participant_ids, built.problem
    recruit = built.enc.n_mentors - 1
    on_recruit = (problem.edge_m == recruit) & np.isin(
        problem.edge_p, [i for i, pid in enumerate(ids) if pid in waiting]
    )
    takes: list[str] = []
    scores: list[float] = []
    if solution.status != "infeasible":
        mine = solution.chosen[problem.edge_m[solution.chosen] == recruit]
        takes = sorted(ids[p] for p in problem.edge_p[mine].tolist())
        scores = built.scores.total[mine].tolist()
    return Candidate(
        profile=profile.label,
        gender=profile.gender,
        municipality=profile.municipality,
        age_band=band_of(profile.age),
        substance="+".join(profile.substances),
        gain=len(takes),
        reachable=len(np.unique(problem.edge_p[on_recruit])),
        would_match=takes,
        mean_score=round(float(np.mean(scores)), 3) if scores else 0.0,
    )


def _order(c: Candidate) -> tuple[int, int, float, str, str, str, str]:
    return (-c.gain, -c.reachable, -c.mean_score, c.gender, c.municipality, c.age_band, c.substance)


def _ranked(
    settled: Scenario,
    waiting: frozenset[str],
    solver: str,
    keep_caps: bool,
    top: int | None,
    executor: Executor,
    progress: Progress | None,
) -> tuple[list[Candidate], int]:
    """Ranked candidates and how many profiles were tried. Substance experience changes
    only the quality of pairs, never who is eligible, so it is tried only for the
    gender x municipality x age bands that can still reach the top."""
    job = functools.partial(try_profile, settled, waiting, solver, keep_caps)
    bands = candidate_profiles(settled, substances=False)
    first = sorted(executor.map(job, bands, progress), key=_order)
    if top is not None and first:
        edge = first[min(top, len(first)) - 1]
        first = [c for c in first if (c.gain, c.reachable) >= (edge.gain, edge.reachable)]
    keys = {(c.gender, c.municipality, c.age_band) for c in first}
    trials = [
        replace(p, substances=(s,))
        for p in bands
        if (p.gender, p.municipality, band_of(p.age)) in keys
        for s in _substances(settled)
    ]
    best: dict[tuple[str, str, str], Candidate] = {}
    for c in sorted(executor.map(job, trials), key=_order):
        best.setdefault((c.gender, c.municipality, c.age_band), c)
    ranked = sorted(best.values(), key=_order)
    return (ranked[:top] if top is not None else ranked), len(bands) + len(trials)


def rank(
    scenario: Scenario,
    top: int | None = 5,
    solver: str = DEFAULT_SOLVER,
    keep_caps: bool = False,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Recruitment:
    """The best profiles, one per gender x municipality x age band (with its best
    substance experience), so that the short list is not five copies of one person."""
    settled, waiting = settle(scenario, solver)
    ranked, tried = _ranked(
        settled, waiting, solver, keep_caps, top, executor or InProcess(), progress
    )
    return Recruitment(
        scenario=scenario.name,
        waiting=len(waiting),
        evaluated=tried,
        keep_caps=keep_caps,
        candidates=ranked,
    )


def best_profiles(
    scenario: Scenario, n: int, solver: str = DEFAULT_SOLVER, executor: Executor | None = None
) -> list[MentorProfile]:
    """`n` recruits chosen greedily, each taking the people they would take before the
    next is chosen; once a recruit would take nobody, the last choice is repeated."""
    pool = executor or InProcess()
    by_label = {p.label: p for p in candidate_profiles(scenario)}
    settled, waiting = settle(scenario, solver)
    chosen: list[MentorProfile] = []
    for _ in range(n):
        ranked, _ = _ranked(settled, waiting, solver, False, 1, pool, None)
        if not ranked or (chosen and ranked[0].gain == 0):
            break
        chosen.append(by_label[ranked[0].profile])
        trial = with_places(add_mentors(settled, chosen[-1:]), scenario.program.mentor_capacity)
        settled, waiting = settle(trial, solver)
    while chosen and len(chosen) < n:
        chosen.append(chosen[-1])
    return chosen
