"""A job worker in its own process, for the race test: ``python -m tests.jobs.worker_proc URL
NAME``. It prints "ready", waits for a line on its standard input, then claims and runs
``test.race`` jobs (each writes a row naming its worker) until none is left."""

from __future__ import annotations

import asyncio
import sys

from tortoise import Tortoise, connections

from expo.db import MODEL_MODULES
from expo.jobs import queue


@queue.handler("test.race")
async def race(job: queue.RunningJob) -> None:
    conn = connections.get("default")
    await conn.execute_query("INSERT INTO race_runs (job_id, worker) VALUES ($1, $2)",
                             [job.id, sys.argv[2]])
    await asyncio.sleep(0)  # let the other claims interleave


async def main(url: str, name: str) -> None:
    await Tortoise.init(db_url=url, modules={"models": MODEL_MODULES})
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the start signal: both workers are ready
    idle = 0
    while idle < 3:
        ran = await queue.run_due(name, limit=5)
        idle = 0 if ran else idle + 1
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
