"""The planning results as plain tables of words: the what-if grid, the recruitment
short list and the year simulation's tables, with the lines said around them.

The terminal (rich, `matcher.render.plans`) and the programme lead's web page draw the
same `PlanTable`, so the two never word or round a number differently. Cells are plain
text; each drawer escapes them its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.planning.recruit import Recruitment
from matcher.planning.simulate import MunicipalitySummary, Simulation
from matcher.planning.whatif import Row, WhatIf
from matcher.render.wording import setting_word
from matcher.text import formats
from matcher.text.language import N_
from matcher.text.language import gettext as _
from matcher.text.terms import term


@dataclass(frozen=True)
class PlanTable:
    """One table: a header may break a word over lines with `-\\n` (a narrow terminal
    column), `right` holds the columns of numbers and `strong` the rows in bold (the
    baseline, the totals)."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    right: frozenset[int] = field(default_factory=frozenset)
    strong: frozenset[int] = field(default_factory=frozenset)


_AXES: dict[str, str] = {
    "add_mentors": N_("Added\nmentors"),
    "mentor_capacity": N_("Per\nmentor"),
    "capacity": N_("Cap"),
    "position_budget": N_("Posts\nmax"),
    "fairness": N_("Fairness"),
}
_LIMITS = {
    "programme capacity": N_("cap"),
    "position budget": N_("budget"),
    "programme capacity and position budget": N_("cap+budget"),
    "mentors who fit": N_("mentors"),
    "nobody waiting": "-",
    "infeasible": N_("infeasible"),
}
_WHATIF_COLUMNS = (
    N_("Wait-\ning"),
    N_("Qual-\nity"),
    N_("Posts"),
    N_("Fairness\ncost"),
    N_("Chan-\nged"),
    N_("Limit"),
)


