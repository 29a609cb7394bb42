"""Loading scenario files and checking everything a record cannot check on its own.

All problems are collected and reported together; messages name the key path and
never echo attribute values (drug history, goals, age), only ids and key names.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from matcher.errors import Problem, ScenarioError
from matcher.scenario import Scenario
from matcher.vocabulary import CATEGORIES, CLOSED

MAX_FILE_BYTES = 20 * 1024 * 1024

_PEOPLE_FIELDS = {
    "mentors": ("substances", "strengths", "availability"),
    "participants": ("substances", "goals", "availability", "priority"),
}


def format_loc(loc: Sequence[int | str], data: Any = None) -> str:
    """`('participants', 3, 'age')` -> `participants[3] (P04).age`."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    out += f" ({node['id']})"
            else:
                node = None
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _pydantic_problems(error: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        loc = list(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            key = loc.pop() if loc else "?"
            message = f"unknown key '{key}'"
        elif kind == "missing":
            key = loc.pop() if loc else "?"
            message = f"missing required key '{key}'"
        else:
            message = item["msg"][0].lower() + item["msg"][1:]
        # Pydantic adds the tuple index of lock pairs and function names to locs.
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        problems.append(Problem(format_loc(loc, data), message))
    return problems


def _duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Vocabularies, duplicate ids and cross-references."""
    problems: list[Problem] = []
    add = problems.append
    extra = scenario.vocabulary
    allowed = {
        name: set(values) | set(getattr(extra, name)) for name, values in CLOSED.items()
    }
    for tag, category in extra.interests.items():
        if category is not None and category not in CATEGORIES:
            add(Problem(f"vocabulary.interests.{tag}",
                        f"unknown category; allowed: {', '.join(CATEGORIES)}"))

    for kind, fields in _PEOPLE_FIELDS.items():
        people = getattr(scenario, kind)
        for i, person in enumerate(people):
            for field in fields:
                for j, value in enumerate(getattr(person, field)):
                    if value not in allowed[field]:
                        add(Problem(
                            f"{kind}[{i}] ({person.id}).{field}[{j}]",
                            f"unknown value; allowed: {', '.join(sorted(allowed[field]))}"
                            " (extend under vocabulary:)",
                        ))

    municipalities = scenario.municipality_list()
    for dup in _duplicates(m.id for m in municipalities):
        add(Problem("municipalities", f"duplicate id '{dup}'"))
    for dup in _duplicates(m.id for m in scenario.mentors):
        add(Problem("mentors", f"duplicate id '{dup}'"))
    for dup in _duplicates(p.id for p in scenario.participants):
        add(Problem("participants", f"duplicate id '{dup}'"))

    known_muni = {m.id for m in municipalities}
    mentor_ids = {m.id for m in scenario.mentors}
    participants = {p.id: p for p in scenario.participants}

    def muni(path: str, value: str) -> None:
        if value not in known_muni:
            add(Problem(path, f"unknown municipality '{value}'"))

    for i, mentor in enumerate(scenario.mentors):
        muni(f"mentors[{i}] ({mentor.id}).municipality", mentor.municipality)
        for j, served in enumerate(mentor.serves or []):
            muni(f"mentors[{i}] ({mentor.id}).serves[{j}]", served)
    for i, part in enumerate(scenario.participants):
        muni(f"participants[{i}] ({part.id}).municipality", part.municipality)
        for j, mid in enumerate(part.exclude_mentors):
            if mid not in mentor_ids:
                add(Problem(f"participants[{i}] ({part.id}).exclude_mentors[{j}]",
                            f"unknown mentor '{mid}'"))

    paired: Counter[str] = Counter()
    for i, pair in enumerate(scenario.pairs):
        path = f"pairs[{i}]"
        if pair.participant not in participants:
            add(Problem(f"{path}.participant", f"unknown participant '{pair.participant}'"))
        elif not participants[pair.participant].consent and not pair.release:
            add(Problem(path, f"participant '{pair.participant}' has consent: false; "
                              "an active pair needs recorded consent (or release: true)"))
        if pair.mentor not in mentor_ids:
            add(Problem(f"{path}.mentor", f"unknown mentor '{pair.mentor}'"))
        paired[pair.participant] += 1
    for pid in sorted(p for p, n in paired.items() if n > 1):
        add(Problem("pairs", f"participant '{pid}' appears in more than one pair"))

    for kind in ("require", "forbid"):
        for i, (pid, mid) in enumerate(getattr(scenario.locks, kind)):
            if pid not in participants:
                add(Problem(f"locks.{kind}[{i}]", f"unknown participant '{pid}'"))
            if mid not in mentor_ids:
                add(Problem(f"locks.{kind}[{i}]", f"unknown mentor '{mid}'"))
    return problems


def validate(data: Any, source: str = "") -> Scenario:
    """Build a scenario from parsed data, or raise `ScenarioError` with every problem."""
    if data is None:
        raise ScenarioError([Problem("", "the file is empty")], source)
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem("", "the top level must be a mapping of keys (name, mentors, ...)")],
            source,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_pydantic_problems(error, data), source) from None
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(problems, source)
    return scenario


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
_PLAIN_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe YAML (no object tags) with YAML 1.2 booleans, so `languages: [no]` stays
    'no'; dates stay text for the model to parse (a bad date is then a clear error),
    and a key repeated in one mapping is an error rather than a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _PLAIN_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key '{key}' appears twice in one object")
        out[key] = value
    return out


def read_document(path: Path) -> Any:
    """Parse a YAML or JSON file safely (no object tags), with clear errors."""
    source = str(path)
    if not path.exists():
        raise ScenarioError([Problem("", "no such file")], source)
    if path.is_dir():
        raise ScenarioError([Problem("", "is a folder, expected a .yaml or .json file")], source)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise ScenarioError(
            [Problem("", f"unsupported file type '{suffix}'; use .yaml, .yml or .json")], source
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            [Problem("", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")], source
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([Problem("", f"cannot read file: {error}")], source) from None
    try:
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=_unique_keys)
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise ScenarioError([Problem(where, f"invalid JSON: {error.msg}")], source) from None
    except ValueError as error:  # a repeated JSON key
        raise ScenarioError([Problem("", f"invalid JSON: {error}")], source) from None
    except RecursionError:
        raise ScenarioError([Problem("", "nesting is too deep")], source) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(error, "problem", None) or "invalid YAML"
        raise ScenarioError([Problem(where, f"invalid YAML: {what}")], source) from None


_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls", ".ods")


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario: a YAML or JSON file, an .xlsx workbook or a folder
    of CSV files (see `matcher.spreadsheet` for the layout)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.exists() and suffix not in _DOCUMENT_SUFFIXES:
        if path.is_dir() or suffix in _SPREADSHEET_SUFFIXES:
            from matcher.spreadsheet import load_spreadsheet  # imports this module

            return load_spreadsheet(path)
        raise ScenarioError(
            [Problem("", f"unsupported file type '{suffix}'; use .yaml, .yml, .json, .xlsx "
                         "or a folder of CSV files")],
            str(path),
        )
    return validate(read_document(path), str(path))
