"""The scenario of one matching round, as validated pydantic models (contract version 1).

Models only check the shape of each record; `matcher.model.validate` checks what needs the
whole scenario (vocabularies, references, duplicates) so that every problem is reported
at once.
"""

from __future__ import annotations

import datetime as dt
import math
import types
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from matcher.model.aliases import BY_FIELD, canonical, fold, municipality_references
from matcher.model.ids import ID_PATTERN, MAX_ID, check_id, normal_id
from matcher.text.language import gettext

Gender = Literal["female", "male", "other"]
Criterion = Literal["coverage", "fairness", "priority", "quality"]
Fairness = Literal["none", "quotas", "proportional", "maxmin"]
SameGender = Literal["required", "preferred", "ignore"]
Funding = Literal["nav", "municipality", "project", "other"]
MentorGender = Literal["same", "female", "male", "other", "any"]

DEFAULT_OBJECTIVE: tuple[Criterion, ...] = ("coverage", "fairness", "priority", "quality")

# Size limits: far above any programme, low enough that a wrong or hostile file is
# refused at once instead of exhausting memory or the solver (documented in the README).
MAX_MENTORS = 50_000
MAX_PARTICIPANTS = 100_000
MAX_MUNICIPALITIES = 1_000
MAX_LOCKS = 100_000  # each of locks.require and locks.forbid
MAX_HISTORY = 100_000  # ended pairs kept for period reports (as many as participants)
MAX_ITEMS = 100  # entries of one person's list field (substances, interests, ...)
MAX_VOCABULARY = 1_000  # additions to one vocabulary
MAX_TEXT = 200  # characters of a name
MAX_COUNT = 100_000  # a capacity, floor or ceiling
MAX_YEARS = 120


def _normal(value: object) -> object:
    return normal_id(value) if isinstance(value, str) else value


