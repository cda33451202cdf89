"""The booth pages label kinds, statuses and map states from the enums (LabelledEnum)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.booths.mapview import StandState, map_view
from expo.booths.models import Booth, BoothStatus
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import PASSWORD, make_event, make_user


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def world():  # type: ignore[no-untyped-def]
    event = await make_event()
    hall = await make_hall(event, width=30, depth=10)
    booths = await make_row(hall, 4)
    app = await make_application(event, user=await make_user(event=event, role=Role.EXHIBITOR))
    await Booth.filter(id=booths[0].id).update(status=BoothStatus.BLOCKED, kind="food")
    await Booth.filter(id=booths[1].id).update(holder_id=app.id)
    return event, booths


async def test_map_states_come_from_the_booths(db):
    event, booths = await world()
    view = await map_view(event)
    states = {item.booth.code: item.state for item in view.halls[0].booths}
    assert states == {booths[0].code: StandState.BLOCKED, booths[1].code: StandState.ASSIGNED,
                      booths[2].code: StandState.AVAILABLE, booths[3].code: StandState.AVAILABLE}
    assert all(isinstance(state, StandState) for state in states.values())


async def test_public_map_legend_and_stand_page_are_labelled(client, db):
    event, booths = await world()
    page = soup(await client.get(f"/e/{event.slug}/map"))
    legend = [(li.select_one(".swatch")["class"][1], li.get_text(strip=True))
              for li in page.select("ul.legend li")]
    assert legend == [("s-available", "Tersedia"), ("s-assigned", "Terisi"),
                      ("s-confirmed", "Dikonfirmasi"), ("s-blocked", "Diblokir")]
    classes = {g["data-code"]: g["class"] for g in page.select("svg.plan .booth")}
    assert "s-blocked" in classes[booths[0].code] and "s-assigned" in classes[booths[1].code]
    client.cookies.set("expo_lang", "en")
    stand = soup(await client.get(f"/e/{event.slug}/stand/{booths[0].code}"))
    facts = [dd.get_text(strip=True) for dd in stand.select("dd")]
    assert "Food stall" in facts and "Blocked" in facts


async def test_plan_table_labels_kind_and_status(client, db):
    event, booths = await world()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(committee.email, PASSWORD)
    client.cookies.delete("expo_lang")
    client.cookies.set("expo_lang", "en")
    page = soup(await client.get(f"/manage/e/{event.slug}/booths"))
    row = [td.get_text(strip=True) for td in
           page.select_one(f"#booth-table tr[data-code='{booths[0].code}']").select("td")]
    assert "Food stall" in row and "Blocked" in row
    kinds = [o.get_text() for o in page.select("select[name=kind] option")]
    assert kinds[:2] == ["Standard", "Corner"]
