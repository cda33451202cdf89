"""Producers hear about their application: received, accepted, waitlisted, rejected (with the
reason), by WhatsApp and email, in their owner's language, once per change."""

from __future__ import annotations

import pytest

from expo.accounts.models import Role, User
from expo.app import create_app
from expo.db import atomic
from expo.errors import DomainError
from expo.exhibitors import curation, service
from expo.exhibitors import notify as notices
from expo.exhibitors.models import Application, AppStatus, ProducerMember
from expo.outbox import Channel, Delivery, OutboxMessage
from tests.exhibitors.factories import make_application, make_producer
from tests.factories import make_event, make_user

APP_VALUES = {"booth_type": "standard", "booths_needed": 1, "power_watts": 450,
              "needs_water": False, "first_time": True, "note": "", "terms": True}


async def _decide(event, app, decision, message=""):  # type: ignore[no-untyped-def]
    committee = await User.filter(email="panitia-notices@example.id").first() or await make_user(
        email="panitia-notices@example.id", event=event, role=Role.COMMITTEE)
    await curation.decide_many(event=event, application_ids=[app.id], decision=decision,
                               message=message, by=committee, roles={Role.COMMITTEE},
                               settings=None)


async def _rows(kind: str) -> dict[Channel, OutboxMessage]:
    return {row.channel: row for row in await OutboxMessage.filter(kind=kind)}


async def test_notices_application_received_by_whatsapp_and_email(db):
    event = await make_event()
    user = await make_user()
    producer = await make_producer(user=user)
    app = await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                         by=user)
    await service.submit_application(application=app, by=user)
    rows = await _rows("exhibitors.received")
    assert set(rows) == {Channel.WHATSAPP, Channel.EMAIL}
    wa, mail = rows[Channel.WHATSAPP], rows[Channel.EMAIL]
    assert wa.to == producer.phone and mail.to == user.email
    assert wa.key == f"exhibitors.app_status:{app.id}:submitted:whatsapp"
    assert wa.event_id == event.id == mail.event_id
    link = f"http://testserver/exhibitor/applications/{app.id}"
    assert link in wa.body and link in mail.body
    assert event.name in mail.subject and "diterima" in mail.subject.lower()  # Indonesian
    assert wa.template["name"] == "notice" and len(wa.template["params"]) == 2
    assert all("\n" not in p for p in wa.template["params"])
    assert wa.template["params"][1].endswith(link)
    assert wa.state == Delivery.HELD  # no channel set up in tests: waiting in the outbox


async def test_notices_application_received_once(db):
    event = await make_event()
    app = await make_application(event=event)
    await app.fetch_related("producer")
    for _ in range(2):
        await notices.application_received(application=app, event=event, producer=app.producer)
    assert await OutboxMessage.filter(kind="exhibitors.received").count() == 2  # WA + email


async def test_notices_use_the_owners_language(db):
    event = await make_event()
    user = await make_user()
    await User.filter(id=user.id).update(locale="en")
    app = await make_application(event=event, producer=await make_producer(user=user))
    await _decide(event, app, AppStatus.ACCEPTED)
    rows = await _rows("exhibitors.accepted")
    assert rows[Channel.EMAIL].subject == f"Accepted at {event.name}"
    assert rows[Channel.EMAIL].body.startswith("Hello ")
    assert rows[Channel.EMAIL].locale == "en"


async def test_notices_accepted_waitlisted_rejected_with_the_reason(db):
    event = await make_event()
    app = await make_application(event=event)
    await _decide(event, app, AppStatus.WAITLISTED)
    await _decide(event, app, AppStatus.REJECTED, "Kuota kuliner sudah penuh")
    waitlisted = await _rows("exhibitors.waitlisted")
    rejected = await _rows("exhibitors.rejected")
    assert set(waitlisted) == set(rejected) == {Channel.WHATSAPP, Channel.EMAIL}
    for row in rejected.values():
        assert "Kuota kuliner sudah penuh" in row.body
        assert row.key.startswith(f"exhibitors.app_status:{app.id}:rejected:")
    assert "Kuota kuliner sudah penuh" in rejected[Channel.WHATSAPP].template["params"][1]


async def test_notices_same_decision_twice_is_one_notice(db):
    event = await make_event()
    app = await make_application(event=event)
    await _decide(event, app, AppStatus.ACCEPTED)
    await _decide(event, app, AppStatus.ACCEPTED)
    assert await OutboxMessage.filter(kind="exhibitors.accepted").count() == 2  # WA + email


async def test_notices_each_changed_decision_is_told(db):
    event = await make_event()
    app = await make_application(event=event)
    await _decide(event, app, AppStatus.ACCEPTED)
    await _decide(event, app, AppStatus.WAITLISTED)
    await _decide(event, app, AppStatus.ACCEPTED)
    assert await OutboxMessage.filter(kind="exhibitors.accepted",
                                      channel=Channel.WHATSAPP).count() == 2
    await _decide(event, app, AppStatus.REJECTED, "Tidak lengkap")
    await _decide(event, app, AppStatus.REJECTED, "Dokumen NIB tidak terbaca")  # a new reason
    bodies = [r.body for r in await OutboxMessage.filter(kind="exhibitors.rejected",
                                                          channel=Channel.EMAIL).order_by("id")]
    assert len(bodies) == 2 and "Dokumen NIB tidak terbaca" in bodies[1]


async def test_notices_other_logins_get_the_email_in_their_language(db):
    event = await make_event()
    owner = await make_user()
    producer = await make_producer(user=owner)
    other = await make_user()
    await User.filter(id=other.id).update(locale="en")
    await ProducerMember.create(producer=producer, user=other)
    app = await make_application(event=event, producer=producer)
    await _decide(event, app, AppStatus.ACCEPTED)
    rows = await OutboxMessage.filter(kind="exhibitors.accepted").order_by("id")
    assert [(r.channel, r.to) for r in rows] == [
        (Channel.EMAIL, owner.email), (Channel.WHATSAPP, producer.phone),
        (Channel.EMAIL, other.email)]
    assert rows[2].key.endswith(f":u{other.id}:email") and rows[2].locale == "en"
    assert rows[0].locale == "id" and "Diterima" in rows[0].subject


async def test_notices_no_whatsapp_without_a_valid_phone(db):
    event = await make_event()
    app = await make_application(event=event, producer=await make_producer(phone="12345"))
    await _decide(event, app, AppStatus.ACCEPTED)
    assert set(await _rows("exhibitors.accepted")) == {Channel.EMAIL}


async def test_notices_vanish_with_a_change_that_rolls_back(db):
    event = await make_event()
    app = await make_application(event=event)
    await app.fetch_related("producer")
    with pytest.raises(RuntimeError):
        async with atomic():
            await notices.application_received(application=app, event=event,
                                               producer=app.producer)
            raise RuntimeError("the change failed")
    assert not await OutboxMessage.exists()


async def test_notices_decision_refused_tells_nobody(db):
    event = await make_event()
    app = await make_application(event=event)
    with pytest.raises(DomainError) as info:
        await _decide(event, app, AppStatus.REJECTED, "")
    assert info.value.code == "reason_required"
    assert (await Application.get(id=app.id)).status == AppStatus.SUBMITTED
    assert not await OutboxMessage.exists()


def test_notices_paths_are_the_routes(settings):
    app = create_app(settings, manage_db=False)
    assert app.url_path_for("exhibitors.application", application_id=7) == \
        notices.application_path(Application(id=7))
