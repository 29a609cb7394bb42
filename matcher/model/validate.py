"""From parsed data to a `Scenario`, or every problem at once.

All problems are collected and reported together; messages name the key path and
never echo attribute values (drug history, goals, age), only ids and key names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from matcher.model.checks import Partial, check_left_out, check_scenario
from matcher.model.errors import Finding, ScenarioError, key_name
from matcher.model.scenario import Scenario, allowed_keys
from matcher.model.wording import pydantic_message
from matcher.text.language import gettext as _

#: Levels of nested mappings and lists (a scenario needs five).
MAX_DEPTH = 32
_MAPPING = re.compile(r"valid dictionary or instance of \w+")
#: The Norwegian words a closed choice also takes, as its error message names them.
_NORWEGIAN_WORDS = {
    "gender": "kvinne, mann, annet",
    "mentor_gender": "samme, kvinne, mann, annet, uansett",
}


def _pydantic_problems(error: ValidationError, data: Any) -> list[Finding]:
    """Pydantic's errors as findings: key paths labelled with ids, messages without values."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        loc = list(item["loc"])
        kind = item["type"]
        missing = ""
        if kind == "extra_forbidden":
            key = loc.pop() if loc else "?"
            message = _("unknown key '{key}'").format(key=key_name(key)) + _allowed(str(key), loc)
        elif kind == "missing":
            missing = str(loc.pop()) if loc else "?"
            message = _("missing required key '{key}'").format(key=missing)
        else:
            text = item["msg"].removeprefix("Value error, ")
            text = pydantic_message(kind, text[0].lower() + text[1:], item.get("ctx"))
            message = _MAPPING.sub(_("mapping of keys (key: value)"), text)
            if kind == "tuple_type":
                message = _("expected a pair [participant, mentor]")
            if kind == "literal_error" and loc and loc[-1] in _NORWEGIAN_WORDS:
                words = _NORWEGIAN_WORDS[str(loc[-1])]
                message += " " + _("(or in Norwegian: {words})").format(words=words)
        # Pydantic adds the tuple index of lock pairs and function names to locs.
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        kind = "missing" if missing else ""
        problems.append(Finding.at(tuple(loc), message, data, kind=kind, key=missing))
    return problems


def _allowed(key: str, loc: Sequence[int | str]) -> str:
    """`; did you mean 'consent'? allowed: id, gender, ...` for an unknown key."""
    keys = allowed_keys([p for p in loc if not (isinstance(p, str) and "-" in p)])
    if not keys:
        return ""
    close = difflib.get_close_matches(key.lower(), keys, n=1)
    hint = "; " + _("did you mean '{key}'?").format(key=close[0]) if close else ";"
    return hint + " " + _("allowed: {keys}").format(keys=", ".join(keys))


_RECORDS = ("municipalities", "mentors", "participants", "pairs", "history")


def _partial_problems(error: ValidationError, data: dict[str, Any]) -> list[Finding]:
    """The cross-record problems among the records that do have a valid shape, so that a
    wrong type and a dangling reference elsewhere are reported in one go. Records with a
    shape error are left out (their ids still count as known); a section with one is
    left at its default."""
    bad: dict[str, set[int]] = {}
    drop: set[str] = set()
    faulty: set[tuple[str | int, ...]] = set()
    for item in error.errors(include_input=False, include_url=False):
        loc = item["loc"]
        faulty.add(tuple(loc[:3]))
        if loc and loc[0] in _RECORDS and len(loc) > 1 and isinstance(loc[1], int):
            bad.setdefault(str(loc[0]), set()).add(loc[1])
        elif loc[:1] == ("locks",) and len(loc) > 2 and isinstance(loc[2], int):
            bad.setdefault(f"locks.{loc[1]}", set()).add(loc[2])
        elif loc:
            drop.add(str(loc[0]))
        else:
            return []
    if drop & {"mentors", "participants"}:
        return []  # every reference to them would look dangling
    rest = {key: value for key, value in data.items() if key not in drop}
    partial = Partial(vocabulary="vocabulary" not in drop)
    for kind, indices in bad.items():
        if kind.split(".")[0] in drop:
            continue
        holder = rest
        if kind.startswith("locks."):
            if not isinstance(rest["locks"], dict):
                return []
            holder = rest["locks"] = dict(rest["locks"])
        key = kind.removeprefix("locks.")
        records = holder[key]
        if not isinstance(records, list):
            return []  # a tuple or set handed to `validate` by a caller: no second stage
        partial.positions[kind] = [i for i in range(len(records)) if i not in indices]
        holder[key] = [records[i] for i in partial.positions[kind]]
        ids = [
            r.get("id") if isinstance(r, dict) else None
            for i, r in enumerate(records)
            if i in indices
        ]
        partial.absent[kind] = {i for i in ids if isinstance(i, str)}
        if not all(isinstance(i, str) for i in ids):
            partial.open_kinds.add(kind)
    try:
        scenario = Scenario.model_validate(rest)
    except ValidationError:
        return []
    left_out = {kind: indices for kind, indices in bad.items() if kind not in drop}
    return check_scenario(scenario, partial) + check_left_out(scenario, data, left_out, faulty)


def nesting_depth(data: Any) -> int:
    """Levels of nested mappings and lists, counted without recursion and no further than
    one past `MAX_DEPTH`, so that a hostile document cannot exhaust the stack."""
    depth, level = 0, [data]
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        level = [
            child
            for node in level
            for child in (
                node.values()
                if isinstance(node, dict)
                else node
                if isinstance(node, list | tuple)
                else ()
            )
        ]
    return depth


def validate(data: Any, source: str = "") -> Scenario:
    """Build a scenario from parsed data, or raise `ScenarioError` with every problem."""
    if data is None:
        raise ScenarioError([Finding("", _("the file is empty"))], source)
    if nesting_depth(data) > MAX_DEPTH:
        deep = _("nesting is deeper than {levels} levels").format(levels=MAX_DEPTH)
        raise ScenarioError([Finding("", deep)], source)
    if not isinstance(data, dict):
        raise ScenarioError(
            [Finding("", _("the top level must be a mapping of keys (name, mentors, ...)"))],
            source,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = _pydantic_problems(error, data) + _partial_problems(error, data)
        raise ScenarioError(problems, source) from None
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(problems, source)
    return scenario
