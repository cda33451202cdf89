from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.events.models import Event, EventStatus
from tests.factories import PASSWORD, make_event, make_user


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


FORM = {"name": "Festival Amplang", "slug": "festival-amplang", "venue": "Taman Samarendah",
        "timezone": "Asia/Makassar", "starts_on": "2027-06-01", "ends_on": "2027-06-02",
        "status": "published"}


async def test_public_event_page_shows_hours(client, db):
    event = await make_event(opens="08:30")
    response = await client.get(f"/e/{event.slug}")
    assert response.status_code == 200
    assert "08.30" in response.text  # Indonesian time style


async def test_draft_event_is_404_for_the_public(client, db):
    event = await make_event(status=EventStatus.DRAFT)
    assert (await client.get(f"/e/{event.slug}")).status_code == 404
    assert (await client.get("/e/nope")).status_code == 404


async def test_committee_member_creates_event(client, db):
    existing = await make_event()
    user = await make_user(event=existing, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    assert (await client.get("/manage/events/new")).status_code == 200
    response = await client.submit("/manage/events/new", FORM)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/manage/e/festival-amplang")
    assert await Event.exists(slug="festival-amplang")
    public = await client.get("/")
    assert "Festival Amplang" in public.text


async def test_create_event_with_errors_rerenders_with_inline_messages(client, db):
    existing = await make_event()
    user = await make_user(event=existing, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    response = await client.submit("/manage/events/new", FORM | {"ends_on": "2027-05-01",
                                                                 "slug": existing.slug})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".has-error #f-ends_on")
    assert page.select_one("#f-name")["value"] == "Festival Amplang"  # nothing lost
    taken = await client.submit("/manage/events/new", FORM | {"slug": existing.slug})
    assert taken.status_code == 422
    assert page.select_one(".alert-error")


async def test_people_without_committee_role_cannot_create_events(client, db):
    event = await make_event()
    gate = await make_user(event=event, role=Role.GATE)
    await client.login(gate.email, PASSWORD)
    assert (await client.get("/manage/events/new")).status_code == 403
    assert (await client.submit("/manage/events/new", FORM)).status_code == 403


async def test_committee_edits_event(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    page = await client.get(f"/manage/e/{event.slug}/edit")
    assert soup(page).select_one("#f-name")["value"] == event.name
    data = FORM | {"slug": event.slug, "name": "Nama Baru", "opens_2027-06-01": "10:00"}
    response = await client.submit(f"/manage/e/{event.slug}/edit", data)
    assert response.status_code == 303
    assert (await Event.get(id=event.id)).name == "Nama Baru"


async def test_status_change_and_bad_status(client, db):
    event = await make_event(status=EventStatus.DRAFT)
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    ok = await client.submit(f"/manage/e/{event.slug}/status", {"status": "published"})
    assert ok.status_code == 303
    assert (await Event.get(id=event.id)).status == EventStatus.PUBLISHED
    bad = await client.submit(f"/manage/e/{event.slug}/status", {"status": "bogus"})
    assert bad.status_code == 422


async def test_overview_lists_tabs_for_role(client, db):
    event = await make_event()
    curator = await make_user(event=event, role=Role.CURATOR)
    await client.login(curator.email, PASSWORD)
    response = await client.get(f"/manage/e/{event.slug}")
    tabs = [a["href"] for a in soup(response).select("nav.tabs a")]
    assert not any(h.endswith("/audit") for h in tabs)


async def test_manage_lists_my_events_only(client, db):
    mine, other = await make_event(), await make_event()
    user = await make_user(event=mine, role=Role.EXHIBITOR)
    await client.login(user.email, PASSWORD)
    response = await client.get("/manage")
    assert mine.name in response.text and other.name not in response.text
