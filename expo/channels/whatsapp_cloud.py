"""The WhatsApp Business Cloud API (Meta's Graph API), as its documentation describes it.

Sending: ``POST {base_url}/{api_version}/{phone_number_id}/messages`` with the access token
as a bearer token. A message is an approved *template* (the only kind WhatsApp lets a business
start a conversation with): ``prefix + name``, the language by the recipient's locale, the body
parameters in order and an optional header image. A message without a template is plain
``text`` (or an ``image`` with the text as its caption), which WhatsApp delivers only within 24
hours of the person's last message to the business.

The answer names the message (``messages[0].id``, a ``wamid.``), which the delivery receipts
name again. An error answer is ``{"error": {"message", "type", "code", "fbtrace_id", ...}}``:
throttling codes, 429, 5xx, timeouts and lost connections may pass (``TemporaryError``);
other 4xx answers cannot (``PermanentError``), with Meta's message and code kept.

Receipts arrive at the webhook (``expo.accounts.message_routes``) signed with the app secret
(``X-Hub-Signature-256``): ``verify_signature`` checks it, ``parse_receipts`` reads the
``statuses`` of each change.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
from typing import Any

import httpx

from expo import phones
from expo.channels.base import Outgoing, PermanentError, Receipt, Sent, TemporaryError
from expo.settings import WhatsAppCloudSettings

TIMEOUT = 10.0
LANGUAGES = {"id": "id", "en": "en_US"}  # expo's locale -> the template's language code
# Error codes that pass with time: throttling (4 app calls, 80007 account, 130429 throughput,
# 131048 spam rate, 131056 pair rate) and the service's own trouble (2, 131000, 131016).
TEMPORARY_CODES = frozenset({4, 80007, 130429, 131048, 131056, 2, 131000, 131016})
RECEIPT_STATUSES = ("sent", "delivered", "read", "failed")
CAPTION_CHARS = 1024


def recipient(phone: str) -> str:
    """The number as the API takes it: international digits without ``+``."""
    return phones.digits(phone)


def payload(message: Outgoing, settings: WhatsAppCloudSettings) -> dict[str, Any]:
    """The JSON body of the request that sends ``message``."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                            "to": recipient(message.to)}
    template = message.template
    if template is not None:
        components: list[dict[str, Any]] = []
        if template.image_url:
            components.append({"type": "header", "parameters": [
                {"type": "image", "image": {"link": template.image_url}}]})
        if template.params:
            components.append({"type": "body", "parameters": [
                {"type": "text", "text": param} for param in template.params]})
        spec: dict[str, Any] = {"name": settings.template_prefix + template.name,
                                "language": {"code": LANGUAGES.get(message.locale, "id")}}
        if components:
            spec["components"] = components
        body.update(type="template", template=spec)
    elif message.media_url:
        body.update(type="image", image={"link": message.media_url,
                                         "caption": message.body[:CAPTION_CHARS]})
    else:
        body.update(type="text", text={"body": message.body, "preview_url": True})
    return body


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def describe(status: int, answer: Any) -> tuple[str, int | None]:
    """Meta's error as one line (message, code, details, trace id), and its code."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return f"HTTP {status}", None
    code = error.get("code")
    code = code if isinstance(code, int) else None
    parts = [str(error.get("message") or f"HTTP {status}")]
    facts = [f"HTTP {status}"] + ([f"code {code}"] if code is not None else [])
    if error.get("error_subcode"):
        facts.append(f"subcode {error['error_subcode']}")
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    if details:
        parts.append(str(details))
    if error.get("fbtrace_id"):
        facts.append(f"fbtrace_id {error['fbtrace_id']}")
    return f"{': '.join(parts)} ({', '.join(facts)})", code


def outcome(response: httpx.Response) -> Sent:
    """``Sent`` for an accepted message, else the error its answer means."""
    answer = _json(response)
    if 200 <= response.status_code < 300:
        messages = answer.get("messages") if isinstance(answer, dict) else None
        first = messages[0] if isinstance(messages, list) and messages else {}
        return Sent(provider_id=str(first.get("id") or "") if isinstance(first, dict) else "")
    text, code = describe(response.status_code, answer)
    if (response.status_code == 429 or response.status_code >= 500
            or code in TEMPORARY_CODES):
        raise TemporaryError(f"WhatsApp Cloud API: {text}",
                             after=retry_after(response.headers.get("Retry-After")))
    raise PermanentError(f"WhatsApp Cloud API: {text}")


class CloudAdapter:
    name = "wa_cloud"

    def __init__(self, settings: WhatsAppCloudSettings,
                 client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._client = client
        self._owned = client is None

    @property
    def url(self) -> str:
        s = self.settings
        return f"{s.base_url.rstrip('/')}/{s.api_version}/{s.phone_number_id}/messages"

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT)
        return self._client

    async def send(self, message: Outgoing) -> Sent:
        headers = {"Authorization": f"Bearer {self.settings.token}"}
        try:
            response = await self.client().post(self.url, json=payload(message, self.settings),
                                                headers=headers)
        except httpx.TimeoutException as exc:
            raise TemporaryError(f"WhatsApp Cloud API: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TemporaryError(f"WhatsApp Cloud API: {type(exc).__name__}: {exc}") from exc
        return outcome(response)

    async def aclose(self) -> None:
        if self._client is not None and self._owned:
            await self._client.aclose()
            self._client = None


# ---- receipts (the webhook) ----------------------------------------------------------------

def verify_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """True when ``header`` (``X-Hub-Signature-256``) is ``sha256=`` and the HMAC-SHA256 of the
    raw ``body`` under the app secret. No secret, no header: False."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def _at(timestamp: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _error(status: dict[str, Any]) -> str:
    errors = status.get("errors")
    if not isinstance(errors, list):
        return ""
    texts = []
    for error in errors:
        if isinstance(error, dict):
            text = str(error.get("message") or error.get("title") or "")
            if error.get("code"):
                text = f"{text} (code {error['code']})".strip()
            texts.append(text)
    return "; ".join(t for t in texts if t)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse_receipts(payload: dict[str, Any]) -> list[Receipt]:
    """The message statuses of a webhook notification (``entry[].changes[].value.statuses``);
    incoming messages and other fields are left alone."""
    found: list[Receipt] = []
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            for status in _dicts(value.get("statuses")):
                word = str(status.get("status") or "").lower()
                if word not in RECEIPT_STATUSES or not status.get("id"):
                    continue
                found.append(Receipt(provider_id=str(status["id"]), status=word,
                                     at=_at(status.get("timestamp")),
                                     error=_error(status) if word == "failed" else ""))
    return found

