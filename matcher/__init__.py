"""likematch: pairs peer mentors with participants leaving treatment.

>>> import matcher
>>> result = matcher.solve(matcher.load(matcher.EXAMPLE))
>>> result.status
'optimal'
>>> with matcher.speaking("nb"):
...     result = matcher.solve(matcher.load(matcher.EXAMPLE))
>>> result.pairs[0].reasons[0]
'samme kjønn'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from matcher.engine import solve
from matcher.explain.result import Result
from matcher.io.load import load
from matcher.model.errors import Finding, ScenarioError
from matcher.model.scenario import Scenario
from matcher.model.validate import validate
from matcher.text.language import speaking

__version__ = "0.1.0"

#: The bundled example scenario (Stavanger, Sola and Sandnes).
EXAMPLE = Path(str(files("matcher") / "data" / "stavanger-sola-sandnes.yaml"))

__all__ = [
    "EXAMPLE",
    "Finding",
    "Result",
    "Scenario",
    "ScenarioError",
    "load",
    "solve",
    "speaking",
    "validate",
]
