"""Background export jobs: the workbook is written by a task of the server process into
``settings.data_dir / "exports"``; the page polls the job's progress and links the file."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.reports.models import ExportJob, JobStatus
from expo.reports.workbook import build_event_workbook, file_name

log = logging.getLogger("expo.reports")
STALE_AFTER = dt.timedelta(minutes=30)
_TASKS: set[asyncio.Task[None]] = set()  # keep a reference until each task ends


def exports_dir(data_dir: Path) -> Path:
    path = data_dir / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def start_export(*, event: Event, data_dir: Path, by: User | None) -> ExportJob:
    """Create the job and start writing it in the background (one running job per event)."""
    # A job left running by a restarted server would block every later export.
    await ExportJob.filter(event=event, status__in=[JobStatus.PENDING, JobStatus.RUNNING],
                           created_at__lt=dt.datetime.now(dt.UTC) - STALE_AFTER).update(
        status=JobStatus.FAILED, error="interrupted", finished_at=dt.datetime.now(dt.UTC))
    if await ExportJob.filter(event=event, status__in=[JobStatus.PENDING,
                                                       JobStatus.RUNNING]).exists():
        raise DomainError(_("A report is already being written. Wait for it to finish."),
                          "export_running", status_code=409)
    job = await ExportJob.create(event=event, requested_by=by, file_name=file_name(event))
    await log_action(action="expo.report.exported", actor=by, event=event, obj=job,
                     summary=job.file_name)
    task = asyncio.create_task(run_export(job_id=job.id, data_dir=data_dir))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return job


async def run_export(*, job_id: int, data_dir: Path) -> None:
    job = await ExportJob.get(id=job_id).select_related("event")
    target = exports_dir(data_dir) / job.file_name
    partial = target.with_suffix(".part")

    async def progress(done: int, total: int, stage: str) -> None:
        await ExportJob.filter(id=job_id).update(
            progress=min(99, done * 100 // max(total, 1)), rows_written=done, stage=stage[:60])

    await ExportJob.filter(id=job_id).update(status=JobStatus.RUNNING)
    try:
        rows = await build_event_workbook(event=job.event, target=partial, progress=progress)
        partial.replace(target)
    except Exception as exc:  # the job must end visibly, whatever went wrong
        log.exception("export %s failed", job_id)
        partial.unlink(missing_ok=True)
        await ExportJob.filter(id=job_id).update(
            status=JobStatus.FAILED, error=str(exc)[:300], finished_at=dt.datetime.now(dt.UTC))
        return
    await ExportJob.filter(id=job_id).update(
        status=JobStatus.DONE, progress=100, rows_written=rows,
        finished_at=dt.datetime.now(dt.UTC))


async def get_job(*, event: Event, job_id: int) -> ExportJob:
    job = await ExportJob.get_or_none(id=job_id, event=event)
    if job is None:
        raise NotFound(_("This export does not exist."), "export_not_found")
    return job


async def recent_jobs(*, event: Event, limit: int = 5) -> list[ExportJob]:
    return await ExportJob.filter(event=event).order_by("-id").limit(limit)


def job_file(job: ExportJob, data_dir: Path) -> Path:
    """The finished file of a job, or a 404/409 a person can act on."""
    if job.status != JobStatus.DONE:
        raise DomainError(_("The report is not ready yet."), "export_not_ready", status_code=409)
    path = exports_dir(data_dir) / job.file_name
    if not path.is_file() or path.name != job.file_name:
        raise NotFound(_("The file is gone. Write the report again."), "export_file_missing")
    return path


async def wait_for(job_id: int) -> ExportJob:
    """Wait for a job's task (tests and the command line)."""
    for task in list(_TASKS):
        await task
    return await ExportJob.get(id=job_id)
