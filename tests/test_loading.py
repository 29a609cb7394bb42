"""Loading scenario files: YAML and JSON read safely, with clear errors that name the
file, the line and the key, and the bundled examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import matcher
from matcher.model.errors import ScenarioError

Data = dict[str, Any]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        matcher.load(path)
    assert info.value.source == str(path)
    return [str(p) for p in info.value.problems]


def test_load_yaml_and_json_give_the_same_scenario(tmp_path: Path, scenario_dict: Data) -> None:
    as_yaml = write(tmp_path, "s.yaml", yaml.safe_dump(scenario_dict, allow_unicode=True))
    as_json = write(tmp_path, "s.json", json.dumps(scenario_dict))
    as_yml = write(tmp_path, "s.YML", yaml.safe_dump(scenario_dict))
    assert matcher.load(as_yaml) == matcher.load(as_json) == matcher.load(str(as_yml))


@pytest.mark.parametrize("name", ["empty.yaml", "empty.yml"])
def test_empty_yaml_file(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, "# only a comment\n")
    assert load_problems(path) == ["the file is empty"]


def test_empty_json_file(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.json", "")
    (problem,) = load_problems(path)
    assert problem.startswith("line 1, column 1: invalid JSON")


def test_yaml_list_at_top_level(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- name: x\n- name: y\n")
    (problem,) = load_problems(path)
    assert "top level must be a mapping" in problem


def test_invalid_yaml_has_a_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: x\ndate: 2026-11-20\nmentors: [\n  - id: M1\n")
    (problem,) = load_problems(path)
    assert problem.startswith("line ")
    assert "invalid YAML" in problem
    line = int(problem.split(",")[0].removeprefix("line "))
    assert 3 <= line <= 5


def test_invalid_yaml_indentation_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: x\nprogram:\n  capacity: 3\n mentor_capacity: 2\n")
    (problem,) = load_problems(path)
    assert problem.startswith("line 4, column 2: invalid YAML")


def test_invalid_json_has_a_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "name": "x",\n  "mentors": [,]\n}\n')
    assert load_problems(path) == ["line 3, column 15: invalid JSON: Expecting value"]


@pytest.mark.parametrize(
    "tagged",
    [
        "name: !!python/object/apply:os.system ['echo pwned']\n",
        "name: !!python/object:pathlib.Path {}\n",
        "name: !!python/name:os.system\n",
    ],
)
def test_yaml_object_tags_are_refused(tmp_path: Path, tagged: str) -> None:
    path = write(tmp_path, "tagged.yaml", tagged)
    (problem,) = load_problems(path)
    assert problem.startswith("line 1, column 7: refused: tag '!!python/")
    assert "is not allowed" in problem


def test_yaml_norwegian_no_stays_a_string(tmp_path: Path, scenario_dict: Data) -> None:
    text = yaml.safe_dump(scenario_dict).replace("- 'no'", "- no").replace('- "no"', "- no")
    text += "\n"
    assert "- no\n" in text  # the bare YAML 1.1 boolean is really in the file
    path = write(tmp_path, "s.yaml", text)
    loaded = matcher.load(path)
    assert loaded.participants[0].languages == ["no"]
    assert loaded.mentors[0].languages == ["no"]


def test_yaml_flow_list_no_and_yes(tmp_path: Path) -> None:
    text = (
        "date: 2026-11-20\n"
        "mentors:\n"
        "  - {id: M1, gender: female, age: 40, municipality: a, recovery_years: 3,"
        " languages: [no, en], trained: true, active: True}\n"
        "participants:\n"
        "  - {id: P1, gender: male, age: 30, municipality: a, consent: false,"
        " languages: [NO, En], interests: [on, yes]}\n"
    )
    loaded = matcher.load(write(tmp_path, "s.yaml", text))
    assert loaded.mentors[0].languages == ["no", "en"]
    assert loaded.mentors[0].active is True
    assert loaded.participants[0].languages == ["no", "en"]
    assert loaded.participants[0].interests == ["on", "yes"]
    assert loaded.participants[0].consent is False


def test_yaml_dates_load(tmp_path: Path) -> None:
    text = (
        "date: 2026-11-20\n"
        "participants:\n"
        "  - {id: P1, gender: male, age: 30, municipality: a, consent: true,"
        " referred: 2026-09-01, discharge: '2026-12-15'}\n"
    )
    loaded = matcher.load(write(tmp_path, "s.yaml", text))
    assert str(loaded.date) == "2026-11-20"
    assert str(loaded.participants[0].referred) == "2026-09-01"
    assert str(loaded.participants[0].discharge) == "2026-12-15"


def test_yaml_bad_date_string_is_a_problem(tmp_path: Path) -> None:
    text = "date: '2026-13-01'\n"
    (problem,) = load_problems(write(tmp_path, "s.yaml", text))
    assert problem.startswith("date: input should be a valid date")


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30"])
def test_yaml_impossible_unquoted_date_is_a_problem(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, "s.yaml", f"date: {bad}\n")
    (problem,) = load_problems(path)
    assert "date" in problem


def test_yaml_duplicate_key_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "program:\n  capacity: 1\n  capacity: 5\n")
    load_problems(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    assert load_problems(path) == ["no such file"]


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "round.yaml"
    folder.mkdir()
    (problem,) = load_problems(folder)
    assert "folder" in problem


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "name: x\n")
    (problem,) = load_problems(path)
    assert "unsupported file type '.txt'" in problem


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: \xff\xfe\xfa\n")
    (problem,) = load_problems(path)
    assert problem == "not UTF-8 text (byte 7 of the file); save it as UTF-8"


def test_problem_in_file_names_file_and_key(tmp_path: Path, scenario_dict: Data) -> None:
    scenario_dict["mentors"][1]["capacty"] = 3
    path = write(tmp_path, "round.yaml", yaml.safe_dump(scenario_dict))
    with pytest.raises(ScenarioError) as info:
        matcher.load(path)
    text = info.value.render()
    assert text.splitlines()[0] == f"{path}: invalid scenario (1 problem)"
    assert f"{path}: mentors[1] (M2): unknown key 'capacty'" in text


@pytest.mark.parametrize("name", ["stavanger-sola-sandnes", "grenland", "loland"])
def test_examples_load(example_paths: dict[str, Path], name: str) -> None:
    loaded = matcher.load(example_paths[name])
    assert loaded.mentors and loaded.participants
    assert all(lang == lang.lower() for m in loaded.mentors for lang in m.languages)
    assert any("no" in m.languages for m in loaded.mentors)


def test_bundled_example_is_the_scenarios_symlink(example_paths: dict[str, Path]) -> None:
    link = example_paths["grenland"].parent / "stavanger-sola-sandnes.yaml"
    assert link.resolve() == matcher.EXAMPLE.resolve()
    assert matcher.load(link) == matcher.load(matcher.EXAMPLE)
