"""Loading scenario files and checking everything a record cannot check on its own.

All problems are collected and reported together; messages name the key path and
never echo attribute values (drug history, goals, age), only ids and key names.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from matcher.errors import Problem, ScenarioError
from matcher.scenario import MAX_ID, Scenario, allowed_keys
from matcher.vocabulary import CATEGORIES, CLOSED

MAX_FILE_BYTES = 20 * 1024 * 1024
#: Values that aliases (`*name`) may add to a YAML document, in total.
MAX_ALIAS_VALUES = 100_000
#: Levels of nested mappings and lists (a scenario needs five).
MAX_DEPTH = 32
_NAME = re.compile(r"[^\W\d][\w .\-]{0,63}")  # a key as people type one, in any script
_MAPPING = re.compile(r"valid dictionary or instance of \w+")
_TUPLE = "input should be a valid tuple"

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
                if isinstance(node, dict) and isinstance(node.get("id"), str) and (
                        len(node["id"]) <= MAX_ID):
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
            message = f"unknown key '{_key_name(key)}'" + _allowed(str(key), loc)
        elif kind == "missing":
            key = loc.pop() if loc else "?"
            message = f"missing required key '{key}'"
        else:
            text = item["msg"].removeprefix("Value error, ")
            message = _MAPPING.sub("mapping of keys (key: value)", text[0].lower() + text[1:])
            if message == _TUPLE:
                message = "expected a pair [participant, mentor]"
        # Pydantic adds the tuple index of lock pairs and function names to locs.
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        problems.append(Problem(format_loc(loc, data), message))
    return problems


def _allowed(key: str, loc: Sequence[int | str]) -> str:
    """`; did you mean 'consent'? allowed: id, gender, ...` for an unknown key."""
    keys = allowed_keys([p for p in loc if not (isinstance(p, str) and "-" in p)])
    if not keys:
        return ""
    close = difflib.get_close_matches(key.lower(), keys, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ";"
    return f"{hint} allowed: {', '.join(keys)}"


def _duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


@dataclass(frozen=True)
class _Partial:
    """A scenario built from the records that have a valid shape: where each kept record
    was in the file, the ids of the records left out, and whether the vocabulary was."""

    positions: dict[str, list[int]] = field(default_factory=dict)
    absent: dict[str, set[str]] = field(default_factory=dict)
    vocabulary: bool = True
    #: kinds with a left-out record without an id: references to them are not checked
    open_kinds: set[str] = field(default_factory=set)

    def at(self, kind: str, index: int) -> int:
        kept = self.positions.get(kind)
        return index if kept is None else kept[index]


def check_scenario(scenario: Scenario, partial: _Partial | None = None) -> list[Problem]:
    """Vocabularies, duplicate ids and cross-references (of a partial scenario: without
    complaints about what was left out)."""
    part_of = partial or _Partial()
    at = part_of.at
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

    for kind, fields in _PEOPLE_FIELDS.items() if part_of.vocabulary else ():
        people = getattr(scenario, kind)
        for i, person in enumerate(people):
            for name in fields:
                for j, value in enumerate(getattr(person, name)):
                    if value not in allowed[name]:
                        add(Problem(
                            f"{kind}[{at(kind, i)}] ({person.id}).{name}[{j}]",
                            f"unknown value; allowed: {', '.join(sorted(allowed[name]))}"
                            " (extend under vocabulary:)",
                        ))

    municipalities = scenario.municipality_list()
    for dup in _duplicates(m.id for m in municipalities):
        add(Problem("municipalities", f"duplicate id '{dup}'"))
    for dup in _duplicates(m.id for m in scenario.mentors):
        add(Problem("mentors", f"duplicate id '{dup}'"))
    for dup in _duplicates(p.id for p in scenario.participants):
        add(Problem("participants", f"duplicate id '{dup}'"))

    known_muni = {m.id for m in municipalities} | part_of.absent.get("municipalities", set())
    mentor_ids = {m.id for m in scenario.mentors} | part_of.absent.get("mentors", set())
    participants = {p.id: p for p in scenario.participants}
    participant_ids = set(participants) | part_of.absent.get("participants", set())

    # A reference in a person's record is one of their attributes (where they live,
    # whom they know): name the key, never the value. Pairs and locks name ids only.
    declared = ", ".join(sorted(known_muni)) or "none (municipalities: is empty)"

    def muni(path: str, value: str) -> None:
        if value not in known_muni and "municipalities" not in part_of.open_kinds:
            add(Problem(path, f"unknown municipality; declared: {declared}"))

    def ref(path: str, kind: str, value: str, known: Iterable[str], echo: bool = True) -> None:
        if value not in known and f"{kind}s" not in part_of.open_kinds:
            shown = f"'{_key_name(value)}'" if echo else f"(no {kind} has this id)"
            add(Problem(path, f"unknown {kind} {shown}"))

    for i, mentor in enumerate(scenario.mentors):
        where = f"mentors[{at('mentors', i)}] ({mentor.id})"
        muni(f"{where}.municipality", mentor.municipality)
        for j, served in enumerate(mentor.serves or []):
            muni(f"{where}.serves[{j}]", served)
    for i, person in enumerate(scenario.participants):
        where = f"participants[{at('participants', i)}] ({person.id})"
        muni(f"{where}.municipality", person.municipality)
        for j, mid in enumerate(person.exclude_mentors):
            ref(f"{where}.exclude_mentors[{j}]", "mentor", mid, mentor_ids, echo=False)

    paired: Counter[str] = Counter()
    for i, pair in enumerate(scenario.pairs):
        path = f"pairs[{at('pairs', i)}]"
        ref(f"{path}.participant", "participant", pair.participant, participant_ids)
        if pair.participant in participants and not participants[pair.participant].consent \
                and not pair.release:
            add(Problem(path, f"participant '{pair.participant}' has consent: false; "
                              "an active pair needs recorded consent (or release: true)"))
        ref(f"{path}.mentor", "mentor", pair.mentor, mentor_ids)
        paired[pair.participant] += 1
    for pid in sorted(p for p, n in paired.items() if n > 1 and p in participants):
        add(Problem("pairs", f"participant '{pid}' appears in more than one pair"))

    for kind in ("require", "forbid"):
        for i, (pid, mid) in enumerate(getattr(scenario.locks, kind)):
            path = f"locks.{kind}[{at(f'locks.{kind}', i)}]"
            ref(path, "participant", pid, participant_ids)
            ref(path, "mentor", mid, mentor_ids)
    return problems


_RECORDS = ("municipalities", "mentors", "participants", "pairs")


def _partial_problems(error: ValidationError, data: dict[str, Any]) -> list[Problem]:
    """The cross-record problems among the records that do have a valid shape, so that a
    wrong type and a dangling reference elsewhere are reported in one go. Records with a
    shape error are left out (their ids still count as known); a section with one is
    left at its default."""
    bad: dict[str, set[int]] = {}
    drop: set[str] = set()
    for item in error.errors(include_input=False, include_url=False):
        loc = item["loc"]
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
    partial = _Partial(vocabulary="vocabulary" not in drop)
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
        ids = [r.get("id") if isinstance(r, dict) else None
               for i, r in enumerate(records) if i in indices]
        partial.absent[kind] = {i for i in ids if isinstance(i, str)}
        if not all(isinstance(i, str) for i in ids):
            partial.open_kinds.add(kind)
    try:
        scenario = Scenario.model_validate(rest)
    except ValidationError:
        return []
    return check_scenario(scenario, partial)


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
        problems = _pydantic_problems(error, data) + _partial_problems(error, data)
        raise ScenarioError(problems, source) from None
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(problems, source)
    return scenario


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
#: The only tags a scenario needs; anything else (objects, sets, binary) is refused.
_ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("null", "bool", "int", "float", "str", "seq", "map", "merge")
)


class RefusedError(yaml.YAMLError):
    """A YAML document refused before construction (a tag, an alias bomb, deep nesting)."""

    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem_mark = mark


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def _refuse_tag(node: yaml.Node) -> None:
    if node.tag not in _ALLOWED_TAGS:
        raise RefusedError(
            f"tag '{_tag_name(node.tag)}' is not allowed; a scenario holds plain values, "
            "lists and mappings (no object, set or binary tags)",
            node.start_mark,
        )


def _tag_name(tag: str) -> str:
    shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
    return shown if len(shown) <= 60 else shown[:57] + "..."


def check_nodes(root: yaml.Node) -> None:
    """Refuse what must never reach the constructor or the models: tags other than the
    plain ones, recursive aliases, nesting deeper than `MAX_DEPTH`, and aliases that
    expand the document by more than `MAX_ALIAS_VALUES` values. PyYAML shares an aliased
    node, but validation walks every copy, so a few-kB "billion laughs" would otherwise
    take hours; this walk is linear in the size of the file."""
    _refuse_tag(root)
    if isinstance(root, yaml.ScalarNode):
        return
    expanded: dict[int, int] = {}  # mapping or list -> values it stands for, expanded
    written = 0  # values as written in the file
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            expanded[key] = 1 + sum(expanded.get(id(child), 1) for child in _children(node))
            continue
        if key in expanded:
            continue
        if key in open_nodes:
            raise RefusedError("an alias refers to a mapping or list that contains it",
                               node.start_mark)
        if depth > MAX_DEPTH:
            raise RefusedError(f"nesting is deeper than {MAX_DEPTH} levels", node.start_mark)
        written += 1
        open_nodes.add(key)
        stack.append((node, depth, True))
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if key_node.tag not in (_CORE + "str", _CORE + "merge"):
                    raise RefusedError("a key must be a name (text)", key_node.start_mark)
        for child in _children(node):
            if isinstance(child, yaml.ScalarNode):
                _refuse_tag(child)
                written += 1
            elif id(child) not in expanded:
                _refuse_tag(child)
                stack.append((child, depth + 1, False))
    if expanded[id(root)] - written > MAX_ALIAS_VALUES:
        raise RefusedError(
            f"aliases (*name) expand the document by more than {MAX_ALIAS_VALUES} values; "
            "write the values out instead"
        )


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe YAML (no object tags, no alias bombs, see `check_nodes`) with YAML 1.2
    booleans, so `languages: [no]` stays 'no'; dates stay text for the model to parse (a
    bad date is then a clear error), and a key repeated in one mapping is an error rather
    than a silent overwrite."""

    def construct_document(self, node: yaml.Node) -> Any:
        check_nodes(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise RefusedError(f"key '{_key_name(key)}' appears twice in one mapping",
                                   key_node.start_mark)
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


class _JSONRefused(ValueError):
    """A JSON document refused while parsing (NaN, infinity, a repeated key)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JSONRefused(f"key '{_key_name(key)}' appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _JSONRefused(f"{name} is not a number a scenario can hold")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _JSONRefused("a number is too large")
    return value


def _json_depth(data: Any) -> int:
    depth, level = 0, [data]
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict)
                               else node if isinstance(node, list) else ())]
    return depth


def _parse(text: str, suffix: str) -> Any:
    """JSON or safe YAML; raises the parsers' errors, `RefusedError` or `_JSONRefused`."""
    if suffix != ".json":
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass, see check_nodes
    data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                      parse_float=_finite)
    if _json_depth(data) > MAX_DEPTH:
        raise _JSONRefused(f"nesting is deeper than {MAX_DEPTH} levels")
    return data


