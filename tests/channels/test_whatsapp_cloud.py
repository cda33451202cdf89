"""The WhatsApp Cloud API adapter against a real HTTP server on loopback: the documented
request, the answers' meaning, the webhook's signature and statuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from expo.channels import whatsapp_cloud
from expo.channels.base import Outgoing, PermanentError, Receipt, Template, TemporaryError
from expo.channels.whatsapp_cloud import CloudAdapter, parse_receipts, verify_signature
from expo.settings import WhatsAppCloudSettings
from tests.shared.loopback_http import LoopbackHTTP

from .smtp_server import free_port

ACCEPTED = {"messaging_product": "whatsapp",
            "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
            "messages": [{"id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ"}]}


def meta_error(code: int, message: str, kind: str = "OAuthException") -> dict[str, object]:
    return {"error": {"message": message, "type": kind, "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": "see docs"},
                      "fbtrace_id": "AbCdEf123"}}


def cloud_settings(url: str) -> WhatsAppCloudSettings:
    return WhatsAppCloudSettings(token="tok-123", phone_number_id="1098765", base_url=url,
                                 api_version="v21.0", template_prefix="expo_")


@pytest_asyncio.fixture
async def adapter(server: LoopbackHTTP) -> AsyncIterator[CloudAdapter]:
    adapter = CloudAdapter(cloud_settings(server.url))
    yield adapter
    await adapter.aclose()


def ticket(locale: str = "id", image: str = "https://expo.example.id/t/abc/qr.png") -> Outgoing:
    return Outgoing(to="+6281234567890", subject="Tiket", body="Halo Sari", key="ticket:1:whatsapp",
                    locale=locale, template=Template(
                        name="ticket", image_url=image,
                        params=("Sari", "Pameran UMKM", "A-0012", "https://expo.example.id/t/abc")))


async def test_cloud_template_request_is_the_documented_one(server, adapter) -> None:
    server.answer(200, ACCEPTED)
    sent = await adapter.send(ticket())
    assert sent.provider_id == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ"
    [request] = server.requests
    assert request.method == "POST" and request.path == "/v21.0/1098765/messages"
    assert request.headers["authorization"] == "Bearer tok-123"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
        "type": "template",
        "template": {"name": "expo_ticket", "language": {"code": "id"}, "components": [
            {"type": "header", "parameters": [
                {"type": "image", "image": {"link": "https://expo.example.id/t/abc/qr.png"}}]},
            {"type": "body", "parameters": [
                {"type": "text", "text": "Sari"}, {"type": "text", "text": "Pameran UMKM"},
                {"type": "text", "text": "A-0012"},
                {"type": "text", "text": "https://expo.example.id/t/abc"}]}]}}


async def test_cloud_template_in_english_without_image(server, adapter) -> None:
    await adapter.send(ticket(locale="en", image=""))
    template = server.requests[0].json["template"]
    assert template["language"] == {"code": "en_US"}
    assert [c["type"] for c in template["components"]] == ["body"]


async def test_cloud_without_template_sends_text_with_preview(server, adapter) -> None:
    server.answer(200, ACCEPTED)
    await adapter.send(Outgoing(to="+6281234567890", subject="", body="Stand A-12 buka", key="k"))
    assert server.requests[0].json == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
        "type": "text", "text": {"body": "Stand A-12 buka", "preview_url": True}}


async def test_cloud_without_template_with_media_sends_an_image_with_caption(server,
                                                                             adapter) -> None:
    await adapter.send(Outgoing(to="+6281234567890", subject="", body="Poster", key="k",
                                media_url="https://expo.example.id/p.png"))
    body = server.requests[0].json
    assert body["type"] == "image"
    assert body["image"] == {"link": "https://expo.example.id/p.png", "caption": "Poster"}


async def test_cloud_refused_message_is_permanent_with_message_and_code(server, adapter) -> None:
    server.answer(400, meta_error(131026, "(#131026) Message undeliverable"))
    with pytest.raises(PermanentError) as caught:
        await adapter.send(ticket())
    text = str(caught.value)
    assert "Message undeliverable" in text and "code 131026" in text
    assert "HTTP 400" in text and "AbCdEf123" in text and "see docs" in text


async def test_cloud_bad_token_is_permanent(server, adapter) -> None:
    server.answer(401, meta_error(190, "Error validating access token"))
    with pytest.raises(PermanentError, match="code 190"):
        await adapter.send(ticket())


async def test_cloud_429_is_temporary_and_keeps_retry_after(server, adapter) -> None:
    server.answer(429, meta_error(130429, "(#130429) Rate limit hit"), headers={"Retry-After": "42"})
    with pytest.raises(TemporaryError, match="Rate limit hit") as caught:
        await adapter.send(ticket())
    assert caught.value.after == 42.0


@pytest.mark.parametrize("code", [4, 80007, 130429, 131048, 131056])
async def test_cloud_throttling_codes_are_temporary_even_as_400(server, adapter, code) -> None:
    server.answer(400, meta_error(code, "throttled"))
    with pytest.raises(TemporaryError, match=f"code {code}") as caught:
        await adapter.send(ticket())
    assert caught.value.after is None


async def test_cloud_5xx_is_temporary(server, adapter) -> None:
    server.answer(503, b"<html>Service Unavailable</html>")
    with pytest.raises(TemporaryError, match="HTTP 503"):
        await adapter.send(ticket())


async def test_cloud_timeout_is_temporary(server) -> None:
    async with httpx.AsyncClient(timeout=0.2) as client:
        adapter = CloudAdapter(cloud_settings(server.url), client=client)
        server.answer(200, ACCEPTED, delay=1.0)
        with pytest.raises(TemporaryError, match="timed out"):
            await adapter.send(ticket())
        await adapter.aclose()  # a client it was given stays its owner's
        assert not client.is_closed


async def test_cloud_nothing_listening_is_temporary() -> None:
    adapter = CloudAdapter(cloud_settings(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(TemporaryError, match="ConnectError"):
        await adapter.send(ticket())
    await adapter.aclose()


async def test_cloud_adapter_keeps_one_client_and_closes_it(server) -> None:
    adapter = CloudAdapter(cloud_settings(server.url))
    await adapter.send(ticket())
    first = adapter.client()
    await adapter.send(ticket())
    assert adapter.client() is first and len(server.requests) == 2
    await adapter.aclose()
    assert first.is_closed


def test_retry_after_reads_seconds_and_dates() -> None:
    assert whatsapp_cloud.retry_after("120") == 120.0
    assert whatsapp_cloud.retry_after(None) is None
    assert whatsapp_cloud.retry_after("soon") is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=300)
    assert 250 < whatsapp_cloud.retry_after(later.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 300


# ---- the webhook ---------------------------------------------------------------------------

def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_cloud_signature_is_the_hmac_of_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    assert verify_signature(body, sign(body, "app-secret"), "app-secret")
    assert verify_signature(body, sign(body, "app-secret").upper().replace("SHA256=", "sha256="),
                            "app-secret")
    assert not verify_signature(body + b" ", sign(body, "app-secret"), "app-secret")
    assert not verify_signature(body, sign(body, "other"), "app-secret")
    assert not verify_signature(body, sign(body, "app-secret")[7:], "app-secret")  # no prefix
    assert not verify_signature(body, None, "app-secret")
    assert not verify_signature(body, sign(body, ""), "")  # no secret: nothing is trusted


def notification(*statuses: dict[str, object]) -> dict[str, object]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100000", "phone_number_id": "1098765"},
            "statuses": list(statuses)}},
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [
            {"from": "6281234567890", "id": "wamid.IN", "timestamp": "1750857384",
             "type": "text", "text": {"body": "halo"}}]}}]}]}


def test_cloud_parse_receipts_reads_statuses_and_errors() -> None:
    payload = notification(
        {"id": "wamid.A", "status": "delivered", "timestamp": "1750857384",
         "recipient_id": "6281234567890"},
        {"id": "wamid.B", "status": "read", "timestamp": "1750857400"},
        {"id": "wamid.C", "status": "failed", "timestamp": "1750857401", "errors": [
            {"code": 131026, "title": "Message undeliverable",
             "message": "Message undeliverable", "error_data": {"details": "no WhatsApp"}}]},
        {"id": "wamid.D", "status": "deleted", "timestamp": "1750857402"},
        {"status": "sent", "timestamp": "1750857402"})
    receipts = parse_receipts(json.loads(json.dumps(payload)))
    at = dt.datetime.fromtimestamp(1750857384, dt.UTC)
    assert receipts[0] == Receipt(provider_id="wamid.A", status="delivered", at=at)
    assert receipts[1].status == "read" and receipts[1].error == ""
    assert receipts[2].status == "failed"
    assert receipts[2].error == "Message undeliverable (code 131026)"
    assert [r.provider_id for r in receipts] == ["wamid.A", "wamid.B", "wamid.C"]


def test_cloud_parse_receipts_survives_odd_payloads() -> None:
    assert parse_receipts({}) == []
    assert parse_receipts({"entry": "x"}) == []
    assert parse_receipts({"entry": [{"changes": [{"value": None}, "x"]}, 3]}) == []
    odd = notification({"id": "wamid.E", "status": "SENT", "timestamp": "soon"})
    assert parse_receipts(odd) == [Receipt(provider_id="wamid.E", status="sent", at=None)]
