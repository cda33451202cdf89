"""The public map is cached by the plan's version (``Event.plan_version``): every change it
shows moves the version on in the changing transaction, so the next request shows it, on
every app instance (worker or host); the cached bytes go out as gzip or plain, with an ETag
that a browser's revalidation answers with 304; filters and languages never mix."""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable

import httpx
import pytest
from bs4 import BeautifulSoup

from expo.app import create_app
from expo.booths import holding, importer, service
from expo.booths.models import Booth, Hall
from expo.booths.service import BoothData
from expo.errors import DomainError
from expo.events.models import Event
from expo.exhibitors import service as exhibitors
from expo.exhibitors.models import Application, Category
from expo.xlsx import Sheet, workbook_bytes
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import make_event, make_user


class World:
    event: Event
    hall: Hall
    empty: Hall
    booths: dict[str, Booth]
    nastar: Application
    batik: Application


async def world() -> World:
    w = World()
    w.event = await make_event()
    w.hall = await make_hall(w.event, name="Hall Kuliner", width=30, depth=10)
    w.empty = await make_hall(w.event, name="Hall Kosong", width=10, depth=10)
    w.booths = {b.code: b for b in await make_row(w.hall, 3, prefix="K")}
    w.nastar = await make_application(w.event, category=Category.KULINER)
    w.batik = await make_application(w.event, category=Category.FESYEN)
    await Booth.filter(id=w.booths["K-01"].id).update(holder_id=w.nastar.id,
                                                      status="assigned")
    return w


def soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:300]
    return BeautifulSoup(response.text, "html.parser")


async def version(event: Event) -> int:
    return (await Event.get(id=event.id)).plan_version


def booth_of(page: BeautifulSoup, code: str):  # type: ignore[no-untyped-def]
    return page.select_one(f"svg.plan a.booth[data-code='{code}']")


def _workbook() -> bytes:
    rows = [["Hall Impor", "I-01", 0, 0, 3, 3, "standard", "", 0, 900, "no", "no"]]
    return workbook_bytes([Sheet("Booths", importer._columns(), rows)])


async def _confirm(w: World) -> None:
    user = await make_user()
    await holding.confirm(application=w.nastar, booth_id=w.booths["K-01"].id, by=user)


async def _rename_producer(w: World) -> None:
    producer = await w.nastar.producer
    await exhibitors.update_profile(producer=producer, values={"business_name": "Nastar Bu Ani"},
                                    by=await make_user())


async def _hall_edited(w: World) -> None:
    await service.save_hall(event=w.event, name="Hall Kuliner Raya", width=30, depth=10,
                            by=None, hall=w.hall)


async def _moved(w: World) -> None:
    await service.update_booth(booth=w.booths["K-03"],
                               data=BoothData(code="K-03", x=12, y=4), by=None)


# (what changes, how, and what the next page shows)
CHANGES: dict[str, tuple[Callable[[World], Awaitable[object]],
                         Callable[[BeautifulSoup], bool]]] = {
    "hall created": (
        lambda w: service.save_hall(event=w.event, name="Hall Baru", width=9, depth=9, by=None),
        lambda page: "Hall Baru" in [h.text for h in page.select(".hall-map h2")]),
    "hall edited": (
        _hall_edited,
        lambda page: "Hall Kuliner Raya" in [h.text for h in page.select(".hall-map h2")]),
    "hall deleted": (
        lambda w: service.delete_hall(hall=w.empty, by=None),
        lambda page: "Hall Kosong" not in [h.text for h in page.select(".hall-map h2")]),
    "booth created": (
        lambda w: service.create_booths(event=w.event, hall=w.hall,
                                        items=[BoothData(code="K-09", x=27, y=0)], by=None),
        lambda page: booth_of(page, "K-09") is not None),
    "booth edited": (
        lambda w: service.update_booth(booth=w.booths["K-02"],
                                       data=BoothData(code="K-20", x=3, y=0), by=None),
        lambda page: booth_of(page, "K-20") is not None and booth_of(page, "K-02") is None),
    "booth moved": (
        _moved,
        lambda page: booth_of(page, "K-03").rect["x"] == "12"),
    "booth deleted": (
        lambda w: service.delete_booth(booth=w.booths["K-03"], by=None),
        lambda page: booth_of(page, "K-03") is None),
    "booths imported": (
        lambda w: importer.import_booths(event=w.event, data=_workbook(), by=None),
        lambda page: booth_of(page, "I-01") is not None),
    "booth assigned": (
        lambda w: service.claim_booth(booth_id=w.booths["K-02"].id,
                                      application_id=w.batik.id),
        lambda page: "s-assigned" in booth_of(page, "K-02")["class"]),
    "assignment cleared": (
        lambda w: service.free_booth(booth_id=w.booths["K-01"].id),
        lambda page: "s-available" in booth_of(page, "K-01")["class"]),
    "booth confirmed": (
        _confirm,
        lambda page: "s-confirmed" in booth_of(page, "K-01")["class"]),
    "exhibitor renamed": (
        _rename_producer,
        lambda page: booth_of(page, "K-01").title.text == "K-01 · Nastar Bu Ani"),
}


