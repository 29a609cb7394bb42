"""The scenario of one matching round, as validated pydantic models (contract version 1).

Models only check the shape of each record; `matcher.validation` checks what needs the
whole scenario (vocabularies, references, duplicates) so that every problem is reported
at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Gender = Literal["female", "male", "other"]
Criterion = Literal["coverage", "fairness", "priority", "quality"]
Fairness = Literal["none", "quotas", "proportional", "maxmin"]
SameGender = Literal["required", "preferred", "ignore"]
MentorGender = Literal["same", "female", "male", "other", "any"]

DEFAULT_OBJECTIVE: tuple[Criterion, ...] = ("coverage", "fairness", "priority", "quality")
NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Tags = list[str]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a constraint."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _lower_tags(values: object) -> object:
    """Vocabulary values are lower case; accept `Alcohol` as `alcohol`."""
    if isinstance(values, str):
        return values.strip().lower()
    if isinstance(values, list):
        return [v.strip().lower() if isinstance(v, str) else v for v in values]
    if isinstance(values, dict):
        return {k.strip().lower() if isinstance(k, str) else k: _lower_tags(v)
                for k, v in values.items()}
    return values


class Program(_Strict):
    capacity: NonNegInt | None = None
    mentor_capacity: NonNegInt = 2
    position_per_participant: Annotated[float, Field(gt=0, le=1)] = 0.10
    position_budget: NonNegFloat | None = None


class Municipality(_Strict):
    id: str = Field(min_length=1)
    name: str | None = None
    partner: bool = False
    min: NonNegInt | None = None
    max: NonNegInt | None = None
    share: NonNegFloat | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class Weights(_Strict):
    """Relative weights of the compatibility criteria; `gender` counts only when
    `same_gender: preferred`, `language` is an addition to the contract."""

    age: NonNegFloat = 1.0
    substances: NonNegFloat = 1.0
    interests: NonNegFloat = 1.0
    goals: NonNegFloat = 1.0
    availability: NonNegFloat = 1.0
    gender: NonNegFloat = 1.0
    language: NonNegFloat = 1.0


class Policy(_Strict):
    objective: list[Criterion] = Field(
        default_factory=lambda: list(DEFAULT_OBJECTIVE)
    )
    fairness: Fairness = "quotas"
    same_gender: SameGender = "required"
    min_recovery_years: NonNegFloat = 2.0
    max_age_gap: NonNegInt | None = None
    weights: Weights = Field(default_factory=Weights)

    @field_validator("objective")
    @classmethod
    def _unique(cls, value: list[Criterion]) -> list[Criterion]:
        if len(set(value)) != len(value):
            raise ValueError("criteria must not repeat")
        return value


class Mentor(_Strict):
    id: str = Field(min_length=1)
    gender: Gender
    age: Annotated[int, Field(ge=16, le=120)]
    municipality: str
    serves: list[str] | None = None
    capacity: NonNegInt | None = None
    recovery_years: NonNegFloat
    trained: bool = True
    active: bool = True
    substances: Tags = Field(default_factory=list)
    interests: Tags = Field(default_factory=list)
    strengths: Tags = Field(default_factory=list)
    availability: Tags = Field(default_factory=list)
    languages: Tags = Field(default_factory=list)

    _lower = field_validator(
        "gender", "substances", "interests", "strengths", "availability", "languages",
        mode="before",
    )(_lower_tags)


class Prefers(_Strict):
    mentor_gender: MentorGender | None = None
    max_age_gap: NonNegInt | None = None

    _lower = field_validator("mentor_gender", mode="before")(_lower_tags)


class Participant(_Strict):
    id: str = Field(min_length=1)
    gender: Gender
    age: Annotated[int, Field(ge=16, le=120)]
    municipality: str
    consent: bool
    referred: dt.date | None = None
    discharge: dt.date | None = None
    substances: Tags = Field(default_factory=list)
    interests: Tags = Field(default_factory=list)
    goals: Tags = Field(default_factory=list)
    availability: Tags = Field(default_factory=list)
    languages: Tags = Field(default_factory=list)
    priority: Tags = Field(default_factory=list)
    prefers: Prefers = Field(default_factory=Prefers)
    exclude_mentors: list[str] = Field(default_factory=list)

    _lower = field_validator(
        "gender", "substances", "interests", "goals", "availability", "languages", "priority",
        mode="before",
    )(_lower_tags)


class Pair(_Strict):
    participant: str
    mentor: str
    since: dt.date | None = None
    release: bool = False


class Locks(_Strict):
    require: list[tuple[str, str]] = Field(default_factory=list)
    forbid: list[tuple[str, str]] = Field(default_factory=list)


class Vocabulary(_Strict):
    """Scenario-specific additions to the closed vocabularies; `interests` maps new
    tags to an activity category (or to null for no category)."""

    substances: Tags = Field(default_factory=list)
    goals: Tags = Field(default_factory=list)
    strengths: Tags = Field(default_factory=list)
    availability: Tags = Field(default_factory=list)
    priority: Tags = Field(default_factory=list)
    interests: dict[str, str | None] = Field(default_factory=dict)

    _lower = field_validator(
        "substances", "goals", "strengths", "availability", "priority", "interests",
        mode="before",
    )(_lower_tags)


class Scenario(_Strict):
    name: str = "scenario"
    date: dt.date = Field(default_factory=dt.date.today)
    program: Program = Field(default_factory=Program)
    municipalities: list[Municipality] | None = None
    policy: Policy = Field(default_factory=Policy)
    mentors: list[Mentor] = Field(default_factory=list)
    participants: list[Participant] = Field(default_factory=list)
    pairs: list[Pair] = Field(default_factory=list)
    locks: Locks = Field(default_factory=Locks)
    vocabulary: Vocabulary = Field(default_factory=Vocabulary)

    def municipality_list(self) -> list[Municipality]:
        """The declared municipalities, or those named by people when none are declared."""
        if self.municipalities is not None:
            return list(self.municipalities)
        named = {m.municipality for m in self.mentors} | {p.municipality for p in self.participants}
        return [Municipality(id=mid) for mid in sorted(named)]

    def mentor_capacity(self, mentor: Mentor) -> int:
        return self.program.mentor_capacity if mentor.capacity is None else mentor.capacity


def scenario_schema() -> dict[str, object]:
    """The JSON Schema of a scenario file (contract version 1)."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "likematch scenario (contract version 1)"
    return schema
