"""The public routes of the messages: the WhatsApp webhooks (signature, subscription check,
receipts applied once and in order) and the opt-out page."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

import httpx
import pytest
from bs4 import BeautifulSoup

from expo.app import create_app
from expo.channels.whatsapp_cloud import CloudAdapter
from expo.jobs import queue
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel, Delivery, OptOut, OutboxMessage
from expo.settings import Settings, WhatsAppCloudSettings, WhatsAppGatewaySettings

pytestmark = pytest.mark.usefixtures("db")

APP_SECRET = "meta-app-secret"
GATEWAY_SECRET = "gateway-hook-secret"
CLOUD = "/webhooks/whatsapp/cloud"
GATEWAY = "/webhooks/whatsapp/gateway"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        whatsapp_cloud=WhatsAppCloudSettings(token="tok", phone_number_id="555",
                                             app_secret=APP_SECRET, verify_token="verify-me"),
        whatsapp_gateway=WhatsAppGatewaySettings(url="http://127.0.0.1:9/send",
                                                 webhook_secret=GATEWAY_SECRET,
                                                 signature_header="X-Gateway-Signature"))


def signed(payload: object, secret: str, prefix: str = "sha256=") -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, prefix + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def statuses(*items: tuple[str, str, int]) -> dict[str, object]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [
            {"id": wamid, "status": status, "timestamp": str(at), "recipient_id": "62812"}
            for wamid, status, at in items]}}]}]}


async def post_cloud(client, payload: object, secret: str = APP_SECRET) -> httpx.Response:
    body, signature = signed(payload, secret)
    return await client.post(CLOUD, content=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": signature})


async def sent_by_cloud(server, settings: Settings) -> OutboxMessage:
    """A WhatsApp message sent through the Cloud adapter (on loopback) and the queue."""
    adapter = CloudAdapter(dataclasses.replace(settings.whatsapp_cloud, base_url=server.url))
    messages.configure(settings, adapters={Channel.WHATSAPP: adapter})
    server.answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.R1"}]})
    [row] = await messages.send(to=Recipient(phone="081234567890"), kind="test", subject="",
                                text="Halo", key="receipt:1", channels=(Channel.WHATSAPP,))
    await queue.drain()
    await adapter.aclose()
    await row.refresh_from_db()
    assert row.state == Delivery.SENT and row.provider_id == "wamid.R1"
    return row


# ---- the Cloud API webhook -----------------------------------------------------------------

async def test_cloud_subscription_check_answers_the_challenge(client) -> None:
    ok = await client.get(CLOUD, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                         "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = await client.get(CLOUD, params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                            "hub.challenge": "1"})
    assert wrong.status_code == 403 and "1" not in wrong.text
    assert (await client.get(CLOUD, params={"hub.verify_token": "verify-me",
                                            "hub.challenge": "1"})).status_code == 403


async def test_cloud_receipts_move_the_message_forward_and_never_back(client, server,
                                                                      settings) -> None:
    row = await sent_by_cloud(server, settings)
    r = await post_cloud(client, statuses(("wamid.R1", "delivered", 1750857384)))
    assert r.status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.DELIVERED and row.delivered_at is not None
    assert int(row.delivered_at.timestamp()) == 1750857384
    assert (await post_cloud(client, statuses(("wamid.R1", "read", 1750857400)))).status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.READ and int(row.read_at.timestamp()) == 1750857400
    # Repeated, late or stray receipts change nothing.
    for late in (("wamid.R1", "read", 1750857999), ("wamid.R1", "delivered", 1750857385),
                 ("wamid.R1", "sent", 1750857300), ("wamid.R1", "failed", 1750857401),
                 ("wamid.OTHER", "delivered", 1750857401)):
        assert (await post_cloud(client, statuses(late))).status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.READ and int(row.read_at.timestamp()) == 1750857400


async def test_cloud_failed_receipt_keeps_the_error(client, server, settings) -> None:
    row = await sent_by_cloud(server, settings)
    payload = statuses(("wamid.R1", "failed", 1750857384))
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [  # type: ignore[index]
        {"code": 131026, "title": "Message undeliverable"}]
    assert (await post_cloud(client, payload)).status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.FAILED and "131026" in row.error


async def test_cloud_webhook_refuses_a_bad_or_missing_signature(client, server, settings) -> None:
    row = await sent_by_cloud(server, settings)
    payload = statuses(("wamid.R1", "read", 1750857400))
    assert (await post_cloud(client, payload, secret="forged")).status_code == 403
    body, _sig = signed(payload, APP_SECRET)
    missing = await client.post(CLOUD, content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 403
    await row.refresh_from_db()
    assert row.state == Delivery.SENT


async def test_cloud_webhook_without_an_app_secret_accepts_nothing(settings, db) -> None:
    open_cloud = dataclasses.replace(settings.whatsapp_cloud, app_secret="")
    app = create_app(dataclasses.replace(settings, whatsapp_cloud=open_cloud), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        body, signature = signed(statuses(("wamid.R1", "read", 1)), "")
        r = await client.post(CLOUD, content=body, headers={"X-Hub-Signature-256": signature})
    assert r.status_code == 403


async def test_webhooks_of_providers_not_configured_are_404(settings, db) -> None:
    app = create_app(dataclasses.replace(settings, whatsapp_cloud=None, whatsapp_gateway=None),
                     manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        assert (await client.get(CLOUD, params={"hub.mode": "subscribe"})).status_code == 404
        assert (await client.post(CLOUD, content=b"{}")).status_code == 404
        assert (await client.post(GATEWAY, content=b"{}")).status_code == 404


async def test_webhook_refuses_a_body_over_one_mebibyte(client) -> None:
    body = b'{"entry": "' + b"x" * 2**20 + b'"}'
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = await client.post(CLOUD, content=body, headers={"X-Hub-Signature-256": signature})
    assert r.status_code == 413


async def test_cloud_webhook_refuses_what_is_not_a_notification(client) -> None:
    body = b"not json"
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = await client.post(CLOUD, content=body, headers={"X-Hub-Signature-256": signature})
    assert r.status_code == 400


# ---- the gateway webhook -------------------------------------------------------------------

async def gateway_row() -> OutboxMessage:
    return await OutboxMessage.create(channel=Channel.WHATSAPP, to="+6281234567890", subject="",
                                      body="Halo", key="gw:1", state=Delivery.SENT,
                                      provider="wa_gateway", provider_id="80367170")


async def test_gateway_receipts_with_the_gateway_signature(client) -> None:
    row = await gateway_row()
    body, signature = signed({"id": "80367170", "status": "diterima"}, GATEWAY_SECRET, prefix="")
    r = await client.post(GATEWAY, content=body, headers={"X-Gateway-Signature": signature,
                                                          "Content-Type": "application/json"})
    assert r.status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.DELIVERED
    body, signature = signed([{"id": "80367170", "status": "read"}], GATEWAY_SECRET)
    assert (await client.post(GATEWAY, content=body,
                              headers={"X-Gateway-Signature": signature})).status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.READ


async def test_gateway_webhook_refuses_a_wrong_or_missing_signature(client) -> None:
    row = await gateway_row()
    body, signature = signed({"id": "80367170", "status": "read"}, "forged")
    assert (await client.post(GATEWAY, content=body,
                              headers={"X-Gateway-Signature": signature})).status_code == 403
    assert (await client.post(GATEWAY, content=body)).status_code == 403
    # The Cloud API's header is not the gateway's.
    _body, cloud_signature = signed({"id": "80367170", "status": "read"}, GATEWAY_SECRET)
    assert (await client.post(GATEWAY, content=body,
                              headers={"X-Hub-Signature-256": cloud_signature})).status_code == 403
    await row.refresh_from_db()
    assert row.state == Delivery.SENT


async def test_gateway_webhook_takes_a_form_too(client) -> None:
    row = await gateway_row()
    body = b"id=80367170&status=read"
    signature = hmac.new(GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = await client.post(GATEWAY, content=body, headers={
        "X-Gateway-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    await row.refresh_from_db()
    assert row.state == Delivery.READ


# ---- opting out ----------------------------------------------------------------------------

async def test_opt_out_page_shows_the_masked_address_in_indonesian(client) -> None:
    token = messages.opt_out_token(Channel.EMAIL, "sari.dewi@example.com")
    r = await client.get(f"/berhenti/{token}")
    assert r.status_code == 200
    page = BeautifulSoup(r.text, "html.parser")
    assert page.select_one("h1").get_text() == "Berhenti menerima pesan siaran?"
    assert "sa•••@example.com" in r.text and "sari.dewi@example.com" not in r.text
    form = page.select_one("section form")
    assert form["action"] == f"/berhenti/{token}" and form.select_one("[name=csrf_token]")


async def test_opt_out_page_in_english(client) -> None:
    client.cookies.set("expo_lang", "en")
    token = messages.opt_out_token(Channel.WHATSAPP, "+6281234567890")
    r = await client.get(f"/berhenti/{token}")
    assert "Stop broadcasts?" in r.text and "+6281••••••890" in r.text
    assert "6281234567890" not in r.text


async def test_opt_out_then_back_in_and_marketing_is_skipped_meanwhile(client) -> None:
    address = "sari@example.com"
    token = messages.opt_out_token(Channel.EMAIL, address)
    page = f"/berhenti/{token}"
    await client.fetch_csrf(page)
    r = await client.submit(page)
    assert r.status_code == 303 and r.headers["location"] == page
    assert await messages.opted_out(Channel.EMAIL, address)
    assert (await client.submit(page)).status_code == 303  # twice is once
    assert await OptOut.filter(channel=Channel.EMAIL, address=address).count() == 1
    confirmed = await client.get(page)
    assert "Selesai: pesan siaran tidak akan dikirim lagi ke sa•••@example.com." in confirmed.text
    undo = BeautifulSoup(confirmed.text, "html.parser").select_one("section form")
    assert undo["action"] == f"/berhenti/{token}/batal"
    sari = Recipient(email=address)
    [broadcast] = await messages.send(to=sari, kind="broadcast", subject="Promo", text="Diskon",
                                      key="promo:1", marketing=True)
    [ticket] = await messages.send(to=sari, kind="ticket", subject="Tiket", text="Tiket",
                                   key="ticket:1")
    assert broadcast.state == Delivery.SKIPPED and ticket.state != Delivery.SKIPPED
    assert (await client.submit(f"/berhenti/{token}/batal")).status_code == 303
    assert not await messages.opted_out(Channel.EMAIL, address)
    assert "Terima pesan siaran lagi" not in (await client.get(page)).text
    [again] = await messages.send(to=sari, kind="broadcast", subject="Promo", text="Diskon",
                                  key="promo:2", marketing=True)
    assert again.state != Delivery.SKIPPED


async def test_opt_out_needs_the_csrf_token(client) -> None:
    token = messages.opt_out_token(Channel.EMAIL, "sari@example.com")
    r = await client.post(f"/berhenti/{token}", data={})
    assert r.status_code == 403
    assert not await messages.opted_out(Channel.EMAIL, "sari@example.com")


async def test_opt_out_bad_token_is_404_in_the_visitors_language(client) -> None:
    token = messages.opt_out_token(Channel.EMAIL, "sari@example.com")
    r = await client.get(f"/berhenti/{token[:-3]}xyz")
    assert r.status_code == 404 and "Tautan ini tidak valid." in r.text
    await client.fetch_csrf()
    assert (await client.submit(f"/berhenti/{token[:-3]}xyz")).status_code == 404
    client.cookies.set("expo_lang", "en")
    r = await client.get("/berhenti/nonsense")
    assert r.status_code == 404 and "This link is not valid." in r.text


async def test_marketing_message_carries_a_working_opt_out_link(client) -> None:
    [row] = await messages.send(to=Recipient(phone="081234567890"), kind="broadcast",
                                subject="", text="Diskon", key="promo:9", marketing=True,
                                channels=(Channel.WHATSAPP,))
    link = row.body.rsplit(" ", 1)[-1]
    assert link.startswith("http://testserver/berhenti/")
    assert "Berhenti menerima pesan ini" in row.body
    r = await client.get(link.removeprefix("http://testserver"))
    assert r.status_code == 200 and "+6281••••••890" in r.text
