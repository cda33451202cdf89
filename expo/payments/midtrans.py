"""Midtrans Core API (Indonesia): QRIS and bank virtual accounts, as Midtrans documents them.

Requests: ``POST /v2/charge`` (``payment_type`` ``qris``, or ``bank_transfer`` with
``bank_transfer.bank`` ``bca``/``bni``/``bri``/``permata``), ``GET /v2/{order_id}/status``,
``POST /v2/{order_id}/cancel``; HTTP Basic auth with the server key as the user name and an
empty password; JSON both ways. The charge carries ``custom_expiry`` (minutes from the
transaction time) and an ``Idempotency-Key`` (the order id): Midtrans answers a retry within
five minutes with the first answer instead of charging again, and later with status code
``406`` (duplicate order id).

Answers: Midtrans often answers HTTP 200 and says what happened in the body's
``status_code`` (a string): ``"201"`` is a pending charge, ``"4xx"`` is an error (``"401"``
wrong key, ``"404"`` unknown transaction, ``"406"`` duplicate order id, ``"412"`` status cannot
change), ``"5xx"`` its own trouble. ``"407"`` is an expired transaction, not an error. Both
the HTTP status and the body's code are honoured, whichever is worse.

A QRIS charge answers ``qr_string`` and ``actions`` (``generate-qr-code``: an image URL); a
virtual account answers ``va_numbers`` ([{bank, va_number}]), except Permata:
``permata_va_number``. Times (``transaction_time``, ``expiry_time``, ``settlement_time``) are
``YYYY-MM-DD HH:MM:SS`` in Western Indonesian Time (UTC+7).

Notifications are a POST of the transaction's JSON to the URL set on Midtrans' dashboard,
signed with ``signature_key`` = SHA-512 hex of ``order_id + status_code + gross_amount +
server_key`` over the strings exactly as sent. ``parse_notification`` checks it in constant
time before reading anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from expo.payments.gateway import (
    Charge,
    ChargeRequest,
    GatewayError,
    Method,
    Notification,
    PaymentState,
    SignatureError,
    provider_amount,
)

SANDBOX = "https://api.sandbox.midtrans.com"
PRODUCTION = "https://api.midtrans.com"
NAME = "midtrans"
WIB = timezone(timedelta(hours=7), "WIB")

BANKS = {Method.VA_BCA: "bca", Method.VA_BNI: "bni", Method.VA_BRI: "bri",
         Method.VA_PERMATA: "permata"}
# Midtrans' documented order_id: at most 50 of letters, digits, "-", "_", "~" and ".".
ORDER_ID = re.compile(r"[A-Za-z0-9\-_~.]{1,50}")
ITEM_NAME_CHARS = 50
SIMPLE_STATES = {
    "settlement": PaymentState.PAID,
    "pending": PaymentState.PENDING,
    "authorize": PaymentState.PENDING,  # a card held but not captured: not money yet
    "deny": PaymentState.FAILED,
    "failure": PaymentState.FAILED,
    "expire": PaymentState.EXPIRED,
    "cancel": PaymentState.CANCELLED,
    "refund": PaymentState.REFUNDED,
    "partial_refund": PaymentState.REFUNDED,
}
NOT_AN_ERROR = "407"  # "expired transaction": the status of an expired charge, not a failure


def signature_for(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """Midtrans' notification signature: SHA-512 hex of the four strings joined as they are."""
    text = f"{order_id}{status_code}{gross_amount}{server_key}"
    return hashlib.sha512(text.encode("utf-8")).hexdigest()


def state_of(transaction_status: str, fraud_status: str = "") -> PaymentState:
    """expo's state for Midtrans' ``transaction_status`` (and ``fraud_status`` for a capture:
    ``accept`` is paid, ``challenge`` waits for a review, ``deny`` failed). An unknown status
    is a ``ValueError``: acting on a guess could mark an unpaid invoice paid."""
    status = transaction_status.strip().lower()
    if status == "capture":
        fraud = fraud_status.strip().lower()
        if fraud == "accept":
            return PaymentState.PAID
        return PaymentState.FAILED if fraud == "deny" else PaymentState.PENDING
    if status not in SIMPLE_STATES:
        raise ValueError(f"unknown Midtrans transaction_status {transaction_status!r}")
    return SIMPLE_STATES[status]


