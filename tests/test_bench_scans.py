"""The scan bench's own arithmetic and report (bench/bench_scans.py), and one tiny run.

The figures themselves are the bench's business (a noisy machine, no timing asserted here);
what must hold is that the table and the verdicts say what the numbers are, that a response
is framed right, and that a short run of expo on SQLite ends with its exactly-once audit
passing. The run is a subprocess: the bench initialises Tortoise for itself.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scans", ROOT / "bench" / "bench_scans.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scans"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _load()


def outcome(key: str, scans: int, seconds: float, p99: float = 10.0, server: float = 1.0,
            pg: float | None = None) -> object:
    run = next(r for r in bench.TABLE_RUNS if r.key == key)
    return bench.Outcome(run, scans, seconds, p50=1.0, p99=p99, server_cpu=server,
                         client_cpu=0.5, check="ok", pg_cpu=pg,
                         pg_xacts=None if pg is None else scans,
                         pg_backends_cpu=None if pg is None else pg / 2)


def test_percentile_is_nearest_rank_in_milliseconds() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1 .. 100 ms
    assert bench.pct(values, 0.5) == pytest.approx(51.0)
    assert bench.pct(values, 0.99) == pytest.approx(100.0)
    assert bench.pct([0.004], 0.99) == pytest.approx(4.0)
    assert math.isnan(bench.pct([], 0.5))


def test_response_end_waits_for_the_whole_body() -> None:
    response = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"
    assert bench.response_end(response[:-1]) == -1
    assert bench.response_end(response[:10]) == -1
    assert bench.response_end(response + b"HTTP/1.1 200") == len(response)
    assert bench.response_end(b"HTTP/1.1 204 No Content\r\nserver: x\r\n\r\n") == 38


def test_scan_request_is_a_complete_post() -> None:
    request = bench.scan_request("exd_token", "CODE", "n1")
    head, body = request.split(b"\r\n\r\n")
    assert head.startswith(b"POST /api/v1/events/bench/scans HTTP/1.1\r\n")
    assert b"Authorization: Bearer exd_token" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert body == b'{"code": "CODE", "nonce": "n1", "direction": "in"}'


def test_audit_verdict_names_what_is_wrong() -> None:
    assert bench.Audit(10, 10, 0).verdict(rescan=False, visitors=10, errors=0) == "ok"
    wrong = bench.Audit(10, 9, 1).verdict(rescan=False, visitors=10, errors=2)
    assert wrong == "FAIL: 1 of 10 not recorded once, 1 nonces twice, 2 unexpected answers"
    rescans = bench.Audit(10, 10, 0, entered_not_once=3, admitted=12)
    assert rescans.verdict(rescan=True, visitors=12, errors=0) == \
        "FAIL: 3 visitors entries != 1"
    assert bench.count_nonces(["a", "b", "a", None]) == {"a": 2, "b": 1}


def test_table_row_and_markdown() -> None:
    row = bench.table_row(outcome("pg2-32", 2000, 2.0, p99=40.0, server=1.6, pg=0.8))
    assert row == ["expo, PostgreSQL, 2 workers", "32", "2000", "1,000", "1.0", "40.0", "0.80",
                   "0.40", "0.20", "1.00", "0.25", "ok"]
    text = bench.markdown_table(["a", "bb"], [["xyz", "1"]])
    assert text.splitlines() == ["| a   | bb |", "|-----|----|", "| xyz | 1  |"]
    sqlite_row = bench.table_row(outcome("sqlite-8", 100, 1.0))
    assert sqlite_row[7:10] == ["–", "–", "–"]


def test_verdicts_compare_the_right_rows() -> None:
    results = {
        "floor-8": outcome("floor-8", 2000, 1.0),
        "sqlite-8": outcome("sqlite-8", 1900, 1.0),
        "floor-32": outcome("floor-32", 2000, 1.0),
        "sqlite-32": outcome("sqlite-32", 2100, 1.0, p99=20.0),
        "pg2-32": outcome("pg2-32", 1800, 1.0, p99=45.0, server=0.9, pg=0.27),
        "pg4-32": outcome("pg4-32", 1700, 1.0, pg=0.3),
    }
    trips = bench.RoundTrips(1.0, 3.0, 0.0, 0.0, 1.0, 3.0, queries=(("RESET ALL", 1.0),))
    lines = bench.verdicts(results, trips)
    text = "\n".join(lines)
    assert "- SQLite 1 worker >= floor, 8 clients: NOT met (1,900 vs 2,000 scans/s, 0.95x)" in text
    assert "- SQLite 1 worker >= floor, 32 clients: met (2,100 vs 2,000 scans/s, 1.05x)" in text
    assert "- SQLite 1 worker >= floor, rescans, 32 clients: not measured" in text
    assert "- PostgreSQL 2 workers >= 0.9x SQLite, 32 clients: NOT met (1,800 vs 2,100" in text
    assert ("- PostgreSQL 2 workers CPU <= 0.7 ms per scan (expo + PostgreSQL): met "
            "(0.50 + PostgreSQL 0.15 = 0.65 ms per scan)") in text
    assert "- PostgreSQL one round trip per scan: NOT met (1.00 per valid scan, 3.00" in text
    assert "- PostgreSQL 4 workers not slower than 2: NOT met (1,700 vs 1,800" in text
    assert "not measured" in bench.verdicts({}, None)[0]


def test_smoke_run_of_expo_on_sqlite(tmp_path: Path) -> None:
    """50 scans from 4 clients through `main.py serve`, then the audit: exit status 0."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_scans.py"), "--scans", "50", "--warmup",
         "10", "--clients", "4", "--seconds", "30"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| expo, SQLite, 1 worker | 4 " in done.stdout
    cells = [c.strip() for c in done.stdout.splitlines()[2].strip("| ").split("|")]
    assert cells[2] == "50" and cells[-1] == "ok"  # every scan sent, each recorded once


def test_every_row_is_measured_once() -> None:
    assert sorted(bench.RUN_ORDER) == sorted(r.key for r in bench.TABLE_RUNS)
