"""The result of one matching round, in the contract's JSON shape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.text.messages import TEMPLATES, Message


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


#: The stable codes, listed in the result's JSON Schema.
_CODES: dict[str, Any] = {"enum": sorted(TEMPLATES)}


class Code(_Out):
    """A text as a stable code and its parameters, for a service that words it in its
    own language (the parameters hold the contract's values, ids, numbers, ISO dates)."""

    code: str = Field(json_schema_extra=_CODES)
    params: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, message: Message) -> Code:
        """The code of a message."""
        return cls.model_validate(message.to_json())


class Alternative(_Out):
    """Another mentor for the same participant, and what choosing them would cost."""

    mentor: str
    score: float
    feasible: bool  # False: no proposal keeps every hard rule with this mentor
    regret: dict[str, int]  # objective lost per level if chosen instead (0 = as good)
    summary: str
    summary_code: Code | None = None


class ProposedPair(_Out):
    """A pair after the round, kept (`existing`) or new: its score (0-1), the reasons in
    plain sentences and, for a new pair, other mentors who could take the participant."""

    participant: str
    mentor: str
    existing: bool
    score: float
    reasons: list[str]
    reason_codes: list[Code] = Field(default_factory=list)  # `reasons`, one code each
    alternatives: list[Alternative] = Field(default_factory=list)


class Waiting(_Out):
    """A participant left without a mentor: why, and changes, each checked by re-solving,
    that would get them one."""

    participant: str
    reasons: list[str]
    reason_codes: list[Code] = Field(default_factory=list)
    would_match_if: list[str] = Field(default_factory=list)
    would_match_if_codes: list[Code] = Field(default_factory=list)


class MunicipalityRow(_Out):
    """One municipality after the round: active (existing plus new), new and waiting
    participants, coverage, and the floor and ceiling that applied."""

    active: int  # after the round: existing plus new
    new: int
    waiting: int  # consenting participants left unmatched
    eligible: int = 0  # participants with consent
    coverage: float | None = None  # active / eligible
    min: int | None = None
    min_enforced: int | None = None  # the floor after capping (rule 8)
    max: int | None = None


class FairnessSummary(_Out):
    """Coverage across municipalities and what fairness costs against `none`."""

    mode: str
    lowest_coverage: float | None  # over municipalities with eligible participants
    price_coverage: int  # pairs lost against fairness `none` (same hard rules)
    price_priority: int  # priority points lost against fairness `none`
    price_quality: float  # total score lost against fairness `none`


class Metrics(_Out):
    """Totals of the round; `objective` holds each level's value as the solvers maximise it
    (integers: quality in thousandths of a score point)."""

    matched: int  # participants in a pair after the round
    eligible: int  # participants with consent
    new: int
    existing: int
    waiting: int
    mean_score: float
    positions_used: float  # mentor posts: active pairs x position_per_participant
    objective: dict[str, int]  # value of each level, as the solvers maximise them


class Due(_Out):
    """Something to act on before the next round: a NAV `renewal` or a `review` of an
    active pair, the `discharge` of someone still without a mentor, or a `long_pair` due a
    talk about ending; `days` from the round's date (negative: overdue)."""

    kind: Literal["renewal", "review", "discharge", "long_pair"]
    participant: str
    mentor: str | None = None
    date: dt.date
    days: int


class Result(_Out):
    """The answer to one matching round (contract version 1): every participant of the
    scenario is in `pairs` or in `unmatched`, exactly once."""

    scenario: str
    solver: str
    #: `no_proposal`: the solver stopped before it found any proposal (the time limit ran
    #: out, or the greedy heuristic gave up); unlike `infeasible`, nothing is proven
    status: Literal["optimal", "feasible", "infeasible", "no_proposal"]
    pairs: list[ProposedPair]
    unmatched: list[Waiting]
    municipalities: dict[str, MunicipalityRow]
    metrics: Metrics
    fairness: FairnessSummary | None = None
    notes: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    due: list[Due] = Field(default_factory=list)  # most urgent first
    elapsed_s: float

    def to_dict(self) -> dict[str, object]:
        """Plain JSON types: the one form that JSON output, anonymising and the spreadsheet
        writer all start from, so that they never disagree."""
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        """Sorted keys, so that the same input gives byte-identical JSON (but `elapsed_s`)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=True)
