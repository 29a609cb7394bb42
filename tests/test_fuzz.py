"""Fuzzing the loader and the command line with mutated example scenarios, random text
and random bytes: the only outcomes are a scenario or `ScenarioError` (library) and exit
codes 0, 2 or 3 (command line), never a traceback."""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.io.documents import read_document
from matcher.io.sheets.write import write_scenario
from matcher.model.scenario import Mentor, Participant, Scenario
from tests.conftest import EXAMPLE_PATHS

#: Examples per test; FUZZ_EXAMPLES=2000 for a longer hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

KEYS = sorted(
    {
        *Scenario.model_fields,
        *Mentor.model_fields,
        *Participant.model_fields,
        "capacity",
        "mentor_capacity",
        "fairness",
        "require",
        "forbid",
        "interests",
    }
)
PLAUSIBLE: list[Any] = [
    "alcohol",
    "female",
    "male",
    "any",
    "same",
    "2026-01-01",
    "2026-02-30",
    "M01",
    "P01",
    "stavanger",
    "sola",
    "young",
    "quotas",
    "maxmin",
    "",
    " ",
    "=1+1",
    "no",
    "yes",
    -1,
    0,
    1,
    2,
    3,
    16,
    200,
    10**20,
    0.5,
    -0.0,
    True,
    False,
    None,
    [],
    {},
]
scalars = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(KEYS),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@cache
def documents() -> tuple[Any, ...]:
    return tuple(read_document(path) for path in EXAMPLE_PATHS.values())


def _mutate_once(draw: st.DrawFn, doc: Any) -> Any:
    """Walk down to a random container and delete, replace or insert one entry there."""
    node = doc
    while True:
        keys: list[Any] = (
            list(node)
            if isinstance(node, dict)
            else list(range(len(node)))
            if isinstance(node, list)
            else []
        )
        if not keys:
            return doc
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.integers(0, 3)):
            node = child
            continue
        action = draw(st.sampled_from(["delete", "replace", "insert", "retype"]))
        if action == "delete":
            del node[key]
        elif action == "replace":
            node[key] = draw(values)
        elif action == "retype":
            node[key] = [child] if not isinstance(child, list) else {"x": child}
        elif isinstance(node, dict):
            node[draw(st.sampled_from(KEYS) | st.text(max_size=8))] = draw(values)
        else:
            node.insert(key, draw(values))
        return doc


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(documents())))
    for _ in range(draw(st.integers(1, 4))):
        doc = _mutate_once(draw, doc)
    return doc


def serialise(doc: Any, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False).encode()  # NaN/Infinity included
    return yaml.safe_dump(doc, allow_unicode=True).encode()


def check_cli(path: Path, tmp: Path) -> None:
    runner = CliRunner()
    out = tmp / "out.json"
    for args in (
        ["validate", str(path)],
        ["solve", str(path), "--format", "json", "--no-explain", "--out", str(out)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 2, 3), (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.exception,
        )
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert str(path) in result.output
            assert not out.exists()
        out.unlink(missing_ok=True)


def check_library(path: Path) -> None:
    try:
        matcher.load(path)
    except matcher.ScenarioError as error:
        assert error.problems
        assert all(isinstance(p.message, str) and p.message for p in error.problems)


@FUZZ
@given(doc=mutated_documents(), fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_scenarios(tmp_path: Path, doc: Any, fmt: str) -> None:
    path = tmp_path / f"s.{fmt}"
    path.write_bytes(serialise(doc, fmt))
    check_library(path)
    check_cli(path, tmp_path)


@FUZZ
@given(
    content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_random_bytes_and_text(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"s{suffix}"
    path.write_bytes(content)
    check_library(path)
    check_cli(path, tmp_path)


@FUZZ
@given(text=st.text(alphabet="{}[]:,-&*!?|>'\"#\n\t 0123456789abcnoyes.~", max_size=80))
def test_random_yaml_syntax(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    check_library(path)


@cache
def csv_tables(tmp: Path) -> dict[str, list[list[str]]]:
    folder = tmp / "example"
    write_scenario(matcher.load(EXAMPLE_PATHS["stavanger-sola-sandnes"]), folder)
    return {
        p.name: [line.split(",") for line in p.read_text("utf-8-sig").splitlines()]
        for p in sorted(folder.iterdir())
    }


@pytest.fixture(scope="module")
def example_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    return csv_tables(tmp_path_factory.mktemp("csv"))


@FUZZ
@given(data=st.data(), cell=st.text(max_size=12) | st.sampled_from(PLAUSIBLE).map(str))
def test_mutated_csv_folders(
    tmp_path: Path, example_tables: dict[str, list[list[str]]], data: st.DataObject, cell: str
) -> None:
    tables = copy.deepcopy(example_tables)
    name = data.draw(st.sampled_from(sorted(tables)))
    rows = tables[name]
    row = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.integers(0, len(rows[row])))
    rows[row][column : column + 1] = [cell.replace(",", ";").replace("\n", " ")]
    folder = tmp_path / "round"
    folder.mkdir(exist_ok=True)
    for file, lines in tables.items():
        (folder / file).write_text("\n".join(",".join(r) for r in lines) + "\n")
    check_library(folder)
    check_cli(folder, tmp_path)


@FUZZ
@given(doc=mutated_documents())
def test_validate_of_parsed_data(doc: Any) -> None:
    """The library entry point for data that is already parsed: a scenario or
    `ScenarioError`, whatever the shape."""
    try:
        matcher.validate(doc, "data")
    except matcher.ScenarioError as error:
        assert error.problems
        assert error.render().startswith("data: invalid scenario")
