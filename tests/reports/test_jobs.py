"""Export jobs: written by a child process, and recovered when interrupted (kill -9)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from expo import i18n
from expo.jobs import queue
from expo.jobs.models import Job, JobState
from expo.reports import jobs
from expo.reports.models import ExportJob, JobStatus
from tests.factories import make_event
from tests.reports.factories import make_checked_in, make_exhibitor, make_gate

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("_export_child.py")


async def _event():  # type: ignore[no-untyped-def]
    event = await make_event()
    gate = await make_gate(event)
    await make_exhibitor(event)
    for _ in range(3):
        await make_checked_in(event, gate=gate)
    return event


def _ago(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)


async def _running(event, tmp_path: Path, *, worker: str, beat: dt.datetime):  # type: ignore[no-untyped-def]
    job = await ExportJob.create(event=event, status=JobStatus.RUNNING, file_name=f"j{event.id}.xlsx",
                                 worker=worker, heartbeat_at=beat)
    part = jobs.partial_file(job, tmp_path)
    part.write_bytes(b"PK half a zip")
    return job, part


async def test_export_job_runs_in_a_child_process(shared_db, tmp_path):
    event = await _event()
    token = i18n.set_locale("en")  # the requester's language reaches the child
    try:
        job = await jobs.start_export(event=event, data_dir=tmp_path, by=None,
                                      database_url=shared_db)
    finally:
        i18n.reset_locale(token)
    job = await jobs.wait_for(job.id)
    assert job.status == JobStatus.DONE and job.rows_written == 1 + 3 + 3
    assert job.worker and not job.worker.endswith(f":{os.getpid()}")  # another process
    assert "Check-ins" in load_workbook(jobs.job_file(job, tmp_path)).sheetnames
    assert not list((tmp_path / "exports").glob("*.part"))


async def test_recover_interrupted_jobs_fails_stale_jobs_and_keeps_live_ones(db, tmp_path):
    stuck_event, live_event = await _event(), await _event()
    stuck, stuck_part = await _running(stuck_event, tmp_path, worker="other-host:41",
                                       beat=_ago(minutes=5))
    live, live_part = await _running(live_event, tmp_path, worker="other-host:42",
                                     beat=_ago(seconds=20))
    orphan = tmp_path / "exports" / "gone-job.part"
    orphan.write_bytes(b"PK")
    os.utime(orphan, (_ago(hours=1).timestamp(),) * 2)
    assert await jobs.recover_interrupted_jobs(data_dir=tmp_path) == 1
    stuck = await ExportJob.get(id=stuck.id)
    assert (stuck.status, stuck.error) == (JobStatus.FAILED, "interrupted")
    assert not stuck_part.exists() and not orphan.exists()
    assert (await ExportJob.get(id=live.id)).status == JobStatus.RUNNING and live_part.exists()
    job = await jobs.start_export(event=stuck_event, data_dir=tmp_path, by=None)
    assert (await jobs.wait_for(job.id)).status == JobStatus.DONE


async def test_recover_interrupted_jobs_fails_a_dead_local_worker_at_once(db, tmp_path):
    event = await _event()
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    job, part = await _running(event, tmp_path, worker=f"{socket.gethostname()}:{ended.pid}",
                               beat=_ago(seconds=5))  # fresh heartbeat, but the process is gone
    assert await jobs.recover_interrupted_jobs(data_dir=tmp_path, event=event) == 1
    assert (await ExportJob.get(id=job.id)).status == JobStatus.FAILED and not part.exists()


async def test_export_worker_killed_mid_way_is_recovered(shared_db, tmp_path):
    event = await _event()
    job = await ExportJob.create(event=event, file_name="killed.xlsx", heartbeat_at=_ago())
    env = {**os.environ, "EXPO_DATABASE_URL": shared_db, "EXPO_DATA_DIR": str(tmp_path)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(job.id), "--locale", "en", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 60) == b"writing\n"
        job = await ExportJob.get(id=job.id)
        part = jobs.partial_file(job, tmp_path)
        assert job.status == JobStatus.RUNNING and job.worker.endswith(f":{child.pid}")
        assert part.exists()
        # Another server starting now must leave a job that is being written alone.
        assert await jobs.recover_interrupted_jobs(data_dir=tmp_path) == 0
        assert (await ExportJob.get(id=job.id)).status == JobStatus.RUNNING
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL
    assert (await ExportJob.get(id=job.id)).status == JobStatus.RUNNING  # what kill -9 leaves
    assert await jobs.recover_interrupted_jobs(data_dir=tmp_path) == 1  # the restart
    job = await ExportJob.get(id=job.id)
    assert job.status == JobStatus.FAILED and not part.exists()
    again = await jobs.start_export(event=event, data_dir=tmp_path, by=None,
                                    database_url=shared_db)
    assert (await jobs.wait_for(again.id)).status == JobStatus.DONE


async def test_export_job_of_a_stopped_worker_fails_without_waiting(shared_db, tmp_path):
    """SIGTERM (a server stopping) fails the job and removes its partial file."""
    event = await _event()
    job = await ExportJob.create(event=event, file_name="stopped.xlsx", heartbeat_at=_ago())
    env = {**os.environ, "EXPO_DATABASE_URL": shared_db, "EXPO_DATA_DIR": str(tmp_path)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(job.id), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 60) == b"writing\n"
        child.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(child.wait(), 60) == 1
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    job = await ExportJob.get(id=job.id)
    assert job.status == JobStatus.FAILED and not jobs.partial_file(job, tmp_path).exists()


# ---- through the job queue ----------------------------------------------------------------

def _running_job(export: ExportJob, tmp_path: Path, *, child: bool = False,
                 attempt: int = 1) -> queue.RunningJob:
    return queue.RunningJob(id=0, kind=jobs.EXPORT, attempt=attempt, max_attempts=2,
                            payload={"export_id": export.id, "locale": "en",
                                     "data_dir": str(tmp_path), "child": child})


async def test_start_export_queues_its_job_and_the_queue_writes_it(db, tmp_path):
    event = await _event()
    export = await jobs.start_export(event=event, data_dir=tmp_path, by=None)
    job = await Job.get(key=f"reports.export:{export.id}")
    assert (job.kind, job.state, job.event_id) == ("reports.export", JobState.QUEUED, event.id)
    assert job.payload["export_id"] == export.id and job.max_attempts == 2
    assert (await ExportJob.get(id=export.id)).status == JobStatus.PENDING  # nothing ran yet
    assert await queue.drain(only=[jobs.EXPORT]) == 1
    assert (await ExportJob.get(id=export.id)).status == JobStatus.DONE
    assert (await Job.get(id=job.id)).state == JobState.DONE


async def test_start_export_that_fails_leaves_neither_export_nor_job(db, tmp_path, monkeypatch):
    event = await _event()

    async def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(jobs, "log_action", broken)
    with pytest.raises(RuntimeError):
        await jobs.start_export(event=event, data_dir=tmp_path, by=None)
    assert not await ExportJob.exists() and not await Job.exists()


async def test_pending_export_waiting_for_the_queue_is_not_interrupted(db, tmp_path):
    event = await _event()
    export = await jobs.start_export(event=event, data_dir=tmp_path, by=None)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert await jobs.recover_interrupted_jobs(data_dir=tmp_path, now=later) == 0
    assert (await ExportJob.get(id=export.id)).status == JobStatus.PENDING
    await Job.filter(key=f"reports.export:{export.id}").update(state=JobState.DEAD)
    assert await jobs.recover_interrupted_jobs(data_dir=tmp_path, now=later) == 1
    assert (await ExportJob.get(id=export.id)).status == JobStatus.FAILED


async def test_export_job_run_again_writes_nothing_twice(db, tmp_path):
    event = await _event()
    export = await jobs.wait_for((await jobs.start_export(event=event, data_dir=tmp_path,
                                                          by=None)).id)
    path = jobs.job_file(export, tmp_path)
    before = path.stat().st_mtime_ns
    await jobs.export_job(_running_job(export, tmp_path, attempt=2))  # after a crash, say
    again = await ExportJob.get(id=export.id)
    assert again.status == JobStatus.DONE and again.finished_at == export.finished_at
    assert path.stat().st_mtime_ns == before


async def test_export_job_run_again_fails_the_export_its_dead_worker_left(db, tmp_path):
    event = await _event()
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    export, part = await _running(event, tmp_path, worker=f"{socket.gethostname()}:{ended.pid}",
                                  beat=_ago(seconds=5))
    await jobs.export_job(_running_job(export, tmp_path, attempt=2))
    assert (await ExportJob.get(id=export.id)).status == JobStatus.FAILED and not part.exists()


async def test_export_job_stopped_stops_its_child_and_fails_the_export(
        shared_db, tmp_path, monkeypatch):
    """The worker stopping (or the job timing out) cancels the handler: its child process is
    sent SIGTERM, and the export ends failed, without its partial file."""
    event = await _event()
    export = await ExportJob.create(event=event, file_name="cancelled.xlsx", heartbeat_at=_ago())
    spawn, started = asyncio.create_subprocess_exec, asyncio.Event()
    children: list[asyncio.subprocess.Process] = []

    async def hanging_child(program, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert list(args[:2]) == ["-m", "expo.reports.export_worker"]
        child = await spawn(program, str(CHILD), *args[2:], cwd=ROOT,
                            stdout=asyncio.subprocess.PIPE, **kwargs)
        children.append(child)
        started.set()
        return child

    monkeypatch.setattr(jobs.asyncio, "create_subprocess_exec", hanging_child)
    jobs.configure(database_url=shared_db)
    try:
        task = asyncio.create_task(jobs.export_job(_running_job(export, tmp_path, child=True)))
        await asyncio.wait_for(started.wait(), 60)
        child = children[0]
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 60) == b"writing\n"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        jobs.configure(database_url="")
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    assert children[0].returncode == 1  # it ended on SIGTERM, by itself
    export = await ExportJob.get(id=export.id)
    assert export.status == JobStatus.FAILED and not jobs.partial_file(export, tmp_path).exists()
