"""Rendering of the planning commands' results: rich tables, CSV and PNG charts.

Everything here is a pure function of the result, so the same result always gives the
same bytes. Charts need matplotlib, which is optional.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher.io.files import write_file
from matcher.io.sheets.cells import neutralise
from matcher.planning.recruit import Recruitment
from matcher.planning.simulate import MunicipalitySummary, Simulation
from matcher.planning.whatif import Row, WhatIf
from matcher.render.wording import setting_word
from matcher.text import formats
from matcher.text.language import N_
from matcher.text.language import gettext as _
from matcher.text.terms import term


class ChartError(RuntimeError):
    """A chart was asked for but cannot be drawn (matplotlib is missing)."""


def to_json(model: BaseModel) -> str:
    """A planning result as indented JSON in field order, with a final newline;
    unlike a round's `Result.to_json`, keys are not sorted."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


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


def render_whatif(whatif: WhatIf, console: Console) -> None:
    """The rows as one table, the baseline first and in bold; only the settings the grid
    varies get a column, and a footnote explains the result columns."""
    head = _("{variants} variants, solver {solver}").format(
        variants=len(whatif.rows), solver=whatif.solver
    )
    console.print(f"[bold]{escape(whatif.scenario)}[/]: {escape(head)}", highlight=False)
    if whatif.profiles:
        added = _("added mentors, in order: {profiles}").format(profiles="; ".join(whatif.profiles))
        console.print(escape(added), highlight=False)
    munis = list(whatif.baseline.municipalities)
    floors = sorted({k for row in whatif.rows for k in row.floors})
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for key in whatif.axes:
        table.add_column(_(_AXES[key]), justify="right", no_wrap=True)
    for muni in floors:
        table.add_column(_("Min") + f"\n{escape(muni)}", justify="right", no_wrap=True)
    columns = [_("Matched"), *[escape(m) for m in munis], *[_(c) for c in _WHATIF_COLUMNS]]
    for i, column in enumerate(columns):
        last = i == len(columns) - 1
        table.add_column(column, justify="left" if last else "right", no_wrap=True)
    for i, row in enumerate([whatif.baseline, *whatif.rows]):
        cells = ["" if i == 0 else _axis_cell(row, key) for key in whatif.axes]
        cells += ["" if i == 0 else str(row.floors.get(m, "-")) for m in floors]
        if i == 0 and cells:
            cells[0] = _("baseline")
        cells += [f"{row.matched}/{row.eligible} {formats.percent(row.coverage)}"]
        cells += [str(row.municipalities.get(m, 0)) for m in munis]
        limit = _LIMITS.get(row.limit)
        cells += [
            str(row.waiting),
            formats.number(row.mean_score),
            formats.decimal(row.posts_used),
            _price(row),
            str(row.changed),
            row.limit if limit is None else _(limit) if limit != "-" else limit,
        ]
        table.add_row(*(escape(c) for c in cells), style="bold" if i == 0 else None)
    console.print(table)
    console.print(
        _(
            "Matched and the municipality columns count active participants after the "
            "round. Fairness cost: pairs/total score lost against no fair distribution "
            "(negative: gained). Changed: participants whose mentor differs from the "
            "baseline. Limit: what stops more pairs."
        ),
        highlight=False,
    )


def _csv_cell(value: object) -> str:
    return neutralise(str(value))


def whatif_csv(whatif: WhatIf) -> str:
    """One row per variant, the baseline first; every cell is neutralised, so that
    a spreadsheet never runs a municipality id as a formula."""
    munis = list(whatif.baseline.municipalities)
    head = [
        "variant",
        "add_mentors",
        "mentor_capacity",
        "capacity",
        "position_budget",
        "floors",
        "fairness",
        "status",
        "matched",
        "eligible",
        "coverage",
        "waiting",
        *[f"active_{m}" for m in munis],
        "mean_score",
        "posts_used",
        "price_coverage",
        "price_quality",
        "changed",
        "limit",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_csv_cell(h) for h in head])
    for row in [whatif.baseline, *whatif.rows]:
        values: list[Any] = [
            row.variant,
            row.add_mentors,
            row.mentor_capacity,
            row.capacity,
            row.position_budget,
            ";".join(f"{k}={v}" for k, v in row.floors.items()),
            row.fairness,
            row.status,
            row.matched,
            row.eligible,
            row.coverage,
            row.waiting,
            *[row.municipalities.get(m, 0) for m in munis],
            row.mean_score,
            row.posts_used,
            row.price_coverage,
            row.price_quality,
            row.changed,
            row.limit,
        ]
        writer.writerow(["" if v is None else _csv_cell(v) for v in values])
    return out.getvalue()


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


