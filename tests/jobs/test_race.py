"""Two worker processes on one PostgreSQL database claim each job once (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from tortoise import connections

from expo.jobs import queue
from tests.conftest import PG_URL, database
from tests.jobs import worker_proc  # noqa: F401 - registers test.race here too

ROOT = Path(__file__).resolve().parents[2]
JOBS = 400


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
async def test_two_worker_processes_run_each_job_exactly_once() -> None:
    async with database("postgres") as url:
        conn = connections.get("default")
        await conn.execute_script(
            "CREATE TABLE race_runs (job_id BIGINT NOT NULL, worker TEXT NOT NULL)")
        for n in range(JOBS):
            await queue.enqueue("test.race", {"n": n})
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.jobs.worker_proc", url, name, cwd=ROOT,
            stdin=PIPE, stdout=PIPE, stderr=PIPE) for name in ("a", "b")]
        try:
            for proc in procs:
                assert proc.stdout is not None
                line = await asyncio.wait_for(proc.stdout.readline(), 60)
                assert line.strip() == b"ready"
            for proc in procs:  # both are ready: go
                assert proc.stdin is not None
                proc.stdin.write(b"go\n")
                await proc.stdin.drain()
            for proc in procs:
                _out, err = await asyncio.wait_for(proc.communicate(), 120)
                assert proc.returncode == 0, err.decode()
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        runs = await conn.execute_query_dict(
            "SELECT job_id, count(*) AS n, min(worker) AS worker FROM race_runs GROUP BY job_id")
        assert len(runs) == JOBS
        assert all(int(row["n"]) == 1 for row in runs)
        assert {row["worker"] for row in runs} == {"a", "b"}  # both took part
        assert await conn.execute_query_dict(
            "SELECT count(*) AS n FROM jobs WHERE state <> 'done'") == [{"n": 0}]
