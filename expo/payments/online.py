"""Paying a booth invoice online: a QRIS code or a bank virtual account at the payment
gateway for what is still owed, and the gateway's notifications that settle it.

Starting a charge never calls the gateway inside a transaction: the ``Charge`` row (with a
fresh ``order_id``) commits first, so a notification that arrives at once finds it; the
gateway is asked next, and its answer (the QR payload, the VA number, the expiry) is stored
after. A charge still pending for the same method and amount is shown again rather than
charged twice.

A notification is verified by the adapter (its signature), logged as a ``GatewayNotice``
(the outcome and the body's SHA-256, never the body), and, when it says paid, checked once
more with the gateway's status API (Midtrans' advice: it cannot be forged, even with a
leaked key). Settling is one transaction: a conditional UPDATE moves the charge to ``paid``
(of two notifications at once, one wins and the other is a duplicate), then
``service.record`` takes the receipt number; ``Payment.provider_ref`` is unique as well.
Money that arrives for an invoice already paid (by transfer, or by another charge) is
logged ``expo.payment.paid_twice`` for the committee to refund.

Notifications can be lost (a server behind a home router never gets them): the charge page's
"check status" and the ``payments.online_sweep`` job ask the status API instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup
from tortoise.exceptions import IntegrityError

from expo import phones, qr
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.enums import LabelledEnum
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors import service as exhibitors
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.jobs import queue, worker
from expo.settings import Settings

from . import gateway as gw
from . import invoices, service
from .access import own_invoice
from .midtrans import MidtransGateway, load_json
from .models import (
    Charge,
    ChargeState,
    FeePolicy,
    GatewayNotice,
    Invoice,
    InvoiceStatus,
    Payment,
)
from .models import Method as PaidWith

log = logging.getLogger("expo.payments")

SWEEP = "payments.online_sweep"
MINUTES = {gw.Method.QRIS: 15}  # a QRIS code is paid on the spot; a VA may wait a day
VA_MINUTES = 24 * 60
REUSE_MARGIN = dt.timedelta(minutes=2)  # a charge closer to its expiry is not shown again
SWEEP_AFTER = dt.timedelta(minutes=10)
ORDER_ID_CHARS = 50
_NOT_IN_ORDER_ID = re.compile(r"[^A-Za-z0-9\-_~.]")

METHOD_LABELS = {
    gw.Method.QRIS: _l("QRIS (any e-wallet or mobile banking)"),
    gw.Method.VA_BCA: _l("BCA virtual account"),
    gw.Method.VA_BNI: _l("BNI virtual account"),
    gw.Method.VA_BRI: _l("BRI virtual account"),
    gw.Method.VA_PERMATA: _l("Permata virtual account"),
}
BANK_NAMES = {"bca": "BCA", "bni": "BNI", "bri": "BRI", "permata": "Permata"}
# Where the virtual-account payment is in each bank's app (its own words).
BANK_MENUS = {"bca": "m-Transfer › BCA Virtual Account",
              "bni": "Transfer › Virtual Account Billing", "bri": "Pembayaran › BRIVA",
              "permata": "Pembayaran Tagihan › Virtual Account"}


class Outcome(LabelledEnum):
    """What a notification did (``GatewayNotice.outcome``; the webhook's answer follows)."""

    SETTLED = "settled", _l("Payment recorded")
    DUPLICATE = "duplicate", _l("Already recorded")  # settled already, or an invoice paid already
    FORGED = "forged", _l("Refused: bad signature")
    MALFORMED = "malformed", _l("Refused: unreadable")
    MISMATCH = "mismatch", _l("Refused: amount differs")  # genuine, but not the amount charged
    UNKNOWN = "unknown", _l("Refused: unknown order")  # no charge has this order id
    UNVERIFIED = "unverified", _l("Not confirmed by the gateway yet")
    PENDING = "pending", _l("Waiting for payment")
    FAILED = "failed", _l("Failed")
    EXPIRED = "expired", _l("Expired")
    CANCELLED = "cancelled", _l("Cancelled")
    REFUNDED = "refunded", _l("Refunded")


# ---- configuration ------------------------------------------------------------------------

@dataclass
class _Config:
    gateway: gw.Gateway | None = None


_config = _Config()
_checked: dict[int, float] = {}  # charge id -> when the status API was last asked (monotonic)


def configure(settings: Settings, gateway: gw.Gateway | None = None) -> None:
    """Set the gateway up from the settings (the app, the worker); ``gateway`` replaces it
    (tests point one at their loopback Midtrans)."""
    if gateway is None and settings.payment_gateway.provider == "midtrans":
        gateway = MidtransGateway(settings.payment_gateway.server_key,
                                  base_url=settings.payment_gateway.base_url)
    _config.gateway = gateway
    _checked.clear()


def configured() -> bool:
    return _config.gateway is not None


async def close() -> None:
    """Close the gateway's HTTP client (at shutdown)."""
    aclose = getattr(_config.gateway, "aclose", None)
    if aclose is not None:
        await aclose()


def _off() -> DomainError:
    return DomainError(_("Online payment is not available for this event. Please pay by bank "
                         "transfer: the account and the amount are on your invoice."),
                       "online_off", status_code=422)


def _gateway() -> gw.Gateway:
    if _config.gateway is None:
        raise _off()
    return _config.gateway


async def available(event: Event) -> bool:
    """Whether producers of ``event`` may pay online: a gateway is configured and the event's
    fee policy offers it."""
    if not configured():
        return False
    policy = await FeePolicy.get_or_none(event_id=event.id)
    return policy is not None and policy.online


def method_choices() -> list[tuple[str, str]]:
    """(value, label) of each way to pay online, for the invoice page's buttons."""
    return [(method.value, str(label)) for method, label in METHOD_LABELS.items()]


def parse_method(raw: str) -> gw.Method:
    try:
        return gw.Method(raw.strip().lower())
    except ValueError:
        raise DomainError(_("Choose QRIS or one of the listed banks."), "bad_method",
                          status_code=422, field="method") from None


# ---- starting a charge ---------------------------------------------------------------------

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def order_id(number: str, n: int) -> str:
    """The gateway's id for the ``n``-th charge of invoice ``number``: ``INV-HKN2027-0001-2``
    (at most 50 letters, digits, ``-_~.``, as Midtrans takes them)."""
    suffix = f"-{n}"
    return _NOT_IN_ORDER_ID.sub("-", number)[: ORDER_ID_CHARS - len(suffix)] + suffix


async def current_invoice(*, user: User, event: Event) -> Invoice:
    """The exhibitor's live invoice at ``event`` (404 when there is none)."""
    application = await exhibitors.accepted_application(user=user, event=event)
    return found(await invoices.active_invoice(event=event, application_id=application.id),
                 _("You have no invoice for this event yet."), "no_invoice")


def _payable(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.ISSUED or invoice.balance <= 0:
        raise DomainError(_("This invoice is not waiting for a payment."), "not_open",
                          status_code=409)


async def _claim(*, invoice: Invoice, method: gw.Method, provider: str) -> tuple[Charge, bool]:
    """The charge to show: a pending one for the same method and amount with time left, or
    a new row (True) to be charged at the gateway once committed."""
    async with atomic():
        locked = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        _payable(locked)
        reusable = await Charge.filter(
            invoice_id=locked.id, provider=provider, method=method.value, amount=locked.balance,
            state=ChargeState.PENDING, expires_at__gt=_now() + REUSE_MARGIN,
        ).exclude(transaction_id="").first()
        if reusable is not None:
            return reusable, False
        n = await Charge.filter(invoice_id=locked.id).count() + 1
        charge = await Charge.create(
            invoice_id=locked.id, provider=provider, method=method.value,
            order_id=order_id(locked.number or f"invoice-{locked.id}", n), amount=locked.balance)
        return charge, True


def _request(charge: Charge, invoice: Invoice, event: Event) -> gw.ChargeRequest:
    method = gw.Method(charge.method)
    return gw.ChargeRequest(
        order_id=charge.order_id, amount=charge.amount, method=method,
        customer_name=(invoice.buyer_owner or invoice.buyer_name)[:100],
        customer_email=invoice.buyer_email,
        customer_phone=phones.normalise_or_none(invoice.buyer_phone) or "",
        description=_("Booth fee %(number)s, %(event)s", number=invoice.number, event=event.name),
        expiry_minutes=MINUTES.get(method, VA_MINUTES))


def _refused(exc: Exception) -> DomainError:
    """What a person reads when the gateway refused or could not be reached."""
    if isinstance(exc, gw.GatewayError) and exc.temporary:
        return DomainError(_("The payment service is not answering right now. Try again in a "
                             "minute, or pay by bank transfer."), "gateway_busy",
                           status_code=503)
    return DomainError(_("Online payment is not possible for this invoice right now. Please pay "
                         "by bank transfer instead: the account and the amount are on your "
                         "invoice."), "gateway_refused", status_code=502)


async def start(*, invoice: Invoice, method: gw.Method, by: User) -> Charge:
    """A charge at the gateway for the invoice's balance, paid with ``method``: the QRIS code
    or the VA number to show. Gateway trouble is a ``DomainError`` (``gateway_busy``: try
    again; ``gateway_refused``: pay by transfer) and the charge is marked failed."""
    gateway = _gateway()
    event = await Event.get(id=invoice.event_id)
    if not await available(event):
        raise _off()
    charge, fresh = await _claim(invoice=invoice, method=method, provider=gateway.name)
    if not fresh:
        return charge
    try:
        answer = await gateway.create_charge(_request(charge, invoice, event))
    except (gw.GatewayError, ValueError) as exc:
        await Charge.filter(id=charge.id, state=ChargeState.PENDING).update(
            state=ChargeState.FAILED)
        log.warning("online charge %s refused: %s", charge.order_id, exc)
        raise _refused(exc) from exc
    return await _opened(charge, answer, event=event, by=by)


async def _opened(charge: Charge, answer: gw.Charge, *, event: Event, by: User) -> Charge:
    expires_at = answer.expires_at or _now() + dt.timedelta(
        minutes=MINUTES.get(answer.method, VA_MINUTES))
    async with atomic():
        await Charge.filter(id=charge.id).update(
            transaction_id=answer.transaction_id[:100], qr_string=answer.qr_string,
            va_number=answer.va_number[:40], bank=answer.bank[:20], expires_at=expires_at)
        await log_action(action="expo.payment.online_started", actor=by, event=event,
                         obj=charge, summary=f"{charge.method} {charge.amount}: "
                                             f"{charge.order_id}")
    return await Charge.get(id=charge.id)


# ---- the gateway's word ----------------------------------------------------------------------

def _gateway_for(provider: str) -> gw.Gateway:
    gateway = _config.gateway
    if gateway is None or gateway.name != provider:
        raise DomainError(_("This payment service is not configured."), "not_configured",
                          status_code=404)
    return gateway


def _claimed_order(body: bytes) -> str:
    """The order id a refused body names (for the log only: it is not to be trusted)."""
    try:
        value = load_json(body).get("order_id")
    except ValueError:
        return ""
    return value[:60] if isinstance(value, str) else ""


async def handle_notification(*, provider: str, body: bytes, headers: Mapping[str, str],
                              ip: str) -> str:
    """Act on one notification from ``provider`` and log it; returns the ``Outcome``."""
    gateway = _gateway_for(provider)
    order = ""
    try:
        notice = gateway.parse_notification(body, headers)
    except gw.SignatureError as exc:
        outcome, detail, order = Outcome.FORGED, str(exc), _claimed_order(body)
    except ValueError as exc:
        outcome, detail, order = Outcome.MALFORMED, str(exc), _claimed_order(body)
    else:
        order = notice.order_id
        try:
            outcome, detail = await _apply(gateway, notice, verified=False)
        except gw.GatewayError as exc:
            outcome, detail = Outcome.UNVERIFIED, str(exc)
    await GatewayNotice.create(provider=gateway.name, order_id=order[:60], outcome=outcome,
                               detail=detail[:300], digest=hashlib.sha256(body).hexdigest(),
                               ip=ip[:45])
    if outcome in (Outcome.FORGED, Outcome.MISMATCH, Outcome.UNVERIFIED, Outcome.MALFORMED):
        log.warning("%s notification %s from %s: %s (%s)", provider, outcome, ip, order, detail)
    return outcome.value


async def _apply(gateway: gw.Gateway, notice: gw.Notification, *,
                 verified: bool) -> tuple[Outcome, str]:
    """What ``notice`` changes; ``verified``: it came from the status API itself."""
    charge = await Charge.get_or_none(order_id=notice.order_id, provider=gateway.name)
    if charge is None:
        return Outcome.UNKNOWN, "no charge has this order id"
    if notice.amount != charge.amount:
        return Outcome.MISMATCH, f"gateway says {notice.amount}, the charge is {charge.amount}"
    if notice.state is not gw.PaymentState.PAID:
        return await _closed(charge, notice.state)
    if charge.state == ChargeState.PAID:
        return Outcome.DUPLICATE, "settled already"
    if not verified:
        notice = await gateway.status(charge.order_id)
        if notice.state is not gw.PaymentState.PAID or notice.amount != charge.amount:
            return Outcome.UNVERIFIED, (f"the status API says {notice.state.value}, "
                                        f"{notice.amount}")
    return await _settle(charge, notice, provider=gateway.name)


CLOSED = {gw.PaymentState.FAILED: (ChargeState.FAILED, Outcome.FAILED),
          gw.PaymentState.EXPIRED: (ChargeState.EXPIRED, Outcome.EXPIRED),
          gw.PaymentState.CANCELLED: (ChargeState.CANCELLED, Outcome.CANCELLED)}


async def _closed(charge: Charge, state: gw.PaymentState) -> tuple[Outcome, str]:
    """A charge that will not be paid (or was refunded at the gateway): its state follows."""
    if state is gw.PaymentState.PENDING:
        return Outcome.PENDING, ""
    if state is gw.PaymentState.REFUNDED:
        if not await GatewayNotice.filter(order_id=charge.order_id,
                                          outcome=Outcome.REFUNDED).exists():
            invoice = await Invoice.get(id=charge.invoice_id)
            await log_action(action="expo.payment.gateway_refunded", actor=None,
                             event=await invoice.event, obj=charge,
                             summary=f"{charge.order_id} refunded at the gateway: record the "
                                     f"refund on {invoice.number}")
        return Outcome.REFUNDED, "refunded at the gateway"
    target, outcome = CLOSED[state]
    changed = await Charge.filter(id=charge.id, state=ChargeState.PENDING).update(state=target)
    return outcome, "" if changed else f"the charge was {charge.state} already"


def _paid_on(paid_at: dt.datetime | None, event: Event) -> dt.date:
    if paid_at is None:
        return invoices.today(event)
    return paid_at.astimezone(invoices.zone_of(event)).date()


async def _settle(charge: Charge, notice: gw.Notification, *,
                  provider: str) -> tuple[Outcome, str]:
    """The charge paid: one conditional UPDATE (any state but paid: a charge marked failed
    after a timeout may have gone through), the payment and its receipt, one transaction."""
    transaction_id = (notice.transaction_id or charge.transaction_id)[:90]
    try:
        async with atomic():
            won = await Charge.filter(id=charge.id).exclude(state=ChargeState.PAID).update(
                state=ChargeState.PAID, transaction_id=transaction_id)
            if not won:
                return Outcome.DUPLICATE, "settled by an earlier notification"
            invoice = found(await Invoice.filter(id=charge.invoice_id).select_for_update()
                            .first())
            event = await Event.get(id=invoice.event_id)
            if invoice.status != InvoiceStatus.ISSUED or invoice.balance <= 0:
                await _paid_twice(charge, invoice, event, charge.amount, transaction_id)
                return Outcome.DUPLICATE, f"{invoice.number} was paid already: refund it"
            over = charge.amount - invoice.balance
            payment = await service.record(
                invoice=invoice, method=_paid_with(charge), amount=charge.amount,
                paid_on=_paid_on(notice.paid_at, event), reference=transaction_id, by=None,
                provider=provider, provider_ref=f"{provider}:{transaction_id}")
            if over > 0:
                await _paid_twice(charge, invoice, event, over, transaction_id)
            return Outcome.SETTLED, f"receipt {payment.receipt_number}"
    except IntegrityError:  # a payment with this provider_ref exists: the same money
        return Outcome.DUPLICATE, "a payment has this transaction id already"


def _paid_with(charge: Charge) -> PaidWith:
    return PaidWith.QRIS if charge.method == gw.Method.QRIS.value else PaidWith.VA


async def _paid_twice(charge: Charge, invoice: Invoice, event: Event, amount: int,
                      transaction_id: str) -> None:
    await log_action(
        action="expo.payment.paid_twice", actor=None, event=event, obj=charge,
        summary=f"{amount} paid online ({charge.order_id}) beyond what {invoice.number} "
                f"owed: refund it", data={"invoice_id": invoice.id, "order_id": charge.order_id,
                                          "amount": amount, "transaction_id": transaction_id})


# ---- asking the gateway (lost notifications) -------------------------------------------------

async def refresh(*, charge: Charge, min_interval: float = 0.0) -> Charge:
    """The charge after asking the gateway's status API, at most every ``min_interval``
    seconds per charge (a page that polls); unchanged when the gateway cannot say."""
    gateway = _config.gateway
    if gateway is None or charge.state != ChargeState.PENDING or not charge.transaction_id:
        return charge
    now = time.monotonic()
    if now - _checked.get(charge.id, -min_interval - 1.0) < min_interval:
        return charge
    if len(_checked) > 10_000:
        _checked.clear()
    _checked[charge.id] = now
    try:
        notice = await gateway.status(charge.order_id)
    except gw.GatewayError as exc:
        log.info("status of %s unknown: %s", charge.order_id, exc)
        return charge
    if notice.order_id == charge.order_id:
        outcome, detail = await _apply(gateway, notice, verified=True)
        if outcome is Outcome.MISMATCH:
            log.warning("status of %s: %s", charge.order_id, detail)
    return await Charge.get(id=charge.id)


worker.every(SWEEP, 900)


@queue.handler(SWEEP, max_attempts=1, timeout=600.0)
async def sweep_job(job: queue.RunningJob) -> None:
    checked = await sweep()
    if checked:
        log.info("online charges: asked the gateway about %s", checked)


async def sweep(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Ask the status API about charges pending for a while (a notification may be lost);
    charges whose creation never finished are marked failed. Returns how many were asked."""
    if not configured():
        return 0
    now = now or _now()
    cutoff = now - SWEEP_AFTER
    await Charge.filter(state=ChargeState.PENDING, transaction_id="",
                        created_at__lt=cutoff).update(state=ChargeState.FAILED)
    charges = await Charge.filter(state=ChargeState.PENDING, created_at__lt=cutoff,
                                  expires_at__gt=now - dt.timedelta(days=1)).order_by("id"
                                                                                      ).limit(limit)
    for charge in charges:
        try:
            await refresh(charge=charge)
        except Exception:  # one charge's trouble does not stop the others
            log.exception("checking online charge %s", charge.order_id)
    return len(charges)


# ---- the charge page -----------------------------------------------------------------------

async def own_charge(*, user: User, event: Event, charge_id: int) -> Charge:
    """The exhibitor's own charge at ``event``, or 404 (another's is not shown to exist)."""
    charge = found(await Charge.get_or_none(id=charge_id), _("This payment does not exist."))
    await own_invoice(user=user, event=event, invoice_id=charge.invoice_id)
    return charge


@dataclass(frozen=True)
class ChargeView:
    charge: Charge
    invoice: Invoice
    payment: Payment | None
    method_label: str
    bank_name: str
    bank_menu: str
    expired: bool  # pending at the gateway, but past its expiry here

    @property
    def waiting(self) -> bool:
        """Still to be paid: the page keeps asking."""
        return self.charge.state == ChargeState.PENDING and not self.expired

    @property
    def qr_svg(self) -> Markup:
        return qr.svg(self.charge.qr_string) if self.charge.qr_string else Markup("")

    @property
    def qr_png_url(self) -> str:
        """A data: URL of the code as a PNG: a phone saves it to pay from its gallery."""
        if not self.charge.qr_string:
            return ""
        return "data:image/png;base64," + base64.b64encode(qr.png(self.charge.qr_string,
                                                                  scale=6)).decode()


async def view(*, charge: Charge, check_every: float | None = None) -> ChargeView:
    """What the charge page shows; ``check_every`` (seconds) asks the gateway first."""
    if check_every is not None:
        charge = await refresh(charge=charge, min_interval=check_every)
    invoice = await Invoice.get(id=charge.invoice_id)
    payment = None
    if charge.state == ChargeState.PAID and charge.transaction_id:
        payment = await Payment.get_or_none(
            provider_ref=f"{charge.provider}:{charge.transaction_id}")
    label = next((str(text) for method, text in METHOD_LABELS.items()
                  if method.value == charge.method), charge.method)
    expired = (charge.state == ChargeState.PENDING and charge.expires_at is not None
               and charge.expires_at <= _now())
    return ChargeView(charge=charge, invoice=invoice, payment=payment, method_label=label,
                      bank_name=BANK_NAMES.get(charge.bank, charge.bank.upper()),
                      bank_menu=BANK_MENUS.get(charge.bank, ""), expired=expired)