def wib_time(value: object) -> datetime | None:
    """A Midtrans time (``2024-09-11 05:12:55`` in WIB, or ISO 8601 with an offset) as an
    aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=WIB)
    return when.astimezone(UTC)


def charge_payload(request: ChargeRequest) -> dict[str, Any]:
    """The JSON body of ``POST /v2/charge`` for ``request``."""
    body: dict[str, Any] = {
        "transaction_details": {"order_id": request.order_id, "gross_amount": request.amount},
        "item_details": [{"id": request.order_id, "price": request.amount, "quantity": 1,
                          "name": (request.description or request.order_id)[:ITEM_NAME_CHARS]}],
        "custom_expiry": {"expiry_duration": request.expiry_minutes, "unit": "minute"},
    }
    customer = {key: value for key, value in (
        ("first_name", request.customer_name), ("email", request.customer_email),
        ("phone", request.customer_phone)) if value}
    if customer:
        body["customer_details"] = customer
    if request.method is Method.QRIS:
        body["payment_type"] = "qris"
    else:
        body["payment_type"] = "bank_transfer"
        body["bank_transfer"] = {"bank": BANKS[request.method]}
    return body


def method_of(payload: Mapping[str, Any]) -> str:
    """The ``Method`` value a transaction was paid with, else Midtrans' ``payment_type``."""
    kind = str(payload.get("payment_type") or "")
    if kind == "qris":
        return Method.QRIS.value
    if kind == "bank_transfer":
        if payload.get("permata_va_number"):
            return Method.VA_PERMATA.value
        bank, _ = _va_number(payload)
        for method, name in BANKS.items():
            if bank == name:
                return method.value
    return kind


def _va_number(payload: Mapping[str, Any]) -> tuple[str, str]:
    """(bank, number) of a bank-transfer answer: ``permata_va_number`` or ``va_numbers[0]``."""
    if payload.get("permata_va_number"):
        return "permata", str(payload["permata_va_number"])
    numbers = payload.get("va_numbers")
    if isinstance(numbers, list) and numbers and isinstance(numbers[0], dict):
        return str(numbers[0].get("bank") or "").lower(), str(numbers[0].get("va_number") or "")
    return "", ""


def _qr_image_url(payload: Mapping[str, Any]) -> str:
    actions = payload.get("actions")
    for action in actions if isinstance(actions, list) else []:
        if isinstance(action, dict) and action.get("name") == "generate-qr-code":
            return str(action.get("url") or "")
    return ""


def _text(payload: Mapping[str, Any], key: str) -> str:
    """A required string field, or a ``ValueError`` naming it."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal) or value == "":
        raise ValueError(f"Midtrans payload has no {key}")
    return str(value)


def notification_from(payload: Mapping[str, Any]) -> Notification:
    """A ``Notification`` from a transaction's JSON (a notification or a status answer)."""
    state = state_of(_text(payload, "transaction_status"), str(payload.get("fraud_status") or ""))
    paid_at = wib_time(payload.get("settlement_time"))
    if paid_at is None and state is PaymentState.PAID:
        paid_at = wib_time(payload.get("transaction_time"))
    return Notification(provider=NAME, order_id=_text(payload, "order_id"),
                        transaction_id=_text(payload, "transaction_id"), state=state,
                        amount=provider_amount(payload.get("gross_amount")),
                        method=method_of(payload), paid_at=paid_at, raw=dict(payload))


