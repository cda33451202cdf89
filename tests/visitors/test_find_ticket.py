"""The "find my ticket" page: the personal link sent again to the phone or email a ticket was
registered with, never a new ticket, and an answer that tells nobody whether it exists."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.outbox import Channel, OutboxMessage
from expo.visitors import notify, service
from expo.visitors.forms import GroupData, VisitorData
from expo.visitors.models import Visitor
from tests.factories import make_event
from tests.visitors.helpers import make_visitor
from tests.visitors.test_ticket_messages import POST

PHONE = "+6281234567890"


def url(event) -> str:  # type: ignore[no-untyped-def]
    return f"/e/{event.slug}/tiket-saya"


async def resent() -> list[OutboxMessage]:
    return await OutboxMessage.filter(kind=notify.TICKET_RESEND).order_by("id")


async def test_find_ticket_is_linked_from_the_event_and_registration_pages(client, db):
    event = await make_event()
    for page in (f"/e/{event.slug}", f"/e/{event.slug}/register"):
        soup = BeautifulSoup((await client.get(page)).text, "html.parser")
        assert soup.select_one(f'a[href="{url(event)}"]').text == "Cari tiket saya"
    form = BeautifulSoup((await client.get(url(event))).text, "html.parser")
    assert form.select_one("form[method=post] input[name=csrf_token]") is not None
    assert form.select_one("input[name=contact]") is not None


async def test_known_phone_gets_its_link_again_and_no_new_ticket(client, db):
    event = await make_event()
    visitor = await make_visitor(event)
    response = await client.submit(url(event), {"contact": "0812 3456 7890"})
    assert response.status_code == 200
    sent = BeautifulSoup(response.text, "html.parser").select_one("[data-testid=find-sent]")
    assert "Jika ada tiket yang terdaftar" in sent.text
    rows = await resent()
    assert [(row.channel, row.to) for row in rows] == [(Channel.WHATSAPP, PHONE)]
    assert f"http://testserver/t/{visitor.link_token}" in rows[0].body
    assert await Visitor.filter(event=event).count() == 1


async def test_unknown_phone_gets_the_same_answer_and_nothing_is_sent(client, db):
    event = await make_event()
    await make_visitor(event)
    known = await client.submit(url(event), {"contact": "0812 3456 7890"})
    unknown = await client.submit(url(event), {"contact": "0813 9999 8888"})
    assert (unknown.status_code, unknown.text) == (known.status_code, known.text)
    assert "0813" not in unknown.text and "9999" not in unknown.text  # the input is not echoed
    assert [row.to for row in await resent()] == [PHONE]


async def test_email_gets_the_link_by_email_only(client, db):
    event = await make_event()
    visitor = await service.register_visitor(event=event, data=VisitorData(
        name="Siti", phone=PHONE, email="siti@example.id"))
    await client.submit(url(event), {"contact": "Siti@Example.ID"})
    rows = await resent()
    assert [(row.channel, row.to) for row in rows] == [(Channel.EMAIL, "siti@example.id")]
    assert f"/t/{visitor.link_token}" in rows[0].body and rows[0].attachment


async def test_erased_tickets_and_other_events_are_not_found(client, db):
    event, other = await make_event(), await make_event()
    await service.erase_visitor(visitor=await make_visitor(event))
    await make_visitor(other)
    response = await client.submit(url(event), {"contact": PHONE})
    assert response.status_code == 200 and await resent() == []


async def test_teacher_gets_the_group_link_again(client, db):
    event = await make_event()
    group = await service.register_group(event=event, post=POST, data=GroupData(
        name="SMKN 1", leader_name="Bu Rina", leader_phone=PHONE, kabupaten="Kota Samarinda",
        members=["Andi", "Budi"]))
    await client.submit(url(event), {"contact": "081234567890"})
    rows = await OutboxMessage.filter(kind=notify.GROUP_RESEND)
    assert len(rows) == 1 and f"/g/{group.link_token}" in rows[0].body


async def test_each_address_gets_at_most_three_links_an_hour(client, db, monkeypatch):
    event = await make_event()
    await make_visitor(event)
    for minute in range(4):
        monkeypatch.setattr(notify, "clock", lambda m=minute: 1_800_000_000.0 + 60 * m)
        response = await client.submit(url(event), {"contact": PHONE})
        assert response.status_code == 200  # the same answer: it tells nothing
    assert len(await resent()) == 3


async def test_too_many_requests_from_one_address_get_429(client, db):
    event = await make_event()
    for _ in range(5):
        assert (await client.submit(url(event), {"contact": "0813 9999 8888"})).status_code == 200
    response = await client.submit(url(event), {"contact": "0813 9999 8888"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    soup = BeautifulSoup(response.text, "html.parser")
    assert "Anda sudah beberapa kali meminta tiket" in soup.select_one(".lead").text
    assert soup.select_one(f'a[href="http://testserver{url(event)}"]') is not None


@pytest.mark.parametrize("contact", ["12", "nama@", "bukan nomor"])
async def test_bad_input_is_422_with_the_message_on_the_form(client, db, contact):
    event = await make_event()
    response = await client.submit(url(event), {"contact": contact})
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert "Masukkan nomor WhatsApp Anda" in soup.select_one("#e-contact").text
    assert soup.select_one("input[name=contact]")["value"] == contact
    assert soup.select_one("[data-testid=find-sent]") is None


async def test_empty_input_is_422(client, db):
    event = await make_event()
    response = await client.submit(url(event), {"contact": ""})
    assert response.status_code == 422
    assert BeautifulSoup(response.text, "html.parser").select_one("#e-contact") is not None
