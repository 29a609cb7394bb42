"""What a year looks like: the summary of many simulated runs (`matcher.planning.runs`),
per municipality, per round and per year, with the assumptions it rests on.

The same seed gives the same summary under any executor: each run draws from its own
generator, and runs are summarised in order.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from pydantic import BaseModel, ConfigDict

from matcher.model.scenario import Scenario
from matcher.planning.executor import Executor, InProcess, Progress
from matcher.planning.runs import (
    DAYS_PER_MONTH,
    IntArray,
    RunResult,
    Settings,
    referral_rates,
    run_one,
)

__all__ = ["RunResult", "Settings", "referral_rates", "run_one", "simulate", "summarise"]


class MunicipalitySummary(BaseModel):
    """One municipality (or all, as `total`) over the period, in means per run;
    waits are days from referral to a first mentor, of those who got one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    referred: float  # per run: waiting at the start or referred during the period
    paired: float  # per run
    served_share: float
    wait_median_days: float | None  # referral to first pairing, of those paired
    wait_p90_days: float | None
    left_waiting_list: float  # per run
    waiting_at_end: float  # per run


class RoundSummary(BaseModel):
    """The programme right after one round, in means over runs; day 0 is the
    scenario's own round."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: int
    month: float
    active: float  # mean over runs
    waiting: float
    waiting_p90: float
    mentors: float
    utilisation: float  # active pairs / places of eligible mentors
    posts: float  # active pairs x position_per_participant


class YearCounts(BaseModel):
    """A year's counts as a coordinator reports them, in means per run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    followed: float  # participants with a mentor at some time in the year
    new: float  # pairs begun in the year
    ended: float  # pairs ended in the year (finished, dropped, NAV not renewed, ...)


class YearSummary(BaseModel):
    """One year of the period (the last one possibly shorter), per municipality."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int  # 1 = the first twelve months from the scenario's round
    municipalities: dict[str, YearCounts]
    total: YearCounts


class Simulation(BaseModel):
    """The `simulate` command's answer, with the settings and referral rates it
    assumed, so that a summary is never read apart from its assumptions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    settings: dict[str, object]
    referral_rates: dict[str, float]  # per month
    municipalities: dict[str, MunicipalitySummary]
    total: MunicipalitySummary
    rounds: list[RoundSummary]
    years: list[YearSummary]
    conflicting_rounds: int


def _muni_summary(runs: list[RunResult], g: int | None) -> MunicipalitySummary:
    def pick(values: IntArray) -> int:
        return int(values.sum() if g is None else values[g])

    n = len(runs)
    waits = (
        np.concatenate([r.wait_days if g is None else r.wait_days[r.wait_muni == g] for r in runs])
        if runs
        else np.zeros(0)
    )
    referred = sum(pick(r.referred) for r in runs)
    paired = sum(pick(r.paired) for r in runs)
    return MunicipalitySummary(
        referred=round(referred / n, 2),
        paired=round(paired / n, 2),
        served_share=round(paired / referred, 4) if referred else 0.0,
        wait_median_days=round(float(np.median(waits)), 1) if len(waits) else None,
        wait_p90_days=round(float(np.percentile(waits, 90)), 1) if len(waits) else None,
        left_waiting_list=round(sum(pick(r.left) for r in runs) / n, 2),
        waiting_at_end=round(sum(pick(r.waiting_end) for r in runs) / n, 2),
    )


def summarise(scenario: Scenario, settings: Settings, runs: list[RunResult]) -> Simulation:
    """Means over runs, per municipality and per round (`waiting_p90` is the 90th
    percentile across runs); `referrals` is left out of the settings echoed,
    as `referral_rates` holds every rate used."""
    active = np.stack([r.active for r in runs]).astype(np.float64)
    waiting = np.stack([r.waiting for r in runs]).astype(np.float64)
    places = np.stack([r.places for r in runs]).astype(np.float64)
    mentors = np.stack([r.mentors for r in runs]).astype(np.float64)
    use = np.divide(active, places, out=np.zeros_like(active), where=places > 0)
    step = 7 * settings.round_weeks
    rounds = [
        RoundSummary(
            day=k * step,
            month=round(k * step / DAYS_PER_MONTH, 2),
            active=round(float(active[:, k].mean()), 2),
            waiting=round(float(waiting[:, k].mean()), 2),
            waiting_p90=round(float(np.percentile(waiting[:, k], 90)), 1),
            mentors=round(float(mentors[:, k].mean()), 2),
            utilisation=round(float(use[:, k].mean()), 4),
            posts=scenario.program.posts(float(active[:, k].mean()), decimals=3),
        )
        for k in range(active.shape[1])
    ]
    munis = scenario.municipality_list()
    return Simulation(
        scenario=scenario.name,
        settings={
            k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(settings).items()
            if k != "referrals"
        },
        referral_rates={
            k: round(v, 3) for k, v in referral_rates(scenario, settings.referrals).items()
        },
        municipalities={m.id: _muni_summary(runs, g) for g, m in enumerate(munis)},
        total=_muni_summary(runs, None),
        rounds=rounds,
        years=_years(runs, [m.id for m in munis]),
        conflicting_rounds=sum(r.conflicts for r in runs),
    )


def _years(runs: list[RunResult], names: list[str]) -> list[YearSummary]:
    """Mean counts per year, per municipality and in total."""
    yearly = np.stack([r.yearly for r in runs]).astype(np.float64).mean(axis=0)

    def counts(values: np.ndarray) -> YearCounts:
        followed, new, ended = (round(float(v), 2) for v in values)
        return YearCounts(followed=followed, new=new, ended=ended)

    return [
        YearSummary(
            year=y + 1,
            municipalities={n: counts(yearly[y, :, g]) for g, n in enumerate(names)},
            total=counts(yearly[y].sum(axis=1)),
        )
        for y in range(yearly.shape[0])
    ]


def simulate(
    scenario: Scenario,
    settings: Settings,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Simulation:
    """`settings.runs` independent runs, summarised; identical under every executor."""
    if settings.runs < 1 or settings.months < 1 or settings.round_weeks < 1:
        raise ValueError("runs, months and round_weeks must be at least 1")
    job = functools.partial(run_one, scenario, settings)
    runs = (executor or InProcess()).map(job, list(range(settings.runs)), progress)
    return summarise(scenario, settings, runs)
