"""The superuser's jobs page: counts, filters, retrying a failed or dead job."""

from __future__ import annotations

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.jobs import queue
from expo.jobs.models import Job, JobState
from expo.messages import service as messages
from expo.messages.service import Recipient
from tests.factories import PASSWORD, make_event, make_user

RAN: list[dict[str, object]] = []
URL = "/admin/jobs"


@queue.handler("tests.page_job", max_attempts=3)
async def page_job(job: queue.RunningJob) -> None:
    RAN.append(job.payload)


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def _job(state: JobState, *, kind: str = "tests.page_job", error: str = "",
               attempts: int = 0, event_id: int | None = None) -> Job:
    return await Job.create(kind=kind, payload={"n": 1}, state=state, run_at=queue.now_ms(),
                            last_error=error, attempts=attempts, max_attempts=3,
                            event_id=event_id, finished_at=queue.now_ms()
                            if state in (JobState.DEAD, JobState.DONE) else 0)


async def _admin(client) -> None:  # type: ignore[no-untyped-def]
    admin = await make_user(superuser=True)
    await client.login(admin.email, PASSWORD)


def _ids(page) -> set[int]:  # type: ignore[no-untyped-def]
    return {int(tr["id"].removeprefix("job-")) for tr in page.select("[data-testid=jobs] tr[id]")}


async def test_jobs_page_is_for_superusers_only(client, db):
    signed_out = await client.get(URL)
    assert signed_out.status_code in (302, 303) and "/login" in signed_out.headers["location"]
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(committee.email, PASSWORD)
    assert (await client.get(URL)).status_code == 403
    job = await _job(JobState.DEAD)
    assert (await client.submit(f"{URL}/{job.id}/retry")).status_code == 403
    assert (await Job.get(id=job.id)).state == JobState.DEAD


async def test_jobs_page_counts_and_lists_queued_failed_and_dead_by_default(client, db):
    queued, failed = await _job(JobState.QUEUED), await _job(JobState.FAILED, attempts=1)
    dead, done = await _job(JobState.DEAD, attempts=3), await _job(JobState.DONE)
    running = await _job(JobState.RUNNING)
    await _admin(client)
    response = await client.get(URL)
    assert response.status_code == 200
    page = soup(response)
    assert _ids(page) == {queued.id, failed.id, dead.id}
    counts = {a["data-state"]: a.select_one(".count").text
              for a in page.select("[data-testid=counts] a")}
    assert counts == {"queued": "1", "running": "1", "failed": "1", "dead": "1", "done": "1"}
    assert page.select_one(f"#job-{dead.id}").find(string="3/3")
    assert _ids(soup(await client.get(URL + "?state=done&state=running"))) == {done.id,
                                                                             running.id}


async def test_jobs_page_filters_by_kind_and_shortens_long_errors(client, db):
    long_error = "ConnectionError: " + "x" * 400 + " END"
    mine = await _job(JobState.DEAD, error=long_error, event_id=7)
    await _job(JobState.DEAD, kind="messages.deliver", error="short")
    await _admin(client)
    page = soup(await client.get(URL + "?kind=tests.page_job"))
    assert _ids(page) == {mine.id}
    row = page.select_one(f"#job-{mine.id}")
    assert "END" not in row.select_one("summary").text  # shortened in the list
    assert row.select_one("details pre").text == long_error  # in full, expanded
    assert "#7" in row.text
    assert row.select_one("form button")  # retry offered
    assert not soup(await client.get(URL + "?state=queued")).select("[data-testid=jobs] form")


async def test_retry_makes_a_dead_job_due_again_audited_and_it_runs(client, db):
    RAN.clear()
    dead = await _job(JobState.DEAD, error="boom", attempts=3)
    await _admin(client)
    response = await client.submit(f"{URL}/{dead.id}/retry", {"next": URL + "?state=dead"})
    assert response.status_code == 303 and response.headers["location"] == URL + "?state=dead"
    job = await Job.get(id=dead.id)
    assert (job.state, job.attempts) == (JobState.QUEUED, 0)
    entry = await AuditEntry.get(action="expo.job.retried")
    assert entry.object_id == str(dead.id) and entry.data["was"] == "dead"
    page = await client.get(response.headers["location"])
    assert f"#{dead.id}" in page.text  # the flash
    await queue.drain(only=["tests.page_job"])
    assert RAN == [{"n": 1}] and (await Job.get(id=dead.id)).state == JobState.DONE


async def test_retry_refuses_unknown_not_retryable_and_forged_requests(client, db):
    queued = await _job(JobState.QUEUED)
    failed = await _job(JobState.FAILED, attempts=1)
    await _admin(client)
    assert (await client.submit(f"{URL}/999999/retry")).status_code == 404
    refused = await client.submit(f"{URL}/{queued.id}/retry")
    assert refused.status_code == 409 and "dapat dicoba lagi" in refused.text
    forged = await client.post(f"{URL}/{failed.id}/retry", data={})
    assert forged.status_code == 403
    assert (await Job.get(id=failed.id)).state == JobState.FAILED
    assert not await AuditEntry.exists(action="expo.job.retried")
    assert (await client.submit(f"{URL}/{failed.id}/retry")).status_code == 303
    assert (await Job.get(id=failed.id)).state == JobState.QUEUED


async def test_retry_goes_back_only_to_this_site(client, db):
    dead = await _job(JobState.DEAD)
    await _admin(client)
    response = await client.submit(f"{URL}/{dead.id}/retry", {"next": "https://evil.example/"})
    assert response.headers["location"].endswith(URL)


async def test_outbox_page_shows_channels_states_and_links_the_jobs_page(client, db):
    await messages.send(to=Recipient(name="Sari", phone="0812-3456-7890", email="sari@x.id"),
                        kind="tests.notice", subject="Info", text="Halo Sari", key="n:1")
    await _admin(client)
    response = await client.get("/outbox")
    assert response.status_code == 200
    page = soup(response)
    cards = page.select("article.mail")
    assert {c["data-channel"] for c in cards} == {"email", "whatsapp"}
    assert all(c["data-state"] == "held" for c in cards)
    assert "Sari" in cards[0].text and "+6281234567890" in page.text
    assert page.select_one(f"a[href='{URL}']")