def read_document(path: Path) -> Any:
    """Parse a YAML or JSON file safely (no object tags, no alias bombs), with clear errors."""
    source = str(path)

    def refuse(message: str, where: str = "") -> ScenarioError:
        return ScenarioError([Problem(where, message)], source)

    if not path.exists():
        raise refuse("no such file")
    if path.is_dir():
        raise refuse("is a folder, expected a .yaml or .json file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise refuse(f"unsupported file type '{suffix}'; use .yaml, .yml or .json")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise refuse(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise refuse(f"cannot read file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM (as Windows editors write it) is fine
    except UnicodeDecodeError as error:
        raise refuse(f"not UTF-8 text (byte {error.start + 1} of the file); save it as "
                     "UTF-8") from None
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        return _parse(text, suffix)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise refuse(f"invalid JSON: {error.msg}", where) from None
    except _JSONRefused as error:
        raise refuse(f"invalid JSON: {error}") from None
    except RecursionError:
        raise refuse(f"nesting is deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if isinstance(error, RefusedError):
            raise refuse(f"refused: {error.message}", where) from None
        what = getattr(error, "problem", None) or "not valid YAML"
        raise refuse(f"invalid YAML: {what}", where) from None
    except ValueError:  # int() of a number with thousands of digits
        raise refuse(f"invalid {kind}: a number is too long") from None


def _key_name(key: object) -> str:
    """A key as it may appear in a message: a short name, else a placeholder (a key that
    does not look like a name may be a value typed in the wrong place)."""
    text = str(key)
    return text if _NAME.fullmatch(text) else "(not a name)"


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
