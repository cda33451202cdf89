"""The committee's messages page: counts and states, sending held WhatsApp messages by hand,
sending failed ones again."""

from __future__ import annotations

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.channels.base import Outgoing, Sent
from expo.jobs import queue
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel, Delivery, OutboxMessage
from expo.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_event, make_user

SARI = Recipient(name="Sari", phone="0812-3456-7890", email="sari@example.com")
BANNER = "[data-testid=by-hand]"


class Recorder:
    name = "wa_test"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Sent:
        self.sent.append(message)
        return Sent(provider_id=f"wamid.{len(self.sent)}")

    async def aclose(self) -> None:
        return None


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def _url(event, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/manage/e/{event.slug}/messages{tail}"


async def _world(client):  # type: ignore[no-untyped-def]
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    rows = await messages.send(to=SARI, kind="tests.notice", subject="Info stand",
                               text="Halo Sari, stand Anda A-12.", key="notice:1",
                               event_id=event.id)
    await client.login(committee.email, PASSWORD)
    return event, committee, {r.channel: r for r in rows}


async def test_messages_page_is_for_the_event_committee(client, db):
    event = await make_event()
    assert (await client.get(_url(event))).status_code in (302, 303)  # to the sign-in page
    curator = await make_user(event=event, role=Role.CURATOR)
    await client.login(curator.email, PASSWORD)
    assert (await client.get(_url(event))).status_code == 403
    other = await make_event()
    boss = await make_user(event=other, role=Role.COMMITTEE)
    client.cookies.clear()
    client.csrf = ""
    await client.login(boss.email, PASSWORD)
    assert (await client.get(_url(event))).status_code == 403
    assert (await client.get(_url(other))).status_code == 200
    assert (await client.get("/manage/e/no-such-event/messages")).status_code == 404
    admin = await make_user(superuser=True)
    client.cookies.clear()
    client.csrf = ""
    await client.login(admin.email, PASSWORD)
    page = soup(await client.get(_url(event)))
    assert page.select_one(f"nav.tabs a[href='{_url(event)}']")  # its tab


async def test_messages_page_shows_held_whatsapp_with_its_link_and_the_banner(client, db):
    event, _committee, rows = await _world(client)
    other = await make_event()
    await messages.send(to=SARI, kind="tests.notice", subject="Other", text="Elsewhere",
                        key="notice:other", event_id=other.id)
    response = await client.get(_url(event))
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one(BANNER)
    listed = {int(tr["id"].removeprefix("message-")) for tr in page.select("tr[id]")}
    assert listed == {r.id for r in rows.values()}  # not the other event's
    wa = page.select_one(f"#message-{rows[Channel.WHATSAPP].id}")
    link = wa.select_one("[data-testid=open-whatsapp]")
    assert link["href"].startswith("https://wa.me/6281234567890?text=")
    assert link["target"] == "_blank" and link["rel"] == ["noopener"]
    assert wa.select_one("form[action$='/sent'] input[name=csrf_token]")
    mail = page.select_one(f"#message-{rows[Channel.EMAIL].id}")
    assert not mail.select("[data-testid=open-whatsapp]")  # an email has no wa.me link
    counts = {a["data-state"]: a.select_one(".count").text
              for a in page.select("[data-testid=counts] a[data-state]")}
    assert counts == {"held": "2"}


async def test_messages_page_filters_by_state(client, db):
    event, _committee, rows = await _world(client)
    await OutboxMessage.filter(id=rows[Channel.EMAIL].id).update(state=Delivery.FAILED,
                                                                error="smtp: 550 no such user")
    page = soup(await client.get(_url(event, "?state=failed")))
    [row] = page.select("tr[id]")
    assert row["id"] == f"message-{rows[Channel.EMAIL].id}"
    assert row.select_one("[data-testid=error]").text == "smtp: 550 no such user"
    assert row.select_one("form[action$='/resend']")


async def test_mark_sent_by_hand_records_who_and_is_audited(client, db):
    event, committee, rows = await _world(client)
    wa = rows[Channel.WHATSAPP]
    response = await client.submit(_url(event, f"/{wa.id}/sent"))
    assert response.status_code == 303 and response.headers["location"].endswith(_url(event))
    row = await OutboxMessage.get(id=wa.id)
    assert (row.state, row.provider, row.handled_by) == (Delivery.SENT, "manual",
                                                         committee.email)
    entry = await AuditEntry.get(action="expo.message.sent_by_hand")
    assert entry.event_id == event.id and entry.object_id == str(wa.id)
    assert (await client.submit(_url(event, f"/{wa.id}/sent"))).status_code == 409  # done
    page = soup(await client.get(_url(event)))
    assert not page.select_one(BANNER)  # nothing waits for a person any more
    mail = rows[Channel.EMAIL]
    assert (await client.submit(_url(event, f"/{mail.id}/sent"))).status_code == 409


async def test_message_posts_refuse_other_events_unknown_ids_and_missing_csrf(client, db):
    event, _committee, rows = await _world(client)
    wa = rows[Channel.WHATSAPP]
    other = await make_event()
    [foreign, _mail] = await messages.send(to=SARI, kind="tests.notice", subject="x", text="x",
                                           key="notice:foreign", event_id=other.id)
    assert (await client.submit(_url(event, f"/{foreign.id}/sent"))).status_code == 404
    assert (await client.submit(_url(event, f"/{foreign.id}/resend"))).status_code == 404
    assert (await client.submit(_url(event, "/999999/sent"))).status_code == 404
    assert (await client.post(_url(event, f"/{wa.id}/sent"), data={})).status_code == 403
    assert (await client.post(_url(event, f"/{wa.id}/resend"), data={})).status_code == 403
    assert (await OutboxMessage.get(id=wa.id)).state == Delivery.HELD
    assert (await OutboxMessage.get(id=foreign.id)).state == Delivery.HELD
    assert not await AuditEntry.filter(action__startswith="expo.message.").exists()


async def test_message_posts_are_for_the_committee(client, db):
    event = await make_event()
    [wa, _mail] = await messages.send(to=SARI, kind="tests.notice", subject="x", text="x",
                                      key="notice:gate", event_id=event.id)
    gate = await make_user(event=event, role=Role.GATE)
    await client.login(gate.email, PASSWORD)
    assert (await client.submit(_url(event, f"/{wa.id}/sent"))).status_code == 403
    assert (await OutboxMessage.get(id=wa.id)).state == Delivery.HELD


async def test_send_again_queues_a_failed_message_and_the_worker_delivers_it(client, db):
    event, _committee, rows = await _world(client)
    wa = rows[Channel.WHATSAPP]
    recorder = Recorder()
    messages.configure(Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET,
                                base_url="http://testserver"),
                       adapters={Channel.WHATSAPP: recorder})
    await OutboxMessage.filter(id=wa.id).update(state=Delivery.FAILED, error="gateway: 500")
    page = soup(await client.get(_url(event)))
    assert not page.select_one(BANNER)  # WhatsApp is set up: nothing by hand
    assert not page.select("[data-testid=open-whatsapp]")
    response = await client.submit(_url(event, f"/{wa.id}/resend"))
    assert response.status_code == 303
    assert (await OutboxMessage.get(id=wa.id)).state == Delivery.QUEUED
    assert await AuditEntry.exists(action="expo.message.resent", event_id=event.id)
    await queue.drain(only=[messages.DELIVER])
    row = await OutboxMessage.get(id=wa.id)
    assert (row.state, row.provider_id) == (Delivery.SENT, "wamid.1")
    assert [m.to for m in recorder.sent] == ["+6281234567890"]
    assert (await client.submit(_url(event, f"/{wa.id}/resend"))).status_code == 409  # sent


async def test_send_again_of_a_held_message_without_a_channel_is_refused(client, db):
    event, _committee, rows = await _world(client)
    wa = rows[Channel.WHATSAPP]
    assert (await client.submit(_url(event, f"/{wa.id}/resend"))).status_code == 409
    assert (await OutboxMessage.get(id=wa.id)).state == Delivery.HELD
