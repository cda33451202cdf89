"""Every report route through the ASGI app: success, 401/403/404 and 422."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from expo.accounts.models import Role, User
from expo.events.models import Event
from expo.exhibitors.models import Producer, Product
from expo.reports import jobs
from expo.reports.models import DrawRun, DrawWinner, ExportJob, JobStatus, SalesReport
from tests.factories import PASSWORD, make_event, make_user
from tests.reports.factories import make_checked_in, make_exhibitor, make_gate


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@dataclass
class World:
    event: Event
    committee: User
    exhibitor: User
    producer: Producer
    outsider: User

    @property
    def base(self) -> str:
        return f"/manage/e/{self.event.slug}"


@pytest.fixture
async def world(db: str) -> World:
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    exhibitor, producer = await make_exhibitor(event)
    await make_exhibitor(event)
    gate = await make_gate(event)
    for _ in range(4):
        await make_checked_in(event, gate=gate)
    outsider = await make_user()
    return World(event, committee, exhibitor, producer, outsider)


COMMITTEE_GETS = ["/dashboard", "/dashboard/live", "/sales", "/draws", "/report"]


@pytest.mark.parametrize("path", COMMITTEE_GETS)
async def test_committee_pages_ok(client, world: World, path: str) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    response = await client.get(world.base + path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", COMMITTEE_GETS + ["/draws/1", "/draws/1/candidates.txt",
                                                   "/report/jobs/1", "/report/jobs/1/download"])
async def test_committee_pages_forbidden_to_exhibitor(client, world: World, path: str) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    assert (await client.get(world.base + path)).status_code == 403


@pytest.mark.parametrize("path", ["/sales/remind", "/draws", "/report", "/my-sales"])
async def test_posts_forbidden_to_outsider(client, world: World, path: str) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.outsider.email, PASSWORD)
    response = await client.submit(world.base + path, {"day": world.event.starts_on.isoformat()})
    assert response.status_code == 403


@pytest.mark.parametrize("path", COMMITTEE_GETS + ["/my-sales"])
async def test_unknown_event_is_404(client, world: World, path: str) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    assert (await client.get("/manage/e/no-such-event" + path)).status_code == 404


async def test_anonymous_is_sent_to_sign_in(client, world: World) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(world.base + "/dashboard")
    assert response.status_code in (302, 303, 401)


async def test_dashboard_shows_checkins(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    page = soup(await client.get(world.base + f"/dashboard?day={world.event.starts_on}"))
    assert page.select_one('[data-stat="checked-in"]').text.strip() == "4"
    assert page.select_one("svg.chart") is not None
    assert page.select_one("#live[hx-get][hx-trigger]") is not None


async def test_exhibitor_enters_sales(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    page = await client.get(world.base + "/my-sales")
    assert page.status_code == 200
    day = world.event.starts_on.isoformat()
    response = await client.submit(world.base + "/my-sales",
                                   {"day": day, "omzet": "1.500.000", "units": "60"})
    assert response.status_code == 303
    report = await SalesReport.get(producer=world.producer)
    assert (report.omzet, report.units) == (1_500_000, 60)


async def test_exhibitor_enters_sales_per_product(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    p1, p2 = await Product.filter(producer=world.producer).order_by("id")
    response = await client.submit(world.base + "/my-sales", {
        "day": world.event.starts_on.isoformat(), "per_product": "1",
        f"omzet_{p1.id}": "100000", f"units_{p1.id}": "4", f"omzet_{p2.id}": "50000",
        f"units_{p2.id}": "2"})
    assert response.status_code == 303
    report = await SalesReport.get(producer=world.producer)
    assert (report.omzet, report.units, report.per_product) == (150_000, 6, True)


@pytest.mark.parametrize("data", [
    {"omzet": "banyak", "units": "1"}, {"omzet": "-5", "units": "1"},
    {"omzet": "1000", "units": "1", "day": "2001-01-01"}, {"omzet": "1000", "units": "1", "day": "x"},
])
async def test_exhibitor_bad_sales_is_422(client, world: World, data) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    payload = {"day": world.event.starts_on.isoformat(), **data}
    response = await client.submit(world.base + "/my-sales", payload)
    assert response.status_code == 422
    assert soup(response).select_one(".error, .alert-error") is not None
    assert not await SalesReport.exists()


async def test_my_sales_needs_accepted_application(client, world: World) -> None:  # type: ignore[no-untyped-def]
    other = await make_user(event=world.event, role=Role.EXHIBITOR)
    await client.login(other.email, PASSWORD)
    assert (await client.get(world.base + "/my-sales")).status_code == 404


async def test_committee_sales_and_reminder(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    page = soup(await client.get(world.base + "/sales"))
    assert len(page.select('[data-testid="missing"] li')) == 2
    response = await client.submit(world.base + "/sales/remind",
                                   {"day": world.event.starts_on.isoformat()})
    assert response.status_code == 303
    bad = await client.submit(world.base + "/sales/remind", {"day": "1999-01-01"})
    assert bad.status_code == 422


async def test_draw_flow(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    response = await client.submit(world.base + "/draws", {
        "prize": "Sepeda", "count": "2", "seed": "hkn-2027", "type_umum": "1"})
    assert response.status_code == 303
    run = await DrawRun.get(event=world.event)
    page = soup(await client.get(response.headers["location"]))
    assert page.select_one('[data-testid="seed"]').text == "hkn-2027"
    assert len(page.select('[data-testid="winners"] tbody tr')) == 2
    assert await DrawWinner.filter(draw=run).count() == 2
    listing = await client.get(world.base + f"/draws/{run.id}/candidates.txt")
    assert listing.text.split() == [str(c) for c in run.candidates]
    other = await make_event()
    assert (await client.get(f"/manage/e/{other.slug}/draws/{run.id}")).status_code in (403, 404)


@pytest.mark.parametrize("data", [
    {"prize": "", "count": "1"}, {"prize": "TV", "count": "0"},
    {"prize": "TV", "count": "1", "type_committee": "1"},
    {"prize": "TV", "count": "1", "seed": "spasi tidak boleh"},
    {"prize": "TV", "count": "1", "type_guest": "1"},  # nobody of that type checked in
])
async def test_draw_bad_input_is_422(client, world: World, data) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    response = await client.submit(world.base + "/draws", data)
    assert response.status_code == 422
    assert not await DrawRun.exists()


async def test_draw_of_other_event_is_404(client, world: World) -> None:  # type: ignore[no-untyped-def]
    other = await make_event()
    committee = await make_user(event=other, role=Role.COMMITTEE)
    await client.login(world.committee.email, PASSWORD)
    await client.submit(world.base + "/draws", {"prize": "TV", "count": "1"})
    run = await DrawRun.get(event=world.event)
    client.cookies.clear()
    client.csrf = ""
    await client.login(committee.email, PASSWORD)
    assert (await client.get(f"/manage/e/{other.slug}/draws/{run.id}")).status_code == 404


async def test_report_job_and_download(client, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    response = await client.submit(world.base + "/report")
    assert response.status_code == 303
    job = await ExportJob.get(event=world.event)
    again = await client.submit(world.base + "/report")
    assert again.status_code in (303, 409)
    job = await jobs.wait_for(job.id)
    status = soup(await client.get(world.base + f"/report/jobs/{job.id}"))
    link = status.select_one("a[download]")
    assert link is not None
    download = await client.get(link["href"])
    assert download.status_code == 200
    path = settings.data_dir / "downloaded.xlsx"
    path.write_bytes(download.content)
    assert len(load_workbook(path).sheetnames) == 7
    other = await make_event()
    committee = await make_user(event=other, role=Role.COMMITTEE)
    client.cookies.clear()
    client.csrf = ""
    await client.login(committee.email, PASSWORD)
    assert (await client.get(f"/manage/e/{other.slug}/report/jobs/{job.id}/download")
            ).status_code == 404


async def test_report_page_fails_an_interrupted_job_and_starts_again(client, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    stuck = await ExportJob.create(event=world.event, status=JobStatus.RUNNING,
                                   file_name="stuck.xlsx", worker="gone-host:1", heartbeat_at=old)
    part = jobs.partial_file(stuck, settings.data_dir)
    part.write_bytes(b"PK")
    await client.login(world.committee.email, PASSWORD)
    status = soup(await client.get(world.base + f"/report/jobs/{stuck.id}"))
    assert status.select_one(".badge")["data-status"] == "failed"
    assert not part.exists()
    page = soup(await client.get(world.base + "/report"))
    assert page.select_one(f"#job-{stuck.id} .badge")["data-status"] == "failed"
    assert (await client.submit(world.base + "/report")).status_code == 303
    job = await ExportJob.filter(event=world.event).order_by("-id").first()
    assert job is not None and job.id != stuck.id
    assert (await jobs.wait_for(job.id)).status == JobStatus.DONE


async def test_report_download_not_ready_is_409(client, world: World) -> None:  # type: ignore[no-untyped-def]
    job = await ExportJob.create(event=world.event, file_name="x.xlsx")
    await client.login(world.committee.email, PASSWORD)
    assert (await client.get(world.base + f"/report/jobs/{job.id}/download")).status_code == 409


async def test_public_doorprize_page_publishes_seed_numbers_and_short_names(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from expo.events.models import EventStatus
    from expo.visitors.models import Visitor

    for name in ("Siti Rahmawati", "Muhammad Rizky Pratama"):
        await make_checked_in(world.event, name=name)
    await client.login(world.committee.email, PASSWORD)
    await client.submit(world.base + "/draws", {"prize": "Sepeda", "count": "6",
                                                "seed": "hkn-2027"})
    run = await DrawRun.get(event=world.event)
    assert run.pool_size == 6  # everyone checked in won
    loser = await make_checked_in(world.event, name="Datang Belakangan")
    client.cookies.clear()  # what anyone sees

    page = await client.get(f"/e/{world.event.slug}/doorprize")
    assert page.status_code == 200
    section = soup(page).select_one('[data-testid="draw-1"]')
    assert "Sepeda" in section.text and "hkn-2027" in section.text
    assert run.candidates_digest in section.text
    numbers = [int(tr.select("td")[1].text) for tr in section.select("tbody tr")]
    winners = await DrawWinner.filter(draw=run).order_by("position").values_list("visitor_id",
                                                                                 flat=True)
    assert numbers == list(winners)
    assert "Siti R." in page.text and "Rahmawati" not in page.text
    assert "Muhammad R." in page.text and "Pratama" not in page.text
    assert "@example.id" not in page.text and "+62813" not in page.text

    listing = await client.get(f"/e/{world.event.slug}/doorprize/1/candidates.txt")
    assert listing.status_code == 200
    assert listing.text.split() == [str(c) for c in run.candidates]
    assert (await client.get(f"/e/{world.event.slug}/doorprize/2/candidates.txt")).status_code == 404

    # The winner's ticket page says so; another visitor's does not.
    winner = await Visitor.get(id=winners[0])
    won = await client.get(f"/t/{winner.link_token}")
    assert "Sepeda" in soup(won).select_one('[data-testid="prize"]').text
    assert soup(await client.get(f"/t/{loser.link_token}")).select('[data-testid="prize"]') == []

    world.event.status = EventStatus.DRAFT
    await world.event.save()
    assert (await client.get(f"/e/{world.event.slug}/doorprize")).status_code == 404
    assert (await client.get("/e/no-such-event/doorprize")).status_code == 404


async def test_public_doorprize_page_without_draws(client, world: World) -> None:  # type: ignore[no-untyped-def]
    page = await client.get(f"/e/{world.event.slug}/doorprize")
    assert page.status_code == 200
    assert soup(page).select(".empty") and not soup(page).select("[data-testid^=draw-]")