@pytest.mark.parametrize("kind", list(CHANGES))
async def test_a_change_shows_at_the_next_request(client, db, kind):
    w = await world()
    change, shown = CHANGES[kind]
    url = f"/e/{w.event.slug}/map"
    before = soup(await client.get(url))
    assert not shown(before)
    assert soup(await client.get(url)).text == before.text  # served from the cache
    old = await version(w.event)
    await change(w)
    assert await version(w.event) > old
    assert shown(soup(await client.get(url)))


async def test_a_refused_claim_leaves_the_version(db):
    w = await world()
    old = await version(w.event)
    with pytest.raises(DomainError):
        await service.claim_booth(booth_id=w.booths["K-01"].id, application_id=w.batik.id)
    assert await version(w.event) == old


async def test_a_profile_change_the_map_does_not_show_leaves_the_version(db):
    w = await world()
    old = await version(w.event)
    producer = await w.nastar.producer
    await exhibitors.update_profile(producer=producer, values={"owner_name": "Bu Ani"},
                                    by=await make_user())
    assert await version(w.event) == old


async def test_every_app_instance_sees_a_change_at_its_next_request(settings, db):
    """Two app instances (as two workers or hosts would be) on one database."""
    w = await world()
    url = f"/e/{w.event.slug}/map"
    apps = [create_app(settings, manage_db=False) for _ in range(2)]
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") for app in apps]
    try:
        for c in clients:
            assert booth_of(soup(await c.get(url)), "K-09") is None
        await service.create_booths(event=w.event, hall=w.hall,
                                    items=[BoothData(code="K-09", x=27, y=0)], by=None)
        for c in clients:
            assert booth_of(soup(await c.get(url)), "K-09") is not None
    finally:
        for c in clients:
            await c.aclose()


async def _raw(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    """The response with its body as sent (httpx would decode the gzip)."""
    async with client.stream("GET", url, headers=headers) as response:
        response._content = b"".join([chunk async for chunk in response.aiter_raw()])
    return response


async def test_gzip_bytes_decode_to_the_plain_page(client, db):
    w = await world()
    url = f"/e/{w.event.slug}/map?category=kuliner"
    await client.get(url)  # the session (its CSRF token), and the build
    packed = await _raw(client, url, **{"Accept-Encoding": "gzip"})
    plain = await _raw(client, url, **{"Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    for response in (packed, plain):
        assert response.status_code == 200
        assert "Accept-Encoding" in response.headers["vary"]
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert int(response.headers["content-length"]) == len(response.content)
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
    assert packed.headers["etag"] == plain.headers["etag"]  # weak: one page, two codings
    page = BeautifulSoup(plain.content, "html.parser")
    assert page.select_one("h1").text and booth_of(page, "K-01") is not None
    assert page.select_one("meta[name=csrf-token]")["content"]


async def test_a_matching_etag_is_answered_304_until_the_plan_changes(client, db):
    w = await world()
    url = f"/e/{w.event.slug}/map"
    first = await client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('W/"map-') and first.headers["cache-control"] == "private, no-cache"
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = await client.get(url, headers={"If-None-Match": f'"other", {etag[2:]}'})
    assert listed.status_code == 304
    other = await client.get(url, headers={"If-None-Match": 'W/"map-0-nothing"'})
    assert other.status_code == 200 and other.headers["etag"] == etag
    filtered = await client.get(url + "?q=K-01", headers={"If-None-Match": etag})
    assert filtered.status_code == 200 and filtered.headers["etag"] != etag
    await service.free_booth(booth_id=w.booths["K-01"].id)
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "s-available" in booth_of(soup(changed), "K-01")["class"]


async def test_another_session_gets_its_own_page_and_etag(app, client, db):
    """The cached plan is shared; the page around it (CSRF token) is the viewer's own."""
    w = await world()
    url = f"/e/{w.event.slug}/map"
    mine = await client.get(url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as other:
        theirs = await other.get(url, headers={"If-None-Match": mine.headers["etag"]})
    assert theirs.status_code == 200 and theirs.headers["etag"] != mine.headers["etag"]
    token = soup(theirs).select_one("meta[name=csrf-token]")["content"]
    assert token != soup(mine).select_one("meta[name=csrf-token]")["content"]
    assert soup(theirs).select("svg.plan") and soup(theirs).select(
        "svg.plan")[0].decode() == soup(mine).select("svg.plan")[0].decode()


async def test_filters_and_languages_do_not_mix(client, db):
    w = await world()
    await Booth.filter(id=w.booths["K-02"].id).update(holder_id=w.batik.id, status="assigned")
    url = f"/e/{w.event.slug}/map"

    def lit(page: BeautifulSoup) -> list[str]:
        return [str(a["data-code"]) for a in page.select("svg.plan a.booth:not(.dim)")]

    for _round in range(2):  # built, then from the cache
        assert lit(soup(await client.get(url + "?category=kuliner"))) == ["K-01"]
        assert lit(soup(await client.get(url + "?category=fesyen"))) == ["K-02"]
        assert lit(soup(await client.get(url + "?q=K-03"))) == ["K-03"]
        assert len(lit(soup(await client.get(url)))) == 3
        client.cookies.set("expo_lang", "en")
        english = soup(await client.get(url))
        client.cookies.delete("expo_lang")
        indonesian = soup(await client.get(url))
        assert english.html["lang"] == "en" and indonesian.html["lang"] == "id"
        assert "Available" in english.select_one(".legend").text
        assert "Available" not in indonesian.select_one(".legend").text
