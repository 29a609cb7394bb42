"""The coordinator's decisions for a re-run: lock, forbid and release pairs, or change
the fairness mode, applied to a scenario with the same validation as a file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from matcher.errors import Problem, ScenarioError
from matcher.scenario import Fairness, Scenario
from matcher.validation import check_scenario


def parse_pair(option: str, text: str) -> tuple[str, str]:
    """`P01=M01` -> ('P01', 'M01')."""
    participant, sep, mentor = text.partition("=")
    if not sep or not participant.strip() or not mentor.strip():
        raise ScenarioError([Problem(option, f"expected PARTICIPANT=MENTOR, got '{text}'")])
    return participant.strip(), mentor.strip()


def apply_controls(
    scenario: Scenario,
    lock: Sequence[tuple[str, str]] = (),
    forbid: Sequence[tuple[str, str]] = (),
    release: Sequence[str] = (),
    fairness: Fairness | None = None,
) -> Scenario:
    """The scenario with the coordinator's decisions added; unknown ids are errors."""
    problems: list[Problem] = []
    participants = {p.id for p in scenario.participants}
    mentors = {m.id for m in scenario.mentors}
    for option, pairs in (("--lock", lock), ("--forbid", forbid)):
        for pid, mid in pairs:
            if pid not in participants:
                problems.append(Problem(option, f"unknown participant '{pid}'"))
            if mid not in mentors:
                problems.append(Problem(option, f"unknown mentor '{mid}'"))
    active = {p.participant for p in scenario.pairs if not p.release}
    for pid in release:
        if pid not in active:
            problems.append(Problem("--release", f"participant '{pid}' has no active pair"))
    if problems:
        raise ScenarioError(problems)
    locks = scenario.locks.model_copy(update={
        "require": [*scenario.locks.require, *lock],
        "forbid": [*scenario.locks.forbid, *forbid],
    })
    active_pairs = [
        p.model_copy(update={"release": True}) if p.participant in release else p
        for p in scenario.pairs
    ]
    update: dict[str, object] = {"locks": locks, "pairs": active_pairs}
    if fairness is not None:
        update["policy"] = scenario.policy.model_copy(update={"fairness": fairness})
    changed = scenario.model_copy(update=update)
    problems = check_scenario(changed)
    if problems:
        raise ScenarioError(problems)
    return changed


class PreviousError(ValueError):
    """The `--previous` file is not the JSON result of an earlier run."""


def load_previous(path: Path) -> list[tuple[str, str]]:
    """The new pairs of an earlier `likematch solve --format json` result; only they matter
    for stability (its kept active pairs are constants of the round anyway)."""
    where = f"--previous {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PreviousError(f"{where}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PreviousError(f"{where}: cannot read the file ({type(error).__name__})") from None
    except json.JSONDecodeError as error:
        raise PreviousError(f"{where}: not valid JSON (line {error.lineno}, column "
                            f"{error.colno})") from None
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        raise PreviousError(f"{where}: expected the JSON result of likematch solve (an object "
                            "with a 'pairs' list)")
    out = []
    for i, pair in enumerate(pairs):
        ok = isinstance(pair, dict) and all(
            isinstance(pair.get(k), str) for k in ("participant", "mentor")
        ) and isinstance(pair.get("existing", False), bool)
        if not ok:
            raise PreviousError(f"{where}: pairs[{i}]: expected participant and mentor ids "
                                "and existing true/false")
        if not pair.get("existing", False):
            out.append((pair["participant"], pair["mentor"]))
    return out
