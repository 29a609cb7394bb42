"""`would_match_if`: the smallest single change (one more mentor, a raised cap, one more
place) that would match a waiting participant, each verified by solving the changed round.
A change never touches the participant's own wishes or exclusions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from matcher.core.eligibility import rule_masks
from matcher.core.newcomers import new_mentor_ids
from matcher.core.problem import Built, EdgesByOwner, build
from matcher.explain.resolver import OutOfTimeError, Resolver
from matcher.model.scenario import Mentor, Participant, Scenario
from matcher.text.messages import Message
from solvers.base import Solution

MAX_REMEDIES = 3
MAX_NEW_MENTOR_AGE_GAP = 10
MAX_EXTRA_PLACES = 5  # raise binding caps on places by up to this many
MAX_TRIES = 30  # solves per waiting participant


def _new_mentor(scenario: Scenario, p: Participant) -> tuple[Mentor, Message]:
    """The mentor profile that best fits `p` within every hard rule, and its description."""
    pref = p.prefers.mentor_gender
    gender = p.gender if pref in (None, "same", "any") else pref
    gap = min(
        x
        for x in (p.prefers.max_age_gap, scenario.policy.max_age_gap, MAX_NEW_MENTOR_AGE_GAP)
        if x is not None
    )
    age = max(p.age, min(p.age + gap, 35))
    mentor = Mentor(
        id=new_mentor_ids(scenario, 1)[0],
        gender=gender,
        age=age,
        municipality=p.municipality,
        serves=[p.municipality],
        recovery_years=max(scenario.policy.min_recovery_years, 2.0),
        substances=list(p.substances),
        interests=list(p.interests),
        strengths=list(p.goals),
        availability=list(p.availability),
        languages=list(p.languages),
    )
    muni = {m.id: m.label for m in scenario.municipality_list()}[p.municipality]
    return mentor, Message("new_mentor", {"gender": gender, "municipality": muni})


@dataclasses.dataclass(frozen=True)
class Change:
    """A change to the scenario: its words, how to apply it, and what it touches (for
    skipping changes that contain a smaller one that already works)."""

    message: Message
    apply: Callable[[Scenario], Scenario]
    kinds: frozenset[str]
    extra: int = 0  # places added by the change

    def contains(self, other: Change) -> bool:
        return other.kinds <= self.kinds and other.extra <= self.extra


def _mentor_change(m: int, **update: object) -> Callable[[Scenario], Scenario]:
    def apply(scenario: Scenario) -> Scenario:
        mentors = list(scenario.mentors)
        mentors[m] = mentors[m].model_copy(update=update)
        return scenario.model_copy(update={"mentors": mentors})

    return apply


def _program_change(**update: object) -> Callable[[Scenario], Scenario]:
    def apply(scenario: Scenario) -> Scenario:
        program = scenario.program.model_copy(update=update)
        return scenario.model_copy(update={"program": program})

    return apply


def _combine(changes: list[Change]) -> Change:
    def apply(scenario: Scenario) -> Scenario:
        for change in changes:
            scenario = change.apply(scenario)
        return scenario

    return Change(
        Message("together", {"changes": [c.message for c in changes]}),
        apply,
        frozenset().union(*(c.kinds for c in changes)),
        max(c.extra for c in changes),
    )


def _changes(built: Built, p: int, binding: Binding) -> Iterator[Change]:
    """Changes to try, smallest first: one mentor change or one cap at a time, then
    more places (every binding cap together), alone and with each mentor change."""
    scenario, enc, problem = built.scenario, built.enc, built.problem
    part = scenario.participants[p]
    own = binding.edges_of(p)
    mentor_changes: list[Change] = []
    order = np.argsort(-built.scores.total[own], kind="stable")
    for m in problem.edge_m[own][order].tolist():
        if binding.load[m] >= enc.m_capacity[m]:
            cap = int(enc.m_capacity[m]) + 1
            mentor_changes.append(
                Change(
                    Message("mentor_takes", {"mentor": enc.mentor_ids[m], "capacity": cap}),
                    _mentor_change(m, capacity=cap),
                    frozenset({f"mentor {m}"}),
                )
            )
    masks = rule_masks(enc, scenario.policy, np.array([p]))
    fixes: dict[str, tuple[str, dict[str, object] | None]] = {
        "on_leave": ("mentor_returns", {"active": True}),
        "untrained": ("mentor_trained", {"trained": True}),
        "serves": ("mentor_serves", None),
    }
    for m, mentor in enumerate(scenario.mentors):
        failing = [k for k, mask in masks.items() if not mask[0, m]]
        if len(failing) == 1 and failing[0] in fixes:
            code, update = fixes[failing[0]]
            if update is None:
                update = {"serves": [*(mentor.serves or []), part.municipality]}
            params = {"mentor": mentor.id, "municipality": part.municipality}
            mentor_changes.append(
                Change(
                    Message(code, params if code == "mentor_serves" else {"mentor": mentor.id}),
                    _mentor_change(m, **update),
                    frozenset({f"mentor {m}"}),
                )
            )
    mentor, wording = _new_mentor(scenario, part)
    mentor_changes.append(
        Change(
            wording,
            lambda s: s.model_copy(update={"mentors": [*s.mentors, mentor]}),
            frozenset({"new mentor"}),
        )
    )

    yield from mentor_changes
    binding_now = {c.kinds for c in _places(built, p, 1, binding)}
    for extra in range(1, MAX_EXTRA_PLACES + 1):
        places = _places(built, p, extra, binding)
        if not places:
            break
        if extra == 1 and len(places) > 1:
            yield from places
        # The caps that bind now first; then with those that more pairs would fill too.
        now = [c for c in places if c.kinds in binding_now]
        for group in ([now] if 0 < len(now) < len(places) else []) + [places]:
            yield _combine(group)
            for change in mentor_changes:
                yield _combine([change, *group])


@dataclasses.dataclass(frozen=True)
class Binding:
    """What the proposal leaves full: mentor loads, programme places, municipalities."""

    load: np.ndarray
    active: int
    group_active: np.ndarray
    edges_of: EdgesByOwner


def _places(built: Built, p: int, extra: int, binding: Binding) -> list[Change]:
    """Raise every cap on places (programme, budget, municipality) that would bind with
    `extra` more pairs, just enough for them: raising one cap often makes the next bind."""
    scenario, problem = built.scenario, built.problem
    program = scenario.program
    out: list[Change] = []
    if program.capacity is not None and binding.active + extra > program.capacity:
        cap = binding.active + extra
        out.append(
            Change(
                Message("programme_capacity", {"capacity": cap}),
                _program_change(capacity=cap),
                frozenset({"capacity"}),
                extra,
            )
        )
    if program.position_budget is not None and problem.budget is not None:
        short = binding.active + extra - (problem.budget + len(built.kept))
        if short > 0:
            budget = round(program.position_budget + short * program.position_per_participant, 6)
            out.append(
                Change(
                    Message("position_budget", {"posts": budget}),
                    _program_change(position_budget=budget),
                    frozenset({"budget"}),
                    extra,
                )
            )
    g = int(built.enc.p_muni[p])
    munis = scenario.municipality_list()
    cap_g = munis[g].max
    if (
        cap_g is not None
        and scenario.municipalities is not None
        and binding.group_active[g] + extra > cap_g
    ):
        raised = munis[g].model_copy(update={"max": int(binding.group_active[g]) + extra})
        new_list = [raised if i == g else x for i, x in enumerate(munis)]
        out.append(
            Change(
                Message("municipality_max", {"municipality": munis[g].id, "max": raised.max}),
                lambda s: s.model_copy(update={"municipalities": new_list}),
                frozenset({"max"}),
                extra,
            )
        )
    return out


def _worded(change: Change) -> Message:
    """A change's words, saying so when its extra places first go to others ahead in line
    (which is why the next person's remedy asks for one place more)."""
    if change.extra <= 1:
        return change.message
    return Message("behind_others", {"change": change.message, "ahead": change.extra - 1})


def would_match_if(
    built: Built, solution: Solution, waiting: list[int], resolver: Resolver
) -> dict[str, list[Message]]:
    """For each waiting participant (with consent), up to three changes, smallest first,
    each verified by re-solving to match them."""
    problem, enc, budget = built.problem, built.enc, resolver.budget
    matched = built.matched_with(solution.chosen)
    binding = Binding(
        load=built.load_with(solution.chosen),
        active=int(matched.sum()),
        group_active=np.bincount(enc.p_muni[matched], minlength=len(problem.groups)),
        edges_of=EdgesByOwner.by_participant(problem),
    )
    out: dict[str, list[Message]] = {}
    ranked = sorted(waiting, key=lambda p: (-int(problem.priority[p]), enc.participant_ids[p]))
    for p in ranked:
        if not resolver.affords(1):
            budget.skipped += 1
            continue
        found: list[Change] = []
        try:
            for tries, change in enumerate(_changes(built, p, binding)):
                if tries == MAX_TRIES or len(found) == MAX_REMEDIES:
                    break
                if any(change.contains(done) for done in found):
                    continue
                if not resolver.take():
                    break
                rebuilt = build(change.apply(built.scenario))
                if rebuilt.conflicts:
                    continue
                result = resolver.solve(rebuilt.problem)
                if result is not None and p in set(rebuilt.problem.edge_p[result.chosen].tolist()):
                    found.append(change)
        except OutOfTimeError:
            if not found:
                budget.skipped += 1
                continue
        out[enc.participant_ids[p]] = [_worded(c) for c in found]
    return out
