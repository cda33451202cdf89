"""Background export jobs: the event workbook, written outside the web process.

An export is a row (``ExportJob``: what the committee's page polls) and a job of the durable
queue (``expo.jobs``, kind ``reports.export``). ``start_export`` creates both in one
transaction; the job's handler writes the workbook: by a child process
(``python -m expo.reports.export_worker JOB``, which opens its own database connection) when
the database is one a child can open, else in the worker's own process. The writer writes
``data_dir/exports/<file>.part``, renames it to ``<file>`` and marks the export done. The web
process does nothing heavy: the page polls the row. (Fetching, formatting and zipping 200,000
rows is about 20 s of CPU; in the web process it held the GIL against the gate's scans.)

While it works, the writing process touches the export's ``heartbeat_at`` (every HEARTBEAT and
on every chunk) and names itself in ``worker`` (host:pid). A running export whose heartbeat is
older than STALE_AFTER, or whose worker process on this host is gone, was interrupted (kill -9,
a crash, a restart): ``recover_interrupted_jobs`` marks it failed and removes its partial
file, so that a new export can start. A pending export waits for the queue: it is interrupted
only once its queue job is no longer due to run (dead, or gone) and its heartbeat is old. It
runs at start-up and whenever exports are listed or polled; one that another live worker (or
server) is writing keeps a fresh heartbeat and is left alone.

The handler runs an export once: an export that is no longer pending (written, failed, or being
written by a child that outlived its worker) is left as it is, so a job run again after a crash
never writes a second file.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tortoise.expressions import Q

from expo import i18n
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound, found
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.jobs import queue
from expo.jobs.models import Job, JobState
from expo.reports.models import ExportJob, JobStatus
from expo.reports.workbook import build_event_workbook, file_name

log = logging.getLogger("expo.reports")
HEARTBEAT = dt.timedelta(seconds=15)
STALE_AFTER = dt.timedelta(minutes=2)
LIVE = (JobStatus.PENDING, JobStatus.RUNNING)
EXPORT = "reports.export"  # the queue's kind of job
WAITING = (JobState.QUEUED, JobState.RUNNING, JobState.FAILED)  # a queue job still to run


@dataclass
class _Runtime:
    database_url: str = ""  # a database a child process can open; "": write in this process


_runtime = _Runtime()


def configure(*, database_url: str) -> None:
    """Tell this process which database it uses, so that its worker writes exports in a child
    process (``expo worker`` at start-up; ``start_export`` does it for the web process)."""
    _runtime.database_url = database_url if can_spawn(database_url) else ""


def export_key(export_id: int) -> str:
    return f"{EXPORT}:{export_id}"


def exports_dir(data_dir: Path) -> Path:
    path = data_dir / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def partial_file(job: ExportJob, data_dir: Path) -> Path:
    return (exports_dir(data_dir) / job.file_name).with_suffix(".part")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(worker: str) -> bool:
    """Whether ``worker`` (host:pid) is a process of this host that no longer exists."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host, or not claimed yet: only the heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # pragma: no cover - alive, someone else's
        return False
    return False


def _stale(cutoff: dt.datetime) -> Q:
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)


# ---- recovery ------------------------------------------------------------------------------

async def _queued(exports: Collection[ExportJob]) -> set[int]:
    """The pending exports whose queue job is still to run (a worker will take it)."""
    keys = {export_key(e.id): e.id for e in exports if e.status == JobStatus.PENDING}
    if not keys:
        return set()
    waiting = await Job.filter(key__in=list(keys), state__in=WAITING).values_list("key",
                                                                                 flat=True)
    return {keys[str(k)] for k in waiting}


