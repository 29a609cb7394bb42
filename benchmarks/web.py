"""`python -m benchmarks.web`: drive the web app over loopback as coordinators would,
and print decision latency (p50/p95), errors and the server's memory before and after.

Each client is one browser session on the bundled example: it opens the round, then
repeats a decision (a lock, then a forbid) and an undo, each one a re-solve and a
re-rendered round page. Requests are bounded (a timeout each, and at most `--max`
requests in all). Without `--url` the benchmark starts `likematch serve` itself, so it
can read the resident memory of the server and its solve workers; `--solves N` first
sends N solves to the API alone (after a warm-up that starts the workers), to show that
memory does not grow with use.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import matcher

#: Solves before memory is measured for `--solves`: the worker processes start with the
#: first ones, and their start is not growth with use.
WARM_UP = 20
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_NEW_PAIR = re.compile(
    r'name="kind" value="lock">\s*<input type="hidden" name="participant" value="([^"]+)">'
    r'\s*<input type="hidden" name="mentor" value="([^"]+)">'
)


@dataclass
class Tally:
    """Latencies and errors of every client, gathered under one lock."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float | None, error: str | None = None) -> None:
        """Record one decision (its round trip), or one error."""
        with self.lock:
            self.requests += 1
            if error is not None:
                self.errors.append(error)
            elif seconds is not None:
                self.latencies.append(seconds)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _own_rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # gone meanwhile
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (Linux)."""
    found: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the solve workers), in MB."""
    children = _children()
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += _own_rss_mb(current)
        todo += children.get(current, [])
    return total


@contextmanager
def server() -> Iterator[tuple[str, int]]:
    """`likematch serve` on a free loopback port; its address and process id."""
    port = _free_port()
    command = [sys.executable, "-m", "matcher", "serve", "--no-browser", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/api/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _client(url: str, stop: float, tally: Tally, budget: threading.Semaphore) -> None:
    """One coordinator: open the example, then decide and undo until `stop`."""
    with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as http:
        page = http.get("/").text
        token = _CSRF.search(page)
        if token is None:
            tally.add(None, "no form token")
            return
        csrf = token.group(1)
        page = http.post("/example", data={"csrf": csrf}).text
        found = _NEW_PAIR.search(page)
        if found is None:
            tally.add(None, "no pair to decide on")
            return
        participant, mentor = found.groups()
        kinds = ("lock", "forbid")
        step = 0
        while time.monotonic() < stop and budget.acquire(blocking=False):
            form = {"csrf": csrf}
            if step % 2 == 0:
                path = "/decide"
                form |= {"kind": kinds[step // 2 % 2], "participant": participant}
                form["mentor"] = mentor
            else:
                path = "/undo"
            start = time.perf_counter()
            try:
                response = http.post(path, data=form)
            except httpx.HTTPError as error:
                tally.add(None, type(error).__name__)
            else:
                took = time.perf_counter() - start
                ok = response.status_code == 200 and 'id="proposed-pairs"' in response.text
                tally.add(took if ok else None, None if ok else f"status {response.status_code}")
            step += 1


def _api_solves(url: str, n: int) -> None:
    body = matcher.load(matcher.EXAMPLE).model_dump(mode="json")
    with httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(n):
            http.post("/api/solve", json=body).raise_for_status()


def _quantile(values: list[float], q: int) -> float:
    """The q-th percentile (1-99)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(url: str, pid: int | None, clients: int, seconds: float, solves: int, most: int) -> int:
    """The load run; prints its figures and returns an exit code (1 on any error)."""
    before = rss_mb(pid) if pid else float("nan")
    if solves:
        _api_solves(url, WARM_UP)  # the solve workers start, and caches fill
        warm = rss_mb(pid) if pid else float("nan")
        start = time.perf_counter()
        _api_solves(url, solves)
        after_solves = rss_mb(pid) if pid else float("nan")
        took = time.perf_counter() - start
        print(
            f"memory idle {before:.1f} MB, after {WARM_UP} warm-up solves {warm:.1f} MB; "
            f"{solves} API solves in {took:.1f} s; memory {warm:.1f} -> {after_solves:.1f} MB "
            f"({after_solves - warm:+.1f} MB)"
        )
    tally = Tally()
    budget = threading.Semaphore(most)
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(url, stop, tally, budget)) for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = rss_mb(pid) if pid else float("nan")
    ms = [x * 1000 for x in tally.latencies]
    print(f"clients {clients}, {seconds:g} s: {len(ms)} decisions, {len(tally.errors)} errors")
    print(
        f"decision + page: p50 {_quantile(ms, 50):.1f} ms, p95 {_quantile(ms, 95):.1f} ms, "
        f"max {max(ms, default=float('nan')):.1f} ms"
    )
    print(f"server memory: {before:.1f} MB before, {after:.1f} MB after ({after - before:+.1f} MB)")
    for error in sorted(set(tally.errors)):
        print(f"  error: {error} x{tally.errors.count(error)}")
    return 1 if tally.errors else 0


def main(argv: list[str] | None = None) -> int:
    """The command line of `python -m benchmarks.web`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__)
    parser.add_argument("--clients", type=int, default=1, help="concurrent sessions")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to drive them")
    parser.add_argument("--solves", type=int, default=0, help="API solves before the run")
    parser.add_argument("--max", type=int, default=100_000, help="at most this many requests")
    parser.add_argument("--url", help="a running app (default: start one on a free port)")
    args = parser.parse_args(argv)
    if args.url:
        return run(args.url.rstrip("/"), None, args.clients, args.seconds, args.solves, args.max)
    with server() as (url, pid):
        return run(url, pid, args.clients, args.seconds, args.solves, args.max)


if __name__ == "__main__":
    sys.exit(main())
