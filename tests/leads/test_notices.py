"""Producers hear about visitors to follow up (an inquiry, a request to be contacted); a
visitor's contact is in the notice only when that visitor shares it with the stand."""

from __future__ import annotations

import pytest

from expo.app import create_app
from expo.leads import notify as notices
from expo.leads import service
from expo.leads.models import ContactRequest
from expo.outbox import Channel, OutboxMessage

from .helpers import inquiry, make_visitor, setup

pytestmark = pytest.mark.usefixtures("db")
VISITOR_PHONE = "+6281399887766"


async def test_notices_new_inquiry_reaches_the_producer() -> None:
    event, a, b, _c = await setup()
    visitor = await make_visitor(event, "Rina Pembeli", phone=VISITOR_PHONE)
    made = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product, quantity=300))
    rows = {r.channel: r for r in await OutboxMessage.filter(kind="leads.inquiry")}
    assert set(rows) == {Channel.WHATSAPP, Channel.EMAIL}
    producer = a.application.producer
    assert rows[Channel.WHATSAPP].to == producer.phone and rows[Channel.EMAIL].to == a.user.email
    for row in rows.values():
        assert row.key == f"leads.inquiry:{made.id}:{row.channel.value}"
        assert row.event_id == event.id and row.locale == "en"  # the exhibitor reads English
        assert "300 kotak Nastar nanas" in row.body
        assert "Rina Pembeli" in row.body and VISITOR_PHONE in row.body  # consent given
        assert f"http://testserver/manage/e/{event.slug}/leads/{made.lead_id}" in row.body
    assert not await OutboxMessage.filter(kind="leads.inquiry", to=b.user.email).exists()


async def test_notices_inquiry_without_consent_hides_the_visitor() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event, "Rina Pembeli", phone=VISITOR_PHONE)
    made = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product))
    await service.set_consent(visitor=visitor, application=a.application, consent=False)
    await OutboxMessage.filter(kind="leads.inquiry").delete()
    await notices.new_inquiry(inquiry=made, application=a.application, visitor=visitor)
    rows = await OutboxMessage.filter(kind="leads.inquiry")
    assert len(rows) == 2
    for row in rows:
        assert "Rina" not in row.body and VISITOR_PHONE not in row.body
        assert VISITOR_PHONE not in " ".join(row.template.get("params", []))
        assert row.body.rstrip().endswith(f"/manage/e/{event.slug}/leads")  # the inbox


async def test_notices_inquiry_told_once() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event)
    made = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product))
    await notices.new_inquiry(inquiry=made, application=a.application, visitor=visitor)
    assert await OutboxMessage.filter(kind="leads.inquiry").count() == 2


async def test_notices_contact_request_once_per_visitor_and_stand() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event, "Budi Tamu", phone=VISITOR_PHONE)
    for _ in range(2):
        await service.set_consent(visitor=visitor, application=a.application, consent=True,
                                  wants_contact=True)
    request = await ContactRequest.get(visitor_id=visitor.id, application_id=a.application.id)
    rows = await OutboxMessage.filter(kind="leads.contact")
    assert {r.key for r in rows} == {f"leads.contact:{request.id}:whatsapp",
                                     f"leads.contact:{request.id}:email"}
    assert all("Budi Tamu" in r.body and VISITOR_PHONE in r.body for r in rows)


async def test_notices_consent_alone_tells_nobody() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event)
    await service.set_consent(visitor=visitor, application=a.application, consent=True)
    await service.save_stand(visitor=await make_visitor(event), application=a.application)
    assert not await OutboxMessage.filter(kind__startswith="leads.").exists()


def test_notices_lead_paths_are_the_routes(settings) -> None:
    app = create_app(settings, manage_db=False)
    assert app.url_path_for("leads.inbox", slug="hkn") == "/manage/e/hkn/leads"
    assert app.url_path_for("leads.lead", slug="hkn", lead_id=5) == "/manage/e/hkn/leads/5"
