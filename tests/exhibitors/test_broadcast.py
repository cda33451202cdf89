"""The committee's broadcast to exhibitors: the page (who may use it, the form, the preview),
sending (one job, audited), and the job's fan-out (one message per recipient, opted-out
addresses skipped, nothing twice)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.channels.base import Outgoing, Sent
from expo.exhibitors import broadcast
from expo.exhibitors.broadcast_models import Broadcast
from expo.exhibitors.models import AppStatus, Category
from expo.jobs import queue
from expo.jobs.models import Job
from expo.messages import service as messages
from expo.outbox import Channel, Delivery, OptOut, OutboxMessage
from tests.conftest import TEST_SECRET
from tests.exhibitors.factories import make_application, make_producer
from tests.factories import PASSWORD, make_event, make_user

MESSAGE = {"status": "accepted", "category": "", "kabupaten": "", "cluster": "",
           "reach": "both", "subject": "Loading barang", "text": "Stan dibuka pukul 07.00."}


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def _exhibitors(event, n=3, **kw):  # type: ignore[no-untyped-def]
    return [await make_application(event=event, status=AppStatus.ACCEPTED,
                                   producer=await make_producer(**kw)) for _ in range(n)]


async def _committee(client, event):  # type: ignore[no-untyped-def]
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    return user


def _url(event) -> str:  # type: ignore[no-untyped-def]
    return f"/manage/e/{event.slug}/broadcast"


class Recorder:
    name = "wa_gateway"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> Sent:
        self.sent.append(message)
        return Sent(provider_id=f"m{len(self.sent)}")

    async def aclose(self) -> None:
        return None


# ---- the page ------------------------------------------------------------------------------

async def test_broadcast_page_for_the_committee(client, db):
    event = await make_event()
    await _committee(client, event)
    response = await client.get(_url(event))
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("textarea[name=text]") and page.select_one("input[name=csrf_token]")
    assert page.select_one("select[name=status] option[value=accepted][selected]")
    assert page.select_one(f"nav.tabs a[href='{_url(event)}']")  # the tab


async def test_broadcast_page_refuses_others_and_unknown_events(client, db):
    event = await make_event()
    curator = await make_user(event=event, role=Role.CURATOR)
    await client.login(curator.email, PASSWORD)
    assert (await client.get(_url(event))).status_code == 403
    assert (await client.submit(_url(event), {**MESSAGE, "action": "send"})).status_code == 403
    assert (await client.get("/manage/e/no-such-event/broadcast")).status_code == 404
    assert not await Broadcast.exists()


async def test_broadcast_post_needs_the_csrf_token(client, db):
    event = await make_event()
    await _exhibitors(event, 1)
    await _committee(client, event)
    response = await client.post(_url(event), data={**MESSAGE, "action": "send"})
    assert response.status_code == 403
    assert not await Broadcast.exists()


async def test_broadcast_form_errors_keep_the_text(client, db):
    event = await make_event()
    await _exhibitors(event, 1)
    await _committee(client, event)
    response = await client.submit(_url(event), {**MESSAGE, "subject": "", "action": "send"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-subject")
    assert page.select_one("textarea[name=text]").text == MESSAGE["text"]
    long = "x" * (broadcast.WHATSAPP_CHARS + 1)
    response = await client.submit(_url(event), {**MESSAGE, "text": long, "action": "send"})
    assert response.status_code == 422 and soup(response).select_one("#e-text")
    assert soup(response).select_one("textarea[name=text]").text == long
    response = await client.submit(_url(event), {**MESSAGE, "status": "draft"})
    assert response.status_code == 422 and soup(response).select_one("#e-status")
    assert not await Broadcast.exists()
    response = await client.submit(_url(event), {**MESSAGE, "reach": "email", "text": long,
                                                 "action": "preview"})
    assert response.status_code == 200  # email takes longer texts


async def test_broadcast_to_an_empty_group_is_refused(client, db):
    event = await make_event()
    await _exhibitors(event, 1, category=Category.KRIYA)
    await _committee(client, event)
    response = await client.submit(_url(event), {**MESSAGE, "category": "fesyen",
                                                 "action": "send"})
    assert response.status_code == 422 and soup(response).select_one("#e-status")
    assert soup(response).select_one("textarea[name=text]").text == MESSAGE["text"]


async def test_broadcast_preview_counts_and_shows_a_sample(client, db):
    event = await make_event()
    apps = await _exhibitors(event, 2)
    await make_application(event=event, status=AppStatus.WAITLISTED)
    await messages.opt_out(Channel.WHATSAPP, (await apps[0].producer).phone)
    await _committee(client, event)
    response = await client.submit(_url(event), {**MESSAGE, "action": "preview"})
    assert response.status_code == 200
    page = soup(response)
    preview = page.select_one("[data-testid=preview]")
    assert "2" in page.select_one("[data-testid=preview-count]").text
    assert "Stan dibuka pukul 07.00." in preview.select_one(".message-sample").text
    assert "2" in page.select_one("[data-testid=send]").text
    assert page.select_one("textarea[name=text]").text == MESSAGE["text"]
    assert not await Broadcast.exists() and not await OutboxMessage.exists()


async def test_broadcast_send_records_audits_and_queues_one_job(client, db):
    event = await make_event()
    apps = await _exhibitors(event, 3)
    await make_application(event=event, status=AppStatus.REJECTED)
    user = await _committee(client, event)
    response = await client.submit(_url(event), {**MESSAGE, "action": "send"})
    assert response.status_code == 303 and response.headers["location"].endswith(_url(event))
    sent = await Broadcast.get(event=event)
    assert sent.recipients == 3 and sorted(sent.producer_ids) == sorted(
        a.producer_id for a in apps)  # type: ignore[attr-defined]
    assert sent.channels == ["whatsapp", "email"] and sent.created_by_id == user.id  # type: ignore[attr-defined]
    entry = await AuditEntry.get(action="expo.broadcast.sent")
    assert entry.data["recipients"] == 3 and entry.event_id == event.id  # type: ignore[attr-defined]
    jobs = await Job.filter(kind=broadcast.JOB)
    assert [j.key for j in jobs] == [f"broadcast:{sent.id}"]
    assert not await OutboxMessage.filter(kind=broadcast.KIND).exists()  # the worker sends
    page = soup(await client.get(_url(event)))
    row = page.select_one(f"[data-broadcast='{sent.id}']")
    assert "Loading barang" in row.text and row.select_one("[data-testid=recipients]").text == "3"


# ---- the job -------------------------------------------------------------------------------

async def _send(event, by, **kw):  # type: ignore[no-untyped-def]
    draft = broadcast.Draft(audience=broadcast.Audience(**kw.pop("audience", {})),
                            reach=kw.pop("reach", broadcast.Reach.BOTH),
                            subject=kw.pop("subject", "Loading barang"),
                            text=kw.pop("text", "Stan dibuka pukul 07.00."))
    return await broadcast.send(event=event, draft=draft, by=by)


async def test_broadcast_job_one_message_per_recipient_and_nothing_twice(db):
    event = await make_event()
    apps = await _exhibitors(event, 3)
    first = await apps[0].producer
    await messages.opt_out(Channel.EMAIL, first.email)
    sent = await _send(event, await make_user(event=event, role=Role.COMMITTEE))
    await queue.drain()
    rows = await OutboxMessage.filter(kind=broadcast.KIND).order_by("id")
    assert len(rows) == 6  # 3 producers, WhatsApp and email
    keys = {r.key for r in rows}
    assert keys == {f"broadcast:{sent.id}:{a.producer_id}:{c}"  # type: ignore[attr-defined]
                    for a in apps for c in ("whatsapp", "email")}
    assert all(r.marketing and r.event_id == event.id for r in rows)
    assert all("/berhenti/" in r.body and "Stan dibuka pukul 07.00." in r.body for r in rows)
    skipped = [r for r in rows if r.state == Delivery.SKIPPED]
    assert [(r.channel, r.to) for r in skipped] == [(Channel.EMAIL, first.email)]
    assert {r.state for r in rows} - {Delivery.SKIPPED} == {Delivery.HELD}  # no channel set up
    wa = next(r for r in rows if r.channel == Channel.WHATSAPP)
    assert wa.template["name"] == "broadcast" and "/berhenti/" in wa.template["params"][1]
    assert (await Broadcast.get(id=sent.id)).done_at is not None
    await queue.enqueue(broadcast.JOB, {"broadcast": sent.id}, key="again")
    await queue.drain()
    assert await OutboxMessage.filter(kind=broadcast.KIND).count() == 6
    counts = await broadcast.counts_of(sent)
    assert counts == {"sent": 0, "waiting": 0, "held": 5, "failed": 0, "skipped": 1}


async def test_broadcast_job_delivers_through_the_channel(db):
    recorder = Recorder()
    messages.configure(messages.Settings(database_url="sqlite://:memory:",
                                         secret_key=TEST_SECRET, base_url="http://testserver"),
                       adapters={Channel.WHATSAPP: recorder})
    event = await make_event()
    await _exhibitors(event, 2)
    sent = await _send(event, None, reach=broadcast.Reach.WHATSAPP)
    await queue.drain()
    assert len(recorder.sent) == 2
    assert all(m.body.startswith("*Loading barang*\nStan dibuka") for m in recorder.sent)
    assert await broadcast.counts_of(sent) == {"sent": 2, "waiting": 0, "held": 0, "failed": 0,
                                               "skipped": 0}
    assert not await OutboxMessage.filter(channel=Channel.EMAIL, kind=broadcast.KIND).exists()
    assert await OptOut.all().count() == 0


async def test_broadcast_group_filters(db):
    event = await make_event()
    kriya = await _exhibitors(event, 1, category=Category.KRIYA, kabupaten="Kota Bontang",
                              cluster="tenun")
    await _exhibitors(event, 1, category=Category.KRIYA, kabupaten="Kota Samarinda")
    await _exhibitors(event, 1, category=Category.KULINER)
    waiting = await make_application(event=event, status=AppStatus.WAITLISTED)
    other = await make_event()
    await _exhibitors(other, 1)

    async def who(**kw: object) -> set[int]:
        audience = broadcast.Audience(**kw)  # type: ignore[arg-type]
        return {p.id for p in await broadcast.recipients(event=event, audience=audience)}

    assert len(await who()) == 3
    assert len(await who(category="kriya")) == 2
    assert await who(category="kriya", kabupaten="Kota Bontang") == {kriya[0].producer_id}  # type: ignore[attr-defined]
    assert await who(cluster="tenun") == {kriya[0].producer_id}  # type: ignore[attr-defined]
    assert await who(status=AppStatus.WAITLISTED) == {waiting.producer_id}  # type: ignore[attr-defined]


async def test_broadcast_history_lists_the_latest_with_counts(db):
    event = await make_event()
    await _exhibitors(event, 2)
    committee = await make_user(event=event, role=Role.COMMITTEE)
    first = await _send(event, committee, subject="Satu")
    second = await _send(event, committee, subject="Dua", reach=broadcast.Reach.EMAIL)
    await queue.drain()
    items = await broadcast.history(event=event)
    assert [i.broadcast.id for i in items] == [second.id, first.id]
    assert items[0].counts["held"] == 2 and items[1].counts["held"] == 4
    assert broadcast.Reach.of(items[0].broadcast.channels) == broadcast.Reach.EMAIL


async def test_broadcast_detail_page_lists_the_recipients(client, db):
    event = await make_event()
    apps = await _exhibitors(event, 2)
    user = await _committee(client, event)
    sent = await _send(event, user)
    await queue.drain()
    response = await client.get(f"{_url(event)}/{sent.id}")
    assert response.status_code == 200
    rows = soup(response).select("[data-testid=messages] tbody tr")
    assert len(rows) == 2  # one per exhibitor, its WhatsApp and its email
    names = {(await a.producer).owner_name for a in apps}
    assert {r.select("td")[0].text for r in rows} == names
    for row in rows:
        assert row.select_one("[data-channel=whatsapp] .delivery-held")  # no channel set up
        assert "@" in row.select_one("[data-channel=email]").text
    other = await make_event()
    await make_user(event=other, role=Role.COMMITTEE)
    assert (await client.get(f"/manage/e/{event.slug}/broadcast/999999")).status_code == 404