def _axis_cell(row: Row, key: str) -> str:
    value = getattr(row, key)
    if value is None:
        return "-"
    if key == "fairness":
        return setting_word(str(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _price(row: Row) -> str:
    if row.price_coverage == 0 and row.price_quality == 0:
        return "0"
    return f"{row.price_coverage}/{formats.number(row.price_quality)}"


def _limit(row: Row) -> str:
    limit = _LIMITS.get(row.limit)
    return row.limit if limit is None else _(limit) if limit != "-" else limit


def whatif_heading(whatif: WhatIf) -> str:
    """What the grid held, said after the scenario's name."""
    return _("{variants} variants, solver {solver}").format(
        variants=len(whatif.rows), solver=whatif.solver
    )


def whatif_added(whatif: WhatIf) -> str | None:
    """The mentors the variants add, in order (None when none is added)."""
    if not whatif.profiles:
        return None
    return _("added mentors, in order: {profiles}").format(profiles="; ".join(whatif.profiles))


def whatif_footnote() -> str:
    """What the result columns mean."""
    return _(
        "Matched and the municipality columns count active participants after the "
        "round. Fairness cost: pairs/total score lost against no fair distribution "
        "(negative: gained). Changed: participants whose mentor differs from the "
        "baseline. Limit: what stops more pairs."
    )


def whatif_table(whatif: WhatIf) -> PlanTable:
    """The baseline first, then one row per variant; only the settings the grid varies
    get a column, and every column but the last (the limit) holds numbers."""
    munis = list(whatif.baseline.municipalities)
    floors = sorted({k for row in whatif.rows for k in row.floors})
    header = [_(_AXES[key]) for key in whatif.axes]
    header += [_("Min") + f"\n{muni}" for muni in floors]
    header += [_("Matched"), *munis, *[_(c) for c in _WHATIF_COLUMNS]]
    rows: list[tuple[str, ...]] = []
    for i, row in enumerate([whatif.baseline, *whatif.rows]):
        cells = ["" if i == 0 else _axis_cell(row, key) for key in whatif.axes]
        cells += ["" if i == 0 else str(row.floors.get(m, "-")) for m in floors]
        if i == 0 and cells:
            cells[0] = _("baseline")
        cells += [f"{row.matched}/{row.eligible} {formats.percent(row.coverage)}"]
        cells += [str(row.municipalities.get(m, 0)) for m in munis]
        cells += [
            str(row.waiting),
            formats.number(row.mean_score),
            formats.decimal(row.posts_used),
            _price(row),
            str(row.changed),
            _limit(row),
        ]
        rows.append(tuple(cells))
    right = frozenset(range(len(header) - 1))
    return PlanTable("", tuple(header), rows, right, frozenset({0}))


_RECRUIT_COLUMNS = (
    "#",
    N_("Gender"),
    N_("Serves"),
    N_("Age"),
    N_("Experience"),
    N_("Takes"),
    N_("Could take"),
    N_("Quality"),
    N_("Would match"),
)


def recruit_heading(recruitment: Recruitment) -> str:
    """How many wait and how many profiles were tried, said after the scenario's name."""
    caps = _("caps kept") if recruitment.keep_caps else _("each recruit brings their own places")
    return _(
        "{waiting} waiting after this round's proposal; {tried} profiles tried ({caps})"
    ).format(waiting=recruitment.waiting, tried=recruitment.evaluated, caps=caps)


def recruit_table(recruitment: Recruitment) -> PlanTable:
    """The short list, best first."""
    rows: list[tuple[str, ...]] = [
        (
            str(i),
            term("gender", c.gender),
            c.municipality,
            c.age_band,
            term("substances", c.substance),
            str(c.gain),
            str(c.reachable),
            formats.number(c.mean_score),
            ", ".join(c.would_match) or "-",
        )
        for i, c in enumerate(recruitment.candidates, start=1)
    ]
    header = tuple(_(column) for column in _RECRUIT_COLUMNS)
    return PlanTable(_("Mentors to recruit"), header, rows, frozenset({0, 5, 6, 7}))


def recruit_note(recruitment: Recruitment) -> str | None:
    """Why even the best profile takes nobody (full caps, or nobody left without a
    fit); None when some recruit would take someone."""
    if not (recruitment.candidates and recruitment.candidates[0].gain == 0):
        return None
    reason = (
        _("the programme cap or position budget is full")
        if recruitment.keep_caps
        else _("everyone waiting has a fitting mentor already, or none of these profiles fits them")
    )
    return _("note: no recruit would take anyone: {reason}").format(reason=reason)


def _days(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def _municipality_cells(name: str, m: MunicipalitySummary) -> tuple[str, ...]:
    return (
        name,
        formats.number(m.referred, 1),
        formats.number(m.paired, 1),
        formats.percent(m.served_share),
        _days(m.wait_median_days),
        _days(m.wait_p90_days),
        formats.number(m.left_waiting_list, 1),
        formats.number(m.waiting_at_end, 1),
    )


def simulation_heading(sim: Simulation) -> str:
    """Runs, months, seed and rounds, said after the scenario's name."""
    s = sim.settings
    return _("{runs} runs x {months} months, seed {seed}, a round every {weeks} weeks").format(
        runs=s["runs"], months=s["months"], seed=s["seed"], weeks=s["round_weeks"]
    )


def simulation_assumptions(sim: Simulation) -> list[str]:
    """The assumptions in words: referrals, follow-ups, giving up, turnover, and NAV's
    funding rules when NAV pays for some pairs."""
    s = sim.settings
    rates = ", ".join(f"{k} {v:g}" for k, v in sim.referral_rates.items())
    lines = [
        _(
            "referrals per month: {rates}; follow-up median {followup} months, {dropout} end "
            "early; {giving_up} of those waiting give up per month; {turnover} of mentors stop "
            "per year, replaced after {weeks} weeks"
        ).format(
            rates=rates,
            followup=s["followup_months"],
            dropout=formats.percent(float(str(s["dropout"]))),
            giving_up=formats.percent(float(str(s["wait_dropout"]))),
            turnover=formats.percent(float(str(s["mentor_turnover"]))),
            weeks=s["replace_weeks"],
        )
    ]
    share = float(str(s.get("nav_share", 0.0)))
    if share > 0:
        lines.append(
            _(
                "NAV pays {share} of new pairs: renewed every 3 months ({refusal} not "
                "renewed), extended past 6 months for {extension}, 3 years at most"
            ).format(
                share=formats.percent(share),
                refusal=formats.percent(float(str(s["renewal_refusal"]))),
                extension=formats.percent(float(str(s["nav_extension"]))),
            )
        )
    return lines


_WAITING_COLUMNS = (
    N_("Municipality"),
    N_("Referred"),
    N_("Paired"),
    N_("Served"),
    N_("Median wait (d)"),
    N_("p90 wait (d)"),
    N_("Gave up"),
    N_("Waiting at end"),
)
_ROUND_COLUMNS = (
    N_("Day"),
    N_("Month"),
    N_("Active pairs"),
    N_("Waiting"),
    N_("Waiting p90"),
    N_("Mentors"),
    N_("Utilisation"),
    N_("Posts"),
)


def waiting_table(sim: Simulation) -> PlanTable:
    """Referred, paired and waits per municipality, and all of them in bold."""
    rows = [_municipality_cells(key, row) for key, row in sim.municipalities.items()]
    rows.append(_municipality_cells(_("all"), sim.total))
    return PlanTable(
        _("Waiting and served (means per run; waits of those paired)"),
        tuple(_(column) for column in _WAITING_COLUMNS),
        rows,
        frozenset(range(1, len(_WAITING_COLUMNS))),
        frozenset({len(rows) - 1}),
    )


def rounds_table(sim: Simulation) -> PlanTable:
    """The programme right after each round."""
    rows: list[tuple[str, ...]] = [
        (
            str(r.day),
            formats.number(r.month, 1),
            formats.number(r.active, 1),
            formats.number(r.waiting, 1),
            formats.number(r.waiting_p90, 0),
            formats.number(r.mentors, 1),
            formats.percent(r.utilisation),
            formats.number(r.posts, 2),
        )
        for r in sim.rounds
    ]
    return PlanTable(
        _("Round by round (means over runs)"),
        tuple(_(column) for column in _ROUND_COLUMNS),
        rows,
        frozenset(range(len(_ROUND_COLUMNS))),
    )


def years_table(sim: Simulation) -> PlanTable:
    """Followed, new and ended per municipality and year: the yearly report's numbers,
    each year's total in bold."""
    header = (_("Year"), _("Municipality"), _("Followed"), _("New pairs"), _("Ended pairs"))
    rows: list[tuple[str, ...]] = []
    strong: set[int] = set()
    for year in sim.years:
        named = [*year.municipalities.items(), (_("all"), year.total)]
        for i, (name, c) in enumerate(named):
            cells = [str(year.year) if i == 0 else "", name]
            cells += [formats.number(v, 1) for v in (c.followed, c.new, c.ended)]
            rows.append(tuple(cells))
        strong.add(len(rows) - 1)
    return PlanTable(
        _("Per year, as reported to the municipalities (means per run)"),
        header,
        rows,
        frozenset({0, 2, 3, 4}),
        frozenset(strong),
    )


def simulation_tables(sim: Simulation) -> list[PlanTable]:
    """The tables in the order they are shown: per municipality, per year, per round."""
    return [waiting_table(sim), years_table(sim), rounds_table(sim)]


def simulation_notes(sim: Simulation) -> list[str]:
    """What the round columns mean, and a note when floors had to be dropped in some
    rounds."""
    notes = [
        _(
            "Utilisation: active pairs / places of eligible mentors. Posts: active pairs x "
            "position per participant."
        )
    ]
    if sim.conflicting_rounds:
        notes.append(
            _(
                "note: in {rounds} rounds the municipality floors conflicted and were dropped "
                "for that round"
            ).format(rounds=sim.conflicting_rounds)
        )
    return notes
