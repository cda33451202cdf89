"""Large booth imports through the job queue (the frame is ``expo.exhibitors.import_jobs``).

A workbook of more than ``import_jobs.LARGE_IMPORT_ROWS`` booths is kept on disk and imported
by a job, the same all-or-nothing ``importer.import_booths`` as a small file's request.
Importing the same file again writes the same booths, so a job run again after a crash is
harmless.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from expo.accounts.models import User
from expo.events.models import Event
from expo.exhibitors import import_jobs
from expo.exhibitors.import_models import ImportJob, ImportKind
from expo.exhibitors.importer import store_upload
from expo.jobs import queue
from expo.offload import in_thread

from . import importer

BOOTHS = import_jobs.JOB_OF[ImportKind.BOOTHS]


async def _booths(record: ImportJob, path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    data = await in_thread(path.read_bytes)
    report = await importer.import_booths(event=record.event, data=data, by=record.requested_by)
    return dataclasses.asdict(report)


@queue.handler(BOOTHS, max_attempts=3, backoff=30.0, timeout=900.0)
async def import_booths_job(job: queue.RunningJob) -> None:
    """Import a large booths' workbook."""
    await import_jobs.run_import(job, _booths)


async def import_or_queue(*, event: Event, data: bytes, by: User,
                          uploads_dir: Path) -> importer.ImportReport | ImportJob:
    """Import the workbook now, or, when it is large, keep it and queue its import."""
    if not await import_jobs.is_large(data):
        return await importer.import_booths(event=event, data=data, by=by)
    token = await store_upload(data=data, event=event, uploads_dir=uploads_dir)
    return await import_jobs.queue_import(kind=ImportKind.BOOTHS, event=event, by=by,
                                          token=token, uploads_dir=uploads_dir)
