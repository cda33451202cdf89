"""Large booth workbooks are imported by the job queue; small ones stay immediate."""

from __future__ import annotations

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.booths import importer
from expo.booths.models import Booth, Hall
from expo.exhibitors import import_jobs
from expo.exhibitors.import_models import ImportJob, ImportKind, ImportStatus
from expo.exhibitors.importer import upload_path
from expo.jobs import queue
from expo.jobs.models import Job
from expo.xlsx import Sheet, workbook_bytes
from tests.factories import PASSWORD, make_event, make_user


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def _workbook(n: int, *, overlap: bool = False) -> bytes:
    rows = [["Hall L", f"L-{i:03d}", 3.0 * (i % 10), 3.0 * (i // 10), 3, 3, "standard", "",
             0, 900, "no", "no"] for i in range(n)]
    if overlap:
        rows[-1][2] = 1.0  # on top of its neighbour
    return workbook_bytes([Sheet("Booths", importer._columns(), rows)])


async def _upload(client, monkeypatch, data: bytes):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(import_jobs, "LARGE_IMPORT_ROWS", 3)
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(committee.email, PASSWORD)
    response = await client.submit(f"/manage/e/{event.slug}/booths/import",
                                   files={"file": ("b.xlsx", data, "application/octet-stream")})
    return event, response


async def test_large_booth_import_goes_through_the_queue(client, db, settings, monkeypatch):
    event, response = await _upload(client, monkeypatch, _workbook(12))
    assert response.status_code == 303
    record = await ImportJob.get(event=event)
    assert (record.kind, record.status) == (ImportKind.BOOTHS, ImportStatus.QUEUED)
    url = f"/manage/e/{event.slug}/imports/{record.id}"
    assert response.headers["location"].endswith(url)
    assert not await Booth.filter(event=event).exists()
    job = await Job.get(key=f"booths.import:{record.id}")
    assert set(job.payload) == {"import_id", "uploads_dir"}  # the file waits on disk
    upload = upload_path(settings.uploads_dir, event.id, record.token)
    assert upload.exists()
    assert soup(await client.get(url)).select_one("[data-status]")["data-status"] == "queued"
    await queue.drain()
    assert await Booth.filter(event=event).count() == 12
    assert await Hall.filter(event=event, name="Hall L").exists()
    record = await ImportJob.get(id=record.id)
    assert record.status == ImportStatus.DONE and record.result["created"] == 12
    assert not upload.exists()
    page = soup(await client.get(url))
    assert page.select_one("[data-status]")["data-status"] == "done"
    assert "12" in page.select_one("[data-testid=result]").text
    assert page.select_one(f"a[href='/manage/e/{event.slug}/booths']")  # back to the plan


async def test_large_booth_import_with_a_bad_layout_writes_nothing_and_shows_why(
        client, db, monkeypatch):
    event, response = await _upload(client, monkeypatch, _workbook(12, overlap=True))
    assert response.status_code == 303
    await queue.drain()
    record = await ImportJob.get(event=event)
    assert record.status == ImportStatus.FAILED
    assert record.error == "Tidak ada yang diimpor. Perbaiki baris berikut lalu unggah lagi."
    assert record.problems and record.problems[0].startswith("Hall L:")
    assert not await Booth.filter(event=event).exists()
    assert not await Hall.filter(event=event).exists()
    page = soup(await client.get(f"/manage/e/{event.slug}/imports/{record.id}"))
    error = page.select_one("[data-testid=error]")
    assert "Tidak ada yang diimpor" in error.text and "Hall L:" in error.text


async def test_small_booth_import_stays_immediate(client, db, monkeypatch):
    event, response = await _upload(client, monkeypatch, _workbook(3))
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/manage/e/{event.slug}/booths")
    assert await Booth.filter(event=event).count() == 3 and not await ImportJob.exists()


async def test_large_non_workbook_is_refused_on_the_plan_page(client, db, monkeypatch):
    event, response = await _upload(client, monkeypatch, b"PK not really a workbook")
    assert response.status_code == 422 and soup(response).select_one("#import-errors")
    assert not await ImportJob.exists()
