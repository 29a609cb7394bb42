"""The one writer: atomic, never over the input, and a clear `OutputError` (exit 2 on the
command line) instead of a traceback when the file system says no."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import matcher
from matcher.cli.app import app
from matcher.io.files import OutputError, check_target, write_file, write_folder, write_text
from matcher.model.errors import ScenarioError
from solvers import OptionsError


def _refuse(*args: object, **kwargs: object) -> None:
    raise PermissionError(errno.EACCES, "Permission denied")


def test_write_text_replaces_the_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_the_input_is_never_overwritten(tmp_path: Path) -> None:
    scenario = tmp_path / "round.yaml"
    scenario.write_text("name: x", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite the input scenario"):
        write_text(scenario, "other", protect=scenario)
    assert scenario.read_text(encoding="utf-8") == "name: x"


@pytest.mark.parametrize(
    ("name", "folder", "message"),
    [
        ("missing/out.txt", False, "folder .*missing does not exist"),
        (".", False, "is a folder, expected a file name"),
        ("file.txt", True, "is a file, expected a folder"),
    ],
)
def test_bad_targets_are_refused_before_any_work(
    tmp_path: Path, name: str, folder: bool, message: str
) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=message):
        check_target(tmp_path / name, folder=folder)


def test_a_folder_that_refuses_files_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "mkstemp", _refuse)
    with pytest.raises(OutputError, match=r"out.txt: cannot write: Permission denied"):
        write_text(tmp_path / "out.txt", "x")


def test_a_failed_rename_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", _refuse)
    with pytest.raises(OutputError, match="cannot write"):
        write_text(tmp_path / "out.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_an_error_while_writing_is_raised_and_cleaned_up(tmp_path: Path) -> None:
    def broken(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"):
        write_file(tmp_path / "out.txt", broken)
    assert list(tmp_path.iterdir()) == []


def test_write_folder_replaces_only_a_folder_of_our_files(tmp_path: Path) -> None:
    target = tmp_path / "tables"
    write_folder(target, {"pairs.csv": "a\n"}, None, ours=["pairs"])
    write_folder(target, {"pairs.csv": "b\n"}, None, ours=["pairs"])
    assert (target / "pairs.csv").read_text(encoding="utf-8-sig") == "b\n"
    (target / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="holds other files"):
        write_folder(target, {"pairs.csv": "c\n"}, None, ours=["pairs"])
    assert (target / "mine.txt").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables"]


def test_write_folder_that_cannot_be_made_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "mkdtemp", _refuse)
    with pytest.raises(OutputError, match="cannot write: Permission denied"):
        write_folder(tmp_path / "tables", {"pairs.csv": "a\n"}, None, ours=["pairs"])


def test_write_folder_failing_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", _refuse)
    with pytest.raises(OutputError, match="cannot write"):
        write_folder(tmp_path / "tables", {"pairs.csv": "a\n"}, None, ours=["pairs"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["json", "table", "summary"])
def test_solve_into_an_unwritable_folder_exits_2_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(tempfile, "mkstemp", _refuse)
    out = tmp_path / "result.txt"
    run = CliRunner().invoke(
        app, ["solve", str(matcher.EXAMPLE), "--format", fmt, "--out", str(out), "--no-explain"]
    )
    assert run.exit_code == 2
    assert "cannot write: Permission denied" in run.output
    assert "Traceback" not in run.output
    assert not out.exists()


def test_a_device_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="is not a regular file"):
        write_text(fifo, "x")
    assert fifo.is_fifo()


def test_solve_out_to_dev_stdout_exits_2() -> None:
    run = CliRunner().invoke(
        app,
        ["solve", str(matcher.EXAMPLE), "--format", "json", "--out", "/dev/stdout", "--no-explain"],
    )
    assert run.exit_code == 2
    assert "/dev/stdout: is not a regular file" in " ".join(run.output.split())
    assert Path("/dev/stdout").is_symlink()


def test_a_link_stays_a_link_and_its_file_gets_the_output(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_out_of_range_seed_and_threads_exit_2_with_the_range(tmp_path: Path) -> None:
    for option, value, allowed in (
        ("--seed", str(2**31), "between 0 and 2147483647"),
        ("--threads", "100000", "between 1 and 256"),
    ):
        run = CliRunner().invoke(
            app, ["solve", str(matcher.EXAMPLE), "--solver", "cpsat", option, value]
        )
        assert run.exit_code == 2, run.output
        assert f"{option} must be {allowed}" in run.output
        assert "Traceback" not in run.output


def test_options_out_of_range_are_refused_for_every_back_end() -> None:
    scenario = matcher.load(matcher.EXAMPLE)
    for solver in ("flow", "cpsat", "mip:highs", "greedy"):
        with pytest.raises(OptionsError, match="--seed must be between"):
            matcher.solve(scenario, solver=solver, seed=-1, explain=False)


def test_validate_refuses_deep_nesting_without_recursion_error() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(3000):
        child: dict[str, object] = {}
        node["x"] = child
        node = child
    with pytest.raises(ScenarioError, match="nesting is deeper than 32 levels"):
        matcher.validate(deep)
