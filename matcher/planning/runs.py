"""One run of the year simulation: referrals arriving per municipality as Poisson
processes, waiting people giving up, follow-ups of a lognormal length (median about ten
months, DOMAIN.md) that some end early, NAV-funded pairs renewed every three months up
to the scheme's limits, mentors who stop and are replaced after a delay, and a pairing
round solved by the engine every `round_weeks` weeks. The first round is the scenario
as given.

Each run draws from its own generator seeded with (seed, run), so runs are independent
of each other and of where they are executed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matcher.core.problem import Built
from matcher.model.scenario import Locks, Mentor, Pair, Participant, Policy, Scenario
from matcher.planning.variants import quick_solve
from solvers import Solution

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25
#: NAV's mentor scheme: renewed every 3 months after an evaluation meeting, for 6
#: months, extendable to 3 years for a particular need (DOMAIN.md, seed 001).
NAV_RENEWAL_MONTHS = 3
NAV_FIRST_MONTHS = 6
NAV_MAX_MONTHS = 36
RATE_WINDOW_DAYS = 365  # referral rates come from the last year of referrals
PERSON_PREFIX = "sim-p"
MENTOR_PREFIX = "sim-m"


@dataclass(frozen=True)
class Settings:
    """The simulation's assumptions; rates are per month unless named otherwise."""

    months: int = 12
    runs: int = 200
    seed: int = 0
    round_weeks: int = 4
    referrals: tuple[tuple[str, float], ...] = ()  # per municipality; others from the data
    followup_months: float = 10.0  # median length of a follow-up
    followup_spread: float = 0.35  # sigma of the lognormal follow-up length
    dropout: float = 0.15  # share of follow-ups that end early
    wait_dropout: float = 0.05  # share of waiting people who leave the list each month
    mentor_turnover: float = 0.15  # share of mentors who stop each year
    replace_weeks: int = 12  # until a leaving mentor's successor starts
    solver: str = "auto"
    nav_share: float = 0.0  # share of new pairs paid by NAV's mentor funds
    renewal_refusal: float = 0.1  # chance that a 3-monthly NAV renewal is not granted
    nav_extension: float = 0.6  # chance that NAV extends a pair past the scheme's 6 months


def nav_share_of(scenario: Scenario) -> float:
    """The share of the scenario's active pairs that NAV pays for (0 when none says who
    pays): the default share of the simulated new pairs."""
    funded = [p.funding for p in scenario.pairs if not p.release and p.funding is not None]
    return round(funded.count("nav") / len(funded), 3) if funded else 0.0


def referral_rates(scenario: Scenario, given: Sequence[tuple[str, float]] = ()) -> dict[str, float]:
    """Referrals per month by municipality: those given, else the scenario's referrals
    of the last year (a referral without a date counts as made on the round's date)."""
    since = scenario.date - dt.timedelta(days=RATE_WINDOW_DAYS)
    counts = dict.fromkeys((m.id for m in scenario.municipality_list()), 0)
    for p in scenario.participants:
        if since < (p.referred or scenario.date) <= scenario.date:
            counts[p.municipality] += 1
    rates = {k: v * DAYS_PER_MONTH / RATE_WINDOW_DAYS for k, v in counts.items()}
    rates.update(dict(given))
    return rates


@dataclass
class _Person:
    model: Participant
    muni: int
    referred: float  # day of referral (negative: before the first round)
    gives_up: float  # day they would leave the waiting list
    status: str = "waiting"  # waiting | active | done | left
    mentor: str | None = None
    ends: float = math.inf
    remaining: float | None = None  # follow-up days left when their mentor stopped
    first_pair: float | None = None
    nav_until: float = math.inf  # the day NAV's funding of their follow-up ends
    spans: list[list[float]] = field(default_factory=list)  # [start, end] of each pair


@dataclass
class _Mentor:
    model: Mentor
    leaves: float


