"""Malformed scenario files through the command line: every one exits with 2, names the
file and the key (or the sheet, row and column), shows no traceback and writes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from matcher.cli.app import app
from tests.conftest import minimal_scenario

Data = dict[str, Any]
Mutation = Callable[[Data], None]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def as_yaml(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def mutated(mutate: Mutation) -> bytes:
    data = minimal_scenario()
    mutate(data)
    return as_yaml(data)


def person(kind: str, index: int, **fields: Any) -> Mutation:
    return lambda d: d[kind][index].update(fields)


def drop(kind: str, index: int, key: str) -> Mutation:
    return lambda d: d[kind][index].pop(key)


def bomb(levels: int = 10, width: int = 10) -> bytes:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    lines.append(f"name: *a{levels - 1}")
    return ("\n".join(lines) + "\n").encode()


# (file name, content, texts the message must contain)
CASES: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    "typo in a key": (
        "s.yaml",
        mutated(lambda d: d["participants"][0].update(consnet=True)),
        ("participants[0] (P1)", "unknown key 'consnet'; did you mean 'consent'?"),
    ),
    "typo in a section": (
        "s.yaml",
        mutated(lambda d: d.update(polcy={})),
        ("unknown key 'polcy'",),
    ),
    "wrong type": (
        "s.yaml",
        mutated(person("participants", 1, age="forty")),
        ("participants[1] (P2).age", "valid integer"),
    ),
    "bool as a list": (
        "s.yaml",
        mutated(person("mentors", 0, substances=True)),
        ("mentors[0] (M1).substances", "valid list"),
    ),
    "missing required key": (
        "s.yaml",
        mutated(drop("participants", 0, "consent")),
        ("participants[0] (P1)", "missing required key 'consent'"),
    ),
    "dangling pair mentor": (
        "s.yaml",
        mutated(lambda d: d["pairs"][0].update(mentor="M99")),
        ("pairs[0].mentor", "unknown mentor"),
    ),
    "dangling lock": (
        "s.yaml",
        mutated(lambda d: d["locks"]["require"].append(["P99", "M1"])),
        ("locks.require[1]", "unknown participant"),
    ),
    "dangling municipality": (
        "s.yaml",
        mutated(person("mentors", 2, municipality="wset")),
        ("mentors[2] (M3).municipality", "declared: north, south"),
    ),
    "duplicate ids": (
        "s.yaml",
        mutated(person("mentors", 1, id="M1")),
        ("mentors", "duplicate id 'M1'"),
    ),
    "bad date": (
        "s.yaml",
        mutated(person("participants", 0, referred="2026-13-01")),
        ("participants[0] (P1).referred", "date"),
    ),
    "date as a number": (
        "s.yaml",
        mutated(person("participants", 0, referred=20260901)),
        ("participants[0] (P1).referred", "found a number"),
    ),
    "unknown vocabulary": (
        "s.yaml",
        mutated(person("participants", 0, substances=["alcohol", "alchohol"])),
        ("participants[0] (P1).substances[1]", "allowed: alcohol"),
    ),
    "empty yaml": ("s.yaml", b"", ("the file is empty",)),
    "comments only": ("s.yaml", b"# nothing yet\n", ("the file is empty",)),
    "empty json": ("s.json", b"", ("invalid JSON",)),
    "yaml bomb": ("s.yaml", bomb(), ("aliases", "100000")),
    "recursive alias": ("s.yaml", b"mentors: &m [*m]\n", ("alias",)),
    "object tag": (
        "s.yaml",
        b"name: !!python/object/apply:os.system ['true']\n",
        ("line 1", "tag '!!python/object/apply:os.system' is not allowed"),
    ),
    "set tag": ("s.yaml", b"name: x\nmentors: !!set {a: null}\n", ("line 2", "'!!set'")),
    "local tag": ("s.yaml", b"name: !secret x\n", ("tag '!secret'",)),
    "list for a mapping": (
        "s.yaml",
        mutated(lambda d: d.update(program=[1, 2])),
        ("program", "a mapping of keys"),
    ),
    "mapping for a list": (
        "s.yaml",
        mutated(lambda d: d.update(mentors={"id": "M1"})),
        ("mentors", "valid list"),
    ),
    "top-level scalar": ("s.yaml", b"42\n", ("the top level must be a mapping",)),
    "top-level list": ("s.json", b"[1, 2]", ("the top level must be a mapping",)),
    "not utf-8": ("s.yaml", b"name: caf\xe9\n", ("not UTF-8",)),
    "bom with a problem": (
        "s.yaml",
        b"\xef\xbb\xbf" + mutated(person("mentors", 0, age=-3)),
        ("mentors[0] (M1).age", "greater than or equal to 16"),
    ),
    "huge number": (
        "s.yaml",
        mutated(lambda d: d["program"].update(capacity=10**30)),
        ("program.capacity", "less than or equal to 100000"),
    ),
    "endless digits": (
        "s.yaml",
        b"program: {capacity: " + b"9" * 5000 + b"}\n",
        ("a number is too long",),
    ),
    "negative age": (
        "s.yaml",
        mutated(person("participants", 0, age=-1)),
        ("participants[0] (P1).age",),
    ),
    "negative capacity": (
        "s.yaml",
        mutated(lambda d: d["program"].update(mentor_capacity=-2)),
        ("program.mentor_capacity", "greater than or equal to 0"),
    ),
    "yaml infinity": (
        "s.yaml",
        b"policy: {min_recovery_years: .inf}\n",
        ("policy.min_recovery_years", "finite"),
    ),
    "json nan": ("s.json", b'{"program": {"position_budget": NaN}}', ("NaN",)),
    "json infinity": ("s.json", b'{"program": {"capacity": Infinity}}', ("Infinity",)),
    "json overflow": ("s.json", b'{"program": {"position_budget": 1e999}}', ("too large",)),
    "json repeated key": ("s.json", b'{"name": "a", "name": "b"}', ("'name' appears twice",)),
    "yaml repeated key": (
        "s.yaml",
        b"program:\n  capacity: 1\n  capacity: 2\n",
        ("line 3", "'capacity' appears twice"),
    ),
    "json syntax": ("s.json", b'{"name": "a",}', ("line 1", "invalid JSON")),
    "yaml syntax": ("s.yaml", b"name: [a\nmentors: x\n", ("line", "invalid YAML")),
    "deep nesting": ("s.yaml", b"name: " + b"[" * 100 + b"]" * 100 + b"\n", ("deeper than",)),
    "number as a key": ("s.yaml", b"1: x\n", ("a key must be a name",)),
    "too many items": (
        "s.yaml",
        mutated(person("participants", 0, interests=["x"] * 101)),
        ("participants[0] (P1).interests", "at most 100 items"),
    ),
    "too long an id": (
        "s.yaml",
        mutated(person("mentors", 0, id="M" * 65)),
        ("mentors[0]", "at most 64 characters"),
    ),
    "too long a name": (
        "s.yaml",
        mutated(lambda d: d.update(name="n" * 201)),
        ("name", "at most 200 characters"),
    ),
    "unsupported suffix": ("s.txt", b"name: x\n", ("unsupported file type '.txt'",)),
}


@pytest.mark.parametrize("command", ["validate", "solve"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_exits_2_naming_file_and_key(
    tmp_path: Path, case: str, command: str
) -> None:
    name, content, expected = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out.json"
    extra = ["--out", str(out), "--format", "json", "--no-explain"] if command == "solve" else []
    result = invoke(command, path, *extra)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"{path}: " in result.output  # the file is named
    for text in expected:
        assert text in result.output
    assert not out.exists()


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["participants"][0]["age"] = "x"
    data["mentors"][1]["gender"] = "unknown"
    data["program"]["capacity"] = -1
    path = tmp_path / "s.yaml"
    path.write_bytes(as_yaml(data))
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert "(3 problems)" in result.output
    for key in ("participants[0] (P1).age", "mentors[1] (M2).gender", "program.capacity"):
        assert key in result.output


@pytest.mark.parametrize("command", [("solve", "--format", "json"), ("report",), ("convert",)])
def test_an_existing_output_is_left_alone(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(mutated(person("mentors", 0, age=-3)))
    out = tmp_path / ("out.md" if command[0] == "report" else "out.json")
    out.write_text("before")
    args: list[str | Path] = (
        [command[0], path, out] if command[0] == "convert" else [*command, path, "--out", out]
    )
    result = invoke(*args)
    assert result.exit_code == 2
    assert out.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == sorted(["s.yaml", out.name])


def test_a_few_kilobyte_bomb_is_refused_well_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    content = bomb(levels=12, width=20)  # 20**12 values once expanded
    assert len(content) < 4096
    path.write_bytes(content)
    start = time.perf_counter()
    result = invoke("validate", path)
    assert time.perf_counter() - start < 0.5
    assert result.exit_code == 2
    assert "aliases" in result.output


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    data = minimal_scenario()
    text = (
        as_yaml(data)
        .decode()
        .replace("serves:\n  - south\n  - north\n", "serves: &both [south, north]\n")
    )
    text += "vocabulary: {substances: [], goals: []}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("- id: M3\n", "- id: M3\n  serves: *both\n"))
    assert "&both" in path.read_text() and "*both" in path.read_text()
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_bom_is_accepted(tmp_path: Path, suffix: str) -> None:
    data = minimal_scenario()
    text = json.dumps(data) if suffix == ".json" else as_yaml(data).decode()
    path = tmp_path / f"s{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output


def test_a_bad_cell_in_a_csv_folder_names_file_row_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    (folder / "mentors.csv").write_text(
        "id,gender,age,municipality,recovery_years\nM1,female,forty,north,5\n"
    )
    (folder / "participants.csv").write_text(
        "id,gender,age,municipality,consent\nP1,female,30,north,maybe\n"
    )
    result = invoke("solve", folder, "--format", "json", "--out", tmp_path / "out.json")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "mentors.csv, row 2 (M1), column age (C)" in result.output
    assert "participants.csv, row 2 (P1), column consent (E)" in result.output
    assert not (tmp_path / "out.json").exists()


def municipality_table(tmp_path: Path, kind: str, count: int) -> tuple[Path, str]:
    rows = [["id", "name"], *([f"m{i}", f"M {i}"] for i in range(count))]
    tmp_path.mkdir()
    if kind == "csv":
        path = tmp_path / "round"
        path.mkdir()
        (path / "municipalities.csv").write_text("\n".join(",".join(r) for r in rows))
        return path, "municipalities.csv"
    from openpyxl import Workbook

    path = tmp_path / "round.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "municipalities"
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path, "sheet municipalities"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_table_with_too_many_rows_is_refused(tmp_path: Path, kind: str) -> None:
    path, place = municipality_table(tmp_path / "over", kind, 1001)
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{place}: more than 1000 rows below the header; at most 1000 municipalities" in (
        result.output
    )
    path, _ = municipality_table(tmp_path / "at", kind, 1000)
    assert invoke("validate", path).exit_code == 0


@pytest.mark.parametrize("content", ["", "\n\n", ",,,\n", " ; \n"])
def test_empty_csv_files_are_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "participants.csv").write_text(content)
    (tmp_path / "mentors.csv").write_text("")
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path}: the CSV files are empty" in result.output