def _no_constants(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def load_json(body: bytes | str) -> dict[str, Any]:
    """A JSON object, numbers with a fraction read as ``Decimal`` (never float), or a
    ``ValueError``."""
    try:
        payload = json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ValueError("not a JSON object")
    return payload


class MidtransGateway:
    """The ``Gateway`` for Midtrans Core API. One ``httpx.AsyncClient``, opened on first use;
    ``aclose()`` it (or use ``async with``) when done."""

    name = NAME

    def __init__(self, server_key: str, base_url: str = SANDBOX, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not server_key:
            raise ValueError("the Midtrans server key is empty")
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"the Midtrans base URL is not an http(s) URL: {base_url!r}")
        self._server_key = server_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:  # never the key: gateways end up in logs and tracebacks
        return f"MidtransGateway(base_url={self.base_url!r})"

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url, timeout=self.timeout, transport=self._transport,
                auth=httpx.BasicAuth(self._server_key, ""),
                headers={"Accept": "application/json"})
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> MidtransGateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- calls ---------------------------------------------------------------------------

    async def create_charge(self, request: ChargeRequest) -> Charge:
        """Charge ``request``; its ``order_id`` is also the idempotency key, so calling again
        after a ``temporary`` error (within five minutes) returns the same charge. Later, a
        charge that did go through answers ``GatewayError(code="406")``: ask ``status``."""
        if not ORDER_ID.fullmatch(request.order_id):
            raise ValueError(f"Midtrans takes order ids of at most 50 letters, digits, "
                             f"'-', '_', '~' or '.', not {request.order_id!r}")
        payload = await self._call("POST", "/v2/charge", body=charge_payload(request),
                                   headers={"Idempotency-Key": request.order_id})
        return charge_from(payload, request)

    async def status(self, order_id: str) -> Notification:
        """The transaction's current state, from Midtrans (``GatewayError(code="404")`` when
        it has none for ``order_id``)."""
        payload = await self._call("GET", f"/v2/{quote(order_id, safe='')}/status")
        try:
            return notification_from(payload)
        except ValueError as exc:
            raise GatewayError(f"Midtrans status answer not understood: {exc}",
                               temporary=False) from exc

    async def cancel(self, order_id: str) -> None:
        """Void a pending charge, so that it can no longer be paid. A charge already paid,
        expired or cancelled answers ``GatewayError(code="412")``."""
        await self._call("POST", f"/v2/{quote(order_id, safe='')}/cancel")

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify a notification's signature (``SignatureError``), then read it
        (``ValueError`` when it is not one). Midtrans signs the body, not a header, so
        ``headers`` are not needed."""
        payload = load_json(body)
        order_id = _text(payload, "order_id")
        status_code = _text(payload, "status_code")
        gross_amount = _text(payload, "gross_amount")
        given = payload.get("signature_key")
        if not isinstance(given, str) or not given:
            raise SignatureError("Midtrans notification is not signed")
        expected = signature_for(order_id, status_code, gross_amount, self._server_key)
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            raise SignatureError("Midtrans notification signature does not match")
        return notification_from(payload)

    async def _call(self, method: str, path: str, *, body: Any = None,
                    headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        try:
            response = await self.client().request(method, path, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GatewayError(f"Midtrans {method} {path}: timed out ({type(exc).__name__})",
                               temporary=True, code="timeout") from exc
        except httpx.HTTPError as exc:
            raise GatewayError(f"Midtrans {method} {path}: {type(exc).__name__}",
                               temporary=True, code="connection") from exc
        return outcome(response, f"{method} {path}")


def outcome(response: httpx.Response, what: str) -> dict[str, Any]:
    """The answer's JSON when both the HTTP status and the body's ``status_code`` say success,
    else the ``GatewayError`` the worse of the two means."""
    try:
        payload: dict[str, Any] | None = load_json(response.content)
    except ValueError:
        payload = None
    http = response.status_code
    body_code = str(payload.get("status_code") or "") if payload is not None else ""
    if http == 202 and (payload is None or "transaction_id" not in payload):
        # Midtrans' answer to a retry while the first request with its key is still running.
        raise GatewayError(f"Midtrans {what}: still processing the first request",
                           temporary=True, code="202")
    codes = [http] + ([int(body_code)] if body_code.isdigit() and body_code != NOT_AN_ERROR
                      else [])
    worst = max(codes)
    if worst < 400:
        if payload is None:  # a proxy's page, say: what happened is unknown, ask again
            raise GatewayError(f"Midtrans {what}: no JSON answer (HTTP {http})",
                               temporary=True, code=str(http))
        return payload
    message = str(payload.get("status_message") or "") if payload is not None else ""
    raise GatewayError(
        f"Midtrans {what}: {message or 'no JSON answer'} (HTTP {http}, status_code "
        f"{body_code or '-'})", temporary=worst >= 500 or worst == 429, code=str(worst))


def charge_from(payload: Mapping[str, Any], request: ChargeRequest) -> Charge:
    """A ``Charge`` from the charge answer, checked against what was asked."""
    _check_charge(payload, request)
    bank, va_number = _va_number(payload) if request.method is not Method.QRIS else ("", "")
    expires_at = wib_time(payload.get("expiry_time"))
    started = wib_time(payload.get("transaction_time"))
    if expires_at is None and started is not None:  # custom_expiry counts from this time
        expires_at = started + timedelta(minutes=request.expiry_minutes)
    return Charge(provider=NAME, order_id=request.order_id,
                  transaction_id=str(payload["transaction_id"]), method=request.method,
                  amount=request.amount, qr_string=str(payload.get("qr_string") or ""),
                  qr_image_url=_qr_image_url(payload), va_number=va_number, bank=bank,
                  expires_at=expires_at, raw=dict(payload))


def _check_charge(payload: Mapping[str, Any], request: ChargeRequest) -> None:
    """Refuse an answer that is not the charge asked for: a denied charge, an answer without
    what the payer needs, or a replay (the same idempotency key within five minutes) of an
    earlier charge for another method or amount under the same order id."""
    code = str(payload.get("status_code") or "")
    if payload.get("transaction_status") in ("deny", "failure") or code == "202":
        raise GatewayError(f"Midtrans refused the charge: {payload.get('status_message')}",
                           temporary=False, code=code)
    try:
        amount = provider_amount(payload.get("gross_amount"))
    except ValueError as exc:
        raise GatewayError(f"Midtrans charge answer not understood: {exc}",
                           temporary=False) from exc
    method = method_of(payload)
    if (amount != request.amount or method != request.method.value
            or str(payload.get("order_id") or request.order_id) != request.order_id):
        raise GatewayError(f"Midtrans answered with another charge for this order id (method "
                           f"{method!r}, amount {amount}): use a new order id",
                           temporary=False, code="406")
    wanted = "qr_string" if request.method is Method.QRIS else "a VA number"
    have = payload.get("qr_string") if request.method is Method.QRIS else _va_number(payload)[1]
    if not payload.get("transaction_id") or not have:
        raise GatewayError(f"Midtrans charge answer has no transaction_id or {wanted}",
                           temporary=False)


def from_env(environ: Mapping[str, str]) -> MidtransGateway | None:
    """The gateway the environment configures, or None (the default: no online payment).

    ``EXPO_PAYMENT_GATEWAY=midtrans`` turns it on; ``EXPO_MIDTRANS_SERVER_KEY`` is then
    required (a ``ValueError`` without it, so a misconfigured server fails at start-up);
    ``EXPO_MIDTRANS_BASE_URL`` defaults to the sandbox (production: ``PRODUCTION``)."""
    if environ.get("EXPO_PAYMENT_GATEWAY", "").strip().lower() != NAME:
        return None
    key = environ.get("EXPO_MIDTRANS_SERVER_KEY", "").strip()
    if not key:
        raise ValueError("EXPO_PAYMENT_GATEWAY=midtrans needs EXPO_MIDTRANS_SERVER_KEY")
    base_url = environ.get("EXPO_MIDTRANS_BASE_URL", "").strip() or SANDBOX
    return MidtransGateway(key, base_url=base_url)
