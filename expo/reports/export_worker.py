"""The process that writes one export job: ``python -m expo.reports.export_worker JOB``.

Started by the ``reports.export`` job's handler (``expo.reports.jobs.export_job``, in the job
worker) with the database URL and the data folder in its environment (``EXPO_DATABASE_URL``,
``EXPO_DATA_DIR``). It opens its own connection (on SQLite, WAL lets it read while the server
writes), writes the workbook, records the outcome on the job's row and exits: 0 when the file
is ready. It runs at a lower CPU priority (nice 10) than the server. SIGTERM (the job timed
out, or its worker is stopping) fails the job and removes its partial file; after kill -9 the
job's heartbeat goes stale and ``recover_interrupted_jobs`` does the same.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from tortoise import Tortoise

from expo import i18n
from expo.db import tortoise_config
from expo.reports import jobs


async def work(*, job_id: int, database_url: str, data_dir: Path, locale: str) -> bool:
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await Tortoise.init(config=tortoise_config(database_url))
    token = i18n.set_locale(locale)
    try:
        return await jobs.run_export(job_id=job_id, data_dir=data_dir)
    finally:
        i18n.reset_locale(token)
        await Tortoise.close_connections()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expo.reports.export_worker")
    parser.add_argument("job_id", type=int)
    parser.add_argument("--locale", default=i18n.DEFAULT_LOCALE)
    args = parser.parse_args(argv)
    database_url, data_dir = os.environ.get("EXPO_DATABASE_URL"), os.environ.get("EXPO_DATA_DIR")
    if not database_url or not data_dir:
        print("EXPO_DATABASE_URL and EXPO_DATA_DIR must be set", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if hasattr(os, "nice"):
        os.nice(10)  # background work: the web server (and the gate) go first for the CPU
    try:
        done = asyncio.run(work(job_id=args.job_id, database_url=database_url,
                                data_dir=Path(data_dir), locale=args.locale))
    except (asyncio.CancelledError, KeyboardInterrupt):
        return 1
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
