"""The Midtrans Core API adapter against a Midtrans on loopback: the documented charge
requests and answers (QRIS, the four virtual accounts), errors and what they mean, status and
cancel, and the notification's signature and meaning."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from expo.payments.gateway import (
    ChargeRequest,
    Gateway,
    GatewayError,
    Method,
    PaymentState,
    SignatureError,
    provider_amount,
)
from expo.payments.midtrans import (
    PRODUCTION,
    SANDBOX,
    MidtransGateway,
    from_env,
    signature_for,
    state_of,
)

from .loopback_midtrans import WIB, MidtransLoopback

KEY = "SB-Mid-server-t3st-K3y-0123456789"


@pytest.fixture(scope="module")
def _loopback() -> Iterator[MidtransLoopback]:
    with MidtransLoopback(server_key=KEY) as running:
        yield running


@pytest.fixture
def midtrans(_loopback: MidtransLoopback) -> Iterator[MidtransLoopback]:
    _loopback.reset()
    yield _loopback
    _loopback.reset()


@pytest_asyncio.fixture
async def gateway(midtrans: MidtransLoopback) -> AsyncIterator[MidtransGateway]:
    async with MidtransGateway(KEY, base_url=midtrans.url, timeout=2.0) as gateway:
        yield gateway


def booth_fee(order_id: str = "INV-HKN2027-0001-1", method: Method = Method.QRIS,
              amount: int = 350127, **kw: object) -> ChargeRequest:
    return ChargeRequest(order_id=order_id, amount=amount, method=method,
                         customer_name="Sari Wulandari", customer_email="sari@example.id",
                         customer_phone="+6281234567890",
                         description="Booth fee A-12, Pameran UMKM Hari Kopi Nasional 2027",
                         **kw)  # type: ignore[arg-type]


def signed(payload: dict[str, object], key: str = KEY) -> bytes:
    body = dict(payload)
    body["signature_key"] = signature_for(str(body["order_id"]), str(body["status_code"]),
                                          str(body["gross_amount"]), key)
    return json.dumps(body).encode()


def notification_payload(**changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "transaction_time": "2027-03-01 10:00:00", "transaction_status": "settlement",
        "transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a",
        "status_message": "midtrans payment notification", "status_code": "200",
        "payment_type": "bank_transfer", "order_id": "INV-HKN2027-0001-1",
        "merchant_id": "G812785002", "gross_amount": "350127.00", "fraud_status": "accept",
        "currency": "IDR", "va_numbers": [{"bank": "bca", "va_number": "12785000000001"}],
        "settlement_time": "2027-03-01 10:05:30"}
    payload.update(changes)
    return payload


def test_gateway_satisfies_the_protocol() -> None:
    gateway: Gateway = MidtransGateway(KEY)
    assert gateway.name == "midtrans"


# ---- charge --------------------------------------------------------------------------------

async def test_charge_qris_request_and_answer_are_the_documented_ones(midtrans, gateway) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    charge = await gateway.create_charge(booth_fee())
    [request] = midtrans.requests
    assert request.method == "POST" and request.path == "/v2/charge"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(
        f"{KEY}:".encode()).decode()
    assert request.headers["idempotency-key"] == "INV-HKN2027-0001-1"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.json == {
        "payment_type": "qris",
        "transaction_details": {"order_id": "INV-HKN2027-0001-1", "gross_amount": 350127},
        "item_details": [{"id": "INV-HKN2027-0001-1", "price": 350127, "quantity": 1,
                          "name": "Booth fee A-12, Pameran UMKM Hari Kopi Nasional 20"}],
        "customer_details": {"first_name": "Sari Wulandari", "email": "sari@example.id",
                             "phone": "+6281234567890"},
        "custom_expiry": {"expiry_duration": 1440, "unit": "minute"}}
    txn = midtrans.transactions["INV-HKN2027-0001-1"]
    assert charge.provider == "midtrans" and charge.method is Method.QRIS
    assert charge.transaction_id == txn["transaction_id"] and charge.amount == 350127
    assert charge.qr_string == txn["qr_string"] and charge.qr_string.startswith("000201")
    assert charge.qr_image_url == f"{midtrans.url}/v2/qris/{charge.transaction_id}/qr-code"
    assert charge.va_number == "" and charge.bank == ""
    assert charge.expires_at is not None and charge.expires_at.tzinfo is UTC
    assert before + timedelta(minutes=1440) <= charge.expires_at
    assert charge.expires_at <= datetime.now(UTC) + timedelta(minutes=1440)
    assert charge.raw["status_code"] == "201"


@pytest.mark.parametrize(("method", "bank"), [
    (Method.VA_BCA, "bca"), (Method.VA_BNI, "bni"), (Method.VA_BRI, "bri"),
    (Method.VA_PERMATA, "permata")])
async def test_charge_virtual_account_for_each_bank(midtrans, gateway, method, bank) -> None:
    charge = await gateway.create_charge(booth_fee(method=method, expiry_minutes=60))
    body = midtrans.requests[0].json
    assert body["payment_type"] == "bank_transfer"
    assert body["bank_transfer"] == {"bank": bank}
    assert body["custom_expiry"] == {"expiry_duration": 60, "unit": "minute"}
    txn = midtrans.transactions[charge.order_id]
    expected = (txn["permata_va_number"] if bank == "permata"
                else txn["va_numbers"][0]["va_number"])
    assert ("permata_va_number" in txn) == (bank == "permata")
    assert charge.bank == bank and charge.va_number == expected and charge.va_number
    assert charge.method is method and charge.qr_string == ""
    started = datetime.fromisoformat(txn["transaction_time"]).replace(tzinfo=WIB)
    assert charge.expires_at == started.astimezone(UTC) + timedelta(minutes=60)


async def test_charge_expiry_derived_from_transaction_time_when_not_given() -> None:
    answer = {"status_code": "201", "transaction_id": "be03df7d-2f97-4c8c-a53c-8959f1b67295",
              "order_id": "o-1", "gross_amount": "44000.00", "payment_type": "bank_transfer",
              "transaction_time": "2019-10-23 16:33:49", "transaction_status": "pending",
              "va_numbers": [{"bank": "bca", "va_number": "812785002530231"}]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    async with MidtransGateway(KEY, transport=transport) as mocked:
        charge = await mocked.create_charge(booth_fee("o-1", Method.VA_BCA, 44000,
                                                      expiry_minutes=30))
    assert charge.expires_at == datetime(2019, 10, 23, 9, 33, 49, tzinfo=UTC) + timedelta(
        minutes=30)
    assert charge.va_number == "812785002530231"


async def test_charge_twice_within_the_key_lifetime_is_the_same_charge(midtrans, gateway) -> None:
    first = await gateway.create_charge(booth_fee())
    again = await gateway.create_charge(booth_fee())
    assert again.transaction_id == first.transaction_id
    assert len(midtrans.transactions) == 1


async def test_charge_duplicate_order_id_is_a_permanent_error(midtrans, gateway) -> None:
    await gateway.create_charge(booth_fee())
    midtrans.forget_idempotency_keys()
    with pytest.raises(GatewayError) as caught:
        await gateway.create_charge(booth_fee())
    assert caught.value.code == "406" and caught.value.temporary is False


async def test_charge_replayed_for_another_method_is_not_taken_as_that_charge(gateway) -> None:
    await gateway.create_charge(booth_fee(method=Method.QRIS))
    with pytest.raises(GatewayError) as caught:
        await gateway.create_charge(booth_fee(method=Method.VA_BNI))
    assert caught.value.code == "406" and not caught.value.temporary


async def test_charge_with_a_wrong_key_is_a_permanent_error(midtrans) -> None:
    async with MidtransGateway("SB-Mid-server-WRONG-secret", base_url=midtrans.url) as wrong:
        with pytest.raises(GatewayError) as caught:
            await wrong.create_charge(booth_fee())
    assert caught.value.temporary is False and caught.value.code == "401"
    assert "cannot be authorized" in str(caught.value)
    assert "WRONG-secret" not in str(caught.value) and "WRONG-secret" not in repr(wrong)
    assert midtrans.transactions == {}


@pytest.mark.parametrize(("status", "body"), [
    (500, None),  # HTTP 500 with Midtrans' body
    (200, {"status_code": "500", "status_message": "Sorry. Our system is recovering."}),
    (502, b"<html>Bad gateway</html>"),
    (200, {"status_code": "429", "status_message": "API rate limit exceeded"}),
])
async def test_charge_server_trouble_is_temporary(midtrans, gateway, status, body) -> None:
    midtrans.fail_next(status, body)
    with pytest.raises(GatewayError) as caught:
        await gateway.create_charge(booth_fee())
    assert caught.value.temporary is True


async def test_charge_validation_error_is_permanent(midtrans, gateway) -> None:
    midtrans.fail_next(400, {"status_code": "400", "status_message": "Validation Error",
                             "validation_messages": ["transaction_details.gross_amount..."]})
    with pytest.raises(GatewayError) as caught:
        await gateway.create_charge(booth_fee())
    assert caught.value.temporary is False and caught.value.code == "400"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_charge_connection_refused_is_temporary() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    async with MidtransGateway(KEY, base_url=url, timeout=1.0) as unreachable:
        with pytest.raises(GatewayError) as caught:
            await unreachable.create_charge(booth_fee())
    assert caught.value.temporary is True and KEY not in str(caught.value)


async def test_charge_timeout_is_temporary() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with MidtransGateway(KEY, transport=httpx.MockTransport(hang)) as slow:
        with pytest.raises(GatewayError) as caught:
            await slow.create_charge(booth_fee())
    assert caught.value.temporary is True and caught.value.code == "timeout"


QRIS_ANSWER = {"status_code": "201", "status_message": "QRIS transaction is created",
               "transaction_id": "01bf5e23-7183-4cfe-862c-58a3f6e8f0a2",
               "order_id": "INV-HKN2027-0001-1", "gross_amount": "350127.00",
               "payment_type": "qris", "transaction_time": "2027-03-01 10:00:00",
               "transaction_status": "pending", "fraud_status": "accept",
               "qr_string": "00020101021226...", "expiry_time": "2027-03-01 10:15:00"}


@pytest.mark.parametrize(("status", "changes", "temporary", "code"), [
    (202, {"status_code": "202", "transaction_id": None}, True, "202"),  # first still running
    (200, {"status_code": "202", "transaction_status": "deny"}, False, "202"),
    (200, {"qr_string": ""}, False, ""),
    (200, {"gross_amount": "350000.00"}, False, "406"),
    (200, {"gross_amount": "lots"}, False, ""),
    (201, {"status_code": "401", "status_message": "Access denied"}, False, "401"),
    (200, {"status_code": "503"}, True, "503"),
])
async def test_charge_answers_that_are_not_a_usable_charge(status, changes, temporary,
                                                           code) -> None:
    answer = {k: v for k, v in {**QRIS_ANSWER, **changes}.items() if v is not None}
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=answer))
    async with MidtransGateway(KEY, transport=transport) as mocked:
        with pytest.raises(GatewayError) as caught:
            await mocked.create_charge(booth_fee())
    assert caught.value.temporary is temporary and caught.value.code == code


async def test_charge_answer_with_times_in_wib() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=QRIS_ANSWER))
    async with MidtransGateway(KEY, transport=transport) as mocked:
        charge = await mocked.create_charge(booth_fee())
    assert charge.expires_at == datetime(2027, 3, 1, 3, 15, tzinfo=UTC)
    assert charge.qr_image_url == ""  # no actions in this answer


async def test_charge_rejects_an_order_id_midtrans_would_refuse(gateway, midtrans) -> None:
    with pytest.raises(ValueError):
        await gateway.create_charge(booth_fee(order_id="INV/HKN2027/0001"))
    assert midtrans.requests == []


def test_charge_request_refuses_impossible_amounts() -> None:
    for amount in (0, -5, True):
        with pytest.raises(ValueError):
            booth_fee(amount=amount)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        booth_fee(expiry_minutes=0)


# ---- status and cancel ---------------------------------------------------------------------

async def test_status_follows_the_transaction(midtrans, gateway) -> None:
    charge = await gateway.create_charge(booth_fee(method=Method.VA_BRI))
    pending = await gateway.status(charge.order_id)
    assert pending.state is PaymentState.PENDING and pending.amount == 350127
    assert pending.method == "va_bri" and pending.transaction_id == charge.transaction_id
    midtrans.notify(charge.order_id, "settlement")
    paid = await gateway.status(charge.order_id)
    assert paid.state is PaymentState.PAID and paid.paid_at is not None
    assert paid.paid_at.tzinfo is UTC
    assert midtrans.requests[-1].method == "GET"
    assert midtrans.requests[-1].path == f"/v2/{charge.order_id}/status"


async def test_status_of_an_expired_transaction_is_not_an_error(midtrans, gateway) -> None:
    charge = await gateway.create_charge(booth_fee())
    midtrans.notify(charge.order_id, "expire")
    expired = await gateway.status(charge.order_id)
    assert expired.raw["status_code"] == "407" and expired.state is PaymentState.EXPIRED


async def test_status_of_an_unknown_order_is_a_permanent_error(gateway) -> None:
    with pytest.raises(GatewayError) as caught:
        await gateway.status("no-such-order")
    assert caught.value.code == "404" and caught.value.temporary is False


async def test_cancel_voids_a_pending_charge_once(midtrans, gateway) -> None:
    charge = await gateway.create_charge(booth_fee(method=Method.VA_PERMATA))
    assert await gateway.cancel(charge.order_id) is None
    assert midtrans.requests[-1].method == "POST"
    assert midtrans.requests[-1].path == f"/v2/{charge.order_id}/cancel"
    assert (await gateway.status(charge.order_id)).state is PaymentState.CANCELLED
    with pytest.raises(GatewayError) as caught:
        await gateway.cancel(charge.order_id)
    assert caught.value.code == "412" and caught.value.temporary is False


# ---- notifications -------------------------------------------------------------------------

async def test_notification_of_a_settled_charge(midtrans, gateway) -> None:
    charge = await gateway.create_charge(booth_fee(method=Method.VA_BCA))
    body = midtrans.notify(charge.order_id, "settlement")
    notice = gateway.parse_notification(body, {"content-type": "application/json"})
    assert notice.provider == "midtrans" and notice.order_id == charge.order_id
    assert notice.transaction_id == charge.transaction_id
    assert notice.state is PaymentState.PAID and notice.amount == 350127
    assert notice.method == "va_bca"
    settled = datetime.fromisoformat(json.loads(body)["settlement_time"]).replace(tzinfo=WIB)
    assert notice.paid_at == settled.astimezone(UTC)


async def test_notification_of_a_qris_payment(midtrans, gateway) -> None:
    charge = await gateway.create_charge(booth_fee(method=Method.QRIS))
    notice = gateway.parse_notification(midtrans.notify(charge.order_id), {})
    assert notice.method == "qris" and notice.state is PaymentState.PAID


def test_notification_documented_sample_with_known_key() -> None:
    # Midtrans' own example: order "1111", status "200", amount "100000.00", that key.
    key = "askvnoibnosifnboseofinbofinfgbiufglnbfg"
    payload = notification_payload(order_id="1111", gross_amount="100000.00")
    notice = MidtransGateway(key).parse_notification(signed(payload, key), {})
    assert notice.amount == 100000 and notice.order_id == "1111"
    assert notice.paid_at == datetime(2027, 3, 1, 3, 5, 30, tzinfo=UTC)


def test_notification_with_a_bad_signature_is_refused() -> None:
    payload = notification_payload(signature_key="0" * 128)
    with pytest.raises(SignatureError):
        MidtransGateway(KEY).parse_notification(json.dumps(payload).encode(), {})


def test_notification_signed_with_another_key_is_refused() -> None:
    body = signed(notification_payload(), key="SB-Mid-server-someone-else")
    with pytest.raises(SignatureError):
        MidtransGateway(KEY).parse_notification(body, {})


def test_notification_without_a_signature_is_refused() -> None:
    for signature in (None, "", 12):
        payload = notification_payload()
        if signature is not None:
            payload["signature_key"] = signature
        with pytest.raises(SignatureError):
            MidtransGateway(KEY).parse_notification(json.dumps(payload).encode(), {})


@pytest.mark.parametrize(("field", "value"), [
    ("gross_amount", "1.00"), ("order_id", "INV-HKN2027-0002-1"), ("status_code", "201")])
def test_notification_tampered_after_signing_is_refused(field, value) -> None:
    body = json.loads(signed(notification_payload()))
    body[field] = value  # the old signature kept
    with pytest.raises(SignatureError):
        MidtransGateway(KEY).parse_notification(json.dumps(body).encode(), {})


async def test_notification_tampered_amount_from_loopback_is_refused(midtrans, gateway) -> None:
    charge = await gateway.create_charge(booth_fee())
    body = json.loads(midtrans.notify(charge.order_id))
    body["gross_amount"] = "1000.00"
    with pytest.raises(SignatureError):
        gateway.parse_notification(json.dumps(body).encode(), {})


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[1, 2]", b"\xff\xfe", b'{"gross_amount": NaN}',
    json.dumps({"status_code": "200", "gross_amount": "1.00", "signature_key": "x"}).encode(),
    json.dumps({"order_id": "o", "gross_amount": "1.00", "signature_key": "x"}).encode(),
])
def test_notification_malformed_is_a_value_error(body) -> None:
    with pytest.raises(ValueError):
        MidtransGateway(KEY).parse_notification(body, {})


def test_notification_signed_but_missing_fields_is_a_value_error() -> None:
    payload = notification_payload()
    del payload["transaction_status"]
    with pytest.raises(ValueError):
        MidtransGateway(KEY).parse_notification(signed(payload), {})
    with pytest.raises(ValueError):
        MidtransGateway(KEY).parse_notification(
            signed(notification_payload(transaction_status="teleported")), {})


def test_notification_capture_challenged_is_pending() -> None:
    payload = notification_payload(transaction_status="capture", fraud_status="challenge",
                                   payment_type="credit_card", settlement_time=None)
    notice = MidtransGateway(KEY).parse_notification(signed(payload), {})
    assert notice.state is PaymentState.PENDING and notice.paid_at is None
    accepted = notification_payload(transaction_status="capture", fraud_status="accept",
                                    payment_type="credit_card", settlement_time=None)
    notice = MidtransGateway(KEY).parse_notification(signed(accepted), {})
    assert notice.state is PaymentState.PAID and notice.method == "credit_card"
    assert notice.paid_at == datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # transaction_time


def test_notification_amount_with_a_fraction_of_a_rupiah_is_a_value_error() -> None:
    body = signed(notification_payload(gross_amount="350127.50"))
    with pytest.raises(ValueError):
        MidtransGateway(KEY).parse_notification(body, {})


def test_notification_permata_and_refund() -> None:
    payload = notification_payload(transaction_status="partial_refund", va_numbers=None,
                                   permata_va_number="8562000087926752")
    notice = MidtransGateway(KEY).parse_notification(signed(payload), {})
    assert notice.method == "va_permata" and notice.state is PaymentState.REFUNDED


@pytest.mark.parametrize(("status", "fraud", "state"), [
    ("settlement", "", PaymentState.PAID), ("settlement", "accept", PaymentState.PAID),
    ("capture", "accept", PaymentState.PAID), ("capture", "challenge", PaymentState.PENDING),
    ("capture", "deny", PaymentState.FAILED), ("pending", "", PaymentState.PENDING),
    ("deny", "", PaymentState.FAILED), ("failure", "", PaymentState.FAILED),
    ("expire", "", PaymentState.EXPIRED), ("cancel", "", PaymentState.CANCELLED),
    ("refund", "", PaymentState.REFUNDED), ("partial_refund", "", PaymentState.REFUNDED)])
def test_state_of_each_midtrans_status(status, fraud, state) -> None:
    assert state_of(status, fraud) is state


# ---- amounts, signature, configuration ---------------------------------------------------

def test_parse_rupiah_is_exact() -> None:
    assert provider_amount("350127.00") == 350127
    assert provider_amount("350127") == 350127
    assert provider_amount(350127) == 350127
    assert provider_amount("9007199254740993.00") == 9007199254740993  # beyond a float's reach
    for bad in ("350127.50", "350127.01", "-1", "1e5", "", "abc", "1,000", 350127.0, None,
                True, -3):
        with pytest.raises(ValueError):
            provider_amount(bad)


def test_signature_for_is_sha512_of_the_documented_concatenation() -> None:
    import hashlib

    assert signature_for("1111", "200", "100000.00", "key") == hashlib.sha512(
        b"1111200100000.00key").hexdigest()
    assert len(signature_for("a", "b", "c", "d")) == 128


def test_from_env_is_off_by_default() -> None:
    assert from_env({}) is None
    assert from_env({"EXPO_PAYMENT_GATEWAY": ""}) is None
    assert from_env({"EXPO_PAYMENT_GATEWAY": "off", "EXPO_MIDTRANS_SERVER_KEY": KEY}) is None


def test_from_env_midtrans() -> None:
    gateway = from_env({"EXPO_PAYMENT_GATEWAY": "midtrans", "EXPO_MIDTRANS_SERVER_KEY": KEY})
    assert isinstance(gateway, MidtransGateway) and gateway.base_url == SANDBOX
    assert KEY not in repr(gateway)
    live = from_env({"EXPO_PAYMENT_GATEWAY": "Midtrans", "EXPO_MIDTRANS_SERVER_KEY": KEY,
                     "EXPO_MIDTRANS_BASE_URL": PRODUCTION + "/"})
    assert live is not None and live.base_url == PRODUCTION
    with pytest.raises(ValueError):
        from_env({"EXPO_PAYMENT_GATEWAY": "midtrans"})