async def recover_interrupted_jobs(*, data_dir: Path, event: Event | None = None,
                                   now: dt.datetime | None = None) -> int:
    """Mark interrupted exports failed and remove their partial files; returns how many.

    Called by the app at start-up (every event) and before exports are listed, polled or
    started (one event). Safe with several workers: an export is failed only by a
    conditional UPDATE that still sees it interrupted.
    """
    now = now or _now()
    cutoff = now - STALE_AFTER
    parts = _old_parts(data_dir, cutoff) if event is None else []
    query = ExportJob.filter(status__in=LIVE)
    if event is not None:
        query = query.filter(event=event)
    live = await query
    queued = await _queued(live)
    failed = 0
    for job in live:
        if job.id in queued:
            continue  # waiting for a worker of the queue, not interrupted
        if job.worker and _gone(job.worker):
            still = ExportJob.filter(id=job.id, status__in=LIVE, worker=job.worker)
        else:
            still = ExportJob.filter(_stale(cutoff), id=job.id, status__in=LIVE)
        if await still.update(status=JobStatus.FAILED, error="interrupted", finished_at=now):
            log.warning("export %s was interrupted (worker %s)", job.id, job.worker or "-")
            partial_file(job, data_dir).unlink(missing_ok=True)
            failed += 1
    if parts:  # partial files that no live export writes (their rows are gone or finished)
        names = await ExportJob.filter(status__in=LIVE).values_list("file_name", flat=True)
        writing = {Path(str(n)).stem for n in names}
        for path in parts:
            if path.stem not in writing:
                path.unlink(missing_ok=True)
    return failed


def _old_parts(data_dir: Path, cutoff: dt.datetime) -> list[Path]:
    """``.part`` files not written to since ``cutoff`` (listed before the live jobs are read,
    so that a job started meanwhile cannot lose its file)."""
    folder = data_dir / "exports"
    if not folder.is_dir():
        return []
    limit = cutoff.timestamp()
    return [p for p in folder.glob("*.part") if p.stat().st_mtime < limit]


# ---- starting ------------------------------------------------------------------------------

def can_spawn(database_url: str) -> bool:
    """Whether a child process can open the database (not an in-memory SQLite one)."""
    return bool(database_url) and ":memory:" not in database_url


async def start_export(*, event: Event, data_dir: Path, by: User | None,
                       database_url: str | None = None) -> ExportJob:
    """Create the export and queue the job that writes it (one live export per event).

    With ``database_url`` (a database a child process can open) the workbook is written by a
    child process of the worker; without it, by the worker itself. The requester's language
    is the workbook's.
    """
    await recover_interrupted_jobs(data_dir=data_dir, event=event)
    child = can_spawn(database_url or "")
    if child and database_url:
        configure(database_url=database_url)  # this process's worker may be the one to run it
    async with atomic():
        await Event.filter(id=event.id).select_for_update().first()  # one start at a time
        if await ExportJob.filter(event=event, status__in=LIVE).exists():
            raise DomainError(_("A report is already being written. Wait for it to finish."),
                              "export_running", status_code=409)
        job = await ExportJob.create(event=event, requested_by=by, file_name=file_name(event),
                                     heartbeat_at=_now())
        await queue.enqueue(EXPORT, {"export_id": job.id, "locale": i18n.get_locale(),
                                     "data_dir": str(data_dir), "child": child},
                            key=export_key(job.id), event_id=event.id)
        await log_action(action="expo.report.exported", actor=by, event=event, obj=job,
                         summary=job.file_name)
    return job


# ---- running -------------------------------------------------------------------------------

@queue.handler(EXPORT, max_attempts=2, backoff=10.0, timeout=3600.0)
async def export_job(job: queue.RunningJob) -> None:
    """Write one export (the queue's job behind every report workbook)."""
    export_id = int(job.payload["export_id"])
    data_dir = Path(str(job.payload["data_dir"]))
    locale = str(job.payload.get("locale") or i18n.DEFAULT_LOCALE)
    export = await ExportJob.filter(id=export_id).select_related("event").first()
    if export is not None and export.status == JobStatus.RUNNING:  # run again: interrupted?
        await recover_interrupted_jobs(data_dir=data_dir, event=export.event)
    if export is None or export.status != JobStatus.PENDING:
        return  # gone, ended, or still written by a child that outlived its worker
    url = _runtime.database_url
    if job.payload.get("child") and url:
        await _run_child(job_id=export_id, database_url=url, data_dir=data_dir, locale=locale)
    else:
        with i18n.using(locale):
            await run_export(job_id=export_id, data_dir=data_dir)


