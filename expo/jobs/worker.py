"""The worker: claims due jobs and runs them, a few at a time, until told to stop.

``expo serve`` runs one inside the web process (the embedded set-up stays one command);
``expo worker`` runs it alone, for deployments where the web processes are started with
``EXPO_WORKER=off``. Any number of workers may run against one PostgreSQL database: a job is
claimed by one of them (``expo.jobs.queue.claim``). On SQLite, run one.

Besides the queue, the worker keeps the schedule: every ``every(kind, seconds)`` kind is
enqueued once per period, under a key naming the period, so that two workers queue it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from expo.jobs import queue

log = logging.getLogger("expo.jobs")


@dataclass(frozen=True)
class Schedule:
    kind: str
    seconds: int
    payload: Callable[[], dict[str, Any]] | None = None


_SCHEDULE: dict[str, Schedule] = {}


def every(kind: str, seconds: int, payload: Callable[[], dict[str, Any]] | None = None) -> None:
    """Queue a job of ``kind`` once every ``seconds`` (its handler is registered separately)."""
    _SCHEDULE[kind] = Schedule(kind, seconds, payload)


def schedules() -> list[Schedule]:
    return list(_SCHEDULE.values())


@queue.handler("jobs.prune", max_attempts=3)
async def prune_done_jobs(job: queue.RunningJob) -> None:
    """Daily: done jobs older than two weeks go (dead ones stay for a person to see)."""
    removed = await queue.prune()
    if removed:
        log.info("pruned %s done jobs", removed)


every("jobs.prune", 86_400)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Runs up to ``concurrency`` jobs at once; polls every ``poll`` seconds when idle."""

    def __init__(self, *, concurrency: int = 8, poll: float = 1.0, name: str | None = None,
                 only: list[str] | None = None, schedule: bool = True) -> None:
        self.concurrency = max(1, concurrency)
        self.poll = poll
        self.name = name or worker_name()
        self.only = only
        self.schedule = schedule
        self.running: dict[int, asyncio.Task[Any]] = {}
        self.processed = 0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._next_slot: dict[str, int] = {}

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        queue._wakers.add(self._wake)
        renewer = asyncio.create_task(self._renew())
        log.info("job worker %s started (%s at once)", self.name, self.concurrency)
        try:
            while not self._stopping.is_set():
                if self.schedule:
                    await self._queue_scheduled()
                free = self.concurrency - len(self.running)
                claimed = []
                if free > 0:
                    try:
                        claimed = await queue.claim(self.name, limit=free, only=self.only)
                    except Exception:  # the database is away: wait, then try again
                        log.exception("claiming jobs failed")
                for job in claimed:
                    task = asyncio.create_task(self._execute(job))
                    self.running[job.id] = task
                if claimed and len(self.running) < self.concurrency:
                    continue  # there may be more due
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll)
        finally:
            queue._wakers.discard(self._wake)
            renewer.cancel()
            await self._wind_down()
            log.info("job worker %s stopped after %s jobs", self.name, self.processed)

    async def _execute(self, job: queue.RunningJob) -> None:
        try:
            await queue.execute(job, self.name)
            self.processed += 1
        except Exception:  # recording the outcome failed: the lease runs out, it runs again
            log.exception("job %s (%s) could not be recorded", job.id, job.kind)
        finally:
            self.running.pop(job.id, None)
            # Claim in batches: one statement for half the slots, not one per finished job.
            if self.concurrency - len(self.running) >= max(1, self.concurrency // 2):
                self._wake.set()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(queue.LEASE_MS / 3000)
            try:
                await queue.renew(self.name, list(self.running))
            except Exception:
                log.exception("renewing job leases failed")

    async def _queue_scheduled(self) -> None:
        now = queue.now_ms()
        for item in schedules():
            if self.only is not None and item.kind not in self.only:
                continue
            slot = now // (item.seconds * 1000)
            if self._next_slot.get(item.kind, -1) > slot:
                continue
            try:
                await queue.enqueue(item.kind, item.payload() if item.payload else {},
                                    key=f"every:{item.kind}:{slot}")
            except Exception:
                log.exception("scheduling %s failed", item.kind)
                continue
            self._next_slot[item.kind] = slot + 1

    async def _wind_down(self, grace: float = 10.0) -> None:
        """Let running jobs end for ``grace`` seconds, then cancel and give the rest back."""
        if not self.running:
            return
        tasks = list(self.running.values())
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        unfinished = [job_id for job_id, task in self.running.items() if task in pending]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        with contextlib.suppress(Exception):
            await queue.release(self.name, unfinished)


async def run_forever(*, concurrency: int = 8, poll: float = 1.0,
                      stop: asyncio.Event | None = None) -> None:
    """Run a worker until ``stop`` is set (or the task is cancelled)."""
    worker = Worker(concurrency=concurrency, poll=poll)
    task = asyncio.create_task(worker.run())
    try:
        if stop is None:
            await task
        else:
            await stop.wait()
            worker.stop()
            await task
    except asyncio.CancelledError:
        worker.stop()
        await task
        raise
