"""A generic HTTP WhatsApp gateway, the kind Indonesian businesses rent (Fonnte, Wablas, ...).

One POST per message to ``settings.url``: the number (in the gateway's format: ``62812...``,
``0812...`` or ``+62812...``) in ``to_field``, the text in ``text_field``, an image URL in
``media_field`` when the gateway takes one; the API key in a header (``key_header``, the bare
key as its value) or, with ``key_field`` set, as a field of the body; the body form-encoded or
JSON. Every request carries ``Idempotency-Key: <outbox key>`` for gateways that honour it.

A gateway that answers 200 even when it refused (Fonnte: ``{"status": false, "reason":
...}``) is read through ``ok_field``: that field of the JSON answer must be true. The
message id sits at ``id_field``, a dotted path (``id``, ``data.id``,
``data.messages.0.id``); a list on the way gives its first element. 429, 5xx, timeouts and
lost connections may pass (``TemporaryError``); other answers are ``PermanentError``.

Receipts (``parse_receipts``): ``{"id": ..., "status": ...}`` or a list of them (or either
under ``"data"``), signed with an HMAC-SHA256 of the raw body (``verify_signature``). The
status words, English or Indonesian, map onto expo's four:

=================================================  ===========
gateway word                                       receipt
=================================================  ===========
sent, terkirim                                     sent
delivered, received, diterima                      delivered
read, dibaca, seen                                 read
failed, gagal, error, rejected, reject, invalid,   failed
cancel, cancelled, expired
=================================================  ===========

Other words (pending, queue, processing, ...) are ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

import httpx

from expo import phones
from expo.channels.base import Outgoing, PermanentError, Receipt, Sent, TemporaryError
from expo.settings import WhatsAppGatewaySettings

TIMEOUT = 10.0
STATUS_WORDS = {
    "sent": "sent", "terkirim": "sent",
    "delivered": "delivered", "received": "delivered", "diterima": "delivered",
    "read": "read", "dibaca": "read", "seen": "read",
    **{word: "failed" for word in ("failed", "gagal", "error", "rejected", "reject", "invalid",
                                   "cancel", "cancelled", "canceled", "expired")},
}
_TRUE_WORDS = frozenset({"true", "1", "ok", "success", "sent", "yes"})
_REASON_FIELDS = ("reason", "message", "detail", "error", "msg")
_RECEIPT_ERROR_FIELDS = ("reason", "error", "error_message", "detail")  # not "message": the text


def number(phone: str, number_format: str) -> str:
    """``phone`` (E.164) as the gateway wants it: ``62812...``, ``0812...`` or ``+62812...``."""
    digits = phones.digits(phone)
    if number_format == "0" and digits.startswith("62"):
        return "0" + digits[2:]
    if number_format == "+62":
        return "+" + digits
    return digits


def request_parts(message: Outgoing, settings: WhatsAppGatewaySettings
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """The request's fields and headers for ``message``."""
    fields = {settings.to_field: number(message.to, settings.number_format),
              settings.text_field: message.body}
    if settings.media_field and message.media_url:
        fields[settings.media_field] = message.media_url
    headers = {"Idempotency-Key": message.key}
    if settings.key_field:
        fields[settings.key_field] = settings.api_key
    elif settings.key_header and settings.api_key:
        headers[settings.key_header] = settings.api_key
    return fields, headers


def dig(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``data.messages.0.id``); a list where a name is
    asked for gives its first element."""
    current = data
    for part in (p for p in path.split(".") if p):
        if isinstance(current, list):
            if part.isdigit():
                index = int(part)
                current = current[index] if index < len(current) else None
                continue
            current = current[0] if current else None
        current = current.get(part) if isinstance(current, dict) else None
    while isinstance(current, list):
        current = current[0] if current else None
    return current


def truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in _TRUE_WORDS


def _reason(answer: Any, response: httpx.Response) -> str:
    if isinstance(answer, dict):
        for name in _REASON_FIELDS:
            if answer.get(name) and not isinstance(answer[name], bool):
                return str(answer[name])[:300]
    return response.text.strip()[:300] or f"HTTP {response.status_code}"


def outcome(response: httpx.Response, settings: WhatsAppGatewaySettings) -> Sent:
    """``Sent`` for an accepted message, else the error its answer means."""
    try:
        answer: Any = response.json()
    except ValueError:
        answer = None
    status = response.status_code
    if status == 429 or status >= 500:
        raise TemporaryError(f"gateway: HTTP {status}: {_reason(answer, response)}")
    if not 200 <= status < 300:
        raise PermanentError(f"gateway: HTTP {status}: {_reason(answer, response)}")
    if settings.ok_field and not truthy(dig(answer, settings.ok_field)):
        raise PermanentError(f"gateway refused: {_reason(answer, response)}")
    found = dig(answer, settings.id_field) if settings.id_field else None
    return Sent(provider_id="" if found is None else str(found))


class GatewayAdapter:
    name = "wa_gateway"

    def __init__(self, settings: WhatsAppGatewaySettings,
                 client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._client = client
        self._owned = client is None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT)
        return self._client

    async def send(self, message: Outgoing) -> Sent:
        fields, headers = request_parts(message, self.settings)
        body: dict[str, Any] = ({"json": fields} if self.settings.body_format == "json"
                                else {"data": fields})
        try:
            response = await self.client().post(self.settings.url, headers=headers, **body)
        except httpx.TimeoutException as exc:
            raise TemporaryError(f"gateway: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TemporaryError(f"gateway: {type(exc).__name__}: {exc}") from exc
        return outcome(response, self.settings)

    async def aclose(self) -> None:
        if self._client is not None and self._owned:
            await self._client.aclose()
            self._client = None


# ---- receipts (the webhook) ----------------------------------------------------------------

def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """True when ``header`` is the hex HMAC-SHA256 of the raw ``body`` under ``secret``
    (with or without a ``sha256=`` prefix). No secret, no header: False."""
    if not secret or not header:
        return False
    given = header.strip()
    if given.lower().startswith("sha256="):
        given = given[len("sha256="):]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.lower())


def _at(value: Any) -> dt.datetime | None:
    """A unix time in seconds or milliseconds, or an ISO 8601 string; None otherwise."""
    if isinstance(value, str) and not value.strip().isdigit():
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    if seconds > 10**11:  # milliseconds
        seconds //= 1000
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _one(item: dict[str, Any]) -> Receipt | None:
    provider_id = item.get("id") or item.get("message_id") or item.get("messageId")
    word = str(item.get("status") or item.get("state") or "").strip().lower()
    status = STATUS_WORDS.get(word)
    if not provider_id or status is None or isinstance(provider_id, dict | list):
        return None
    error = ""
    if status == "failed":
        error = next((str(item[name]) for name in _RECEIPT_ERROR_FIELDS if item.get(name)),
                     word)
    return Receipt(provider_id=str(provider_id), status=status,
                   at=_at(item.get("timestamp") or item.get("time")), error=error[:500])


def parse_receipts(payload: Any) -> list[Receipt]:
    """Receipts from ``{"id", "status"}``, a list of them, or either under ``"data"``."""
    if isinstance(payload, dict) and "id" not in payload and "data" in payload:
        payload = payload["data"]
    items = payload if isinstance(payload, list) else [payload]
    found = [_one(item) for item in items if isinstance(item, dict)]
    return [receipt for receipt in found if receipt is not None]
