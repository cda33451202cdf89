"""A small Midtrans Core API on loopback, speaking Midtrans' documented formats, for adapter
tests: a real HTTP server on 127.0.0.1 (a random port, in a thread) that keeps transactions
in memory and records every request.

    with MidtransLoopback(server_key="SB-Mid-server-test") as midtrans:
        gateway = MidtransGateway("SB-Mid-server-test", base_url=midtrans.url)
        charge = await gateway.create_charge(...)
        body = midtrans.notify(charge.order_id)          # settle it: a signed notification
        gateway.parse_notification(body, {})
        midtrans.requests[0].json["payment_type"]

What it does, as Midtrans documents: Basic auth with the server key (else HTTP 401 and
Midtrans' body); ``POST /v2/charge`` for ``qris`` and ``bank_transfer`` (bca, bni, bri:
``va_numbers``; permata: ``permata_va_number``), honouring ``custom_expiry`` and the
``Idempotency-Key`` (a repeated key replays the first successful answer until
``forget_idempotency_keys``); a second charge on an order id answers body status code
``406``; ``GET /v2/{id}/status`` (``404`` when unknown; ``407`` once expired); ``POST
/v2/{id}/cancel`` (``412`` unless pending). ``fail_next`` scripts the next answers (a 500).
Times are ``YYYY-MM-DD HH:MM:SS`` in WIB (UTC+7).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
import zlib
from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from expo.payments.midtrans import signature_for
from tests.shared.loopback_http import Answer, Recorded

WIB = timezone(timedelta(hours=7))
MERCHANT_ID = "G812785002"
UNAUTHORIZED = "Transaction cannot be authorized with the current client/server key."
# The status_code Midtrans gives a transaction in each status (charge, status, notification).
STATUS_CODES = {"pending": "201", "settlement": "200", "capture": "200", "deny": "202",
                "cancel": "202", "expire": "202", "refund": "200", "partial_refund": "200",
                "failure": "202"}
DEFAULT_EXPIRY = {"qris": timedelta(minutes=15), "bank_transfer": timedelta(hours=24)}
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
VA_PREFIX = {"bca": "12785", "bni": "988", "bri": "8578", "permata": "8562"}


def wib(when: datetime) -> str:
    return when.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


class MidtransLoopback:
    def __init__(self, server_key: str = "SB-Mid-server-loopback") -> None:
        self.server_key = server_key
        self.requests: list[Recorded] = []
        self.transactions: dict[str, dict[str, Any]] = {}  # order_id -> Midtrans' JSON
        self.idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self.scripted: deque[Answer] = deque()
        self.lock = threading.Lock()
        self.now = lambda: datetime.now(UTC)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stall

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Recorded(self.command, parts.path, parse_qs(parts.query),
                                   {k.lower(): v for k, v in self.headers.items()}, body)
                with outer.lock:
                    outer.requests.append(request)
                    status, answer = outer.answer(request)
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> MidtransLoopback:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- test controls -------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.transactions.clear()
            self.idempotent.clear()
            self.scripted.clear()

    def fail_next(self, status: int = 500, body: Any = None) -> None:
        """Answer the next request with ``status`` and ``body`` (default: Midtrans' 500)."""
        if body is None:
            body = {"status_code": str(status), "status_message":
                    "Sorry. Our system is recovering from unexpected issues. Please retry."}
        self.scripted.append(Answer(status, body))

    def forget_idempotency_keys(self) -> None:
        """What five minutes do at Midtrans: a repeated key is processed again."""
        with self.lock:
            self.idempotent.clear()

    def notify(self, order_id: str, transaction_status: str = "settlement", *,
               fraud_status: str = "accept", gross_amount: str | None = None,
               server_key: str | None = None) -> bytes:
        """Move the transaction to ``transaction_status`` and return the signed HTTP
        notification Midtrans would POST (``server_key`` signs it; default this server's)."""
        with self.lock:
            txn = self.transactions[order_id]
            txn["transaction_status"] = transaction_status
            txn["fraud_status"] = fraud_status
            txn["status_code"] = STATUS_CODES.get(transaction_status, "200")
            if transaction_status == "settlement":
                txn["settlement_time"] = wib(self.now())
            if gross_amount is not None:
                txn["gross_amount"] = gross_amount
            body = self._signed(txn, server_key or self.server_key)
        body["status_message"] = "midtrans payment notification"
        return json.dumps(body).encode()

    def _signed(self, txn: dict[str, Any], key: str) -> dict[str, Any]:
        body = {k: v for k, v in txn.items() if k not in ("actions", "qr_string")}
        body["signature_key"] = signature_for(txn["order_id"], txn["status_code"],
                                              txn["gross_amount"], key)
        return body

    # ---- the API -------------------------------------------------------------------------

    def authorized(self, request: Recorded) -> bool:
        expected = base64.b64encode(f"{self.server_key}:".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def answer(self, request: Recorded) -> tuple[int, Any]:
        if self.scripted:
            scripted = self.scripted.popleft()
            return scripted.status, scripted.body
        if not self.authorized(request):
            return 401, {"status_code": "401", "status_message": UNAUTHORIZED,
                         "id": str(uuid.uuid4())}
        segments = request.path.strip("/").split("/")
        if request.method == "POST" and segments == ["v2", "charge"]:
            return self.charge(request)
        if len(segments) == 3 and segments[0] == "v2":
            order_id = unquote(segments[1])
            if request.method == "GET" and segments[2] == "status":
                return 200, self.status(order_id)
            if request.method == "POST" and segments[2] == "cancel":
                return 200, self.cancel(order_id)
        return 404, {"status_code": "404", "status_message": "The requested resource is not found"}

    def charge(self, request: Recorded) -> tuple[int, Any]:
        key = request.headers.get("idempotency-key", "")
        if key and key in self.idempotent:
            return self.idempotent[key]
        try:
            body = json.loads(request.body)
            details = body["transaction_details"]
            order_id, amount = str(details["order_id"]), details["gross_amount"]
            kind = body["payment_type"]
            assert isinstance(amount, int) and amount > 0 and kind in DEFAULT_EXPIRY
            bank = body["bank_transfer"]["bank"] if kind == "bank_transfer" else ""
            assert kind == "qris" or bank in VA_PREFIX
        except (ValueError, KeyError, TypeError, AssertionError):
            return 400, {"status_code": "400", "status_message":
                         "One or more parameters in the payload is invalid."}
        if order_id in self.transactions:
            return 200, {"status_code": "406", "status_message": "The request could not be "
                         "completed due to a conflict with the current state of the target "
                         "resource, please try again", "id": str(uuid.uuid4())}
        txn = self._transaction(order_id, amount, kind, bank, body.get("custom_expiry"))
        self.transactions[order_id] = txn
        answer = (200, {**txn, "status_message": (
            "QRIS transaction is created" if kind == "qris"
            else "Success, Bank Transfer transaction is created")})
        if key:
            self.idempotent[key] = answer
        return answer

    def _transaction(self, order_id: str, amount: int, kind: str, bank: str,
                     expiry: Any) -> dict[str, Any]:
        now = self.now().replace(microsecond=0)
        lasts = DEFAULT_EXPIRY[kind]
        if isinstance(expiry, dict):
            lasts = timedelta(seconds=int(expiry["expiry_duration"])
                              * UNITS[expiry.get("unit", "minute")])
        transaction_id = str(uuid.uuid4())
        txn: dict[str, Any] = {
            "status_code": "201", "transaction_id": transaction_id, "order_id": order_id,
            "merchant_id": MERCHANT_ID, "gross_amount": f"{amount}.00", "currency": "IDR",
            "payment_type": kind, "transaction_time": wib(now), "transaction_status": "pending",
            "fraud_status": "accept", "expiry_time": wib(now + lasts)}
        if kind == "qris":
            txn["actions"] = [{"name": "generate-qr-code", "method": "GET",
                               "url": f"{self.url}/v2/qris/{transaction_id}/qr-code"}]
            txn["qr_string"] = ("00020101021226620014COM.GO-JEK.WWW011993600914"
                                f"{zlib.crc32(order_id.encode()):010d}5204581253033605405"
                                f"{amount}5802ID6304ABCD")
            txn["acquirer"] = "gopay"
        elif bank == "permata":
            txn["permata_va_number"] = f"{VA_PREFIX[bank]}{len(self.transactions):08d}"
        else:
            txn["va_numbers"] = [{"bank": bank,
                                  "va_number": f"{VA_PREFIX[bank]}{len(self.transactions):08d}"}]
        return txn

    def status(self, order_id: str) -> dict[str, Any]:
        txn = self.transactions.get(order_id)
        if txn is None:
            return {"status_code": "404", "status_message": "Transaction doesn't exist.",
                    "id": str(uuid.uuid4())}
        answer = self._signed(txn, self.server_key)
        if txn["transaction_status"] == "expire":
            answer["status_code"] = "407"
        answer["status_message"] = "Success, transaction is found"
        return answer

    def cancel(self, order_id: str) -> dict[str, Any]:
        txn = self.transactions.get(order_id)
        if txn is None:
            return {"status_code": "404", "status_message": "Transaction doesn't exist.",
                    "id": str(uuid.uuid4())}
        if txn["transaction_status"] != "pending":
            return {"status_code": "412",
                    "status_message": "Merchant cannot modify the status of the transaction"}
        txn.update(transaction_status="cancel", status_code="200")
        answer = {k: v for k, v in txn.items() if k not in ("actions", "qr_string")}
        return {**answer, "status_message": "Success, transaction is canceled"}
