"""The job queue's rules: idempotent enqueueing, claims, backoff, dead jobs, leases, retries.

Every test runs on SQLite and, when EXPO_TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from expo.db import atomic
from expo.jobs import queue
from expo.jobs import worker as worker_module
from expo.jobs.models import Job, JobState
from expo.jobs.worker import Worker, every

RAN: list[tuple[str, dict]] = []


@queue.handler("test.ok")
async def ok_job(job: queue.RunningJob) -> None:
    RAN.append(("ok", job.payload))


@queue.handler("test.flaky", max_attempts=3, backoff=10.0, max_backoff=25.0)
async def flaky_job(job: queue.RunningJob) -> None:
    RAN.append(("flaky", {"attempt": job.attempt}))
    raise RuntimeError(f"provider down (attempt {job.attempt})")


@queue.handler("test.permanent")
async def permanent_job(job: queue.RunningJob) -> None:
    raise queue.Permanent("this number is not on WhatsApp")


@queue.handler("test.retry_after")
async def retry_after_job(job: queue.RunningJob) -> None:
    raise queue.Retry("rate limited", after=120)


@queue.handler("test.slow", timeout=0.05)
async def slow_job(job: queue.RunningJob) -> None:
    await asyncio.Event().wait()  # never ends: the timeout does


@pytest.fixture(autouse=True)
def _clean() -> None:
    RAN.clear()


async def test_enqueue_with_a_key_is_idempotent(db: str) -> None:
    first = await queue.enqueue("test.ok", {"n": 1}, key="same")
    again = await queue.enqueue("test.ok", {"n": 2}, key="same")
    assert again.id == first.id and again.payload == {"n": 1}
    assert await Job.filter(key="same").count() == 1
    assert await queue.drain() == 1
    assert RAN == [("ok", {"n": 1})]
    # Done, it still holds the key: asking again queues nothing.
    assert (await queue.enqueue("test.ok", {"n": 3}, key="same")).state == JobState.DONE
    assert await queue.drain() == 0


async def test_unknown_kinds_and_unstorable_payloads_are_refused(db: str) -> None:
    with pytest.raises(LookupError):
        await queue.enqueue("test.nobody", {})
    with pytest.raises(TypeError):
        await queue.enqueue("test.ok", {"when": object()})
    assert await Job.all().count() == 0


async def test_a_job_commits_with_its_transaction(db: str) -> None:
    with pytest.raises(RuntimeError):
        async with atomic():
            await queue.enqueue("test.ok", {"n": 1})
            raise RuntimeError("the work that asked for it failed")
    assert await Job.all().count() == 0
    async with atomic():
        await queue.enqueue("test.ok", {"n": 2})
    assert await Job.all().count() == 1


async def test_a_job_is_not_run_before_its_time(db: str) -> None:
    job = await queue.enqueue("test.ok", {}, delay=60)
    assert await queue.drain() == 0
    assert await queue.drain(now=job.run_at) == 1


async def test_failures_back_off_exponentially_then_the_job_is_dead(db: str) -> None:
    job = await queue.enqueue("test.flaky", {})
    start = job.run_at
    await queue.drain(now=start)
    row = await Job.get(id=job.id)
    assert row.state == JobState.FAILED and row.attempts == 1
    assert "provider down (attempt 1)" in row.last_error
    assert start + 9_000 <= row.run_at <= start + 11_000  # 10 s, give or take the jitter
    assert await queue.drain(now=row.run_at - 1) == 0  # not yet
    await queue.drain(now=row.run_at)
    second = await Job.get(id=job.id)
    assert second.state == JobState.FAILED and second.attempts == 2
    assert 18_000 <= second.run_at - row.run_at <= 22_000  # doubled
    await queue.drain(now=second.run_at)
    dead = await Job.get(id=job.id)
    assert dead.state == JobState.DEAD and dead.attempts == 3
    assert "attempt 3" in dead.last_error and dead.finished_at > 0
    assert await queue.drain(now=dead.run_at + 10**9) == 0  # dead stays dead
    assert [r for r in RAN if r[0] == "flaky"] == [("flaky", {"attempt": n}) for n in (1, 2, 3)]


async def test_permanent_errors_kill_at_once_and_retry_after_is_honoured(db: str) -> None:
    doomed = await queue.enqueue("test.permanent", {})
    limited = await queue.enqueue("test.retry_after", {})
    now = queue.now_ms()
    await queue.drain(now=now)
    assert (await Job.get(id=doomed.id)).state == JobState.DEAD
    assert "not on WhatsApp" in (await Job.get(id=doomed.id)).last_error
    row = await Job.get(id=limited.id)
    assert row.state == JobState.FAILED and row.run_at == now + 120_000


async def test_a_job_that_runs_too_long_times_out_and_is_retried(db: str) -> None:
    job = await queue.enqueue("test.slow", {})
    await queue.drain()
    row = await Job.get(id=job.id)
    assert row.state == JobState.FAILED and "timed out" in row.last_error


async def test_each_due_job_is_claimed_once(db: str) -> None:
    for n in range(30):
        await queue.enqueue("test.ok", {"n": n})
    first, second = await asyncio.gather(queue.claim("a", limit=20), queue.claim("b", limit=20))
    ids = [job.id for job in first + second]
    assert len(ids) == len(set(ids)) == 30
    assert await queue.claim("c", limit=20) == []


async def test_a_dead_workers_job_is_claimed_again_when_its_lease_runs_out(db: str) -> None:
    job = await queue.enqueue("test.ok", {"n": 1})
    [claimed] = await queue.claim("crashed", limit=5)  # ... and its worker dies here
    now = queue.now_ms()
    assert await queue.claim("other", limit=5, now=now) == []  # the lease holds
    [again] = await queue.claim("other", limit=5, now=now + queue.LEASE_MS + 1)
    assert again.id == job.id and again.attempt == 2
    assert await queue.finish(claimed, "crashed") is False  # the old worker lost it
    assert await queue.execute(again, "other") == JobState.DONE
    assert RAN == [("ok", {"n": 1})]


async def test_a_job_interrupted_more_than_its_attempts_is_dead(db: str) -> None:
    job = await queue.enqueue("test.ok", {}, max_attempts=1)
    await queue.claim("w1", limit=1)
    later = queue.now_ms() + queue.LEASE_MS + 1
    [again] = await queue.claim("w2", limit=1, now=later)
    assert await queue.execute(again, "w2") == JobState.DEAD
    assert "interrupted" in (await Job.get(id=job.id)).last_error
    assert RAN == []


async def test_renewing_keeps_the_lease_and_release_gives_the_job_back(db: str) -> None:
    job = await queue.enqueue("test.ok", {})
    [claimed] = await queue.claim("w", limit=1)
    assert await queue.renew("w", [claimed.id]) == 1
    assert await queue.renew("someone-else", [claimed.id]) == 0
    assert await queue.release("w", [claimed.id]) == 1
    row = await Job.get(id=job.id)
    assert row.state == JobState.QUEUED and row.attempts == 0
    assert await queue.drain() == 1


async def test_retrying_a_dead_job_starts_its_attempts_again(db: str) -> None:
    job = await queue.enqueue("test.permanent", {})
    await queue.drain()
    assert await queue.retry(job.id) is not None
    row = await Job.get(id=job.id)
    assert row.state == JobState.QUEUED and row.attempts == 0
    assert await queue.retry(job.id) is None  # queued: nothing to retry
    done = await queue.enqueue("test.ok", {})
    await queue.drain(only=["test.ok"])
    assert await queue.retry(done.id) is None


async def test_overview_counts_every_state(db: str) -> None:
    await queue.enqueue("test.ok", {})
    await queue.enqueue("test.permanent", {})
    await queue.enqueue("test.flaky", {})
    await queue.drain()
    await queue.enqueue("test.ok", {}, delay=600)
    view = await queue.overview()
    assert view.counts[JobState.DONE] == 1
    assert view.counts[JobState.DEAD] == 1
    assert view.counts[JobState.FAILED] == 1
    assert view.counts[JobState.QUEUED] == 1
    assert {job.kind for job in view.jobs} == {"test.permanent", "test.flaky", "test.ok"}
    assert [j.kind for j in (await queue.overview(states=[JobState.DEAD])).jobs] == [
        "test.permanent"]


async def test_the_worker_runs_jobs_and_queues_the_schedule_once_per_period(db: str) -> None:
    every("test.ok", 3600)
    try:
        for n in range(5):
            await queue.enqueue("test.ok", {"n": n})
        worker = Worker(concurrency=3, poll=0.01, only=["test.ok"])
        task = asyncio.create_task(worker.run())
        for _ in range(500):  # bounded: until the five jobs and the scheduled one ran
            if await Job.filter(state=JobState.DONE).count() == 6:
                break
            await asyncio.sleep(0.01)
        worker.stop()
        await task
        assert await Job.filter(state=JobState.DONE).count() == 6
        assert await Job.filter(key__startswith="every:test.ok:").count() == 1
        # A second worker in the same hour queues no second scheduled job.
        other = Worker(concurrency=1, poll=0.01, only=["test.ok"])
        task = asyncio.create_task(other.run())
        for _ in range(500):  # until it has looked at the schedule once
            if "test.ok" in other._next_slot:
                break
            await asyncio.sleep(0.01)
        other.stop()
        await task
        assert await Job.filter(key__startswith="every:test.ok:").count() == 1
    finally:
        worker_module._SCHEDULE.pop("test.ok", None)


async def test_old_done_jobs_are_pruned_daily_and_dead_ones_kept(db: str) -> None:
    assert "jobs.prune" in {item.kind for item in worker_module.schedules()}
    old = await queue.enqueue("test.ok", {})
    dead = await queue.enqueue("test.permanent", {})
    recent = await queue.enqueue("test.ok", {})
    await queue.drain()
    month_ago = queue.now_ms() - 30 * 86_400_000
    await Job.filter(id__in=[old.id, dead.id]).update(finished_at=month_ago)
    prune = await queue.enqueue("jobs.prune", {})
    await queue.drain()
    left = set(await Job.all().values_list("id", flat=True))
    assert old.id not in left and {dead.id, recent.id, prune.id} <= left