@dataclass
class RunResult:
    """One run, in arrays small enough to send back from a worker."""

    wait_muni: IntArray  # municipality of each first pairing
    wait_days: FloatArray  # days from referral to first pairing
    referred: IntArray  # per municipality: waiting at the start or referred since
    paired: IntArray
    left: IntArray  # gave up waiting
    waiting_end: IntArray
    active: IntArray  # per round, after pairing
    waiting: IntArray
    mentors: IntArray  # eligible mentors
    places: IntArray  # their places
    conflicts: int = 0  # rounds whose floors conflicted and were dropped
    #: per year, followed / new pairs / ended pairs, per municipality: (years, 3, munis)
    yearly: IntArray = field(default_factory=lambda: np.zeros((0, 3, 0), dtype=np.int64))


@dataclass
class _Run:
    """The state of one run and the random draws it makes."""

    scenario: Scenario
    settings: Settings
    rng: np.random.Generator
    people: dict[str, _Person] = field(default_factory=dict)
    mentors: dict[str, _Mentor] = field(default_factory=dict)
    joining: list[tuple[float, Mentor]] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)
    counter: int = 0

    def exp_time(self, share: float, per_days: float) -> float:
        """Waiting time to an event that hits `share` of people per `per_days` days."""
        if share <= 0:
            return math.inf
        if share >= 1:
            return 0.0
        return float(self.rng.exponential(per_days / -math.log1p(-share)))

    def followup(self) -> float:
        s = self.settings
        days = float(
            self.rng.lognormal(math.log(s.followup_months * DAYS_PER_MONTH), s.followup_spread)
        )
        if self.rng.random() < s.dropout:
            days *= float(self.rng.uniform(0.05, 1.0))
        return max(days, 1.0)

    def nav_until(self, start: float) -> float:
        """The day NAV's funding of a follow-up that starts on `start` ends: at the first
        renewal not granted, at 6 months unless extended, and at 3 years at the latest."""
        s, month = self.settings, DAYS_PER_MONTH
        for months in range(NAV_RENEWAL_MONTHS, NAV_MAX_MONTHS, NAV_RENEWAL_MONTHS):
            extended = months != NAV_FIRST_MONTHS or self.rng.random() < s.nav_extension
            if not extended or self.rng.random() < s.renewal_refusal:
                return start + months * month
        return start + NAV_MAX_MONTHS * month

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def _start(scenario: Scenario, settings: Settings, rng: np.random.Generator) -> _Run:
    run = _Run(scenario, settings, rng, rates=referral_rates(scenario, settings.referrals))
    munis = {m.id: i for i, m in enumerate(scenario.municipality_list())}
    for m in scenario.mentors:
        run.mentors[m.id] = _Mentor(m, run.exp_time(settings.mentor_turnover, 365.25))
    for p in scenario.participants:
        if not p.consent:
            continue  # never matched, never counted
        referred = float(((p.referred or scenario.date) - scenario.date).days)
        run.people[p.id] = _Person(
            p, munis[p.municipality], referred, run.exp_time(settings.wait_dropout, DAYS_PER_MONTH)
        )
    return run


def _round_scenario(run: _Run, day: float, first: bool) -> Scenario:
    base = run.scenario
    if first:
        return base
    present = set(run.mentors)
    participants, pairs = [], []
    date = base.date + dt.timedelta(days=int(day))
    for pid, person in run.people.items():
        if person.status not in ("waiting", "active"):
            continue
        model = person.model
        if any(m not in present for m in model.exclude_mentors):
            model = model.model_copy(
                update={"exclude_mentors": [m for m in model.exclude_mentors if m in present]}
            )
        participants.append(model)
        if person.status == "active":
            pairs.append(Pair(participant=pid, mentor=person.mentor or ""))
    return base.model_copy(
        update={
            "date": date,
            "participants": participants,
            "pairs": pairs,
            "locks": Locks(),
            "mentors": [m.model for m in run.mentors.values()],
        }
    )


def _without_floors(scenario: Scenario) -> Scenario:
    munis = [m.model_copy(update={"min": None}) for m in scenario.municipality_list()]
    return scenario.model_copy(update={"municipalities": munis, "locks": Locks()})


