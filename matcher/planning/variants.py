"""A scenario changed the way a programme lead asks about: mentors added to a profile,
other caps, floors or fairness. What-if, recruitment and simulation all build their
variants here, and solve them the same quick way (no explanations).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from matcher.core.newcomers import new_mentor_ids
from matcher.core.problem import Built, build
from matcher.model.scenario import Fairness, Gender, Mentor, Scenario
from solvers import Options, Solution, get_solver

DEFAULT_SOLVER = "auto"


@dataclass(frozen=True)
class MentorProfile:
    """A mentor the programme could recruit: who they are and where they work."""

    gender: Gender
    municipality: str
    age: int
    serves: tuple[str, ...] = ()  # empty: only `municipality`
    substances: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The profile in words (`female 40, serves sola`); also the key by
        which `best_profiles` finds a ranked profile again, so it is unique."""
        where = "+".join(self.serves or (self.municipality,))
        text = f"{self.gender} {self.age}, serves {where}"
        return text + (f", {'+'.join(self.substances)} experience" if self.substances else "")


@dataclass(frozen=True)
class Variant:
    """Changes to the scenario; None (or empty) leaves a setting as the scenario has it."""

    add_mentors: int = 0
    mentor_capacity: int | None = None  # every mentor's cap, individual caps included
    capacity: int | None = None  # program.capacity; the position budget follows it
    position_budget: float | None = None
    floors: tuple[tuple[str, int], ...] = ()  # municipality min
    fairness: Fairness | None = None

    @property
    def label(self) -> str:
        """The changes in a few words, for rows and charts (`2 new mentors, cap 12`);
        `as given` when nothing changes."""
        noun = "mentor" if self.add_mentors == 1 else "mentors"
        parts = [f"{self.add_mentors} new {noun}"] if self.add_mentors else []
        if self.mentor_capacity is not None:
            parts.append(f"{self.mentor_capacity}/mentor")
        if self.capacity is not None:
            parts.append(f"cap {self.capacity}")
        if self.position_budget is not None:
            parts.append(f"posts {self.position_budget:g}")
        parts += [f"{muni}>={value}" for muni, value in self.floors]
        if self.fairness is not None:
            parts.append(self.fairness)
        return ", ".join(parts) or "as given"


def common_language(scenario: Scenario) -> list[str]:
    """The language most participants speak (the first by name on a tie): a recruit's."""
    counts = Counter(lang for p in scenario.participants for lang in p.languages)
    if not counts:
        return []
    best = max(counts.values())
    return [min(lang for lang, n in counts.items() if n == best)]


def make_mentor(scenario: Scenario, profile: MentorProfile, mentor_id: str) -> Mentor:
    """An eligible recruit: trained, just enough recovery years, no interests or
    availability assumed (so their scores are never flattered)."""
    return Mentor(
        id=mentor_id,
        gender=profile.gender,
        age=profile.age,
        municipality=profile.municipality,
        serves=list(profile.serves or (profile.municipality,)),
        recovery_years=max(scenario.policy.min_recovery_years, 2.0),
        substances=list(profile.substances),
        languages=common_language(scenario),
    )


def add_mentors(scenario: Scenario, profiles: Sequence[MentorProfile]) -> Scenario:
    """The scenario with one recruit per profile, under ids it does not have yet."""
    ids = new_mentor_ids(scenario, len(profiles))
    added = [make_mentor(scenario, p, i) for p, i in zip(profiles, ids, strict=True)]
    return scenario.model_copy(update={"mentors": [*scenario.mentors, *added]})


def apply(scenario: Scenario, variant: Variant, profiles: Sequence[MentorProfile]) -> Scenario:
    """The scenario under the variant (settings only; validity is kept by construction)."""
    program = scenario.program
    mentors = list(scenario.mentors)
    if variant.mentor_capacity is not None:
        program = program.model_copy(update={"mentor_capacity": variant.mentor_capacity})
        mentors = [m.model_copy(update={"capacity": variant.mentor_capacity}) for m in mentors]
    if variant.capacity is not None:
        program = program.model_copy(update={"capacity": variant.capacity})
        if variant.position_budget is None and program.position_budget is not None:
            # A bigger programme comes with the posts to staff it, unless a budget is given.
            posts = program.posts(variant.capacity)
            program = program.model_copy(
                update={"position_budget": max(program.position_budget, posts)}
            )
    if variant.position_budget is not None:
        program = program.model_copy(update={"position_budget": variant.position_budget})
    update: dict[str, object] = {"program": program, "mentors": mentors}
    if variant.floors:
        floors = dict(variant.floors)
        update["municipalities"] = [
            m.model_copy(update={"min": floors[m.id]}) if m.id in floors else m
            for m in scenario.municipality_list()
        ]
    if variant.fairness is not None:
        update["policy"] = scenario.policy.model_copy(update={"fairness": variant.fairness})
    changed = scenario.model_copy(update=update)
    if variant.add_mentors:
        changed = add_mentors(changed, profiles[: variant.add_mentors])
    return changed


def quick_solve(scenario: Scenario, solver: str = DEFAULT_SOLVER) -> tuple[Built, Solution]:
    """Build and solve without explanations; infeasible rounds give an empty solution."""
    built = build(scenario)
    if built.conflicts:
        return built, Solution(status="infeasible")
    return built, get_solver(solver).solve(built.problem, Options())