async def _run_child(*, job_id: int, database_url: str, data_dir: Path, locale: str) -> None:
    """Start the export process and wait for it; a process that dies fails its export at
    once. Cancelled (the job timed out, the worker stops), it stops the process first."""
    # The URL may hold a password: the environment, unlike the command line, is private.
    env = {**os.environ, "EXPO_DATABASE_URL": database_url, "EXPO_DATA_DIR": str(data_dir)}
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "expo.reports.export_worker", str(job_id),
            "--locale", locale, env=env, stdin=asyncio.subprocess.DEVNULL)
    except OSError as exc:
        await _fail(job_id, data_dir, f"cannot start the export worker: {exc}")
        return
    try:
        code = await child.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            child.terminate()  # SIGTERM: the process fails its export and removes its file
        await asyncio.shield(child.wait())
        await asyncio.shield(_fail(job_id, data_dir, "stopped before it was done"))
        raise
    if code != 0:
        await _fail(job_id, data_dir, f"export worker exited with code {code}")


async def _fail(job_id: int, data_dir: Path, error: str) -> None:
    job = await ExportJob.get_or_none(id=job_id)
    if job is None:
        return
    if await ExportJob.filter(id=job_id, status__in=LIVE).update(
            status=JobStatus.FAILED, error=error[:300], finished_at=_now()):
        log.error("export %s failed: %s", job_id, error)
    partial_file(job, data_dir).unlink(missing_ok=True)


async def _beat(job_id: int, worker: str) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT.total_seconds())
        await ExportJob.filter(id=job_id, status=JobStatus.RUNNING, worker=worker).update(
            heartbeat_at=_now())


async def run_export(*, job_id: int, data_dir: Path) -> bool:
    """Write the export's workbook (in whichever process calls it); True when done."""
    me = this_worker()
    if not await ExportJob.filter(id=job_id, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, worker=me, heartbeat_at=_now()):
        return False  # failed meanwhile (recovered as interrupted) or already taken
    job = await ExportJob.get(id=job_id).select_related("event")
    target = exports_dir(data_dir) / job.file_name
    partial = partial_file(job, data_dir)
    last = [0.0]

    async def progress(done: int, total: int, stage: str) -> None:
        if time.monotonic() - last[0] < 0.5 and done < total:
            return  # a few updates a second are plenty for a progress bar
        last[0] = time.monotonic()
        await ExportJob.filter(id=job_id, worker=me).update(
            progress=min(99, done * 100 // max(total, 1)), rows_written=done, stage=stage[:60],
            heartbeat_at=_now())

    beat = asyncio.create_task(_beat(job_id, me))
    try:
        rows = await build_event_workbook(event=job.event, target=partial, progress=progress)
        partial.replace(target)
    except BaseException as exc:  # the job must end visibly, whatever went wrong
        if isinstance(exc, Exception):
            log.exception("export %s failed", job_id)
        await asyncio.shield(_fail(job_id, data_dir, str(exc) or type(exc).__name__))
        if not isinstance(exc, Exception):
            raise
        return False
    finally:
        beat.cancel()
    return bool(await ExportJob.filter(id=job_id, worker=me, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, progress=100, rows_written=rows, finished_at=_now()))


# ---- reading -------------------------------------------------------------------------------

async def get_job(*, event: Event, job_id: int) -> ExportJob:
    job = found(await ExportJob.get_or_none(id=job_id, event=event),
                _("This export does not exist."), "export_not_found")
    return job


async def job_status(*, event: Event, job_id: int, data_dir: Path) -> ExportJob:
    """The job as its progress bar polls it: an interrupted one shows as failed."""
    job = await get_job(event=event, job_id=job_id)
    if job.status in LIVE and await recover_interrupted_jobs(data_dir=data_dir, event=event):
        job = await get_job(event=event, job_id=job_id)
    return job


async def recent_jobs(*, event: Event, data_dir: Path | None = None,
                      limit: int = 5) -> list[ExportJob]:
    if data_dir is not None:
        await recover_interrupted_jobs(data_dir=data_dir, event=event)
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
    """Run the queued exports in this process, then the export (tests and the command line)."""
    await queue.drain(only=[EXPORT])
    return await ExportJob.get(id=job_id)
