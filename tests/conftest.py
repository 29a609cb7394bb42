"""Shared fixtures: builders for small hand-made scenarios and the example scenario paths.

The builders return plain dicts (the parsed form of a scenario file) so that a test can
change any key before handing the dict to `matcher.validate`. Defaults are chosen so
that every default mentor is eligible for every default participant: same gender
(female), 5 years apart, serving every municipality, five years in recovery.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import matcher
from matcher.explain.result import Result
from matcher.text.language import set_language

Data = dict[str, Any]

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
#: The example scenarios by short name (the Stavanger file in scenarios/ is a symlink
#: to the bundled matcher/data copy).
EXAMPLE_PATHS: dict[str, Path] = {
    "stavanger-sola-sandnes": ROOT / "matcher" / "data" / "stavanger-sola-sandnes.yaml",
    "grenland": SCENARIOS / "grenland.yaml",
    "loland": SCENARIOS / "loland.yaml",
}
ROUND_DATE = "2026-11-20"


def mentor(mentor_id: str = "M1", **fields: Any) -> Data:
    """An eligible female mentor of 40 in `north` who serves every municipality."""
    data: Data = {
        "id": mentor_id,
        "gender": "female",
        "age": 40,
        "municipality": "north",
        "recovery_years": 5,
    }
    data.update(fields)
    return data


def participant(participant_id: str = "P1", **fields: Any) -> Data:
    """A consenting female participant of 35 in `north`, referred on the round's date."""
    data: Data = {
        "id": participant_id,
        "gender": "female",
        "age": 35,
        "municipality": "north",
        "consent": True,
    }
    data.update(fields)
    return data


def scenario(
    mentors: list[Data] | None = None,
    participants: list[Data] | None = None,
    **top: Any,
) -> Data:
    """A scenario with two partner municipalities (`north`, `south`) and the given people;
    any other top-level key (program, policy, pairs, locks, municipalities, ...) via `top`."""
    data: Data = {
        "name": "test round",
        "date": ROUND_DATE,
        "municipalities": [
            {"id": "north", "name": "North", "partner": True},
            {"id": "south", "name": "South", "partner": True},
        ],
        "mentors": [mentor()] if mentors is None else mentors,
        "participants": [participant()] if participants is None else participants,
    }
    data.update(top)
    return data


def minimal_scenario() -> Data:
    """A small valid scenario touching most keys: 2 municipalities, 3 mentors,
    4 participants, one active pair and one lock of each kind."""
    return {
        "name": "minimal",
        "date": ROUND_DATE,
        "program": {"capacity": 10, "mentor_capacity": 2, "position_per_participant": 0.1},
        "municipalities": [
            {"id": "north", "name": "North", "partner": True, "min": 1},
            {"id": "south", "name": "South", "partner": False},
        ],
        "policy": {
            "objective": ["coverage", "fairness", "priority", "quality"],
            "fairness": "quotas",
            "same_gender": "required",
            "min_recovery_years": 2,
            "weights": {"age": 1, "substances": 1, "interests": 1, "goals": 1, "availability": 1},
        },
        "mentors": [
            mentor(
                "M1",
                substances=["alcohol"],
                interests=["hiking"],
                strengths=["work"],
                availability=["evenings"],
                languages=["no"],
            ),
            mentor(
                "M2",
                gender="male",
                age=50,
                municipality="south",
                serves=["south", "north"],
                substances=["opioids"],
                interests=["fishing"],
                strengths=["housing"],
                availability=["daytime"],
                languages=["no"],
            ),
            mentor("M3", gender="male", age=45, capacity=1),
        ],
        "participants": [
            participant(
                "P1",
                substances=["alcohol"],
                interests=["hiking"],
                goals=["work"],
                availability=["evenings"],
                languages=["no"],
                referred="2026-09-01",
                prefers={"mentor_gender": "same"},
            ),
            participant(
                "P2",
                gender="male",
                age=48,
                municipality="south",
                substances=["opioids"],
                interests=["hunting"],
                goals=["housing"],
                exclude_mentors=["M3"],
            ),
            participant("P3", gender="male", age=44, priority=["urgent"]),
            participant("P4", consent=False),
        ],
        "pairs": [{"participant": "P3", "mentor": "M3", "since": "2026-01-10"}],
        "locks": {"require": [["P1", "M1"]], "forbid": [["P2", "M1"]]},
    }


def solve_data(data: Data, **options: Any) -> Result:
    """Validate a scenario dict and solve it with the exact CP-SAT back-end."""
    return matcher.solve(matcher.validate(copy.deepcopy(data)), solver="cpsat", **options)


@pytest.fixture
def scenario_dict() -> Data:
    """A fresh minimal valid scenario dict that a test may modify."""
    return minimal_scenario()


@pytest.fixture
def make_mentor() -> Callable[..., Data]:
    """The `mentor` builder, for tests that take their builders as fixtures."""
    return mentor


@pytest.fixture
def make_participant() -> Callable[..., Data]:
    """The `participant` builder, for tests that take their builders as fixtures."""
    return participant


@pytest.fixture
def make_scenario() -> Callable[..., Data]:
    """The `scenario` builder, for tests that take their builders as fixtures."""
    return scenario


@pytest.fixture
def run() -> Callable[[Data], Result]:
    """Validate and solve a scenario dict (CP-SAT)."""
    return solve_data


@pytest.fixture
def example_paths() -> dict[str, Path]:
    """A copy of `EXAMPLE_PATHS` that a test may modify."""
    return dict(EXAMPLE_PATHS)


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts in English, whatever the machine's LANG and whatever language an
    earlier test's `--lang` left in this thread."""
    monkeypatch.delenv("LIKEMATCH_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    set_language("en")
