import datetime as dt

import pytest

from expo.accounts.models import EventRole, Role
from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.events import service
from expo.events.forms import parse_event_form
from expo.events.models import EventDay, EventStatus
from expo.forms import Form, FormInvalid
from tests.factories import make_event, make_user


def _form(**over):
    data = {"name": "Pameran Kriya Kaltim", "slug": "kriya-2027", "venue": "Big Mall",
            "timezone": "Asia/Makassar", "starts_on": "2027-05-01", "ends_on": "2027-05-03",
            "status": "draft", "opens_2027-05-03": "10:00", "closes_2027-05-03": "16:00"}
    return Form(data | over)


def test_event_form_builds_days_with_default_and_custom_hours():
    data = parse_event_form(_form())
    assert [d.isoformat() for d in data.hours] == ["2027-05-01", "2027-05-02", "2027-05-03"]
    assert data.hours[dt.date(2027, 5, 1)] == (dt.time(9), dt.time(21))
    assert data.hours[dt.date(2027, 5, 3)] == (dt.time(10), dt.time(16))


@pytest.mark.parametrize(("over", "field"), [
    ({"ends_on": "2027-04-30"}, "ends_on"),
    ({"slug": "Bad Slug!"}, "slug"),
    ({"name": ""}, "name"),
    ({"timezone": "Mars/Base"}, "timezone"),
    ({"starts_on": "kemarin"}, "starts_on"),
    ({"closes_2027-05-03": "08:00"}, "closes_2027-05-03"),
    ({"visitor_reg_opens": "2027-04-01T10:00", "visitor_reg_closes": "2027-03-01T10:00"},
     "visitor_reg_closes"),
    ({"ends_on": "2027-07-30"}, "ends_on"),
    # A time with an offset is not a wall-clock time (it was a TypeError, a 500, before).
    ({"opens_2027-05-03": "09:00+07:00"}, "opens_2027-05-03"),
])
def test_event_form_refuses_bad_input(over, field):
    form = _form(**over)
    with pytest.raises(FormInvalid):
        parse_event_form(form)
    assert field in form.errors


def test_event_form_reads_windows_in_event_time_zone():
    data = parse_event_form(_form(visitor_reg_opens="2027-04-01T08:00"))
    assert data.visitor_reg_opens == dt.datetime(2027, 4, 1, 0, 0, tzinfo=dt.UTC)


async def test_create_event_makes_creator_committee_and_audits(db):
    user = await make_user()
    event = await service.create_event(data=parse_event_form(_form()), by=user)
    assert await EventRole.exists(event=event, user=user, role=Role.COMMITTEE)
    assert await EventDay.filter(event=event).count() == 3
    assert await AuditEntry.exists(event=event, action="expo.event.created", actor=user)


async def test_create_event_refuses_taken_slug(db):
    user = await make_user()
    await service.create_event(data=parse_event_form(_form()), by=user)
    with pytest.raises(DomainError) as err:
        await service.create_event(data=parse_event_form(_form()), by=user)
    assert err.value.code == "slug_taken"


async def test_update_event_changes_days_and_records_fields(db):
    user = await make_user()
    event = await service.create_event(data=parse_event_form(_form()), by=user)
    data = parse_event_form(_form(ends_on="2027-05-01", venue="GOR Segiri"))
    await service.update_event(event=event, data=data, by=user)
    days = await service.event_days(event)
    assert [d.date for d in days] == [dt.date(2027, 5, 1)]
    entry = await AuditEntry.filter(action="expo.event.updated").first()
    assert set(entry.data["fields"]) == {"ends_on", "venue"}


async def test_set_status_audits_transition(db):
    user = await make_user()
    event = await make_event(status=EventStatus.DRAFT)
    await service.set_status(event=event, status=EventStatus.PUBLISHED, by=user)
    entry = await AuditEntry.get(action="expo.event.published")
    assert entry.data == {"from": "draft", "to": "published"}


async def test_draft_is_visible_only_to_staff(db):
    draft = await make_event(status=EventStatus.DRAFT)
    staff = await make_user(event=draft, role=Role.GATE)
    with pytest.raises(DomainError):
        await service.viewable_event(slug=draft.slug, user=None)
    with pytest.raises(DomainError):
        await service.viewable_event(slug=draft.slug, user=await make_user())
    event, roles = await service.viewable_event(slug=draft.slug, user=staff)
    assert event.id == draft.id and roles == {Role.GATE}


async def test_public_events_lists_upcoming_first_and_hides_drafts(db):
    past = await make_event(starts_on=dt.date.today() - dt.timedelta(days=100))
    soon = await make_event(starts_on=dt.date.today() + dt.timedelta(days=5))
    later = await make_event(starts_on=dt.date.today() + dt.timedelta(days=50))
    await make_event(status=EventStatus.DRAFT)
    assert [e.id for e in await service.public_events()] == [soon.id, later.id, past.id]


def test_window_state():
    now = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    day = dt.timedelta(days=1)
    assert service.window_state(None, None, now) == "unset"
    assert service.window_state(now + day, None, now) == "not_yet"
    assert service.window_state(now - day, now + day, now) == "open"
    assert service.window_state(now - 2 * day, now - day, now) == "closed"
