"""Paying online against a Midtrans on loopback: QRIS and VA charges, reusing a pending one,
the gateway down, and notifications: settled once, forged, replayed, the wrong amount, an
unknown order, expired, two at once, money for an invoice paid already, lost ones."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.payments import online, service
from expo.payments.gateway import Method
from expo.payments.midtrans import MidtransGateway
from expo.payments.models import (
    Charge,
    ChargeState,
    FeePolicy,
    GatewayNotice,
    Invoice,
    InvoiceStatus,
    Payment,
)
from expo.payments.models import Method as PaidWith
from expo.settings import Settings
from tests.payments.factories import Stand, fee_event, held_stand, issued_invoice

from .loopback_midtrans import MidtransLoopback

pytestmark = pytest.mark.usefixtures("db")

KEY = "SB-Mid-server-online-0123456789"
OFF = Settings(database_url="sqlite://:memory:", secret_key="s" * 40)


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
    gateway = MidtransGateway(KEY, base_url=midtrans.url, timeout=2.0)
    online.configure(OFF, gateway=gateway)
    yield gateway
    online.configure(OFF)
    await gateway.aclose()


async def stand_with_invoice(**policy: object) -> tuple[Stand, Invoice]:
    stand = await held_stand(await fee_event(online=True, **policy))
    return stand, await issued_invoice(stand)


async def notify(body: bytes) -> str:
    return await online.handle_notification(provider="midtrans", body=body, headers={},
                                            ip="103.208.23.6")


# ---- starting a charge ---------------------------------------------------------------------

async def test_start_qris_charge(gateway, midtrans) -> None:
    stand, invoice = await stand_with_invoice()
    charge = await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert charge.order_id == "INV-HKN2027-0001-1" and charge.state == ChargeState.PENDING
    assert charge.amount == invoice.balance == invoice.total
    assert charge.qr_string.startswith("000201") and charge.transaction_id
    assert charge.expires_at is not None
    left = charge.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=13) < left <= dt.timedelta(minutes=15)
    sent = midtrans.requests[-1].json
    assert sent["payment_type"] == "qris"
    assert sent["transaction_details"] == {"order_id": charge.order_id,
                                           "gross_amount": invoice.total}
    assert sent["customer_details"]["first_name"] == invoice.buyer_owner
    assert await AuditEntry.filter(action="expo.payment.online_started").count() == 1
    view = await online.view(charge=charge)
    assert view.waiting and "<svg" in view.qr_svg
    assert view.qr_png_url.startswith("data:image/png;base64,")


@pytest.mark.parametrize(("method", "bank"), [(Method.VA_BCA, "bca"), (Method.VA_BRI, "bri"),
                                              (Method.VA_PERMATA, "permata")])
async def test_start_va_charge(gateway, midtrans, method: Method, bank: str) -> None:
    stand, invoice = await stand_with_invoice()
    charge = await online.start(invoice=invoice, method=method, by=stand.user)
    assert charge.bank == bank and charge.va_number.isdigit() and charge.qr_string == ""
    assert charge.method == method.value
    assert midtrans.requests[-1].json["bank_transfer"] == {"bank": bank}
    assert charge.expires_at is not None
    assert charge.expires_at - dt.datetime.now(dt.UTC) > dt.timedelta(hours=23)


async def test_start_shows_a_pending_charge_again(gateway, midtrans) -> None:
    stand, invoice = await stand_with_invoice()
    first = await online.start(invoice=invoice, method=Method.VA_BNI, by=stand.user)
    again = await online.start(invoice=invoice, method=Method.VA_BNI, by=stand.user)
    assert again.id == first.id and len(midtrans.requests) == 1
    other = await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert other.id != first.id and other.order_id == "INV-HKN2027-0001-2"
    await Charge.filter(id=first.id).update(
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))  # nearly over
    fresh = await online.start(invoice=invoice, method=Method.VA_BNI, by=stand.user)
    assert fresh.id not in (first.id, other.id) and fresh.order_id.endswith("-3")


async def test_gateway_down_is_a_domain_error_and_the_charge_failed(gateway, midtrans) -> None:
    stand, invoice = await stand_with_invoice()
    midtrans.fail_next(500)
    with pytest.raises(DomainError) as caught:
        await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert caught.value.code == "gateway_busy" and caught.value.status_code == 503
    assert "menit" in caught.value.message  # "try again in a minute", in Indonesian
    assert (await Charge.get(invoice_id=invoice.id)).state == ChargeState.FAILED
    charge = await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert charge.order_id.endswith("-2") and charge.state == ChargeState.PENDING


async def test_gateway_refusal_says_pay_by_transfer(gateway, midtrans) -> None:
    stand, invoice = await stand_with_invoice()
    midtrans.fail_next(401, {"status_code": "401", "status_message": "Access denied"})
    with pytest.raises(DomainError) as caught:
        await online.start(invoice=invoice, method=Method.VA_BCA, by=stand.user)
    assert caught.value.code == "gateway_refused" and "transfer" in caught.value.message
    assert (await Charge.get(invoice_id=invoice.id)).state == ChargeState.FAILED


async def test_start_refused_when_online_is_off_or_nothing_is_owed(gateway) -> None:
    stand, invoice = await stand_with_invoice()
    await FeePolicy.filter(event_id=stand.event.id).update(online=False)
    assert not await online.available(stand.event)
    with pytest.raises(DomainError) as caught:
        await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert caught.value.code == "online_off" and caught.value.status_code == 422
    await FeePolicy.filter(event_id=stand.event.id).update(online=True)
    assert await online.available(stand.event)
    await service.record(invoice=invoice, method=PaidWith.TRANSFER, amount=invoice.total,
                         paid_on=dt.date.today(), reference="BCA 123", by=None)
    with pytest.raises(DomainError) as caught:
        await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert caught.value.code == "not_open"
    online.configure(OFF)
    assert not online.configured() and not await online.available(stand.event)
    with pytest.raises(DomainError) as caught:
        await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)
    assert caught.value.code == "online_off"
    assert await Charge.all().count() == 0


def test_order_id_is_what_midtrans_takes() -> None:
    assert online.order_id("INV/HKN2027/0001", 3) == "INV-HKN2027-0001-3"
    long = online.order_id("INV/" + "Ä" * 60 + "/0001", 12)
    assert len(long) == 50 and long.endswith("-12") and set(long[:4]) <= set("INV-")


def test_parse_method() -> None:
    assert online.parse_method(" VA_bri ") is Method.VA_BRI
    with pytest.raises(DomainError) as caught:
        online.parse_method("cash")
    assert caught.value.code == "bad_method" and caught.value.status_code == 422
    assert [value for value, _ in online.method_choices()] == [m.value for m in Method]


# ---- notifications -------------------------------------------------------------------------

async def charged(method: Method = Method.QRIS) -> tuple[Stand, Invoice, Charge]:
    stand, invoice = await stand_with_invoice()
    return stand, invoice, await online.start(invoice=invoice, method=method, by=stand.user)


async def test_settlement_records_the_payment_once(gateway, midtrans) -> None:
    _, invoice, charge = await charged(Method.VA_BCA)
    body = midtrans.notify(charge.order_id)
    assert await notify(body) == "settled"
    payment = await Payment.get(invoice_id=invoice.id)
    assert payment.provider == "midtrans" and payment.method == PaidWith.VA
    assert payment.provider_ref == f"midtrans:{charge.transaction_id}"
    assert payment.amount == invoice.total and payment.receipt_number == "KW/HKN2027/0001"
    assert payment.reference == charge.transaction_id and payment.decided_by_id is None  # type: ignore[attr-defined]
    paid = await Invoice.get(id=invoice.id)
    assert paid.status == InvoiceStatus.PAID and paid.balance == 0
    assert (await Charge.get(id=charge.id)).state == ChargeState.PAID
    notice = await GatewayNotice.get(order_id=charge.order_id)
    assert notice.outcome == "settled" and notice.ip == "103.208.23.6"
    assert notice.digest == hashlib.sha256(body).hexdigest()
    assert json.loads(body)["signature_key"] not in notice.detail and KEY not in notice.detail
    assert midtrans.requests[-1].path == f"/v2/{charge.order_id}/status"  # checked first
    view = await online.view(charge=await Charge.get(id=charge.id))
    assert not view.waiting and view.payment is not None and view.payment.id == payment.id


async def test_bad_signature_changes_nothing(gateway, midtrans) -> None:
    _, invoice, charge = await charged()
    body = midtrans.notify(charge.order_id, server_key="SB-Mid-server-someone-else")
    assert await notify(body) == "forged"
    assert await Payment.filter(invoice_id=invoice.id).count() == 0
    assert (await Charge.get(id=charge.id)).state == ChargeState.PENDING
    notice = await GatewayNotice.get(outcome="forged")
    assert notice.order_id == charge.order_id and "signature" in notice.detail


async def test_replay_settles_once_with_one_receipt(gateway, midtrans) -> None:
    _, invoice, charge = await charged()
    body = midtrans.notify(charge.order_id)
    assert await notify(body) == "settled"
    requests = len(midtrans.requests)
    assert await notify(body) == "duplicate"
    assert len(midtrans.requests) == requests  # a duplicate is known without asking
    payments = await Payment.filter(invoice_id=invoice.id)
    assert len(payments) == 1 and payments[0].receipt_number == "KW/HKN2027/0001"
    assert [n.outcome for n in await GatewayNotice.all().order_by("id")] == ["settled",
                                                                             "duplicate"]


async def test_two_notifications_at_once_make_one_payment(gateway, midtrans) -> None:
    _, invoice, charge = await charged()
    body = midtrans.notify(charge.order_id)
    outcomes = await asyncio.gather(notify(body), notify(body))
    assert sorted(outcomes) == ["duplicate", "settled"]
    assert await Payment.filter(invoice_id=invoice.id).count() == 1
    assert (await Invoice.get(id=invoice.id)).paid == invoice.total


async def test_wrong_amount_is_a_mismatch(gateway, midtrans) -> None:
    _, invoice, charge = await charged()
    body = midtrans.notify(charge.order_id, gross_amount="1000.00")  # genuinely signed
    assert await notify(body) == "mismatch"
    assert await Payment.filter(invoice_id=invoice.id).count() == 0
    assert (await Charge.get(id=charge.id)).state == ChargeState.PENDING
    notice = await GatewayNotice.get(outcome="mismatch")
    assert "1000" in notice.detail


async def test_unknown_order_and_malformed_bodies(gateway, midtrans) -> None:
    from expo.payments.gateway import ChargeRequest

    foreign = await gateway.create_charge(ChargeRequest(
        order_id="SHOP-42", amount=5000, method=Method.QRIS, customer_name="", customer_email="",
        customer_phone="", description="another shop on the same account"))
    assert await notify(midtrans.notify(foreign.order_id)) == "unknown"
    assert await notify(b"not json") == "malformed"
    assert await notify(b'{"order_id": "x"}') == "malformed"
    assert {n.outcome for n in await GatewayNotice.all()} == {"unknown", "malformed"}
    assert await Payment.all().count() == 0


async def test_expired_and_failed_charges_follow(gateway, midtrans) -> None:
    stand, invoice, charge = await charged()
    assert await notify(midtrans.notify(charge.order_id, "pending")) == "pending"
    assert await notify(midtrans.notify(charge.order_id, "expire")) == "expired"
    assert (await Charge.get(id=charge.id)).state == ChargeState.EXPIRED
    denied = await online.start(invoice=invoice, method=Method.VA_BRI, by=stand.user)
    assert await notify(midtrans.notify(denied.order_id, "deny")) == "failed"
    assert (await Charge.get(id=denied.id)).state == ChargeState.FAILED
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.ISSUED


async def test_money_for_an_invoice_paid_by_transfer_is_flagged_for_refund(gateway,
                                                                           midtrans) -> None:
    _, invoice, charge = await charged()
    await service.record(invoice=invoice, method=PaidWith.TRANSFER, amount=invoice.total,
                         paid_on=dt.date.today(), reference="BCA 123", by=None)
    body = midtrans.notify(charge.order_id)
    assert await notify(body) == "duplicate"
    assert await Payment.filter(invoice_id=invoice.id).count() == 1  # the transfer only
    entry = await AuditEntry.get(action="expo.payment.paid_twice")
    assert entry.data["amount"] == invoice.total and entry.data["order_id"] == charge.order_id
    assert (await Charge.get(id=charge.id)).state == ChargeState.PAID
    assert await notify(body) == "duplicate"
    assert await AuditEntry.filter(action="expo.payment.paid_twice").count() == 1
    view = await online.view(charge=await Charge.get(id=charge.id))
    assert view.payment is None


async def test_paid_notification_is_checked_with_the_status_api(gateway, midtrans) -> None:
    _, invoice, charge = await charged()
    body = midtrans.notify(charge.order_id)
    midtrans.fail_next(503)
    assert await notify(body) == "unverified"  # Midtrans is asked to try again later
    assert await Payment.filter(invoice_id=invoice.id).count() == 0
    midtrans.notify(charge.order_id, "pending")  # the status API disagrees with the body
    assert await notify(body) == "unverified"
    midtrans.notify(charge.order_id)
    assert await notify(body) == "settled"


async def test_a_lost_notification_is_found_by_asking(gateway, midtrans) -> None:
    _, invoice, charge = await charged()
    midtrans.notify(charge.order_id)  # paid; the notification never arrives
    checked = await online.refresh(charge=charge, min_interval=30)
    assert checked.state == ChargeState.PAID
    assert await Payment.filter(invoice_id=invoice.id).count() == 1
    requests = len(midtrans.requests)
    await online.refresh(charge=checked, min_interval=30)
    assert len(midtrans.requests) == requests  # paid: nothing to ask


async def test_refresh_asks_at_most_every_interval(gateway, midtrans) -> None:
    _, _, charge = await charged()
    await online.refresh(charge=charge, min_interval=30)
    await online.refresh(charge=charge, min_interval=30)
    assert [r.path for r in midtrans.requests].count(f"/v2/{charge.order_id}/status") == 1


async def test_sweep_asks_about_charges_pending_a_while(gateway, midtrans) -> None:
    _, invoice, charge = await charged(Method.VA_BNI)
    stuck = await Charge.create(invoice_id=invoice.id, provider="midtrans", order_id="X-9",
                                method="qris", amount=invoice.total)
    assert await online.sweep() == 0  # too recent
    midtrans.notify(charge.order_id)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)
    assert await online.sweep(now=later) == 1
    assert (await Charge.get(id=charge.id)).state == ChargeState.PAID
    assert (await Charge.get(id=stuck.id)).state == ChargeState.FAILED
