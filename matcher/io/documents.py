"""Reading YAML and JSON documents safely: no object tags, no alias bombs, no deep
nesting, no NaN and no repeated keys, with errors that name the line and never a value."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml

from matcher.model.errors import Finding, ScenarioError, key_name
from matcher.model.validate import MAX_DEPTH, nesting_depth

MAX_FILE_BYTES = 20 * 1024 * 1024
#: Values that aliases (`*name`) may add to a YAML document, in total.
MAX_ALIAS_VALUES = 100_000

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
    shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
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
            raise RefusedError(
                "an alias refers to a mapping or list that contains it", node.start_mark
            )
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
                raise RefusedError(
                    f"key '{key_name(key)}' appears twice in one mapping", key_node.start_mark
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


class _JSONRefused(ValueError):
    """A JSON document refused while parsing (NaN, infinity, a repeated key)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JSONRefused(f"key '{key_name(key)}' appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _JSONRefused(f"{name} is not a number a scenario can hold")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _JSONRefused("a number is too large")
    return value


def _parse(text: str, suffix: str) -> Any:
    """JSON or safe YAML; raises the parsers' errors, `RefusedError` or `_JSONRefused`."""
    if suffix != ".json":
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass, see check_nodes
    data = json.loads(
        text, object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite
    )
    if nesting_depth(data) > MAX_DEPTH:
        raise _JSONRefused(f"nesting is deeper than {MAX_DEPTH} levels")
    return data


def read_document(path: Path, kind: str | None = None) -> Any:
    """Parse a YAML or JSON file safely (no object tags, no alias bombs), with clear errors.
    `kind` (".json" or ".yaml") reads the file as that kind whatever its name is, as
    `--previous` does: every document goes through these limits, not only scenarios."""
    source = str(path)

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Finding("", message)], source)

    if not path.exists():
        raise refuse("no such file")
    if path.is_dir():
        raise refuse("is a folder, expected a .yaml or .json file")
    suffix = kind or path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise refuse(f"unsupported file type '{suffix}'; use .yaml, .yml or .json")
    if path.stat().st_size > MAX_FILE_BYTES:  # before reading: the file may be huge
        raise refuse(_too_large())
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise refuse(f"cannot read file: {error.strerror or error}") from None
    return parse_document(raw, suffix, source)


def _too_large() -> str:
    return f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"


def parse_document(raw: bytes, suffix: str, source: str) -> Any:
    """Parse the bytes of a YAML or JSON document (JSON if `suffix` is ".json") with the
    limits and errors of `read_document`, which reads a file into this; an upload, which
    must never touch the disk, comes here straight from memory. Problems name `source`."""

    def refuse(message: str, where: str = "") -> ScenarioError:
        return ScenarioError([Finding(where, message)], source)

    if len(raw) > MAX_FILE_BYTES:
        raise refuse(_too_large())
    try:
        text = raw.decode("utf-8-sig")  # a BOM (as Windows editors write it) is fine
    except UnicodeDecodeError as error:
        raise refuse(
            f"not UTF-8 text (byte {error.start + 1} of the file); save it as UTF-8"
        ) from None
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