def _solve(run: _Run, scenario: Scenario) -> tuple[Built, Solution, bool]:
    built, solution = quick_solve(scenario, run.settings.solver)
    if solution.status != "infeasible":
        return built, solution, False
    built, solution = quick_solve(_without_floors(scenario), run.settings.solver)
    return built, solution, True


def _advance(run: _Run, start: float, end: float) -> None:
    """Everything that happens between two rounds, in (start, end]."""
    s, rng = run.settings, run.rng
    for join, model in [j for j in run.joining if j[0] <= end]:
        run.mentors[model.id] = _Mentor(model, join + run.exp_time(s.mentor_turnover, 365.25))
    run.joining = [j for j in run.joining if j[0] > end]
    leaving = sorted((m.leaves, mid) for mid, m in run.mentors.items() if m.leaves <= end)
    templates = [m for m in run.scenario.mentors if _can_mentor(m, run.scenario.policy)]
    for when, mid in leaving:
        del run.mentors[mid]
        for person in run.people.values():
            if person.status == "active" and person.mentor == mid and person.ends > when:
                person.status, person.mentor = "waiting", None
                person.remaining, person.gives_up = person.ends - when, math.inf
                person.spans[-1][1] = when
        if templates:
            model = templates[int(rng.integers(len(templates)))]
            successor = model.model_copy(update={"id": run.next_id(MENTOR_PREFIX)})
            run.joining.append((when + 7 * s.replace_weeks, successor))
    for person in run.people.values():
        if person.status == "active" and person.ends <= end:
            person.status, person.mentor = "done", None
    _refer(run, start, end)
    for person in run.people.values():
        if person.status == "waiting" and person.gives_up <= end:
            person.status = "left"


def _refer(run: _Run, start: float, end: float) -> None:
    scenario, rng = run.scenario, run.rng
    rates = run.rates
    consenting = [p for p in scenario.participants if p.consent] or scenario.participants
    for g, muni in enumerate(scenario.municipality_list()):
        n = int(rng.poisson(rates[muni.id] * (end - start) / DAYS_PER_MONTH))
        if n == 0:
            continue
        local = [p for p in consenting if p.municipality == muni.id] or consenting
        if not local:
            continue
        for day in np.sort(rng.uniform(start, end, n)).tolist():
            template = local[int(rng.integers(len(local)))]
            pid = run.next_id(PERSON_PREFIX)
            model = template.model_copy(
                update={
                    "id": pid,
                    "municipality": muni.id,
                    "consent": True,
                    "referred": scenario.date + dt.timedelta(days=math.floor(day)),
                    "discharge": None,
                    "exclude_mentors": [],
                }
            )
            gives_up = day + run.exp_time(run.settings.wait_dropout, DAYS_PER_MONTH)
            run.people[pid] = _Person(model, g, float(day), gives_up)


def _apply(run: _Run, built: Built, solution: Solution, day: float, first: bool) -> None:
    if first:
        since = run.scenario.date
        for pair in run.scenario.pairs:
            person = run.people.get(pair.participant)
            if person is None:
                continue
            if pair.release:
                person.model = person.model.model_copy(
                    update={"exclude_mentors": [*person.model.exclude_mentors, pair.mentor]}
                )
                continue
            elapsed = float(((pair.since or since) - since).days)
            person.status, person.mentor = "active", pair.mentor
            person.ends = max(elapsed + run.followup(), float(run.rng.uniform(1, 60)))
            person.first_pair = elapsed
            if pair.funding == "nav":
                person.nav_until = max(run.nav_until(elapsed), 1.0)
                person.ends = min(person.ends, person.nav_until)
            person.spans.append([elapsed, person.ends])
    for pid, mid in built.pair_ids(solution.chosen):
        person = run.people[pid]
        person.status, person.mentor = "active", mid
        if person.first_pair is None:
            person.first_pair = day
            if run.settings.nav_share > 0 and run.rng.random() < run.settings.nav_share:
                person.nav_until = run.nav_until(day)
        length = person.remaining if person.remaining is not None else run.followup()
        person.ends, person.remaining = min(day + length, person.nav_until), None
        person.spans.append([day, person.ends])


