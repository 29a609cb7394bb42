"""Every reason, waiting reason and `would_match_if` entry as a stable code with its
parameters, and the one wording of each code in the catalogue.

A result carries both: the text in the run's language, and `{"code", "params"}` so that
another service can word it in its own language. Parameters hold the contract's values
(`opioids`, `evenings`, `no`, ids, numbers, ISO dates); only the text translates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matcher.text import formats
from matcher.text.language import N_, gettext, ngettext
from matcher.text.terms import category, term


def NN_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form for the catalogue."""
    return singular, plural


@dataclass(frozen=True)
class Template:
    """A code's wording: one form, or a singular and plural chosen by the `count` param."""

    text: str | tuple[str, str]
    count: str | None = None


TEMPLATES: dict[str, Template] = {
    # --- why a pair fits -----------------------------------------------------------------
    "active_pair": Template(N_("active pair")),
    "active_pair_since": Template(N_("active pair since {since}")),
    "same_gender": Template(N_("same gender")),
    "any_gender_accepted": Template(N_("the participant accepts a mentor of any gender")),
    "same_age": Template(N_("same age")),
    "close_in_age": Template(
        NN_("close in age ({years} year apart)", "close in age ({years} years apart)"), "years"
    ),
    "age_gap": Template(NN_("{years} year apart in age", "{years} years apart in age"), "years"),
    "shared_substances": Template(N_("both have experience with {substances}")),
    "shared_interests": Template(N_("both like {interests}")),
    "similar_interests": Template(N_("both like {category} ({tags})")),
    "mentor_can_help": Template(N_("the mentor can help with {goals}")),
    "shared_availability": Template(N_("both are available {availability}")),
    "shared_languages": Template(N_("both speak {languages}")),
    # --- why a participant waits ---------------------------------------------------------
    "no_consent": Template(N_("no recorded consent: never matched or scored")),
    "no_eligible_mentor": Template(
        NN_(
            "no eligible mentor among {mentors} mentor",
            "no eligible mentor among {mentors} mentors",
        ),
        "mentors",
    ),
    "rule_excludes": Template(N_("{rule}: {mentors}")),
    "mentors_full": Template(N_("every eligible mentor is full: {mentors}")),
    "below_min_score": Template(
        N_(
            "no mentor who fits scores the minimum of {min_score} for a good match (the best "
            "would score {best})"
        )
    ),
    "capacity_reached": Template(N_("the programme's capacity of {capacity} is reached")),
    "budget_used_up": Template(
        NN_(
            "the position budget of {posts} mentor post is used up",
            "the position budget of {posts} mentor posts is used up",
        ),
        "posts",
    ),
    "municipality_full": Template(N_("{municipality} has reached its maximum of {max}")),
    "higher_objective": Template(
        N_(
            "matching them would cost a higher-ranked goal (coverage, fairness or "
            "priority); free eligible mentors: {mentors}"
        )
    ),
    "rules_conflict": Template(N_("no proposal: the hard rules conflict (see conflicts)")),
    "no_proposal": Template(N_("no proposal: {why}")),
    # --- what would help (`would_match_if`) ----------------------------------------------
    "mentor_takes": Template(
        NN_("{mentor} takes {capacity} participant", "{mentor} takes {capacity} participants"),
        "capacity",
    ),
    "mentor_returns": Template(N_("{mentor} returns from leave")),
    "mentor_trained": Template(N_("{mentor} completes the training")),
    "mentor_serves": Template(N_("{mentor} also takes participants from {municipality}")),
    "new_mentor": Template(N_("one more mentor ({gender}) who takes {municipality}")),
    "programme_capacity": Template(N_("the programme's capacity is raised to {capacity}")),
    "position_budget": Template(N_("the position budget is raised to {posts} mentor posts")),
    "municipality_max": Template(N_("the maximum for {municipality} is raised to {max}")),
    "together": Template(N_("{changes}, together")),
    "behind_others": Template(
        NN_(
            "{change} (the first new place goes to {ahead} person who waits ahead of them)",
            "{change} (the first new places go to {ahead} people who wait ahead of them)",
        ),
        "ahead",
    ),
    # --- what another mentor would cost (alternatives) -----------------------------------
    "equally_good": Template(N_("equally good")),
    "pairs_fewer": Template(NN_("{pairs} pair fewer", "{pairs} pairs fewer"), "pairs"),
    "pairs_more": Template(NN_("{pairs} pair more", "{pairs} pairs more"), "pairs"),
    "score_change": Template(N_("total score {change}")),
    "priority_change": Template(N_("priority points {change}")),
    "stability_change": Template(N_("pairs of the previous proposal kept {change}")),
    "level_worse": Template(N_("worse for {level}")),
    "level_better": Template(N_("better for {level}")),
    "breaks_rule": Template(N_("breaks a hard rule elsewhere (capacity, floors or locks)")),
    "without_lock": Template(N_("without the lock on {participant}: {cost}")),
}