def render_recruit(recruitment: Recruitment, console: Console) -> None:
    """The short list as a table, and a note saying why when even the best
    profile takes nobody (full caps, or nobody left without a fit)."""
    caps = _("caps kept") if recruitment.keep_caps else _("each recruit brings their own places")
    head = _(
        "{waiting} waiting after this round's proposal; {tried} profiles tried ({caps})"
    ).format(waiting=recruitment.waiting, tried=recruitment.evaluated, caps=caps)
    console.print(f"[bold]{escape(recruitment.scenario)}[/]  {escape(head)}", highlight=False)
    table = Table(title=_("Mentors to recruit"), title_justify="left")
    right = (0, 5, 6, 7)
    for i, column in enumerate(_RECRUIT_COLUMNS):
        table.add_column(_(column), justify="right" if i in right else "left")
    for i, c in enumerate(recruitment.candidates, start=1):
        table.add_row(
            str(i),
            escape(term("gender", c.gender)),
            escape(c.municipality),
            c.age_band,
            escape(term("substances", c.substance)),
            str(c.gain),
            str(c.reachable),
            formats.number(c.mean_score),
            escape(", ".join(c.would_match) or "-"),
        )
    console.print(table)
    if recruitment.candidates and recruitment.candidates[0].gain == 0:
        reason = (
            _("the programme cap or position budget is full")
            if recruitment.keep_caps
            else _(
                "everyone waiting has a fitting mentor already, or none of these profiles fits them"
            )
        )
        note = _("note: no recruit would take anyone: {reason}").format(reason=reason)
        console.print(escape(note), highlight=False)


def _pyplot() -> Any:
    """matplotlib's pyplot on a file-only back-end, or a `ChartError` saying how to get it."""
    try:
        import matplotlib  # lazy: matplotlib is heavy and optional, needed only for --chart

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # lazy: as above
    except ImportError:
        raise ChartError("--chart needs matplotlib: pip install matplotlib") from None
    return plt


def save_png(figure: Any, path: Path) -> None:
    """PNG without a timestamp or version in its metadata, so reruns are byte-identical;
    written atomically like every other output."""

    def write(tmp: Path) -> None:
        figure.savefig(tmp, format="png", dpi=100, metadata={"Software": None})

    write_file(path, write)


def whatif_chart(whatif: WhatIf, path: Path) -> None:
    """Stacked bars of active participants per municipality, one bar per
    variant, the baseline on top."""
    plt = _pyplot()
    rows = [whatif.baseline, *whatif.rows]
    munis = list(whatif.baseline.municipalities)
    height = max(3.0, 0.3 * len(rows) + 1.5)
    figure, axis = plt.subplots(figsize=(9, height))
    left = [0.0] * len(rows)
    labels = [r.variant for r in rows]
    for muni in munis:
        values = [float(r.municipalities.get(muni, 0)) for r in rows]
        axis.barh(labels, values, left=left, label=muni)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.invert_yaxis()
    axis.set_xlabel(_("active participants after the round"))
    axis.set_title(_("What-ifs: {scenario}").format(scenario=whatif.scenario))
    axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    save_png(figure, path)
    plt.close(figure)