def _can_mentor(mentor: Mentor, policy: Policy) -> bool:
    """Rule 2 for one mentor: active, trained and recovered long enough. Only such
    mentors count as places, and successors are modelled on them."""
    return mentor.active and mentor.trained and mentor.recovery_years >= policy.min_recovery_years


def _eligible_places(run: _Run) -> tuple[int, int]:
    """Mentors who may take participants now, and their places."""
    scenario = run.scenario
    eligible = [m.model for m in run.mentors.values() if _can_mentor(m.model, scenario.policy)]
    return len(eligible), sum(scenario.mentor_capacity(m) for m in eligible)


def run_one(scenario: Scenario, settings: Settings, run_index: int) -> RunResult:
    """One simulated period, from the scenario's round to `months` later."""
    rng = np.random.default_rng([settings.seed, run_index])
    run = _start(scenario, settings, rng)
    horizon = settings.months * DAYS_PER_MONTH
    step = 7.0 * settings.round_weeks
    days = np.arange(0.0, horizon, step).tolist()
    series: dict[str, list[int]] = {"active": [], "waiting": [], "mentors": [], "places": []}
    conflicts = 0
    counted = {pid for pid, p in run.people.items() if p.status == "waiting"}
    for k, day in enumerate(days):
        first = k == 0
        if not first:
            _advance(run, days[k - 1], day)
        built, solution, dropped = _solve(run, _round_scenario(run, day, first))
        conflicts += dropped
        _apply(run, built, solution, day, first)
        statuses = [p.status for p in run.people.values()]
        series["active"].append(statuses.count("active"))
        series["waiting"].append(statuses.count("waiting"))
        n_mentors, places = _eligible_places(run)
        series["mentors"].append(n_mentors)
        series["places"].append(places)
    counted |= {pid for pid in run.people if pid.startswith(PERSON_PREFIX)}
    return _collect(run, counted, series, conflicts)


def _collect(
    run: _Run, counted: set[str], series: dict[str, list[int]], conflicts: int
) -> RunResult:
    k = len(run.scenario.municipality_list())
    people = [run.people[pid] for pid in sorted(counted)]
    paired = [p for p in people if p.first_pair is not None]

    def per_muni(group: list[_Person]) -> IntArray:
        return np.bincount([p.muni for p in group], minlength=k).astype(np.int64)

    return RunResult(
        wait_muni=np.array([p.muni for p in paired], dtype=np.int64),
        wait_days=np.array([(p.first_pair or 0.0) - p.referred for p in paired], dtype=np.float64),
        referred=per_muni(people),
        paired=per_muni(paired),
        left=per_muni([p for p in people if p.status == "left"]),
        waiting_end=per_muni([p for p in people if p.status == "waiting"]),
        active=np.array(series["active"], dtype=np.int64),
        waiting=np.array(series["waiting"], dtype=np.int64),
        mentors=np.array(series["mentors"], dtype=np.int64),
        places=np.array(series["places"], dtype=np.int64),
        conflicts=conflicts,
        yearly=_yearly(run, k),
    )


def _yearly(run: _Run, k: int) -> IntArray:
    """Per year of the run (the last one possibly shorter): participants followed, pairs
    begun and pairs ended, per municipality, as a coordinator reports them each year."""
    horizon = run.settings.months * DAYS_PER_MONTH
    years = math.ceil(run.settings.months / 12)
    out = np.zeros((years, 3, k), dtype=np.int64)
    for person in run.people.values():
        for y in range(years):
            lo, hi = y * DAYS_PER_YEAR, min((y + 1) * DAYS_PER_YEAR, horizon)
            spans = [(s, e) for s, e in person.spans if s < hi and e > lo]
            out[y, 0, person.muni] += bool(spans)
            out[y, 1, person.muni] += sum(lo <= s for s, _ in spans)
            out[y, 2, person.muni] += sum(e < hi for _, e in spans)
    return out
