"""The pairing-meeting report: one self-contained, printable page (HTML or Markdown).

It carries what falls due, the coordinator's decisions, the proposal, the waiting list
in priority order, the municipality table, mentor load and the settings that produced
it. No wall-clock time is printed (only the time a decision carries, if it does), so the
same input gives the same page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from matcher import __version__
from matcher.core.priority import priorities, tags_of
from matcher.explain.result import Result
from matcher.model.controls import Decision
from matcher.model.scenario import Scenario
from matcher.render.decisions import (
    DECISION_COLUMNS,
    decision_notes,
    decision_rows,
    decisions_line,
    kind_word,
    locked_pairs,
    pair_kind,
)
from matcher.render.wording import (
    DUE_COLUMNS,
    MUNICIPALITY_COLUMNS,
    due_rows,
    fairness_line,
    floor_text,
    setting_word,
    status_word,
    summary_line,
)
from matcher.text import formats
from matcher.text.language import current
from matcher.text.language import gettext as _

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; font-size: 11pt; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; }
ul { margin: 0; padding-left: 1.2em; }
.muted { color: #666; }
@media print { body { margin: 1cm; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


Cell = str | list[str]  # a list is shown as a bullet list
Rows = list[list[Cell]]


@dataclass(frozen=True)
class Section:
    """One titled table of the report; both formats render the same sections, so
    that the HTML and the Markdown page never differ in content."""

    key: str  # the page anchor, the same in every language
    title: str
    header: list[str]
    rows: Rows


def _pairs_section(scenario: Scenario, result: Result, decisions: Sequence[Decision]) -> Section:
    """The proposed pairs with their reasons and alternatives; a pair the coordinator
    locked says so, and the reasons end with what the coordinator decided about the
    participant."""
    locked = locked_pairs(scenario, decisions)
    notes = decision_notes(scenario, decisions)
    pairs: Rows = []
    for pair in result.pairs:
        alts = [
            _("{mentor} (score {score}: {cost})").format(
                mentor=a.mentor, score=formats.number(a.score), cost=a.summary
            )
            for a in pair.alternatives
        ]
        kind = kind_word(pair_kind(pair, locked))
        score = formats.number(pair.score)
        reasons = [*pair.reasons, *notes.get(pair.participant, [])]
        pairs.append([pair.participant, pair.mentor, kind, score, reasons, alts])
    header = [_("Participant"), _("Mentor"), "", _("Score"), _("Reasons"), _("Alternatives")]
    return Section("proposed-pairs", _("Proposed pairs"), header, pairs)


def _waiting_section(scenario: Scenario, result: Result, decisions: Sequence[Decision]) -> Section:
    """The waiting list in priority order; those without consent last, without points.
    Why each waits ends with what the coordinator decided about them."""
    notes = decision_notes(scenario, decisions)
    prio = dict(zip((p.id for p in scenario.participants), priorities(scenario), strict=True))
    people = {p.id: p for p in scenario.participants}
    order = sorted(
        result.unmatched,
        key=lambda w: (
            not people[w.participant].consent,
            -prio[w.participant].points,
            w.participant,
        ),
    )
    waiting: Rows = []
    for rank, person in enumerate(order, start=1):
        p, who = prio[person.participant], people[person.participant]
        ranked: list[Cell] = [str(p.points), p.reasons(tags_of(who, scenario.policy))]
        unranked: list[Cell] = ["", []]
        waiting.append(
            [
                str(rank) if who.consent else "",
                person.participant,
                *(ranked if who.consent else unranked),
                [*person.reasons, *notes.get(person.participant, [])],
                person.would_match_if,
            ]
        )
    header = [
        "#",
        _("Participant"),
        _("Points"),
        _("Priority"),
        _("Why waiting"),
        _("Would get a mentor if"),
    ]
    return Section("waiting-list", _("Waiting list, in priority order"), header, waiting)


def _municipality_section(result: Result) -> Section:
    """Active, new and waiting participants, coverage and caps per municipality."""
    munis: Rows = []
    for key, row in result.municipalities.items():
        coverage = "" if row.coverage is None else formats.percent(row.coverage)
        munis.append(
            [
                key,
                str(row.active),
                str(row.new),
                str(row.waiting),
                coverage,
                floor_text(row),
                "" if row.max is None else str(row.max),
            ]
        )
    return Section(
        "municipalities", _("Municipalities"), [_(c) for c in MUNICIPALITY_COLUMNS], munis
    )


def _mentor_section(scenario: Scenario, result: Result) -> Section:
    """Each mentor's kept and new pairs and the posts they take, with a total."""
    load: dict[str, list[int]] = {m.id: [0, 0] for m in scenario.mentors}
    for pair in result.pairs:
        load[pair.mentor][0 if pair.existing else 1] += 1
    program = scenario.program
    mentors: Rows = []
    for m in scenario.mentors:
        kept, new = load[m.id]
        status = _("on leave") if not m.active else (_("not trained") if not m.trained else "")
        mentors.append(
            [
                m.id,
                str(scenario.mentor_capacity(m)),
                str(kept),
                str(new),
                str(kept + new),
                formats.number(program.posts(kept + new, decimals=None)),
                status,
            ]
        )
    total = sum(k + n for k, n in load.values())
    posts = formats.number(program.posts(total, decimals=None))
    mentors.append([_("total"), "", "", "", str(total), posts, ""])
    header = [_("Mentor"), _("Capacity"), _("Kept"), _("New"), _("Load"), _("Posts"), _("Status")]
    return Section("mentor-load", _("Mentor load"), header, mentors)


