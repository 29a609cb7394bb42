"""The `likematch` command line: output formats, --out, and exit codes 0 / 2 / 3."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

import matcher
from matcher.cli.app import app

Data = dict[str, Any]
Builder = Callable[..., Data]
CONTRACT_KEYS = {
    "scenario",
    "solver",
    "status",
    "pairs",
    "unmatched",
    "municipalities",
    "metrics",
    "elapsed_s",
}


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def write_scenario(tmp_path: Path, data: Data, name: str = "round.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def assert_clean_failure(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.stderr


@pytest.fixture
def conflicting_floors(
    make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> Data:
    return make_scenario(
        mentors=[make_mentor("M1", capacity=1)],
        participants=[make_participant("N1"), make_participant("S1", municipality="south")],
        municipalities=[{"id": "north", "min": 1}, {"id": "south", "min": 1}],
    )


# --- exit 0 ------------------------------------------------------------------------------


def test_solve_without_arguments_prints_the_example_table() -> None:
    result = invoke("solve")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Stavanger, Sola og Sandnes" in out
    assert "status optimal" in out
    for title in ("Pairs", "Waiting", "Municipalities"):
        assert title in out
    assert "P01" in out and "M01" in out
    assert "no recorded consent" in out
    assert result.stderr == ""


def test_json_output_matches_the_contract(example_paths: dict[str, Path]) -> None:
    result = invoke("solve", example_paths["loland"], "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT_KEYS
    assert data["status"] == "optimal"
    assert isinstance(data["solver"], str) and data["solver"]
    for pair in data["pairs"]:
        assert {"participant", "mentor", "existing", "score", "reasons"} <= set(pair)
    for person in data["unmatched"]:
        assert {"participant", "reasons", "would_match_if"} <= set(person)
    for row in data["municipalities"].values():
        assert {"active", "new", "waiting"} <= set(row)
    assert {"matched", "eligible", "mean_score"} <= set(data["metrics"])
    people = [p["participant"] for p in data["pairs"] + data["unmatched"]]
    assert sorted(people) == sorted(
        p.id for p in matcher.load(example_paths["loland"]).participants
    )


def test_json_scenario_file(tmp_path: Path, scenario_dict: Data) -> None:
    path = tmp_path / "round.json"
    path.write_text(json.dumps(scenario_dict), encoding="utf-8")
    result = invoke("solve", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenario"] == "minimal"


def test_out_writes_the_file(tmp_path: Path, scenario_dict: Data) -> None:
    scenario = write_scenario(tmp_path, scenario_dict)
    out = tmp_path / "proposal.json"
    result = invoke("solve", scenario, "--format", "json", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scenario"] == "minimal"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proposal.json", "round.yaml"]


def test_out_replaces_an_older_output(tmp_path: Path, scenario_dict: Data) -> None:
    scenario = write_scenario(tmp_path, scenario_dict)
    out = tmp_path / "proposal.txt"
    out.write_text("old proposal\n", encoding="utf-8")
    result = invoke("solve", scenario, "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "old proposal" not in text
    assert "Pairs" in text and "P1" in text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
def test_out_refuses_to_overwrite_the_input(
    tmp_path: Path, scenario_dict: Data, spelling: str
) -> None:
    scenario = write_scenario(tmp_path, scenario_dict)
    before = scenario.read_bytes()
    target: Path = scenario
    if spelling == "dotted":
        (tmp_path / "sub").mkdir()
        target = tmp_path / "sub" / ".." / scenario.name
    elif spelling == "symlink":
        target = tmp_path / "link.yaml"
        target.symlink_to(scenario)
    result = invoke("solve", scenario, "--format", "json", "--out", target)
    assert_clean_failure(result, 2)
    assert "refusing to overwrite the input scenario" in result.stderr
    assert scenario.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_out_into_a_missing_folder(tmp_path: Path, scenario_dict: Data) -> None:
    scenario = write_scenario(tmp_path, scenario_dict)
    result = invoke("solve", scenario, "--out", tmp_path / "missing" / "out.json")
    assert_clean_failure(result, 2)
    assert "does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_out_naming_a_folder(tmp_path: Path, scenario_dict: Data) -> None:
    scenario = write_scenario(tmp_path, scenario_dict)
    folder = tmp_path / "results"
    folder.mkdir()
    result = invoke("solve", scenario, "--out", folder)
    assert_clean_failure(result, 2)


# --- exit 2 -----------------------------------------------------------------------------


def test_invalid_scenario_names_file_and_key(tmp_path: Path, scenario_dict: Data) -> None:
    scenario_dict["mentors"][0]["capacty"] = 1
    scenario_dict["mentors"][1]["age"] = "fifty"
    path = write_scenario(tmp_path, scenario_dict)
    result = invoke("solve", path)
    assert_clean_failure(result, 2)
    assert result.stdout == ""
    err = result.stderr
    assert f"{path}: invalid scenario (2 problems)" in err
    assert f"{path}: mentors[0] (M1): unknown key 'capacty'" in err
    assert f"{path}: mentors[1] (M2).age: " in err
    assert "fifty" not in result.output


def test_unknown_value_is_not_echoed(tmp_path: Path, scenario_dict: Data) -> None:
    scenario_dict["participants"][1]["substances"] = ["heroin_daily"]
    path = write_scenario(tmp_path, scenario_dict)
    result = invoke("solve", path)
    assert_clean_failure(result, 2)
    assert f"{path}: participants[1] (P2).substances[0]: unknown value" in result.stderr
    assert "heroin_daily" not in result.output


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "round.yaml"
    path.write_text("name: x\nmentors: [\n", encoding="utf-8")
    result = invoke("solve", path)
    assert_clean_failure(result, 2)
    assert f"{path}: line 3" in result.stderr


def test_missing_file() -> None:
    result = invoke("solve", "no-such-round.yaml")
    assert_clean_failure(result, 2)
    assert "no-such-round.yaml: no such file" in result.stderr


def test_unknown_solver() -> None:
    result = invoke("solve", "--solver", "quantum")
    assert_clean_failure(result, 2)
    assert "--solver: unknown solver 'quantum'" in result.stderr
    assert "cpsat" in result.stderr


def test_bad_format_option() -> None:
    result = invoke("solve", "--format", "xml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_impossible_yaml_date(tmp_path: Path) -> None:
    path = tmp_path / "round.yaml"
    path.write_text("date: 2026-02-30\n", encoding="utf-8")
    result = invoke("solve", path)
    assert_clean_failure(result, 2)


@pytest.mark.parametrize("mentor_id", ["M[/x]", "M[bold]1"])
def test_markup_in_ids_is_refused_and_not_printed(
    tmp_path: Path, scenario_dict: Data, mentor_id: str
) -> None:
    scenario_dict["mentors"][2]["id"] = mentor_id
    scenario_dict["pairs"] = []
    scenario_dict["mentors"][2]["colour"] = "blue"
    path = write_scenario(tmp_path, scenario_dict)
    result = invoke("solve", path)
    assert_clean_failure(result, 2)
    assert "mentors[2].id: not a valid id" in result.stderr
    assert mentor_id not in result.stderr


def test_markup_in_a_name_is_printed_verbatim(tmp_path: Path, scenario_dict: Data) -> None:
    scenario_dict["name"] = "Runde [bold]mai[/bold]"
    result = invoke("solve", write_scenario(tmp_path, scenario_dict))
    assert result.exit_code == 0, result.stderr
    assert "Runde [bold]mai[/bold]" in result.stdout


# --- exit 3 ------------------------------------------------------------------------------


def test_conflicting_floors_exit_3(tmp_path: Path, conflicting_floors: Data) -> None:
    path = write_scenario(tmp_path, conflicting_floors)
    result = invoke("solve", path)
    assert_clean_failure(result, 3)
    err = result.stderr
    assert "infeasible" in err
    assert "municipality north min 1 (rule 8)" in err
    assert "municipality south min 1 (rule 8)" in err
    assert "status infeasible" in result.stdout  # the table is still shown


def test_conflicting_floors_json_and_out(tmp_path: Path, conflicting_floors: Data) -> None:
    path = write_scenario(tmp_path, conflicting_floors)
    out = tmp_path / "result.json"
    result = invoke("solve", path, "--format", "json", "--out", out)
    assert_clean_failure(result, 3)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["status"] == "infeasible"
    assert "municipality north min 1 (rule 8)" in data["conflicts"]


def test_require_breaking_a_hard_rule_exit_3(
    tmp_path: Path, make_scenario: Builder, make_mentor: Builder, make_participant: Builder
) -> None:
    data = make_scenario(
        mentors=[make_mentor("M1", active=False), make_mentor("M2")],
        participants=[make_participant("P1")],
        locks={"require": [["P1", "M1"]]},
    )
    result = invoke("solve", write_scenario(tmp_path, data), "--format", "json")
    assert_clean_failure(result, 3)
    assert "the locked pair P1-M1 breaks a hard rule" in result.stderr
    assert "on leave" in result.stderr and "(rule 2)" in result.stderr
    assert json.loads(result.stdout)["status"] == "infeasible"


# --- other --------------------------------------------------------------------------------


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"likematch {matcher.__version__}"


def test_help() -> None:
    result = invoke("solve", "--help")
    assert result.exit_code == 0
    assert "--out" in result.stdout and "--format" in result.stdout


def script() -> Path:
    path = Path(sys.executable).parent / "likematch"
    if not path.exists():
        pytest.skip("the likematch script is not installed next to this Python")
    return path


def test_installed_script_table() -> None:
    proc = subprocess.run(
        [str(script()), "solve"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "Stavanger, Sola og Sandnes" in proc.stdout
    assert "Pairs" in proc.stdout
    assert proc.stderr == ""


def test_installed_script_infeasible_exit_3(tmp_path: Path, conflicting_floors: Data) -> None:
    path = write_scenario(tmp_path, conflicting_floors, "floors.yaml")
    proc = subprocess.run(
        [str(script()), "solve", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr
    assert "municipality south min 1 (rule 8)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["status"] == "infeasible"
