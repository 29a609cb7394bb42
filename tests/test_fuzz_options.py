"""Fuzzing the secondary inputs of a round: `--previous` files (random JSON, results with
random pairs, random bytes) and the options (`--seed`, `--threads`, `--time-limit`,
`--solver`, `--lock`, `--forbid`, `--release`). Every run ends with exit code 0, 2, 3 or
4 and, when it fails, a message; never a traceback, and never a file half written."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from matcher.cli.app import app

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Wall-clock bound of one run on the bundled example; generous, it only catches a hang.
BOUND_S = 20.0
IDS = ["P01", "P02", "P09", "M01", "M03", "p01", "P01\n", "\u042001", "", " ", "x" * 70, "=1+1"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(IDS)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
pairs = st.fixed_dictionaries(
    {"participant": st.sampled_from(IDS), "mentor": st.sampled_from(IDS)},
    optional={"existing": st.sampled_from([True, False, "no", None, 1])},
)
results = st.fixed_dictionaries({"pairs": st.lists(pairs, max_size=6)}) | st.dictionaries(
    st.sampled_from(["pairs", "unmatched", "status"]), json_values, max_size=3
)


def run(*args: str) -> Result:
    start = time.perf_counter()
    result = CliRunner().invoke(app, list(args))
    assert time.perf_counter() - start < BOUND_S, args
    return result


def assert_clean(result: Result, args: tuple[str, ...]) -> None:
    assert result.exit_code in (0, 2, 3, 4), (args, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    assert "Traceback" not in result.output
    if result.exit_code:
        assert "error" in result.stderr.lower(), (args, result.output)  # ours, or typer's usage box


@FUZZ
@given(document=results | json_values)
def test_any_previous_document(tmp_path: Path, document: Any) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(document), encoding="utf-8")
    args = ("solve", "--previous", str(previous), "--format", "json", "--no-explain")
    result = run(*args)
    assert_clean(result, args)
    if result.exit_code == 2:
        assert f"--previous {previous}" in result.stderr
        for forged in ("P01\n", "\u042001", "=1+1", "x" * 70):
            assert forged not in result.stderr


@FUZZ
@given(content=st.binary(max_size=200))
def test_any_previous_bytes(tmp_path: Path, content: bytes) -> None:
    previous = tmp_path / "previous.json"
    previous.write_bytes(content)
    args = ("solve", "--previous", str(previous), "--no-explain")
    assert_clean(run(*args), args)


numbers = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["0", "-1", "2147483647", "2147483648", "256", "257", "1e9", "nan", "x"]),
)
options = st.lists(
    st.one_of(
        st.tuples(st.just("--seed"), numbers),
        st.tuples(st.just("--threads"), numbers),
        st.tuples(
            st.just("--time-limit"),
            numbers | st.sampled_from(["0.001", "0.5", "inf", "-0.1", "1e308"]),
        ),
        st.tuples(st.just("--solver"), st.sampled_from(["auto", "cpsat", "greedy", "mip", "x"])),
        st.tuples(
            st.sampled_from(["--lock", "--forbid"]),
            st.builds("{}={}".format, st.sampled_from(IDS), st.sampled_from(IDS))
            | st.text(max_size=12),
        ),
        st.tuples(st.just("--release"), st.sampled_from(IDS) | st.text(max_size=12)),
        st.tuples(st.just("--fairness"), st.sampled_from(["none", "quotas", "maxmin", "y"])),
    ),
    max_size=4,
)


@FUZZ
@given(chosen=options)
def test_any_options(tmp_path: Path, chosen: list[tuple[str, str]]) -> None:
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)  # the examples share tmp_path
    args = ("solve", "--format", "json", "--out", str(out), *[x for pair in chosen for x in pair])
    result = run(*args)
    assert_clean(result, args)
    if result.exit_code == 2:
        assert not out.exists()
    elif result.exit_code in (0, 3, 4):
        assert json.loads(out.read_text(encoding="utf-8"))["status"]
