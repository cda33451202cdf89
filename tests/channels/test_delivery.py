"""End to end: ``messages.send`` -> the outbox row and its job -> the queue -> an adapter ->
a real server on loopback; retries, dead jobs and a crash after the provider's answer.

Every test runs on SQLite and, when EXPO_TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from expo.channels.base import Template
from expo.channels.email import SmtpAdapter
from expo.channels.whatsapp_cloud import CloudAdapter
from expo.channels.whatsapp_gateway import GatewayAdapter
from expo.jobs import queue
from expo.jobs.models import Job, JobState
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel, Delivery, OutboxMessage
from expo.settings import Settings, SmtpSettings, WhatsAppCloudSettings, WhatsAppGatewaySettings
from tests.shared.loopback_http import Answer

from .smtp_server import SmtpServer

pytestmark = pytest.mark.usefixtures("db")

FAR = 10 * 86_400_000  # ten days in milliseconds: every backoff has passed
SARI = Recipient(name="Sari", phone="0812-3456-7890", email="sari@example.com")


@pytest_asyncio.fixture
async def gateway(server, settings: Settings) -> AsyncIterator[GatewayAdapter]:
    adapter = GatewayAdapter(WhatsAppGatewaySettings(
        url=server.url + "/send", api_key="TOKEN", ok_field="status", id_field="id"))
    messages.configure(settings, adapters={Channel.WHATSAPP: adapter})
    yield adapter
    await adapter.aclose()


async def send_notice(key: str = "notice:1") -> OutboxMessage:
    [row] = await messages.send(to=SARI, kind="test.notice", subject="Info", key=key,
                                text="Halo Sari, stand Anda A-12.", event_id=3,
                                channels=(Channel.WHATSAPP,))
    return row


async def drain_with_every_retry(times: int = 8) -> None:
    """Run the due jobs and every retry they ask for, as if days passed between them (a
    retry is timed from the drain's ``now``)."""
    for step in range(1, times + 1):
        await queue.drain(now=queue.now_ms() + step * FAR)


async def job_of(row: OutboxMessage) -> Job:
    return await Job.get(key=f"deliver:{row.id}")


async def test_send_then_drain_delivers_once_with_the_provider_id(server, gateway) -> None:
    server.answer(200, {"status": True, "id": ["80367170"]})
    row = await send_notice()
    assert row.state == Delivery.QUEUED and server.requests == []  # nothing before the worker
    assert await queue.drain() == 1
    assert len(server.requests) == 1
    assert server.requests[0].form == {"target": "6281234567890",
                                       "message": "Halo Sari, stand Anda A-12."}
    assert server.requests[0].headers["idempotency-key"] == "notice:1:whatsapp"
    await row.refresh_from_db()
    assert (row.state, row.provider, row.provider_id) == (Delivery.SENT, "wa_gateway", "80367170")
    assert row.sent_at is not None and row.attempts == 1 and row.error == ""
    assert (await job_of(row)).state == JobState.DONE
    # Sending the same message again is the same row; draining again sends nothing.
    again = await send_notice()
    assert again.id == row.id and await queue.drain() == 0 and len(server.requests) == 1


async def test_5xx_retries_with_the_error_kept_then_dies(server, gateway) -> None:
    server.default = Answer(503, {"status": False, "reason": "maintenance"})
    row = await send_notice()
    await queue.drain()
    job = await job_of(row)
    await row.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 1
    assert "HTTP 503: maintenance" in job.last_error
    assert row.state == Delivery.QUEUED and "HTTP 503: maintenance" in row.error
    assert len(server.requests) == 1
    await drain_with_every_retry()
    await job.refresh_from_db()
    await row.refresh_from_db()
    assert job.state == JobState.DEAD and job.attempts == job.max_attempts == 6
    assert row.state == Delivery.FAILED and "maintenance" in row.error
    assert len(server.requests) == 6


async def test_5xx_then_success_on_retry(server, gateway) -> None:
    server.answer(502, b"Bad Gateway")
    server.answer(200, {"status": True, "id": "m-2"})
    row = await send_notice()
    await queue.drain()
    await drain_with_every_retry()
    await row.refresh_from_db()
    assert (row.state, row.provider_id, row.error) == (Delivery.SENT, "m-2", "")
    assert (await job_of(row)).state == JobState.DONE and len(server.requests) == 2


async def test_4xx_is_dead_at_once(server, gateway) -> None:
    server.answer(400, {"status": False, "reason": "invalid target"})
    row = await send_notice()
    await drain_with_every_retry()
    job = await job_of(row)
    await row.refresh_from_db()
    assert job.state == JobState.DEAD and job.attempts == 1 and "invalid target" in job.last_error
    assert row.state == Delivery.FAILED and "HTTP 400: invalid target" in row.error
    assert len(server.requests) == 1


async def test_gateway_refusal_in_a_200_is_dead_at_once(server, gateway) -> None:
    server.answer(200, {"status": False, "reason": "device not connected"})
    row = await send_notice()
    await drain_with_every_retry()
    await row.refresh_from_db()
    assert row.state == Delivery.FAILED and "device not connected" in row.error
    assert (await job_of(row)).state == JobState.DEAD and len(server.requests) == 1


async def test_crash_after_the_provider_accepted_sends_nothing_twice(server, gateway) -> None:
    server.answer(200, {"status": True, "id": ["m-crash"]})
    row = await send_notice()
    [job] = await queue.claim("crashed-worker")
    await messages.deliver(job)  # the provider accepted ... and the worker died before finish
    await row.refresh_from_db()
    assert row.state == Delivery.SENT and row.provider_id == "m-crash"
    assert (await job_of(row)).state == JobState.RUNNING
    assert await queue.drain() == 0  # its lease still holds
    assert await queue.drain(now=queue.now_ms() + queue.LEASE_MS + 1000) == 1
    stored = await job_of(row)
    assert stored.state == JobState.DONE and stored.attempts == 2
    assert len(server.requests) == 1
    await row.refresh_from_db()
    assert row.state == Delivery.SENT and row.provider_id == "m-crash"


async def test_cloud_template_through_the_queue(server, settings: Settings) -> None:
    adapter = CloudAdapter(WhatsAppCloudSettings(token="tok", phone_number_id="555",
                                                 base_url=server.url))
    messages.configure(settings, adapters={Channel.WHATSAPP: adapter})
    server.answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.T1"}]})
    [row] = await messages.send(
        to=SARI, kind="visitors.ticket", subject="Tiket", text="Tiket Anda", key="ticket:9",
        template=Template("ticket", ("Sari", "Pameran", "A-0009", "http://testserver/t/x"),
                          image_url="http://testserver/t/x/qr.png"),
        channels=(Channel.WHATSAPP,))
    await queue.drain()
    await adapter.aclose()
    [request] = server.requests
    assert request.path == "/v21.0/555/messages"
    assert request.json["template"]["name"] == "expo_ticket"
    assert request.json["template"]["components"][0]["parameters"][0]["image"]["link"] == (
        "http://testserver/t/x/qr.png")
    await row.refresh_from_db()
    assert (row.state, row.provider, row.provider_id) == (Delivery.SENT, "wa_cloud", "wamid.T1")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


async def test_email_through_the_queue_with_its_attachment(smtp, settings: Settings) -> None:
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=smtp.port, starttls=False,
                                       sender="expo@pameran.id"))
    messages.configure(settings, adapters={Channel.EMAIL: adapter})
    [row] = await messages.send(to=SARI, kind="visitors.ticket", subject="Tiket Anda",
                                text="Halo Sari", key="ticket:10", attachment_name="tiket.png",
                                attachment=b"\x89PNG-bytes", channels=(Channel.EMAIL,))
    await queue.drain()
    [mail] = smtp.recorder.messages
    assert mail["Subject"] == "Tiket Anda"
    assert [a.get_filename() for a in mail.iter_attachments()] == ["tiket.png"]
    await row.refresh_from_db()
    assert row.state == Delivery.SENT and row.provider == "smtp"
    assert row.provider_id == mail["Message-ID"]


async def test_email_refused_mailbox_fails_the_message(smtp, settings: Settings) -> None:
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=smtp.port, starttls=False))
    messages.configure(settings, adapters={Channel.EMAIL: adapter})
    smtp.recorder.rcpt_answer = "550 5.1.1 No such user"
    row = await messages.send_email(to="nobody@example.com", subject="Hi", body="x", key="m:1")
    assert row is not None
    await queue.drain()
    await row.refresh_from_db()
    assert row.state == Delivery.FAILED and "550" in row.error
    assert (await job_of(row)).state == JobState.DEAD
