"""Enqueue, claim, finish and retry jobs; the registry of what each kind of job runs.

A domain declares its kinds of job beside the service that needs them::

    @queue.handler("visitors.send_ticket", max_attempts=6)
    async def send_ticket(job: queue.RunningJob) -> None: ...

    await queue.enqueue("visitors.send_ticket", {"visitor": 12}, key=f"ticket:{12}")

``enqueue`` writes the row in the caller's transaction (it commits, or vanishes, with the work
that asked for it) and wakes this process's worker once that transaction has committed.

Claiming is one statement: an ``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING``, with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that several workers take disjoint jobs without
waiting for each other; SQLite has a single writer, which makes the same statement atomic. A
claimed job holds a lease (``LEASE_MS``) that its worker renews; a job whose worker died is
claimed again when the lease has run out, and its attempt counts.

A handler that raises is retried with exponential backoff (``Kind.backoff`` seconds, doubled
each attempt, capped at ``Kind.max_backoff``, a tenth of jitter) until ``max_attempts``; then
the job is dead, its last error kept. ``Permanent`` kills it at once (an error no retry can
fix), ``Retry`` asks for a retry after a given time (a provider's ``Retry-After``).

Handlers must be idempotent: a job can run again after a crash between its work and
``finish``. Work with an outside effect (a message) records that it happened before the job is
finished, and checks that record first (``expo.messages``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count

from expo.db import atomic, on_commit
from expo.jobs.models import Job, JobState

log = logging.getLogger("expo.jobs")

LEASE_MS = 60_000  # a claimed job is its worker's for this long, renewed while it runs
ERROR_CHARS = 2000


class Permanent(Exception):
    """An error that retrying cannot fix: the job dies at once, with this message kept."""


class Retry(Exception):
    """Retry this job, not before ``after`` seconds (when given) rather than the backoff."""

    def __init__(self, message: str, *, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


@dataclass(frozen=True)
class RunningJob:
    """What a handler receives: its job's id, payload and attempt number (1 for the first)."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    key: str | None = None