#: Rule texts, as a waiting reason names the rule that excludes mentors.
RULE_TEXTS: dict[str, str] = {
    "consent": N_("the participant has no recorded consent"),
    "on_leave": N_("mentor on leave"),
    "untrained": N_("mentor has not completed the training"),
    "recovery": N_("mentor has fewer years in recovery than the policy's minimum"),
    "gender": N_("gender does not fit (same gender required, or the participant's wish)"),
    "age_gap": N_("the age gap is above the limit"),
    "serves": N_("mentor does not take participants from the participant's municipality"),
    "excluded": N_("excluded by the participant"),
    "forbidden": N_("forbidden by the coordinator"),
    "released": N_("released pair, not proposed again"),
}
#: Level names, as the cost of an alternative names them.
LEVEL_TEXTS: dict[str, str] = {
    "coverage": N_("coverage"),
    "fairness": N_("fairness"),
    "priority": N_("priority"),
    "quality": N_("quality"),
    "stability": N_("stability"),
}

Params = Mapping[str, Any]


def _listed(field_name: str) -> Callable[[Any], str]:
    return lambda values: formats.join([term(field_name, v) for v in values])


def _ids(values: Sequence[str]) -> str:
    return ", ".join(values)


_FORMATS: dict[str, Callable[[Any], str]] = {
    "substances": _listed("substances"),
    "goals": _listed("goals"),
    "availability": _listed("availability"),
    "interests": _listed("interests"),
    "tags": lambda values: ", ".join(term("interests", v) for v in values),
    "languages": lambda codes: formats.join([formats.language_name(c) for c in codes]),
    "gender": lambda value: term("gender", value),
    "category": category,
    "mentors": lambda v: _ids(v) if isinstance(v, list) else str(v),
    "since": lambda value: formats.date(dt.date.fromisoformat(value)),
    "posts": formats.decimal,
    "change": lambda value: formats.number(value, 3 if isinstance(value, float) else 0, sign=True),
    "rule": lambda key: gettext(RULE_TEXTS[key]),
    "best": formats.number,
    "min_score": formats.number,
    "level": lambda key: gettext(LEVEL_TEXTS.get(key, key)),
}


@dataclass(frozen=True)
class Message:
    """A text as a code and its parameters; worded in the current language on demand."""

    code: str
    params: Params = field(default_factory=dict)

    def text(self) -> str:
        """The wording in the current language."""
        template = TEMPLATES[self.code]
        if isinstance(template.text, tuple):
            assert template.count is not None
            n = self.params[template.count]
            wording = ngettext(*template.text, n if isinstance(n, int) else 1 if n == 1 else 2)
        else:
            wording = gettext(template.text)
        return wording.format(**{k: self._shown(k, v) for k, v in self.params.items()})

    def _shown(self, key: str, value: Any) -> str:
        if isinstance(value, Message):
            return value.text()
        if key == "changes":
            return formats.join([change.text() for change in value])
        if key in _FORMATS:
            return _FORMATS[key](value)
        return str(value)

    def to_json(self) -> dict[str, Any]:
        """`{"code": ..., "params": {...}}`, nested messages included."""

        def plain(value: Any) -> Any:
            if isinstance(value, Message):
                return value.to_json()
            if isinstance(value, list | tuple):  # ids, tags or messages: one level deep
                return [v.to_json() if isinstance(v, Message) else v for v in value]
            return value

        return {"code": self.code, "params": {k: plain(v) for k, v in self.params.items()}}


def words(messages: Sequence[Message]) -> list[str]:
    """Messages as texts in the current language."""
    return [m.text() for m in messages]
