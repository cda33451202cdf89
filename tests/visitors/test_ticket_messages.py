"""The ticket reaches its visitor: queued by WhatsApp and email with the registration, in the
visitor's language, once per phone and event (a second registration sends it again instead,
a few times an hour at most), and delivered through a real gateway on loopback."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup
from starlette.routing import Router

from expo import i18n, qr
from expo.accounts.models import Role
from expo.channels.base import Outgoing, Sent
from expo.channels.whatsapp_gateway import GatewayAdapter
from expo.db import atomic
from expo.jobs import queue
from expo.jobs.models import Job
from expo.messages import service as messages
from expo.outbox import Channel, Delivery, OutboxMessage
from expo.settings import Settings, WhatsAppGatewaySettings
from expo.visitors import notify, service
from expo.visitors.forms import GroupData, VisitorData
from expo.visitors.models import Source, Visitor, VisitorType
from expo.visitors.routes import routes as visitor_routes
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_event, make_user
from tests.shared.loopback_http import LoopbackHTTP
from tests.visitors.helpers import SIGNER

BASE = "http://testserver"
ROUTER = Router(visitor_routes)
PHONE = "+6281234567890"
DATA = VisitorData(name="Siti Rahmawati", phone="0812-3456-7890", email="Siti@Example.id",
                   type=VisitorType.UMUM, kabupaten="Kota Samarinda")
FORM = {"name": "Siti Rahmawati", "phone": "0812-3456-7890", "email": "siti@example.id",
        "type": "umum", "kabupaten": "Kota Samarinda"}
SETTINGS = Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET, base_url=BASE)


def url_for(name: str, **params: object) -> str:
    return BASE + str(ROUTER.url_path_for(name, **params))


POST = notify.Post(url_for=url_for, signer=SIGNER)


class Accepting:
    """A WhatsApp adapter that takes every message (the pages then say it was sent)."""

    name = "test"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Sent:
        self.sent.append(message)
        return Sent(provider_id=f"t{len(self.sent)}")

    async def aclose(self) -> None:
        return None


def whatsapp_configured() -> Accepting:
    adapter = Accepting()
    messages.configure(SETTINGS, adapters={Channel.WHATSAPP: adapter})
    return adapter


async def rows_of(kind: str) -> dict[Channel, OutboxMessage]:
    return {Channel(row.channel): row for row in await OutboxMessage.filter(kind=kind)}


# ---- the first ticket ------------------------------------------------------------------------

async def test_register_queues_the_ticket_by_whatsapp_and_email(db):
    event = await make_event()
    done = await service.register(event=event, data=DATA, post=POST)
    visitor = done.visitor
    assert done.created and visitor.locale == "id" and visitor.phone == PHONE
    link, png = f"{BASE}/t/{visitor.link_token}", f"{BASE}/t/{visitor.link_token}/qr.png"
    rows = await rows_of(notify.TICKET)
    assert set(rows) == {Channel.WHATSAPP, Channel.EMAIL}
    wa = rows[Channel.WHATSAPP]
    assert (wa.to, wa.event_id, wa.state) == (PHONE, event.id, Delivery.HELD)
    assert wa.key == f"visitors.ticket:{visitor.id}:whatsapp"
    assert link in wa.body and f"No. pengunjung: {visitor.id}" in wa.body
    assert f"ini tiket Anda untuk {event.name}" in wa.body
    with i18n.using("id"):
        assert i18n.format_date(event.starts_on, "long") in wa.body
    assert len(wa.body) <= 700
    assert wa.template == {"name": "ticket", "image_url": png,
                           "params": ["Siti Rahmawati", event.name, str(visitor.id), link]}
    assert wa.media_url == png and wa.attachment is None


async def test_register_emails_the_ticket_with_its_qr_png(db):
    event = await make_event()
    visitor = (await service.register(event=event, data=DATA, post=POST)).visitor
    mail = (await rows_of(notify.TICKET))[Channel.EMAIL]
    assert mail.to == "siti@example.id" and mail.subject == f"Tiket Anda untuk {event.name}"
    assert f"{BASE}/t/{visitor.link_token}" in mail.body and "terlampir" in mail.body
    assert mail.attachment_name == f"tiket-{event.slug}-{visitor.id}.png"
    assert mail.attachment == qr.png(service.ticket_code(visitor=visitor, signer=SIGNER))
    assert mail.attachment.startswith(b"\x89PNG")


async def test_register_without_email_sends_whatsapp_only(db):
    event = await make_event()
    await service.register(event=event, data=replace(DATA, email=""), post=POST)
    assert set(await rows_of(notify.TICKET)) == {Channel.WHATSAPP}


async def test_ticket_is_written_in_the_language_the_visitor_registered_in(db):
    event = await make_event()
    with i18n.using("en"):
        first = await service.register(event=event, data=DATA, post=POST)
    assert first.visitor.locale == "en"
    assert "Visitor no." in (await rows_of(notify.TICKET))[Channel.WHATSAPP].body
    # Sent again from a request in Indonesian: still in the visitor's language.
    await service.register(event=event, data=DATA, post=POST)
    again = (await rows_of(notify.TICKET_RESEND))[Channel.WHATSAPP]
    assert "here is your ticket" in again.body and "Visitor no." in again.body


async def test_ticket_messages_commit_or_roll_back_with_the_visitor(db):
    event = await make_event()
    with pytest.raises(RuntimeError):
        async with atomic():
            await service.register(event=event, data=DATA, post=POST)
            raise RuntimeError("the request failed after registering")
    assert await Visitor.filter(event=event).count() == 0
    assert await OutboxMessage.all().count() == 0 and await Job.all().count() == 0


async def test_group_registration_sends_the_leader_the_group_link(db):
    event = await make_event()
    await service.register(event=event, data=DATA, post=POST)  # the teacher's own ticket
    group = await service.register_group(event=event, post=POST, data=GroupData(
        name="SMKN 1 Samarinda", leader_name="Bu Rina", leader_phone=PHONE,
        kabupaten="Kota Samarinda", members=["Andi", "Budi", "Citra"]))
    assert await Visitor.filter(group=group).count() == 3
    rows = await OutboxMessage.filter(kind=notify.GROUP)
    assert len(rows) == 1 and rows[0].channel == Channel.WHATSAPP and rows[0].to == PHONE
    assert f"{BASE}/g/{group.link_token}" in rows[0].body and "3 tiket" in rows[0].body
    assert await OutboxMessage.filter(kind=notify.TICKET).count() == 2  # the teacher's, not the pupils'


async def test_badges_are_not_sent(db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await service.issue_badges(event=event, names=["Pak Satpam", "Bu Tamu"],
                               type=VisitorType.GUEST, organisation="Panitia", by=user)
    assert await OutboxMessage.all().count() == 0


# ---- one ticket per phone ---------------------------------------------------------------------

async def test_same_phone_gets_its_ticket_again_and_no_second_row(db):
    event = await make_event()
    first = await service.register(event=event, data=DATA, post=POST)
    again = await service.register(event=event, post=POST, data=replace(
        DATA, name="Someone Else", phone="+62 812 3456 7890", email="other@example.id"))
    assert not again.created and not again.limited and again.visitor.id == first.visitor.id
    assert await Visitor.filter(event=event).count() == 1
    resent = await OutboxMessage.filter(kind=notify.TICKET_RESEND)
    # Sent to the addresses stored with the ticket, never to the new form's email.
    assert sorted(row.to for row in resent) == [PHONE, "siti@example.id"]
    assert all(f"/t/{first.visitor.link_token}" in row.body for row in resent)
    assert all("Siti Rahmawati" in row.body for row in resent)


async def test_same_phone_may_register_for_another_event_or_after_revocation(db):
    event, other = await make_event(), await make_event()
    first = await service.register(event=event, data=DATA, post=POST)
    assert (await service.register(event=other, data=DATA, post=POST)).created
    await service.revoke_ticket(visitor=first.visitor, by=None)
    assert (await service.register(event=event, data=DATA, post=POST)).created
    assert await Visitor.filter(phone=PHONE).count() == 3


async def test_resends_are_limited_per_phone_and_hour(db, monkeypatch):
    event = await make_event()
    await service.register(event=event, data=DATA, post=POST)
    done = []
    for minute in range(5):
        monkeypatch.setattr(notify, "clock", lambda m=minute: 1_800_000_000.0 + 60 * m)
        done.append(await service.register(event=event, data=DATA, post=POST))
    assert [d.limited for d in done] == [False, False, False, True, True]
    assert await OutboxMessage.filter(kind=notify.TICKET_RESEND, to=PHONE).count() == 3
    assert await Visitor.filter(event=event).count() == 1


async def test_a_double_click_resends_once(db, monkeypatch):
    event = await make_event()
    monkeypatch.setattr(notify, "clock", lambda: 1_800_000_000.0)
    for _ in range(3):
        await service.register(event=event, data=DATA, post=POST)
    assert await OutboxMessage.filter(kind=notify.TICKET_RESEND, to=PHONE).count() == 1


async def test_two_registrations_at_once_make_one_ticket(db):
    event = await make_event()
    first, second = await asyncio.gather(service.register(event=event, data=DATA, post=POST),
                                         service.register(event=event, data=DATA, post=POST))
    assert sorted([first.created, second.created]) == [False, True]
    assert first.visitor.id == second.visitor.id
    assert await Visitor.filter(event=event).count() == 1


async def test_group_members_and_walk_ins_without_phone_are_not_matched(db):
    event = await make_event()
    kiosk = replace(DATA, phone="", email="")
    await service.register(event=event, data=kiosk, post=POST, source=Source.KIOSK)
    await service.register(event=event, data=kiosk, post=POST, source=Source.KIOSK)
    assert await Visitor.filter(event=event).count() == 2
    assert await OutboxMessage.all().count() == 0


# ---- pages -----------------------------------------------------------------------------------

async def test_repeated_registration_page_says_the_ticket_was_sent_again(client, db):
    event = await make_event()
    whatsapp_configured()
    first = await client.submit(f"/e/{event.slug}/register", FORM)
    assert first.status_code == 303
    again = await client.submit(f"/e/{event.slug}/register", FORM | {"name": "Siti R"})
    assert again.status_code == 200
    soup = BeautifulSoup(again.text, "html.parser")
    note = soup.select_one("[data-testid=sent-again]").text
    assert "Anda sudah punya tiket untuk acara ini" in note and "WhatsApp" in note
    assert soup.select_one(f'a[href="/e/{event.slug}/tiket-saya"]') is not None
    assert await Visitor.filter(event=event).count() == 1
    assert await OutboxMessage.filter(kind=notify.TICKET_RESEND, to=PHONE).count() == 1


async def test_repeated_registration_without_whatsapp_says_it_is_not_set_up(client, db):
    event = await make_event()
    await client.submit(f"/e/{event.slug}/register", FORM)
    again = await client.submit(f"/e/{event.slug}/register", FORM)
    note = BeautifulSoup(again.text, "html.parser").select_one("[data-testid=sent-again]").text
    assert "Anda sudah punya tiket" in note and "belum disiapkan" in note


async def test_ticket_page_says_whatsapp_is_not_set_up(client, db):
    event = await make_event()
    response = await client.submit(f"/e/{event.slug}/register", FORM)
    page = await client.get(response.headers["location"])
    soup = BeautifulSoup(page.text, "html.parser")
    warning = soup.select_one("[data-testid=whatsapp-not-set-up]").text
    assert "belum disiapkan" in warning and "tangkapan layar" in warning
    assert "sudah kami kirim" not in soup.select_one("[data-testid=ticket-delivery]").text


async def test_ticket_page_says_where_the_ticket_was_sent(client, db):
    event = await make_event()
    whatsapp_configured()
    response = await client.submit(f"/e/{event.slug}/register", FORM)
    page = await client.get(response.headers["location"])
    soup = BeautifulSoup(page.text, "html.parser")
    told = soup.select_one("[data-testid=ticket-delivery]").text
    assert "sudah kami kirim ke WhatsApp Anda (+628•••••••890)" in told
    assert "siti@example.id" not in told  # no email channel set up: not claimed
    assert soup.select_one("[data-testid=whatsapp-not-set-up]") is None


async def test_emailed_png_is_the_tickets_download(client, db):
    event = await make_event()
    response = await client.submit(f"/e/{event.slug}/register", FORM)
    download = await client.get(response.headers["location"] + "/qr.png")
    mail = (await rows_of(notify.TICKET))[Channel.EMAIL]
    assert download.status_code == 200 and mail.attachment == download.content


async def test_kiosk_walk_in_gets_the_ticket_on_whatsapp_once(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.GATE)
    await client.login(user.email, PASSWORD)
    whatsapp_configured()
    walk_in = {"name": "Pak Budi", "phone": "0812 3456 7890", "type": "umum",
               "kabupaten": "Kota Samarinda"}
    done = await client.submit(f"/manage/e/{event.slug}/kiosk", walk_in)
    assert done.status_code == 200
    assert BeautifulSoup(done.text, "html.parser").select_one("[data-testid=kiosk-sent]")
    visitor = await Visitor.get(event=event)
    assert visitor.source == Source.KIOSK
    wa = (await rows_of(notify.TICKET))[Channel.WHATSAPP]
    assert wa.to == PHONE and f"{BASE}/t/{visitor.link_token}" in wa.body
    again = await client.submit(f"/manage/e/{event.slug}/kiosk", walk_in)
    assert "Anda sudah punya tiket" in BeautifulSoup(again.text, "html.parser").select_one(
        "[data-testid=sent-again]").text
    assert await Visitor.filter(event=event).count() == 1


# ---- end to end: a real gateway on loopback (last: it needs the gateway adapter) --------------

async def test_registration_reaches_the_whatsapp_gateway_once(db):
    event = await make_event()
    with LoopbackHTTP() as server:
        adapter = GatewayAdapter(WhatsAppGatewaySettings(url=server.url + "/send"))
        messages.configure(SETTINGS, adapters={Channel.WHATSAPP: adapter})
        try:
            visitor = (await service.register(event=event, data=DATA, post=POST)).visitor
            await queue.drain()
            await queue.drain()  # nothing is sent twice
        finally:
            await adapter.aclose()
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request.path == "/send" and request.form["target"] == "6281234567890"
    assert f"{BASE}/t/{visitor.link_token}" in request.form["message"]
    row = (await rows_of(notify.TICKET))[Channel.WHATSAPP]
    assert row.state == Delivery.SENT
