"""The generic HTTP gateway adapter against a real HTTP server on loopback: form and JSON
bodies, the key in a header or a field, the number formats, the answers' meaning, receipts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from expo.channels.base import Outgoing, PermanentError, Receipt, TemporaryError
from expo.channels.whatsapp_gateway import (
    GatewayAdapter,
    dig,
    number,
    parse_receipts,
    verify_signature,
)
from expo.settings import WhatsAppGatewaySettings

from .smtp_server import free_port

FONNTE_OK = {"detail": "success! message in queue", "id": ["80367170"], "process": "pending",
             "status": True, "target": ["6281234567890"]}


def fonnte(url: str) -> WhatsAppGatewaySettings:
    """Fonnte's documented shape: form fields target/message/url, the bare token in
    Authorization, {"status": true, "id": [...]} on success."""
    return WhatsAppGatewaySettings(url=url + "/send", api_key="TOKEN-1", media_field="url",
                                   ok_field="status", id_field="id")


def wablas(url: str) -> WhatsAppGatewaySettings:
    return WhatsAppGatewaySettings(url=url + "/api/send-message", api_key="K-2", key_header="",
                                   key_field="token", to_field="phone", text_field="message",
                                   body_format="json", number_format="0", ok_field="status",
                                   id_field="data.messages.id")


@pytest_asyncio.fixture
async def adapter(server) -> AsyncIterator[GatewayAdapter]:
    adapter = GatewayAdapter(fonnte(server.url))
    yield adapter
    await adapter.aclose()


def notice(**kw: object) -> Outgoing:
    fields: dict[str, object] = {"to": "+6281234567890", "subject": "Info", "key": "notice:7:whatsapp",
                                 "body": "Halo, stand Anda A-12."}
    return Outgoing(**{**fields, **kw})  # type: ignore[arg-type]


async def test_gateway_form_request_with_key_header_and_idempotency_key(server, adapter) -> None:
    server.answer(200, FONNTE_OK)
    sent = await adapter.send(notice(media_url="https://expo.example.id/poster.png"))
    assert sent.provider_id == "80367170"
    [request] = server.requests
    assert request.method == "POST" and request.path == "/send"
    assert request.headers["authorization"] == "TOKEN-1"
    assert request.headers["idempotency-key"] == "notice:7:whatsapp"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {"target": "6281234567890", "message": "Halo, stand Anda A-12.",
                            "url": "https://expo.example.id/poster.png"}


async def test_gateway_leaves_out_the_media_field_without_media(server, adapter) -> None:
    server.answer(200, FONNTE_OK)
    await adapter.send(notice())
    assert set(server.requests[0].form) == {"target", "message"}


async def test_gateway_json_request_with_key_field_and_nested_id(server) -> None:
    server.answer(200, {"status": True, "message": "Message is pending and waiting to be processed",
                        "data": {"device_id": "D1", "messages": [
                            {"id": "wb-77", "phone": "081234567890", "status": "pending"}]}})
    adapter = GatewayAdapter(wablas(server.url))
    sent = await adapter.send(notice())
    await adapter.aclose()
    assert sent.provider_id == "wb-77"
    [request] = server.requests
    assert request.path == "/api/send-message"
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert request.headers["idempotency-key"] == "notice:7:whatsapp"
    assert request.json == {"phone": "081234567890", "message": "Halo, stand Anda A-12.",
                            "token": "K-2"}


def test_gateway_number_formats() -> None:
    assert number("+6281234567890", "62") == "6281234567890"
    assert number("+6281234567890", "0") == "081234567890"
    assert number("+6281234567890", "+62") == "+6281234567890"
    assert number("+60123456789", "0") == "60123456789"  # a foreign number keeps its code


def test_gateway_dig_follows_dotted_paths_and_lists() -> None:
    answer = {"id": ["a1", "a2"], "data": {"id": 5, "messages": [{"id": "m1"}, {"id": "m2"}]}}
    assert dig(answer, "id") == "a1"
    assert dig(answer, "data.id") == 5
    assert dig(answer, "data.messages.id") == "m1"
    assert dig(answer, "data.messages.1.id") == "m2"
    assert dig(answer, "data.messages.9.id") is None
    assert dig(answer, "nope.id") is None and dig(None, "id") is None


async def test_gateway_status_false_is_permanent_with_the_reason(server, adapter) -> None:
    server.answer(200, {"status": False, "reason": "invalid target"})
    with pytest.raises(PermanentError, match="invalid target"):
        await adapter.send(notice())


async def test_gateway_ok_field_missing_from_the_answer_is_permanent(server, adapter) -> None:
    server.answer(200, b"<html>ok?</html>")
    with pytest.raises(PermanentError, match="refused"):
        await adapter.send(notice())


async def test_gateway_without_ok_field_takes_any_2xx(server) -> None:
    adapter = GatewayAdapter(dataclasses.replace(fonnte(server.url), ok_field="", id_field=""))
    server.answer(201, b"queued")
    assert (await adapter.send(notice())).provider_id == ""
    await adapter.aclose()


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_gateway_429_and_5xx_are_temporary(server, adapter, status) -> None:
    server.answer(status, {"status": False, "reason": "server busy"})
    with pytest.raises(TemporaryError, match=f"HTTP {status}: server busy"):
        await adapter.send(notice())


@pytest.mark.parametrize("status", [400, 401, 404])
async def test_gateway_other_4xx_are_permanent(server, adapter, status) -> None:
    server.answer(status, {"status": False, "reason": "token invalid"})
    with pytest.raises(PermanentError, match=f"HTTP {status}: token invalid"):
        await adapter.send(notice())


async def test_gateway_timeout_and_no_server_are_temporary(server) -> None:
    async with httpx.AsyncClient(timeout=0.2) as client:
        adapter = GatewayAdapter(fonnte(server.url), client=client)
        server.answer(200, FONNTE_OK, delay=1.0)
        with pytest.raises(TemporaryError, match="timed out"):
            await adapter.send(notice())
    nobody = GatewayAdapter(fonnte(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(TemporaryError, match="ConnectError"):
        await nobody.send(notice())
    await nobody.aclose()


# ---- receipts ------------------------------------------------------------------------------

def test_gateway_signature_with_or_without_prefix() -> None:
    body = b'{"id":"80367170","status":"delivered"}'
    digest = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    assert verify_signature(body, digest, "hook-secret")
    assert verify_signature(body, "sha256=" + digest, "hook-secret")
    assert verify_signature(body, digest.upper(), "hook-secret")
    assert not verify_signature(body, digest, "other")
    assert not verify_signature(body + b"x", digest, "hook-secret")
    assert not verify_signature(body, None, "hook-secret")
    assert not verify_signature(body, hmac.new(b"", body, hashlib.sha256).hexdigest(), "")


def test_gateway_parse_receipts_maps_english_and_indonesian_words() -> None:
    at = dt.datetime.fromtimestamp(1750857384, dt.UTC)
    assert parse_receipts({"id": "1", "status": "delivered", "timestamp": 1750857384}) == [
        Receipt(provider_id="1", status="delivered", at=at)]
    words = {"terkirim": "sent", "sent": "sent", "diterima": "delivered",
             "received": "delivered", "dibaca": "read", "READ": "read", "gagal": "failed",
             "rejected": "failed"}
    receipts = parse_receipts([{"id": str(i), "status": w} for i, w in enumerate(words)])
    assert [r.status for r in receipts] == list(words.values())


def test_gateway_parse_receipts_reads_lists_data_and_errors() -> None:
    receipts = parse_receipts({"data": [
        {"message_id": "a", "state": "read", "timestamp": 1750857384000},
        {"id": "b", "status": "failed", "reason": "number not on WhatsApp", "message": "text"},
        {"id": "c", "status": "pending"}, {"status": "read"}, "junk"]})
    assert [(r.provider_id, r.status) for r in receipts] == [("a", "read"), ("b", "failed")]
    assert receipts[0].at == dt.datetime.fromtimestamp(1750857384, dt.UTC)
    assert receipts[1].error == "number not on WhatsApp"
    assert parse_receipts("nothing") == [] and parse_receipts({"id": "x", "status": True}) == []