def _days(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def _municipality_cells(name: str, m: MunicipalitySummary) -> list[str]:
    return [
        escape(name),
        formats.number(m.referred, 1),
        formats.number(m.paired, 1),
        formats.percent(m.served_share),
        _days(m.wait_median_days),
        _days(m.wait_p90_days),
        formats.number(m.left_waiting_list, 1),
        formats.number(m.waiting_at_end, 1),
    ]


def _assumptions(sim: Simulation, console: Console) -> None:
    s = sim.settings
    rates = ", ".join(f"{k} {v:g}" for k, v in sim.referral_rates.items())
    head = _("{runs} runs x {months} months, seed {seed}, a round every {weeks} weeks").format(
        runs=s["runs"], months=s["months"], seed=s["seed"], weeks=s["round_weeks"]
    )
    console.print(f"[bold]{escape(sim.scenario)}[/]: {escape(head)}", highlight=False)
    assumptions = _(
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
    console.print(escape(assumptions), highlight=False)
    share = float(str(s.get("nav_share", 0.0)))
    if share > 0:
        nav = _(
            "NAV pays {share} of new pairs: renewed every 3 months ({refusal} not renewed), "
            "extended past 6 months for {extension}, 3 years at most"
        ).format(
            share=formats.percent(share),
            refusal=formats.percent(float(str(s["renewal_refusal"]))),
            extension=formats.percent(float(str(s["nav_extension"]))),
        )
        console.print(escape(nav), highlight=False)


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


def _waiting_table(sim: Simulation) -> Table:
    table = Table(
        title=_("Waiting and served (means per run; waits of those paired)"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for i, column in enumerate(_WAITING_COLUMNS):
        table.add_column(_(column), justify="left" if i == 0 else "right")
    for key, row in sim.municipalities.items():
        table.add_row(*_municipality_cells(key, row))
    table.add_row(*_municipality_cells(_("all"), sim.total), style="bold")
    return table


def _rounds_table(sim: Simulation) -> Table:
    rounds = Table(
        title=_("Round by round (means over runs)"), title_justify="left", box=box.SIMPLE_HEAD
    )
    for column in _ROUND_COLUMNS:
        rounds.add_column(_(column), justify="right")
    for r in sim.rounds:
        rounds.add_row(
            str(r.day),
            formats.number(r.month, 1),
            formats.number(r.active, 1),
            formats.number(r.waiting, 1),
            formats.number(r.waiting_p90, 0),
            formats.number(r.mentors, 1),
            formats.percent(r.utilisation),
            formats.number(r.posts, 2),
        )
    return rounds


def _years_table(sim: Simulation) -> Table:
    """Followed, new and ended per municipality and year: the yearly report's numbers."""
    table = Table(
        title=_("Per year, as reported to the municipalities (means per run)"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column(_("Year"), justify="right")
    table.add_column(_("Municipality"))
    for column in (N_("Followed"), N_("New pairs"), N_("Ended pairs")):
        table.add_column(_(column), justify="right")
    for year in sim.years:
        rows = [*year.municipalities.items(), (_("all"), year.total)]
        for i, (name, c) in enumerate(rows):
            cells = [str(year.year) if i == 0 else "", escape(name)]
            cells += [formats.number(v, 1) for v in (c.followed, c.new, c.ended)]
            table.add_row(*cells, style="bold" if i == len(rows) - 1 else None)
    return table


def render_simulation(sim: Simulation, console: Console) -> None:
    """The assumptions in words, then the per-municipality, yearly and round-by-round
    tables, and a note when floors had to be dropped in some rounds."""
    _assumptions(sim, console)
    console.print(_waiting_table(sim))
    console.print(_years_table(sim))
    console.print(_rounds_table(sim))
    console.print(
        _(
            "Utilisation: active pairs / places of eligible mentors. Posts: active pairs x "
            "position per participant."
        ),
        highlight=False,
    )
    if sim.conflicting_rounds:
        note = _(
            "note: in {rounds} rounds the municipality floors conflicted and were dropped "
            "for that round"
        ).format(rounds=sim.conflicting_rounds)
        console.print(note, highlight=False)


def simulation_chart(sim: Simulation, path: Path) -> None:
    """Two panels: the rounds over time (utilisation on a second axis) and the
    waits per municipality, where a municipality nobody was paired in shows 0."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    months = [r.month for r in sim.rounds]
    left.plot(months, [r.active for r in sim.rounds], marker="o", label=_("active pairs"))
    left.plot(months, [r.waiting for r in sim.rounds], marker="o", label=_("waiting"))
    left.plot(
        months,
        [r.waiting_p90 for r in sim.rounds],
        linestyle="--",
        label=_("waiting (p90 of runs)"),
    )
    left.set_xlabel(_("month"))
    left.set_ylabel(_("people"))
    left.set_ylim(bottom=0)
    twin = left.twinx()
    twin.plot(months, [r.utilisation for r in sim.rounds], color="grey", label=_("utilisation"))
    twin.set_ylim(0, 1.05)
    twin.set_ylabel(_("utilisation of mentor places"))
    left.legend(loc="upper left", fontsize="small")
    left.set_title(_("Round by round (mean of runs)"))
    names = list(sim.municipalities)
    median = [sim.municipalities[n].wait_median_days or 0.0 for n in names]
    p90 = [sim.municipalities[n].wait_p90_days or 0.0 for n in names]
    xs = list(range(len(names)))
    right.bar([x - 0.2 for x in xs], median, width=0.4, label=_("median"))
    right.bar([x + 0.2 for x in xs], p90, width=0.4, label="p90")
    right.set_xticks(xs, names)
    right.set_ylabel(_("days from referral to a mentor"))
    right.set_title(_("Waiting time by municipality"))
    right.legend(fontsize="small")
    runs = _("{runs} runs").format(runs=sim.settings["runs"])
    figure.suptitle(f"{sim.scenario}: {runs}")
    figure.tight_layout()
    save_png(figure, path)
    plt.close(figure)