#: The id of a person or municipality, and a reference to one (see `matcher.model.ids`).
Id = Annotated[
    str,
    Field(min_length=1, max_length=MAX_ID, json_schema_extra={"pattern": ID_PATTERN}),
    BeforeValidator(_normal),
    AfterValidator(check_id),
]
Ref = Id
#: A vocabulary tag (`opioids`, `hiking`).
Tag = Annotated[str, Field(max_length=MAX_ID)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Years = Annotated[float, Field(ge=0, le=MAX_YEARS)]
AgeGap = Annotated[int, Field(ge=0, le=MAX_YEARS)]
Weight = Annotated[float, Field(ge=0, le=1000)]
Tags = Annotated[list[Tag], Field(max_length=MAX_ITEMS)]
VocabularyTags = Annotated[list[Tag], Field(max_length=MAX_VOCABULARY)]


def _no_number_date(value: object) -> object:
    """A bare number is not a date (pydantic would read it as seconds since 1970)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(gettext("expected a date (YYYY-MM-DD), found a number"))
    return value


Date = Annotated[dt.date, BeforeValidator(_no_number_date)]


def _with_aliases(field: str) -> Callable[[dict[str, Any]], None]:
    """A field's JSON Schema that also allows the coordinators' words for its values, so
    that an editor does not flag `kvinne` (the loader also takes any case)."""

    def extra(schema: dict[str, Any]) -> None:
        for part in [schema, *schema.get("anyOf", [])]:
            if "enum" in part:
                part["enum"] = list(dict.fromkeys([*part["enum"], *sorted(BY_FIELD[field])]))
        schema["description"] = "The contract's value, or a Norwegian word for it, in any case."

    return extra


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a constraint; NaN and
    infinity are never valid numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _canonical_tags(values: object, info: ValidationInfo) -> object:
    """Vocabulary values as the contract writes them, from the coordinators' own words:
    `Kvinne` is `female`, `alkohol` is `alcohol`, `norsk` is `no` (`matcher.model.aliases`).
    Interest categories (the values of `vocabulary.interests`) are folded only."""
    field = info.field_name or ""

    def one(value: object) -> object:
        return canonical(field, value) if isinstance(value, str) else value

    if isinstance(values, list):
        return [one(v) for v in values]
    if isinstance(values, dict):
        return {one(k): fold(v) if isinstance(v, str) else v for k, v in values.items()}
    return one(values)


#: Float noise forgiven when a position budget is divided into places: 1.5 posts at 0.1
#: per participant pay for 15 places, although 1.5 / 0.1 is 14.999999999999998.
PLACES_TOLERANCE = 1e-9
#: Decimals a computed number of posts is rounded to, so that 15 x 0.1 posts is 1.5 and
#: not 1.5000000000000002.
POSTS_DECIMALS = 6


# Program's methods are the one arithmetic between the position budget, places
# (participants) and mentor posts, so that every stage counts them alike. The models'
# class docstrings are for users: pydantic puts them in the JSON Schema that `likematch
# schema` prints, where editors show them as help.
class Program(_Strict):
    """Capacity of the programme: places per mentor, a cap on active participants, and the
    mentor posts each participant takes and the budget for them."""

    capacity: Count | None = None
    mentor_capacity: Count = 2
    position_per_participant: Annotated[float, Field(gt=0, le=1)] = 0.10
    position_budget: Annotated[float, Field(ge=0, le=MAX_COUNT)] | None = None

    def budget_places(self) -> int | None:
        """Participants the position budget pays for, rounded down (None: no budget)."""
        if self.position_budget is None:
            return None
        return math.floor(self.position_budget / self.position_per_participant + PLACES_TOLERANCE)

    def posts(self, participants: float, decimals: int | None = POSTS_DECIMALS) -> float:
        """Mentor posts that `participants` active pairs take, rounded to `decimals`
        (None: not rounded, for a caller that formats the number itself)."""
        posts = participants * self.position_per_participant
        return posts if decimals is None else round(posts, decimals)

    def raised_budget(self, participants: float) -> float | None:
        """The position budget with the posts of `participants` more added (None: no
        budget to raise)."""
        if self.position_budget is None:
            return None
        return round(
            self.position_budget + participants * self.position_per_participant, POSTS_DECIMALS
        )


class Municipality(_Strict):
    """A municipality: partner or not (partners' participants come first), a floor and a
    ceiling on its active participants, and a target share for proportional fairness."""

    id: Id
    name: Text | None = None
    partner: bool = False
    min: Count | None = None
    max: Count | None = None
    share: Annotated[float, Field(ge=0, le=MAX_COUNT)] | None = None

    @property
    def label(self) -> str:
        """The name reports show: `name`, or the id when it has none."""
        return self.name or self.id


class Weights(_Strict):
    """Relative weights of the compatibility criteria; `gender` counts only when
    `same_gender: preferred`, `language` is an addition to the contract."""

    age: Weight = 1.0
    substances: Weight = 1.0
    interests: Weight = 1.0
    goals: Weight = 1.0
    availability: Weight = 1.0
    gender: Weight = 1.0
    language: Weight = 1.0


class Policy(_Strict):
    """Rules and priorities of the round: the objective's criteria (most important first),
    fairness between municipalities, the gender rule, eligibility limits and weights."""

    objective: list[Criterion] = Field(default_factory=lambda: list(DEFAULT_OBJECTIVE))
    fairness: Fairness = "quotas"
    same_gender: SameGender = "required"
    min_recovery_years: Years = 2.0
    max_age_gap: AgeGap | None = None
    weights: Weights = Field(default_factory=Weights)
    #: no new pair scores below this (kept pairs are never dropped for it)
    min_score: Annotated[float, Field(ge=0, le=1)] | None = None
    #: participants of at most this age are `young` without it being written
    young_max_age: Annotated[int, Field(ge=16, le=MAX_YEARS)] | None = None

    @field_validator("objective")
    @classmethod
    def _unique(cls, value: list[Criterion]) -> list[Criterion]:
        if len(set(value)) != len(value):
            raise ValueError("criteria must not repeat")
        return value


class Mentor(_Strict):
    """A mentor: a person in long-term recovery employed to follow participants; eligible
    only if active, trained and in recovery at least `policy.min_recovery_years`."""

    id: Id
    gender: Gender = Field(json_schema_extra=_with_aliases("gender"))
    age: Annotated[int, Field(ge=16, le=MAX_YEARS)]
    municipality: Ref
    serves: Annotated[list[Ref], Field(max_length=MAX_MUNICIPALITIES)] | None = None
    capacity: Count | None = None
    recovery_years: Years
    trained: bool = True
    active: bool = True
    substances: Tags = Field(default_factory=list)
    interests: Tags = Field(default_factory=list)
    strengths: Tags = Field(default_factory=list)
    availability: Tags = Field(default_factory=list)
    languages: Tags = Field(default_factory=list)

    _lower = field_validator(
        "gender",
        "substances",
        "interests",
        "strengths",
        "availability",
        "languages",
        mode="before",
    )(_canonical_tags)


class Prefers(_Strict):
    """A participant's wishes about their mentor; each wish given is a hard rule."""

    mentor_gender: MentorGender | None = Field(
        None, json_schema_extra=_with_aliases("mentor_gender")
    )
    max_age_gap: AgeGap | None = None

    _lower = field_validator("mentor_gender", mode="before")(_canonical_tags)


class Participant(_Strict):
    """A person referred for a mentor; without recorded consent never matched or scored.
    Use a pseudonymous id, never a name."""

    id: Id
    gender: Gender = Field(json_schema_extra=_with_aliases("gender"))
    age: Annotated[int, Field(ge=16, le=MAX_YEARS)]
    municipality: Ref
    consent: bool
    referred: Date | None = None
    discharge: Date | None = None
    substances: Tags = Field(default_factory=list)
    interests: Tags = Field(default_factory=list)
    goals: Tags = Field(default_factory=list)
    availability: Tags = Field(default_factory=list)
    languages: Tags = Field(default_factory=list)
    priority: Tags = Field(default_factory=list)
    prefers: Prefers = Field(default_factory=Prefers)
    exclude_mentors: Annotated[list[Ref], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)

    _lower = field_validator(
        "gender",
        "substances",
        "interests",
        "goals",
        "availability",
        "languages",
        "priority",
        mode="before",
    )(_canonical_tags)


class Pair(_Strict):
    """An active pair: kept and counted toward every cap, unless `release` ends it so that
    the participant is matched again, with another mentor. Who pays for it, and when its
    funding must be renewed and the pair reviewed, drive the list of what is due."""

    participant: Ref
    mentor: Ref
    since: Date | None = None
    release: bool = False
    funding: Funding | None = Field(None, json_schema_extra=_with_aliases("funding"))
    renewal_due: Date | None = None
    review_due: Date | None = None

    _words = field_validator("funding", mode="before")(_canonical_tags)


class EndedPair(_Strict):
    """A pair that has ended, kept for the period reports to municipalities and NAV. The
    people need not be in the round any more, and it never counts toward caps or quotas."""

    participant: Ref
    mentor: Ref
    municipality: Ref
    since: Date
    ended: Date
    reason: Text | None = None
    funding: Funding | None = Field(None, json_schema_extra=_with_aliases("funding"))

    _words = field_validator("funding", mode="before")(_canonical_tags)

    @model_validator(mode="after")
    def _in_order(self) -> EndedPair:
        if self.ended < self.since:
            raise ValueError(gettext("ended is before since"))
        return self


LockList = Annotated[list[tuple[Ref, Ref]], Field(max_length=MAX_LOCKS)]


class Locks(_Strict):
    """The coordinator's decisions for this round, as [participant, mentor] pairs:
    `require` is always proposed, `forbid` never."""

    require: LockList = Field(default_factory=list)
    forbid: LockList = Field(default_factory=list)


class Vocabulary(_Strict):
    """Scenario-specific additions to the closed vocabularies; `interests` maps new
    tags to an activity category (or to null for no category)."""

    substances: VocabularyTags = Field(default_factory=list)
    goals: VocabularyTags = Field(default_factory=list)
    strengths: VocabularyTags = Field(default_factory=list)
    availability: VocabularyTags = Field(default_factory=list)
    priority: VocabularyTags = Field(default_factory=list)
    interests: Annotated[dict[Tag, Tag | None], Field(max_length=MAX_VOCABULARY)] = Field(
        default_factory=dict
    )

    _lower = field_validator(
        "substances",
        "goals",
        "strengths",
        "availability",
        "priority",
        "interests",
        mode="before",
    )(_canonical_tags)


class Scenario(_Strict):
    """One matching round: programme, municipalities, policy, mentors, participants,
    active pairs and locks. Unknown keys are errors, at every level."""

    name: Text = "scenario"
    date: Date = Field(default_factory=dt.date.today)
    program: Program = Field(default_factory=Program)
    municipalities: Annotated[list[Municipality], Field(max_length=MAX_MUNICIPALITIES)] | None = (
        None
    )
    policy: Policy = Field(default_factory=Policy)
    mentors: Annotated[list[Mentor], Field(max_length=MAX_MENTORS)] = Field(default_factory=list)
    participants: Annotated[list[Participant], Field(max_length=MAX_PARTICIPANTS)] = Field(
        default_factory=list
    )
    pairs: Annotated[list[Pair], Field(max_length=MAX_PARTICIPANTS)] = Field(default_factory=list)
    history: Annotated[list[EndedPair], Field(max_length=MAX_HISTORY)] = Field(default_factory=list)
    locks: Locks = Field(default_factory=Locks)
    vocabulary: Vocabulary = Field(default_factory=Vocabulary)

    @model_validator(mode="before")
    @classmethod
    def _municipality_names(cls, data: Any) -> Any:
        """People may name a municipality by its id or its name, in any case."""
        return municipality_references(data)

    def municipality_list(self) -> list[Municipality]:
        """The declared municipalities, or those named by people when none are declared."""
        if self.municipalities is not None:
            return list(self.municipalities)
        named = {m.municipality for m in self.mentors} | {p.municipality for p in self.participants}
        return [Municipality(id=mid) for mid in sorted(named)]

    def mentor_capacity(self, mentor: Mentor) -> int:
        """Participants this mentor can follow, active pairs included: their own `capacity`,
        else the programme's. Use this, not `mentor.capacity`, which may be None."""
        return self.program.mentor_capacity if mentor.capacity is None else mentor.capacity


def unwrap(annotation: Any) -> Any:
    """`Annotated[int, ...] | None` -> `int`: the type a field holds when it is given."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def allowed_keys(loc: Sequence[int | str]) -> list[str]:
    """The keys of the mapping at a key path (`participants`, 3, `prefers`), or [] if the
    path does not lead to a model."""
    node: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            if get_origin(node) not in (list, tuple):
                return []
            node = unwrap(get_args(node)[0])
        elif isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields:
            node = unwrap(node.model_fields[part].annotation)
        else:
            return []
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def scenario_schema() -> dict[str, object]:
    """The JSON Schema of a scenario file (contract version 1)."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "likematch scenario (contract version 1)"
    return schema