def _settings_section(scenario: Scenario, result: Result, decisions: Sequence[Decision]) -> Section:
    """The policy and programme settings, and the decisions, that produced the proposal."""
    policy, program = scenario.policy, scenario.program
    weights = ", ".join(f"{k} {v:g}" for k, v in policy.weights.model_dump().items())
    none = _("none")
    settings: Rows = [
        [_("round date"), formats.date(scenario.date)],
        [_("order of goals"), " > ".join(setting_word(x) for x in policy.objective)],
        [_("fair distribution"), setting_word(policy.fairness)],
        [_("same gender"), setting_word(policy.same_gender)],
        [_("min recovery years"), f"{policy.min_recovery_years:g}"],
        [_("max age gap"), none if policy.max_age_gap is None else str(policy.max_age_gap)],
        [_("weights"), weights],
        [_("programme capacity"), none if program.capacity is None else str(program.capacity)],
        [_("default mentor capacity"), str(program.mentor_capacity)],
        [_("post per participant"), f"{program.position_per_participant:g}"],
        [
            _("position budget"),
            none if program.position_budget is None else f"{program.position_budget:g}",
        ],
        [_("decisions"), decisions_line(decisions)],
        [_("solver"), f"{result.solver} ({status_word(result.status)})"],
        [_("likematch version"), __version__],
    ]
    return Section("settings", _("Settings"), [_("Setting"), _("Value")], settings)


def _due_section(result: Result) -> Section:
    """Renewals, reviews, discharges and long pairs, most urgent first."""
    header = [_(c) for c in DUE_COLUMNS]
    rows: Rows = [[*cells] for cells in due_rows(result)]
    return Section("due", _("Due before the next round"), header, rows)


def _decisions_section(scenario: Scenario, decisions: Sequence[Decision]) -> Section:
    """The coordinator's decisions in the order taken: what, by whom, when."""
    header = ["#", *(_(c) for c in DECISION_COLUMNS)]
    rows: Rows = [[*cells] for cells in decision_rows(scenario, decisions)]
    return Section("decisions", _("Decisions"), header, rows)


def sections(
    scenario: Scenario, result: Result, decisions: Sequence[Decision] = ()
) -> list[Section]:
    """The report's sections, in page order. `scenario` has the `decisions` applied."""
    return [
        _due_section(result),
        _decisions_section(scenario, decisions),
        _pairs_section(scenario, result, decisions),
        _waiting_section(scenario, result, decisions),
        _municipality_section(result),
        _mentor_section(scenario, result),
        _settings_section(scenario, result, decisions),
    ]


def _intro(scenario: Scenario) -> str:
    return _("Round of {date}: a proposal for the coordinator, who decides every pair.").format(
        date=formats.date(scenario.date)
    )


def _summary(result: Result) -> str:
    text = summary_line(result.metrics, prose=True)
    return f"{text} {fairness_line(result)}" if result.fairness else text


def to_html(scenario: Scenario, result: Result, decisions: Sequence[Decision] = ()) -> str:
    """A self-contained page (inline CSS, no scripts, nothing fetched) that prints
    well; every text is HTML-escaped. `scenario` has the coordinator's `decisions`
    applied; the page lists them in the order taken."""

    def cell(value: str | list[str]) -> str:
        if isinstance(value, list):
            if not value:
                return "<td></td>"
            return "<td><ul>" + "".join(f"<li>{escape(v)}</li>" for v in value) + "</ul></td>"
        digits = value.removeprefix("-").replace(".", "", 1).replace(",", "", 1)
        cls = ' class="num"' if digits.isdigit() else ""
        return f"<td{cls}>{escape(value)}</td>"

    title = escape(_("Pairing meeting: {name}").format(name=scenario.name))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{current()}"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="muted">{escape(_intro(scenario))}</p>',
        f"<p>{escape(_summary(result))}</p>",
    ]
    note_word, conflict_word, none_word = _("Note:"), _("Conflict:"), _("None.")
    for note in result.notes:
        parts.append(f'<p class="muted">{escape(note_word)} {escape(note)}</p>')
    for conflict in result.conflicts:
        parts.append(f"<p><strong>{escape(conflict_word)}</strong> {escape(conflict)}</p>")
    for section in sections(scenario, result, decisions):
        parts.append(f'<section id="{section.key}"><h2>{escape(section.title)}</h2>')
        if not section.rows:
            parts.append(f'<p class="muted">{escape(none_word)}</p></section>')
            continue
        parts.append("<table><thead><tr>")
        parts += [f"<th>{escape(h)}</th>" for h in section.header]
        parts.append("</tr></thead><tbody>")
        for row in section.rows:
            parts.append("<tr>" + "".join(cell(v) for v in row) + "</tr>")
        parts.append("</tbody></table></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def to_markdown(scenario: Scenario, result: Result, decisions: Sequence[Decision] = ()) -> str:
    """The same sections as Markdown tables, for a wiki or a ticket: `|` is escaped
    and a list cell's items are joined with `<br>`."""

    def cell(value: str | list[str]) -> str:
        text = "<br>".join(value) if isinstance(value, list) else value
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "# " + _("Pairing meeting: {name}").format(name=scenario.name),
        "",
        _intro(scenario),
        "",
        _summary(result),
        "",
    ]
    note_word, conflict_word = _("Note:"), _("Conflict:")
    lines += [f"*{note_word} {note}*" for note in result.notes]
    lines += [f"**{conflict_word}** {conflict}" for conflict in result.conflicts]
    for section in sections(scenario, result, decisions):
        lines += ["", f"## {section.title}", ""]
        if not section.rows:
            lines.append(_("None."))
            continue
        lines.append("| " + " | ".join(section.header) + " |")
        lines.append("|" + " --- |" * len(section.header))
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in section.rows]
    return "\n".join(lines) + "\n"
