"""Signing up from an event's page: which event the link names, and the draft it leads to."""

import datetime as dt

from expo.accounts.models import EventRole, Role
from expo.audit.models import AuditEntry
from expo.events.models import EventStatus
from expo.exhibitors import signup_link
from expo.exhibitors.forms import SignupData
from expo.exhibitors.models import Application, AppStatus
from tests.exhibitors.factories import make_application, make_producer
from tests.factories import make_event, make_user

NOW = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)


def _data(email: str = "sri@example.id") -> SignupData:
    return SignupData(name="Sri Wahyuni", email=email, password="talam-enak-123", profile={
        "business_name": "Kue Talam Bu Sri", "owner_name": "Sri Wahyuni",
        "phone": "+6281255550101", "email": email, "kabupaten": "Kota Balikpapan",
        "category": "kuliner"})


async def _windowed(opens: dt.datetime | None, closes: dt.datetime | None):  # type: ignore[no-untyped-def]
    event = await make_event()
    event.exhibitor_reg_opens, event.exhibitor_reg_closes = opens, closes
    await event.save()
    return event


async def test_signup_event_none_without_a_slug(db):
    assert await signup_link.signup_event(None) is None
    assert await signup_link.signup_event("  ") is None


async def test_signup_event_open_and_not_yet_accept(db):
    unset = await make_event()
    found = await signup_link.signup_event(unset.slug.upper(), now=NOW)
    assert found is not None and found.state == "open" and found.accepts
    assert found.event is not None and found.event.id == unset.id and found.notice == ""
    soon = await _windowed(NOW + dt.timedelta(days=3), None)
    found = await signup_link.signup_event(soon.slug, now=NOW)
    assert found is not None and found.state == "not_yet" and found.accepts


async def test_signup_event_closed_unknown_and_draft_refuse_with_a_notice(db):
    over = await _windowed(None, NOW - dt.timedelta(days=1))
    closed = await make_event(status=EventStatus.CLOSED)
    draft = await make_event(status=EventStatus.DRAFT)
    for slug, state in [(over.slug, "closed"), (closed.slug, "closed"),
                        (draft.slug, "unknown"), ("no-such-event", "unknown")]:
        found = await signup_link.signup_event(slug, now=NOW)
        assert found is not None and found.state == state and not found.accepts, slug
        assert found.notice, slug
    assert over.name in (await signup_link.signup_event(over.slug, now=NOW)).notice  # type: ignore[union-attr]
    assert draft.name not in (await signup_link.signup_event(draft.slug)).notice  # type: ignore[union-attr]


async def test_signup_event_malformed_slug_is_unknown_and_not_kept(db):
    for slug in ["../../admin", "https://evil.example/x", "a\x00b", "x" * 200, "<b>"]:
        found = await signup_link.signup_event(slug)
        assert found is not None and found.state == "unknown" and found.slug == "", slug


async def test_start_application_creates_one_draft_then_reuses_it(db):
    event = await make_event()
    producer = await make_producer()
    user = await make_user()
    first = await signup_link.start_application(producer=producer, event=event, by=user)
    assert first.status == AppStatus.DRAFT and first.terms_accepted_at is None
    assert first.booths_needed == 1 and first.power_watts == 450
    again = await signup_link.start_application(producer=producer, event=event, by=user)
    assert again.id == first.id and await Application.filter(producer=producer).count() == 1
    assert await AuditEntry.filter(action="expo.application.created").count() == 1


async def test_start_application_opens_a_sent_application_as_it_is(db):
    event = await make_event()
    sent = await make_application(event=event, status=AppStatus.ACCEPTED)
    found = await signup_link.start_application(producer=await sent.producer, event=event,
                                                by=await make_user())
    assert found.id == sent.id and found.status == AppStatus.ACCEPTED


async def test_register_from_an_open_event_starts_the_draft(db):
    event = await make_event()
    target = await signup_link.signup_event(event.slug)
    done = await signup_link.register(data=_data(), user=None, target=target)
    assert done.application is not None and done.event is not None
    assert done.event.id == event.id and done.notice == ""
    assert done.application.status == AppStatus.DRAFT
    assert await EventRole.exists(event=event, user=done.user, role=Role.EXHIBITOR)


async def test_register_from_a_closed_event_still_signs_up(db):
    closed = await make_event(status=EventStatus.CLOSED)
    target = await signup_link.signup_event(closed.slug)
    done = await signup_link.register(data=_data(), user=None, target=target)
    assert done.producer.id and done.application is None and closed.name in done.notice
    assert not await Application.exists()


async def test_register_when_the_window_closed_meanwhile_keeps_the_profile(db):
    event = await make_event()
    target = await signup_link.signup_event(event.slug)
    event.exhibitor_reg_closes = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await event.save()
    assert target is not None and target.event is not None
    target.event.exhibitor_reg_closes = event.exhibitor_reg_closes
    done = await signup_link.register(data=_data(), user=None, target=target)
    assert done.application is None and done.notice
    assert done.producer.business_name == "Kue Talam Bu Sri"


async def test_register_gives_a_signed_in_user_a_profile_and_a_draft(db):
    event = await make_event()
    user = await make_user()
    done = await signup_link.register(data=_data(email=user.email), user=user,
                                      target=await signup_link.signup_event(event.slug))
    assert done.user.id == user.id and done.application is not None
