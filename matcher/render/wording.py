"""Words the table and the meeting report share (the summary of a round, a floor as
stated and as enforced, the price of fairness), written once so that the screen and the
page never word the same thing differently."""

from __future__ import annotations

from matcher.explain.result import Metrics, MunicipalityRow, Result
from matcher.text import formats
from matcher.text.language import N_
from matcher.text.language import gettext as _
from matcher.text.messages import LEVEL_TEXTS

#: The municipality table's columns, on the screen and in the report.
MUNICIPALITY_COLUMNS = (
    N_("Municipality"),
    N_("Active"),
    N_("New"),
    N_("Waiting"),
    N_("Coverage"),
    N_("Min"),
    N_("Max"),
)
_STATUS = {
    "optimal": N_("optimal"),
    "feasible": N_("feasible, not proven best"),
    "infeasible": N_("infeasible"),
    "no_proposal": N_("no proposal"),
}


#: Settings' values in words (fairness modes, the same-gender rule, the objective's levels).
_SETTING_WORDS = {
    "none": N_("none"),
    "quotas": N_("quotas"),
    "proportional": N_("proportional shares"),
    "maxmin": N_("lowest coverage first"),
    "required": N_("required"),
    "preferred": N_("preferred"),
    "ignore": N_("ignored"),
    **LEVEL_TEXTS,  # the objective's criteria, as an alternative's cost names them
}


def setting_word(value: str) -> str:
    """A setting's value in words (as written if it has none)."""
    word = _SETTING_WORDS.get(value)
    return value if word is None else _(word)


_DUE_WORDS = {
    "renewal": N_("funding renewal"),
    "review": N_("review of the pair"),
    "discharge": N_("discharge, still without a mentor"),
    "long_pair": N_("pair over a year old: talk about ending"),
}
#: The columns of the list of what is due, on the screen and in the report.
DUE_COLUMNS = (N_("Date"), N_("Days"), N_("What"), N_("Participant"), N_("Mentor"))


def due_rows(result: Result) -> list[list[str]]:
    """What is due, as rows of `DUE_COLUMNS`, most urgent first."""
    return [
        [
            formats.date(d.date),
            str(d.days),
            _(_DUE_WORDS[d.kind]),
            d.participant,
            d.mentor or "",
        ]
        for d in result.due
    ]


def status_word(status: str) -> str:
    """A result's status in words."""
    return _(_STATUS[status])


def summary_line(metrics: Metrics, *, prose: bool) -> str:
    """The round in one line: pairs (new and kept), waiting, mean score and mentor posts
    used; `prose` makes it a sentence (the report), else a line of clauses (the table)."""
    m = metrics
    posts = formats.decimal(m.positions_used)
    clauses = [
        _(
            "{matched} of {eligible} participants with consent in a pair ({new} new, {kept} kept)"
        ).format(matched=m.matched, eligible=m.eligible, new=m.new, kept=m.existing),
        _("{waiting} waiting").format(waiting=m.waiting),
        _("mean score {score}").format(score=formats.number(m.mean_score)),
        _("mentor posts used: {posts}").format(posts=posts),
    ]
    return ("; ".join(clauses) + ".") if prose else ", ".join(clauses)


def floor_text(row: MunicipalityRow) -> str:
    """A municipality's floor as stated, and what it was capped to (rule 8) if lower."""
    floor = "" if row.min is None else str(row.min)
    if row.min_enforced is not None and row.min_enforced != row.min:
        floor += " " + _("(capped to {enforced})").format(enforced=row.min_enforced)
    return floor


def fairness_line(result: Result) -> str:
    """The fairness mode's outcome and its price against `none` ("" without one)."""
    f = result.fairness
    if f is None:
        return ""
    lowest = "-" if f.lowest_coverage is None else formats.percent(f.lowest_coverage)
    return _(
        "Fair distribution ({mode}): the lowest coverage of a municipality is {lowest}. "
        "Compared with no fair distribution, it costs {pairs} pairs, {points} priority "
        "points and {score} in total score."
    ).format(
        mode=setting_word(f.mode),
        lowest=lowest,
        pairs=f.price_coverage,
        points=f.price_priority,
        score=formats.number(f.price_quality, 3, sign=True),
    )
