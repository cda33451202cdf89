"""Every booth route through the ASGI app: success, 403, 404 and 422."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role, User
from expo.booths import allocation, importer, service
from expo.booths.models import AllocationRun, Booth, BoothStatus, Hall
from expo.events.models import Event
from expo.exhibitors.models import Application
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import PASSWORD, make_event, make_user


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@dataclass
class World:
    event: Event
    hall: Hall
    booths: list[Booth]
    committee: User
    exhibitor: User
    application: Application

    @property
    def base(self) -> str:
        return f"/manage/e/{self.event.slug}"


@pytest.fixture
async def world(db: str) -> World:
    event = await make_event()
    hall = await make_hall(event, width=30, depth=10)
    booths = await make_row(hall, 3)
    committee = await make_user(event=event, role=Role.COMMITTEE)
    exhibitor = await make_user(event=event, role=Role.EXHIBITOR)
    app = await make_application(event, user=exhibitor)
    return World(event, hall, booths, committee, exhibitor, app)


async def test_plan_page_shows_svg_and_table(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    page = soup(await client.get(world.base + "/booths"))
    assert len(page.select("#plan-editor g.booth")) == 3
    assert page.select_one("#booth-table tr[data-code='A-02']")
    assert (await client.get(world.base + "/booths?hall=999")).status_code == 200


async def test_committee_routes_are_403_for_exhibitors_and_404_for_unknown(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    for path in ("/booths", "/allocation", "/booths/export.xlsx", "/booths/template.xlsx",
                 f"/booths/{world.booths[0].id}/edit"):
        assert (await client.get(world.base + path)).status_code == 403, path
    assert (await client.submit(world.base + "/booths/add", {"hall": world.hall.id})).status_code == 403
    assert (await client.get("/manage/e/nope/booths")).status_code == 404
    client.cookies.clear()
    anonymous = await client.get(world.base + "/booths", follow_redirects=False)
    assert anonymous.status_code == 303


async def test_add_booth_and_refuse_overlap(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    ok = await client.submit(world.base + "/booths/add", {
        "hall": world.hall.id, "code": "B-01", "x": "0", "y": "5", "w": "3", "h": "3",
        "kind": "food", "zone": "Kuliner", "price": "250.000", "power_watts": "1300",
        "water": "1"})
    assert ok.status_code == 303
    booth = await Booth.get(code="B-01")
    assert booth.price == 250000 and booth.water
    bad = await client.submit(world.base + "/booths/add", {
        "hall": world.hall.id, "code": "B-02", "x": "1", "y": "5", "kind": "standard"})
    assert bad.status_code == 422 and "bertumpuk" in bad.text  # "would overlap", in Indonesian
    bad = await client.submit(world.base + "/booths/add", {
        "hall": world.hall.id, "code": "", "x": "abc", "y": "5", "kind": "standard"})
    assert bad.status_code == 422
    missing = await client.submit(world.base + "/booths/add", {"hall": 999, "code": "C"})
    assert missing.status_code == 404


async def test_edit_move_duplicate_delete(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    first = world.booths[0]
    edit = world.base + f"/booths/{first.id}/edit"
    assert (await client.get(edit)).status_code == 200
    saved = await client.submit(edit, {"code": "A-01", "x": "0", "y": "4", "w": "3", "h": "3",
                                       "kind": "corner", "blocked": "1"})
    assert saved.status_code == 303
    assert (await Booth.get(id=first.id)).status == BoothStatus.BLOCKED
    assert (await client.submit(edit, {"code": "A-01", "x": "3", "y": "0",
                                       "kind": "standard"})).status_code == 422
    move = await client.submit(world.base + f"/booths/{first.id}/move", {"x": "20", "y": "6"})
    assert move.status_code == 200 and move.json()["x"] == 20
    refused = await client.submit(world.base + f"/booths/{first.id}/move", {"x": "3", "y": "0"})
    assert refused.status_code == 422 and refused.json()["error"] == "overlap"
    assert (await client.submit(world.base + f"/booths/{first.id}/move",
                                {"w": "-2"})).status_code == 422
    dup = await client.submit(world.base + f"/booths/{world.booths[2].id}/duplicate",
                              {"count": "5", "direction": "right"})
    assert dup.status_code == 303 and await Booth.filter(event=world.event).count() == 8
    assert (await client.submit(world.base + f"/booths/{world.booths[2].id}/duplicate",
                                {"count": "500"})).status_code == 422
    deleted = await client.submit(world.base + f"/booths/{world.booths[1].id}/delete")
    assert deleted.status_code == 303
    assert (await client.submit(world.base + "/booths/99999/delete")).status_code == 404


async def test_halls_create_and_validate(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    ok = await client.submit(world.base + "/booths/halls",
                             {"name": "Halaman", "width": "20", "depth": "15"})
    assert ok.status_code == 303
    dup = await client.submit(world.base + "/booths/halls",
                              {"name": "Halaman", "width": "20", "depth": "15"})
    assert dup.status_code == 422
    shrink = await client.submit(world.base + f"/booths/halls/{world.hall.id}",
                                 {"name": world.hall.name, "width": "4", "depth": "4"})
    assert shrink.status_code == 422 and "di luar hall" in shrink.text


async def test_hall_rename_through_the_plan(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    await make_hall(world.event, name="Halaman")
    url = world.base + f"/booths/halls/{world.hall.id}"
    ok = await client.submit(url, {"name": "Hall Utama", "width": "30", "depth": "10"})
    assert ok.status_code == 303
    assert (await Hall.get(id=world.hall.id)).name == "Hall Utama"
    taken = await client.submit(url, {"name": "Halaman", "width": "30", "depth": "10"})
    assert taken.status_code == 422 and soup(taken).select_one("#e-name")


async def test_hall_delete_confirms_then_deletes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    plan = soup(await client.get(world.base + f"/booths?hall={world.hall.id}"))
    url = plan.select_one("#hall-delete")["href"]
    assert url.endswith(f"/booths/halls/{world.hall.id}/delete")
    page = soup(await client.get(url))
    assert "3" in page.select_one("#hall-delete-page p").text
    form = page.select_one("form[method=post]")
    assert form.select_one("input[name=csrf_token]") and page.select_one("#hall-delete-confirm")
    done = await client.submit(url)
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"/manage/e/{world.event.slug}/booths")
    assert not await Hall.exists(id=world.hall.id)
    assert not await Booth.filter(event=world.event).exists()
    plan = soup(await client.get(done.headers["location"]))
    assert world.hall.name in plan.select_one(".flash-success").text
    assert (await client.get(url)).status_code == 404


async def test_hall_delete_in_use_is_refused_with_409(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await service.claim_booth(booth_id=world.booths[1].id, application_id=world.application.id)
    await client.login(world.committee.email, PASSWORD)
    url = world.base + f"/booths/halls/{world.hall.id}/delete"
    page = soup(await client.get(url))
    assert "A-02" in page.select_one("#hall-in-use").text
    assert not page.select_one("#hall-delete-confirm")
    refused = await client.submit(url)
    assert refused.status_code == 409
    assert "A-02" in soup(refused).select_one("#hall-delete-error").text
    assert await Booth.filter(hall=world.hall).count() == 3


async def test_hall_delete_403_404_and_csrf(client, world: World) -> None:  # type: ignore[no-untyped-def]
    url = world.base + f"/booths/halls/{world.hall.id}/delete"
    anonymous = await client.get(url)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    await client.login(world.exhibitor.email, PASSWORD)
    assert (await client.get(url)).status_code == 403
    assert (await client.submit(url)).status_code == 403
    client.cookies.clear()
    await client.login(world.committee.email, PASSWORD)
    forged = await client.post(url, data={"csrf_token": "forged"})
    assert forged.status_code == 403
    elsewhere = await make_hall(await make_event())
    for path in (f"/booths/halls/{elsewhere.id}/delete", "/booths/halls/999999999/delete"):
        assert (await client.get(world.base + path)).status_code == 404, path
        assert (await client.submit(world.base + path)).status_code == 404, path
    assert await Hall.exists(id=elsewhere.id) and await Hall.exists(id=world.hall.id)


async def test_excel_template_export_import(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    template = await client.get(world.base + "/booths/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    export = await client.get(world.base + "/booths/export.xlsx")
    assert export.status_code == 200
    files = {"file": ("booths.xlsx", importer.template_bytes(), "application/octet-stream")}
    done = await client.submit(world.base + "/booths/import", files=files)
    assert done.status_code == 303  # move to Hall A, K-01 is new
    assert await Booth.filter(event=world.event).count() == 4
    bad = await client.submit(world.base + "/booths/import",
                              files={"file": ("x.xlsx", b"hello", "text/plain")})
    assert bad.status_code == 422 and soup(bad).select_one("#import-errors")
    empty = await client.submit(world.base + "/booths/import", {})
    assert empty.status_code == 422


async def test_excel_import_without_a_file_is_422(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    url = world.base + "/booths/import"
    for data, files in (({}, None), ({"file": "booths.xlsx"}, None),
                        ({}, {"file": ("", b"", "application/octet-stream")})):
        response = await client.submit(url, data, files=files)
        assert response.status_code == 422, (data, files)
        assert "Pilih berkas .xlsx." in soup(response).select_one("#import-errors").text
    assert await Booth.filter(event=world.event).count() == 3


async def test_allocation_workflow_through_routes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    other = await make_application(world.event)
    await client.login(world.committee.email, PASSWORD)
    assert (await client.get(world.base + "/allocation")).status_code == 200
    policy = {"smk_points": "20", "micro_points": "15", "first_time_points": "10",
              "rotation_penalty": "10", "curation_points": "3", "early_points": "5",
              "mode": "optimal", "cluster_mode": "together", "slot_minutes": "30",
              "slot_size": "10", "zone_rules": "kuliner: Kuliner", "preferences_open": "1"}
    assert (await client.submit(world.base + "/allocation/policy", policy)).status_code == 303
    bad = await client.submit(world.base + "/allocation/policy",
                              {**policy, "zone_rules": "no colon", "smk_points": "x"})
    assert bad.status_code == 422
    ran = await client.submit(world.base + "/allocation/runs", {"seed": "42", "label": "A"})
    assert ran.status_code == 303
    run = await AllocationRun.get(event=world.event)
    assert run.seed == 42
    assert (await client.submit(world.base + "/allocation/runs",
                                {"seed": "-5"})).status_code == 422
    url = world.base + f"/allocation/runs/{run.id}"
    page = soup(await client.get(url))
    assert len(page.select("#run-rows tbody tr")) == 2
    moved = await client.submit(url + "/move", {"application": world.application.id,
                                                "booth": "A-03"})
    assert moved.status_code == 303
    assert (await client.submit(url + "/move", {"application": world.application.id,
                                                "booth": "Z-9"})).status_code == 422
    swapped = await client.submit(url + "/swap", {"first": world.application.id,
                                                  "second": other.id})
    assert swapped.status_code == 303
    assert (await client.submit(url + "/swap", {"first": "1", "second": "1"})).status_code == 422
    assert (await client.submit(url + "/lock", {"application": other.id})).status_code == 303
    assert (await client.submit(url + "/lock", {})).status_code == 422
    await client.submit(world.base + "/allocation/runs", {"seed": "7"})
    second = await AllocationRun.get(event=world.event, number=2)
    compare = await client.get(world.base + f"/allocation/compare?a={run.id}&b={second.id}")
    assert compare.status_code == 200
    assert (await client.get(world.base + "/allocation/compare?a=x")).status_code == 422
    assert (await client.get(world.base + "/allocation/runs/9999")).status_code == 404
    assert (await client.submit(url + "/publish")).status_code == 303
    assert (await client.submit(url + "/publish")).status_code == 409
    assert (await client.submit(url + "/move", {"application": other.id,
                                                "booth": "A-01"})).status_code == 409


async def _publish(world: World) -> Booth:
    run = await allocation.run_allocation(event=world.event, by=None, seed=1)
    await allocation.publish(run=run, by=None)
    return (await Booth.filter(holder_id=world.application.id))[0]


async def test_exhibitor_sees_confirms_and_releases(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    before = await client.get(world.base + "/my-booth")
    assert before.status_code == 200 and "belum dialokasikan" in before.text
    booth = await _publish(world)
    page = soup(await client.get(world.base + "/my-booth"))
    assert booth.code in page.select_one("#my-booth").text
    assert page.select_one("g.booth.mine")
    ok = await client.submit(world.base + f"/my-booth/{booth.id}/confirm")
    assert ok.status_code == 303 and (await Booth.get(id=booth.id)).confirmed_at
    other = world.booths[2] if booth.id != world.booths[2].id else world.booths[0]
    assert (await client.submit(world.base + f"/my-booth/{other.id}/confirm")).status_code == 404
    released = await client.submit(world.base + f"/my-booth/{booth.id}/release")
    assert released.status_code == 303 and (await Booth.get(id=booth.id)).holder_id is None  # type: ignore[attr-defined]
    picked = await client.submit(world.base + f"/my-booth/pick/{booth.id}")
    assert picked.status_code == 409


async def test_exhibitor_preferences_route(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.exhibitor.email, PASSWORD)
    closed = await client.submit(world.base + "/my-booth/preferences", {"choice1": "A-01"})
    assert closed.status_code == 409
    policy = await allocation.policy_for(world.event)
    policy.preferences_open = True
    await policy.save()
    page = soup(await client.get(world.base + "/my-booth"))
    assert page.select_one("#choice1")
    ok = await client.submit(world.base + "/my-booth/preferences",
                             {"choice1": "A-02", "choice2": "zone:Kriya"})
    assert ok.status_code == 303
    bad = await client.submit(world.base + "/my-booth/preferences", {"choice1": "Q-77"})
    assert bad.status_code == 422


async def test_my_booth_without_application_is_404(client, world: World) -> None:  # type: ignore[no-untyped-def]
    stranger = await make_user(event=world.event, role=Role.EXHIBITOR)
    await client.login(stranger.email, PASSWORD)
    assert (await client.get(world.base + "/my-booth")).status_code == 404


async def test_public_map_search_and_stand(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await _publish(world)
    assert "/map" in (await client.get(f"/e/{world.event.slug}")).text
    page = await client.get(f"/e/{world.event.slug}/map")
    assert page.status_code == 200
    assert len(soup(page).select("svg.plan .booth")) == 3
    assert "UMKM" in page.text
    found = soup(await client.get(f"/e/{world.event.slug}/map?q=A-02"))
    assert len(found.select(".booth.dim")) == 2
    filtered = soup(await client.get(f"/e/{world.event.slug}/map?category=kuliner"))
    assert len(filtered.select(".booth.dim")) == 3
    stand = await client.get(f"/e/{world.event.slug}/stand/A-01")
    assert stand.status_code == 200 and "A-01" in stand.text
    assert (await client.get(f"/e/{world.event.slug}/stand/ZZ")).status_code == 404
    assert (await client.get("/e/nope/map")).status_code == 404


async def test_huge_ids_are_404_or_422_not_500(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    huge = "99999999999"
    assert (await client.get(world.base + f"/booths/{huge}/edit")).status_code == 404
    assert (await client.submit(world.base + "/booths/add",
                                {"hall": huge, "code": "Z"})).status_code == 404
    assert (await client.get(world.base + f"/allocation/compare?a={huge}&b=1")).status_code == 422
    await allocation.run_allocation(event=world.event, by=None, seed=1)
    run = await AllocationRun.get(event=world.event)
    url = world.base + f"/allocation/runs/{run.id}"
    assert (await client.submit(url + "/move", {"application": huge,
                                                "booth": "A-01"})).status_code == 422
    assert (await client.submit(url + "/lock", {"application": huge})).status_code == 422


async def test_excel_import_refuses_a_zip_bomb_on_the_plan_page(client, world: World) -> None:  # type: ignore[no-untyped-def]
    import tracemalloc

    from tests.shared.bombs import MiB, xlsx_bomb

    await client.login(world.committee.email, PASSWORD)
    url = world.base + "/booths/import"
    files = {"file": ("booths.xlsx", xlsx_bomb(), "application/octet-stream")}
    tracemalloc.start()
    try:
        refused = await client.submit(url, files=files)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.status_code == 413
    errors = soup(refused).select_one("#import-errors").text
    assert "lebih dari" in errors and "MB" in errors  # in Bahasa Indonesia, on the form
    assert soup(refused).select_one("form[action$='/booths/import']")  # try again from here
    assert peak < 64 * MiB  # the 300 MiB sheet was never unpacked here
    assert await Booth.filter(event=world.event).count() == 3
    files = {"file": ("booths.xlsx", importer.template_bytes(), "application/octet-stream")}
    assert (await client.submit(url, files=files)).status_code == 303  # ordinary files import


async def test_public_map_is_rendered_once_for_its_viewers_off_the_loop(client, world: World,
                                                                         monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from expo.booths import routes

    await _publish(world)
    threads: list[int] = []
    real = routes._render_map

    def spy(request, context):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return real(request, context)

    monkeypatch.setattr(routes, "_render_map", spy)
    pages = [await client.get(f"/e/{world.event.slug}/map") for _ in range(3)]
    assert all(len(soup(p).select("svg.plan .booth")) == 3 for p in pages)
    assert len(threads) == 1 and threads[0] != threading.get_ident()  # once, in a thread
    client.cookies.set("expo_lang", "en")
    english = await client.get(f"/e/{world.event.slug}/map")
    assert "Exhibitor map" in english.text and len(threads) == 2  # a language of its own
    await client.get(f"/e/{world.event.slug}/map?q=A-02")
    assert len(threads) == 3  # and each filter
