"""Large workbook imports through the job queue: the record, the job, the page's reading.

A workbook with more rows than ``LARGE_IMPORT_ROWS`` is not written during its request: the
upload waits on disk (``importer.upload_path``; never in the job's payload), an ``ImportJob``
row and a queue job are created in one transaction, and the committee is sent to the import's
page, which polls the row. The job runs the same import as a small file's request, in one
transaction: all rows or none. Its errors are kept in the requester's language (the job runs
in it). The upload is removed once the import has ended.

``run_import`` is the handler's frame for every kind of import (producers here, booths in
``expo.booths.import_jobs``): it claims the record, runs the kind's work and records how it
ended. An import is safe to run again: the producers' import marks its record done inside its
own transaction (a second run finds it done), and importing booths again writes the same
booths.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from expo import i18n
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors import importer
from expo.exhibitors.import_models import ENDED, ImportJob, ImportKind, ImportStatus
from expo.i18n import gettext as _
from expo.jobs import queue
from expo.jobs.models import Job, JobState
from expo.offload import in_thread
from expo.xlsx import read_upload

log = logging.getLogger("expo.imports")

LARGE_IMPORT_ROWS = 500  # more rows than this: imported by the job queue
PRODUCERS = "exhibitors.import"
JOB_OF = {ImportKind.PRODUCERS: PRODUCERS, ImportKind.BOOTHS: "booths.import"}  # queue kinds
Work = Callable[[ImportJob, Path, dict[str, Any]], Awaitable[dict[str, Any]]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def job_key(kind: str, import_id: int) -> str:
    return f"{kind}:{import_id}"


async def is_large(data: bytes) -> bool:
    """Whether the workbook has more than ``LARGE_IMPORT_ROWS`` rows (reading no further than
    that, in a worker process). A file that is not a workbook is refused here, at once."""
    try:
        await read_upload(data, max_rows=LARGE_IMPORT_ROWS)
    except DomainError as exc:
        if exc.code == "too_many_rows":
            return True
        raise
    return False


async def queue_import(*, kind: ImportKind, event: Event, by: User | None, token: str,
                       uploads_dir: Path, payload: dict[str, Any] | None = None) -> ImportJob:
    """The import's record and its job, in one transaction, audited."""
    job = JOB_OF[kind]
    async with atomic():
        record = await ImportJob.create(event=event, kind=kind, token=token, requested_by=by,
                                        locale=i18n.get_locale())
        await queue.enqueue(job, {"import_id": record.id, "uploads_dir": str(uploads_dir),
                                  **(payload or {})},
                            key=job_key(job, record.id), event_id=event.id)
        await log_action(action="expo.import.queued", actor=by, event=event, obj=record,
                         summary=kind.label, data={"kind": kind.value})
    return record


# ---- running ---------------------------------------------------------------------------------

async def finish(record: ImportJob, result: dict[str, Any]) -> None:
    """Mark the import done with its counts (inside the import's transaction, when it can)."""
    await ImportJob.filter(id=record.id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE, result=result, finished_at=_now())


async def _fail(record: ImportJob, path: Path, error: str, problems: list[str]) -> None:
    await ImportJob.filter(id=record.id, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
                           ).update(status=ImportStatus.FAILED, error=error[:500],
                                    problems=[str(p)[:300] for p in problems[:50]],
                                    finished_at=_now())
    await in_thread(path.unlink, missing_ok=True)


def _broken() -> str:
    return _("The import stopped with an error: nothing was imported. Upload the file again; "
             "if it fails again, tell the administrator.")


async def run_import(job: queue.RunningJob, work: Work) -> None:
    """Run one import's ``work`` (in the requester's language) and record how it ended.

    A ``DomainError`` (the file, or the event's booths, say no) ends it failed with its
    message and rows; any other error is the queue's to retry, and fails the import on the
    last attempt."""
    record = await ImportJob.filter(id=int(job.payload["import_id"])).select_related(
        "event", "requested_by").first()
    if record is None or record.status in ENDED:
        return  # gone, or ended by an earlier run of this job
    path = importer.upload_path(Path(str(job.payload["uploads_dir"])), record.event.id,
                                record.token)
    await ImportJob.filter(id=record.id, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
                           ).update(status=ImportStatus.RUNNING, started_at=_now())
    with i18n.using(record.locale):
        try:
            result = await work(record, path, job.payload)
        except DomainError as exc:
            await _fail(record, path, exc.message, list(exc.data.get("rows", [])))
            return
        except Exception:
            if job.attempt >= job.max_attempts:
                await _fail(record, path, _broken(), [])
            else:
                await ImportJob.filter(id=record.id, status=ImportStatus.RUNNING).update(
                    status=ImportStatus.QUEUED)
            raise
        except BaseException:  # cancelled (the worker stops): it runs again, from the start
            await asyncio.shield(ImportJob.filter(id=record.id, status=ImportStatus.RUNNING)
                                 .update(status=ImportStatus.QUEUED))
            raise
    await finish(record, result)
    await in_thread(path.unlink, missing_ok=True)


async def _producers(record: ImportJob, path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    async def done(result: importer.ImportResult) -> None:
        await finish(record, dataclasses.asdict(result))

    result = await importer.commit(token=record.token, event=record.event,
                                   by=record.requested_by,
                                   uploads_dir=Path(str(payload["uploads_dir"])),
                                   link_base=str(payload["link_base"]), then=done)
    return dataclasses.asdict(result)


@queue.handler(PRODUCERS, max_attempts=3, backoff=30.0, timeout=900.0)
async def import_producers(job: queue.RunningJob) -> None:
    """Import a large producers' workbook (``importer.commit``, as a small one's request)."""
    await run_import(job, _producers)


async def commit_producers(*, token: str, event: Event, by: User, uploads_dir: Path,
                           link_base: str) -> importer.ImportResult | ImportJob:
    """Import a previewed workbook now, or, when it is large, queue its import (its record)."""
    path = importer.stored_upload(token=token, event=event, uploads_dir=uploads_dir)
    if await is_large(await in_thread(path.read_bytes)):
        return await queue_import(kind=ImportKind.PRODUCERS, event=event, by=by, token=token,
                                  uploads_dir=uploads_dir, payload={"link_base": link_base})
    return await importer.commit(token=token, event=event, by=by, uploads_dir=uploads_dir,
                                 link_base=link_base)


# ---- reading ---------------------------------------------------------------------------------

async def get_import(*, event: Event, import_id: int) -> ImportJob:
    """One of the event's imports (another event's is a 404). One whose job died without
    ending it (it timed out, say) shows as failed."""
    record = found(await ImportJob.filter(id=import_id, event=event).select_related(
        "requested_by").first(), _("This import does not exist."), "import_not_found")
    if record.status not in ENDED:
        if await Job.exists(key=job_key(JOB_OF[record.kind], record.id), state=JobState.DEAD):
            await ImportJob.filter(id=record.id, status__in=(
                ImportStatus.QUEUED, ImportStatus.RUNNING)).update(
                status=ImportStatus.FAILED, error=_broken(), finished_at=_now())
            record = await ImportJob.get(id=record.id).select_related("requested_by")
    return record