Handler = Callable[[RunningJob], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    name: str
    run: Handler
    max_attempts: int = 8
    backoff: float = 30.0
    max_backoff: float = 3600.0
    timeout: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds before retrying after failed attempt ``attempt`` (1, 2, ...)."""
        base = min(self.max_backoff, self.backoff * 2 ** max(0, attempt - 1))
        return base * random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not a secret


_KINDS: dict[str, Kind] = {}
_wakers: set[asyncio.Event] = set()


def handler(name: str, *, max_attempts: int = 8, backoff: float = 30.0,
            max_backoff: float = 3600.0, timeout: float = 300.0) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of kind ``name`` (one per kind)."""
    def register(fn: Handler) -> Handler:
        known = _KINDS.get(name)
        if known is not None and known.run is not fn and (
                known.run.__module__, known.run.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"job kind {name!r} already has a handler ({known.run.__qualname__})")
        _KINDS[name] = Kind(name, fn, max_attempts=max_attempts, backoff=backoff,
                            max_backoff=max_backoff, timeout=timeout)
        return fn
    return register


def kind(name: str) -> Kind | None:
    return _KINDS.get(name)


def kinds() -> list[str]:
    return sorted(_KINDS)


def now_ms() -> int:
    return int(time.time() * 1000)


def wake() -> None:
    """Wake this process's idle workers (they poll anyway; this saves the wait)."""
    for event in list(_wakers):
        event.set()


# ---- enqueueing ----------------------------------------------------------------------------

async def enqueue(kind: str, payload: dict[str, Any] | None = None, *, key: str | None = None,
                  delay: float = 0.0, run_at: int | None = None, event_id: int | None = None,
                  max_attempts: int | None = None) -> Job:
    """Queue a job of a registered ``kind``; with ``key``, at most one job ever has that key
    (enqueueing it again returns the first, in whatever state it is)."""
    spec = _KINDS.get(kind)
    if spec is None:
        raise LookupError(f"no handler for job kind {kind!r}")
    body = payload or {}
    json.dumps(body)  # refuse what cannot be stored now, not in the worker
    if key is not None:
        existing = await Job.get_or_none(key=key)
        if existing is not None:
            return existing
    when = run_at if run_at is not None else now_ms() + int(delay * 1000)
    try:
        async with atomic():  # a savepoint when the caller has a transaction open
            job = await Job.create(kind=kind, payload=body, key=key, event_id=event_id,
                                   run_at=when, max_attempts=max_attempts or spec.max_attempts)
    except IntegrityError:  # the same key, enqueued meanwhile by someone else
        job = await Job.get(key=key)
        return job
    on_commit(wake)
    return job


# ---- claiming ------------------------------------------------------------------------------

_CLAIM = """
UPDATE jobs SET state = 'running', locked_by = {p1}, lease_until = {p2}, tried_at = {p3},
       attempts = attempts + 1
 WHERE id IN (
   SELECT id FROM jobs
    WHERE ((state IN ('queued', 'failed') AND run_at <= {p3})
           OR (state = 'running' AND lease_until < {p3})){kinds}
    ORDER BY run_at, id
    LIMIT {p4}{lock})
RETURNING id, kind, payload, attempts, max_attempts, key
"""


_DUE = """
SELECT 1 FROM jobs
 WHERE ((state IN ('queued', 'failed') AND run_at <= ?)
        OR (state = 'running' AND lease_until < ?)){kinds}
 LIMIT 1
"""


async def claim(worker: str, *, limit: int = 1, now: int | None = None,
                only: Collection[str] | None = None) -> list[RunningJob]:
    """Take up to ``limit`` due jobs (and jobs whose worker's lease ran out) for ``worker``."""
    if limit <= 0:
        return []
    now = now_ms() if now is None else now
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    marks = [f"${i}" for i in range(1, 5)] if postgres else ["?"] * 4
    names = sorted(only or ())
    kinds = ""
    if only is not None:
        if not names:
            return []
        start = 5
        places = ([f"${start + i}" for i in range(len(names))] if postgres
                  else ["?"] * len(names))
        kinds = f" AND kind IN ({', '.join(places)})"
    sql = _CLAIM.format(p1=marks[0], p2=marks[1], p3=marks[2], p4=marks[3], kinds=kinds,
                        lock=" FOR UPDATE SKIP LOCKED" if postgres else "")
    params: list[Any] = [worker, now + LEASE_MS, now, limit, *names]
    if not postgres:  # "?" placeholders are positional: p3 appears twice in the statement
        # An idle poll must not take SQLite's write lock (the gate's scans want it): look
        # first, with a read, whether anything is due.
        due = await conn.execute_query_dict(_DUE.format(kinds=kinds), [now, now, *names])
        if not due:
            return []
        params = [worker, now + LEASE_MS, now, now, now, *names, limit]
    rows = await conn.execute_query_dict(sql, params)  # (execute_query drops RETURNING rows)
    claimed = [RunningJob(id=int(r["id"]), kind=str(r["kind"]), payload=_json(r["payload"]),
                          attempt=int(r["attempts"]), max_attempts=int(r["max_attempts"]),
                          key=r["key"]) for r in rows]
    return sorted(claimed, key=lambda job: job.id)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return dict(value or {})


async def renew(worker: str, job_ids: Collection[int], *, now: int | None = None) -> int:
    """Extend the lease of ``worker``'s running jobs; returns how many it still holds."""
    if not job_ids:
        return 0
    now = now_ms() if now is None else now
    return await Job.filter(id__in=list(job_ids), locked_by=worker,
                            state=JobState.RUNNING).update(lease_until=now + LEASE_MS)


# ---- ending --------------------------------------------------------------------------------

async def finish(job: RunningJob, worker: str) -> bool:
    """Mark the job done; False when ``worker`` no longer held it (its lease ran out)."""
    return bool(await Job.filter(id=job.id, locked_by=worker, state=JobState.RUNNING).update(
        state=JobState.DONE, lease_until=0, finished_at=now_ms()))


async def fail(job: RunningJob, worker: str, error: str, *, permanent: bool = False,
               after: float | None = None, now: int | None = None) -> JobState | None:
    """Record a failed attempt: retry later (FAILED) or, out of attempts or ``permanent``, DEAD.
    Returns the new state, or None when ``worker`` no longer held the job."""
    now = now_ms() if now is None else now
    spec = _KINDS.get(job.kind)
    error = error.strip()[:ERROR_CHARS] or "error"
    base = Job.filter(id=job.id, locked_by=worker, state=JobState.RUNNING)
    if permanent or job.attempt >= job.max_attempts:
        changed = await base.update(state=JobState.DEAD, last_error=error, lease_until=0,
                                    finished_at=now)
        if changed:
            log.error("job %s (%s) is dead after %s attempts: %s", job.id, job.kind,
                      job.attempt, error)
        return JobState.DEAD if changed else None
    wait = after if after is not None else (spec.delay(job.attempt) if spec else 60.0)
    changed = await base.update(state=JobState.FAILED, last_error=error, lease_until=0,
                                run_at=now + int(wait * 1000))
    if changed:
        log.warning("job %s (%s) failed (attempt %s of %s), retrying in %.0f s: %s", job.id,
                    job.kind, job.attempt, job.max_attempts, wait, error)
    return JobState.FAILED if changed else None


async def release(worker: str, job_ids: Collection[int]) -> int:
    """Give back jobs a stopping worker did not finish: due again at once, the attempt not
    counted."""
    if not job_ids:
        return 0
    return await Job.filter(id__in=list(job_ids), locked_by=worker,
                            state=JobState.RUNNING).update(
        state=JobState.QUEUED, lease_until=0, locked_by="", run_at=now_ms(),
        attempts=F("attempts") - 1)


async def retry(job_id: int) -> Job | None:
    """A failed or dead job, due again now with its attempts counted from zero (a person asked:
    the superuser's jobs page). None when it is neither."""
    changed = await Job.filter(id=job_id, state__in=(JobState.FAILED, JobState.DEAD)).update(
        state=JobState.QUEUED, run_at=now_ms(), attempts=0, lease_until=0, locked_by="",
        finished_at=0)
    if not changed:
        return None
    on_commit(wake)
    return await Job.get(id=job_id)


# ---- running -------------------------------------------------------------------------------

async def execute(job: RunningJob, worker: str, *, now: int | None = None) -> JobState | None:
    """Run one claimed job's handler and record how it ended (retries are timed from
    ``now``, by default the clock after the handler ran)."""
    spec = _KINDS.get(job.kind)
    if spec is None:  # an older or newer deployment's kind: leave it to a worker that knows it
        return await fail(job, worker, f"no handler for job kind {job.kind!r} in this worker",
                          after=300.0, now=now)
    if job.attempt > job.max_attempts:
        return await fail(job, worker, "interrupted (its worker stopped) too many times",
                          permanent=True, now=now)
    try:
        await asyncio.wait_for(spec.run(job), timeout=spec.timeout)
    except Permanent as exc:
        return await fail(job, worker, str(exc) or type(exc).__name__, permanent=True, now=now)
    except Retry as exc:
        return await fail(job, worker, str(exc) or "retry", after=exc.after, now=now)
    except TimeoutError:
        return await fail(job, worker, f"timed out after {spec.timeout:g} s", now=now)
    except Exception as exc:
        log.exception("job %s (%s) raised", job.id, job.kind)
        return await fail(job, worker, f"{type(exc).__name__}: {exc}", now=now)
    return JobState.DONE if await finish(job, worker) else None


async def run_due(worker: str = "inline", *, limit: int = 50, now: int | None = None,
                  only: Collection[str] | None = None) -> int:
    """Claim the due jobs (up to ``limit``) and run them one after another; returns how many."""
    jobs = await claim(worker, limit=limit, now=now, only=only)
    for job in jobs:
        await execute(job, worker, now=now)
    return len(jobs)


async def drain(*, rounds: int = 100, now: int | None = None,
                only: Collection[str] | None = None) -> int:
    """Run due jobs until none is left (or ``rounds`` batches): the command line and tests.
    Jobs a run queues meanwhile run too; a retry waits for its backoff and is left."""
    total = 0
    for _round in range(rounds):
        done = await run_due(now=now, only=only)
        if not done:
            break
        total += done
    return total


# ---- reading -------------------------------------------------------------------------------

@dataclass
class Overview:
    counts: dict[JobState, int] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    more: bool = False


async def overview(*, states: Collection[JobState] = (JobState.QUEUED, JobState.RUNNING,
                                                      JobState.FAILED, JobState.DEAD),
                   kind: str = "", page: int = 1, per_page: int = 50) -> Overview:
    """Counts per state (one grouped query) and a page of jobs in ``states``."""
    rows = await Job.all().group_by("state").annotate(n=Count("id")).values("state", "n")
    counts = {state: 0 for state in JobState}
    for row in rows:
        counts[JobState(row["state"])] = int(row["n"])
    query = Job.filter(state__in=list(states))
    if kind:
        query = query.filter(kind=kind)
    page = max(1, page)
    jobs = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page + 1)
    return Overview(counts=counts, jobs=jobs[:per_page], more=len(jobs) > per_page)


async def prune(*, older_than_days: int = 14) -> int:
    """Delete done jobs finished more than ``older_than_days`` ago (dead ones stay)."""
    cutoff = now_ms() - older_than_days * 86_400_000
    return await Job.filter(state=JobState.DONE, finished_at__lt=cutoff).delete()
