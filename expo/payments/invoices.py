"""Invoices: the event's fee policy, drafting an exhibitor's invoice from its booths, issuing
it (gapless number, unique transfer amount, due date), and correcting it by credit note.

An invoice is one per exhibitor per event while it lives (``active_key``). Issued, its lines,
buyer and total never change: a correction is a credit note (``credit``), a cancellation a
credit note for what is owed (``cancel``), and ``replace`` cancels it and opens a new draft
with the same lines for the committee to edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.booths.models import Booth
from expo.db import atomic, flat
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus
from expo.i18n import DEFAULT_TIMEZONE
from expo.i18n import gettext as _

from . import fees, notify, numbering
from .models import (
    CreditNote,
    FeePolicy,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
)

OPEN = (InvoiceStatus.ISSUED,)
LIVE = (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.FREE)


def zone_of(event: Event) -> ZoneInfo:
    try:
        return ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def today(event: Event) -> dt.date:
    return dt.datetime.now(zone_of(event)).date()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _active_key(event_id: int, application_id: int) -> str:
    return f"{event_id}:{application_id}"


# ---- the policy ---------------------------------------------------------------------------

async def policy_for(event: Event) -> FeePolicy:
    """The event's policy, made with defaults on first use (a plain read once it exists: pages
    call this, and ``get_or_create`` would open a transaction every time)."""
    policy = await FeePolicy.get_or_none(event_id=event.id)
    if policy is None:
        policy, _created = await FeePolicy.get_or_create(
            event_id=event.id, defaults={"prefix": numbering.default_prefix(event)})
    return policy


@dataclass(frozen=True)
class PolicyData:
    prefix: str
    auto_issue: bool
    due_days: int
    free_categories: list[str]
    free_for_micro: bool
    free_max_area: float
    subsidy_percent: int
    deposit: int
    power_price: int
    power_step: int
    extras: list[dict[str, object]]
    bank_name: str
    account_number: str
    account_holder: str
    treasurer: str
    online: bool
    release_unpaid: bool
    release_after_days: int


async def save_policy(*, event: Event, data: PolicyData, by: User) -> FeePolicy:
    async with atomic():
        policy = await policy_for(event)
        issued = await Invoice.filter(event_id=event.id, number__not_isnull=True).exists()
        if issued and data.prefix != policy.prefix:
            raise DomainError(_("Invoices have been numbered with %(prefix)s already; the prefix "
                                "can no longer change.", prefix=policy.prefix), "prefix_locked",
                              field="prefix")
        for name, value in vars(data).items():
            setattr(policy, name, value)
        await policy.save()
        await log_action(action="expo.payments.policy_saved", actor=by, event=event, obj=policy,
                         summary="Fee policy saved")
        return policy


# ---- reading ------------------------------------------------------------------------------

async def active_invoice(*, event: Event, application_id: int) -> Invoice | None:
    return await Invoice.get_or_none(active_key=_active_key(event.id, application_id))


async def invoices_of_application(*, event: Event, application_id: int) -> list[Invoice]:
    return await Invoice.filter(event_id=event.id, application_id=application_id).order_by("-id")


async def get_invoice(*, event: Event, invoice_id: int) -> Invoice:
    return found(await Invoice.get_or_none(id=invoice_id, event_id=event.id),
                 _("This invoice does not exist."))


async def reload(invoice: Invoice) -> Invoice:
    return await Invoice.get(id=invoice.id)


async def credit_notes_of(invoice: Invoice) -> list[CreditNote]:
    return await CreditNote.filter(invoice_id=invoice.id).order_by("id")


async def lines_of(invoice: Invoice) -> list[InvoiceLine]:
    return await InvoiceLine.filter(invoice_id=invoice.id).order_by("position", "id")


def is_overdue(invoice: Invoice, on: dt.date) -> bool:
    return (invoice.status == InvoiceStatus.ISSUED and invoice.due_on is not None
            and invoice.due_on < on and invoice.balance > 0)


# ---- drafting -----------------------------------------------------------------------------

async def _payer(application: Application) -> fees.Payer:
    await application.fetch_related("producer")
    producer = application.producer
    return fees.Payer(category=str(producer.category), is_micro=bool(producer.is_micro),
                      power_watts=int(application.power_watts or 0))


async def _booth_fees(application_id: int) -> list[fees.BoothFee]:
    booths = await Booth.filter(holder_id=application_id).order_by("code")
    return [fees.BoothFee(booth_id=b.id, code=b.code, price=int(b.price or 0),
                          area=round(b.w * b.h, 2)) for b in booths]


async def _write_lines(invoice: Invoice, lines: list[fees.Line], start: int = 0) -> None:
    await InvoiceLine.bulk_create([
        InvoiceLine(invoice_id=invoice.id, position=start + i, kind=line.kind,
                    description=line.description[:200], quantity=line.quantity,
                    unit_price=line.unit_price, amount=line.amount, booth_id=line.booth_id)
        for i, line in enumerate(lines)])
    await _recount(invoice)


async def _recount(invoice: Invoice) -> None:
    """``subtotal``: the fees; ``total``: with the unique transfer code."""
    rows = await InvoiceLine.filter(invoice_id=invoice.id).values_list("kind", "amount")
    invoice.subtotal = sum(int(a) for kind, a in rows if kind != LineKind.CODE)
    invoice.total = invoice.subtotal + sum(int(a) for kind, a in rows if kind == LineKind.CODE)
    await invoice.save(update_fields=["subtotal", "total"])


def _snapshot(invoice: Invoice, application: Application) -> None:
    producer = application.producer
    invoice.buyer_name = producer.business_name
    invoice.buyer_owner = producer.owner_name
    invoice.buyer_address = ", ".join(p for p in (producer.address, producer.kabupaten) if p)[:400]
    invoice.buyer_phone = producer.phone
    invoice.buyer_email = producer.email


async def draft_for(*, event: Event, application: Application, by: User | None) -> Invoice:
    """The exhibitor's live invoice, drafted from the booths it holds if it has none (inside
    the caller's transaction, or one of its own)."""
    async with atomic():
        existing = await active_invoice(event=event, application_id=application.id)
        if existing is not None:
            return existing
        policy = await policy_for(event)
        invoice = Invoice(event_id=event.id, application_id=application.id,
                          active_key=_active_key(event.id, application.id),
                          created_by_id=by.id if by else None)
        payer = await _payer(application)
        _snapshot(invoice, application)
        try:
            async with atomic():  # a savepoint: a concurrent twin leaves this transaction usable
                await invoice.save()
        except IntegrityError:
            return found(await active_invoice(event=event, application_id=application.id))
        await _write_lines(invoice, fees.lines_for(policy, payer,
                                                   await _booth_fees(application.id)))
        await log_action(action="expo.invoice.drafted", actor=by, event=event, obj=invoice,
                         summary=f"Invoice drafted for application {application.id}")
        return invoice


async def give(*, event: Event, application_id: int, by: User) -> Invoice:
    """The committee gives an accepted exhibitor an invoice (a draft to edit and issue)."""
    application = found(await Application.get_or_none(
        id=application_id, event_id=event.id, status=AppStatus.ACCEPTED),
        _("This exhibitor has no accepted application for this event."))
    return await draft_for(event=event, application=application, by=by)


def _draft_only(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(_("An issued invoice cannot change. Correct it with a credit note, "
                            "or replace it."), "invoice_issued", status_code=409)


async def add_line(*, invoice: Invoice, description: str, quantity: int, unit_price: int,
                   by: User, extra: str = "") -> InvoiceLine:
    async with atomic():
        invoice = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        _draft_only(invoice)
        policy = await policy_for(await invoice.event)
        line = fees.extra_line(policy, extra, quantity) if extra else None
        if extra and line is None:
            raise DomainError(_("This extra is not in the event's list."), "no_extra",
                              field="extra")
        if line is None:
            line = fees.Line(LineKind.EXTRA, description, quantity, unit_price)
        if abs(line.amount) > fees.MAX_AMOUNT:
            raise DomainError(_("A line may be at most Rp 2 billion."), "amount_too_large",
                              field="unit_price")
        count = await InvoiceLine.filter(invoice_id=invoice.id).count()
        await _write_lines(invoice, [line], start=count)
        await log_action(action="expo.invoice.line_added", actor=by, event=await invoice.event,
                         obj=invoice, summary=f"Line added: {line.description} = {line.amount}")
        return found(await InvoiceLine.filter(invoice_id=invoice.id).order_by("-id").first())


async def remove_line(*, invoice: Invoice, line_id: int, by: User) -> None:
    async with atomic():
        invoice = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        _draft_only(invoice)
        line = found(await InvoiceLine.get_or_none(id=line_id, invoice_id=invoice.id))
        await line.delete()
        await _recount(invoice)
        await log_action(action="expo.invoice.line_removed", actor=by, event=await invoice.event,
                         obj=invoice, summary=f"Line removed: {line.description}")


# ---- issuing ------------------------------------------------------------------------------

def due_date(policy: FeePolicy, event: Event, issued_on: dt.date) -> dt.date:
    """``due_days`` after issuing, but not after the day before the event opens (a booth is
    paid before the fair), and never before the day of issue."""
    due = issued_on + dt.timedelta(days=max(0, policy.due_days))
    before_event = event.starts_on - dt.timedelta(days=1)
    return max(issued_on, min(due, before_event)) if before_event >= issued_on else issued_on


async def _unique_code(invoice: Invoice) -> int:
    low, high = invoice.subtotal + 1, invoice.subtotal + fees.UNIQUE_CODE_MAX
    taken = set(await flat(Invoice.filter(open_amount__gte=low, open_amount__lte=high)
                .values_list("open_amount", flat=True)))
    return fees.pick_code(subtotal=invoice.subtotal, taken={int(t) for t in taken},
                          seed=invoice.id)


async def _claim_amount(invoice: Invoice) -> None:
    """Add the unique code: the amount to transfer is unique among open invoices. The unique
    column decides a race; the loser tries the next code."""
    for _attempt in range(5):
        code = await _unique_code(invoice)
        try:
            async with atomic():
                await Invoice.filter(id=invoice.id).update(open_amount=invoice.subtotal + code)
        except IntegrityError:
            continue
        invoice.unique_code, invoice.open_amount = code, invoice.subtotal + code
        return
    raise DomainError(_("Too many invoices are being issued at once. Try again."), "busy",
                      status_code=503)


async def issue(*, invoice: Invoice, by: User | None) -> Invoice:
    async with atomic():
        invoice = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        _draft_only(invoice)
        event = await invoice.event
        policy = await policy_for(event)
        application = await Application.get(id=invoice.application_id).select_related(
            "producer")
        _snapshot(invoice, application)
        if not await InvoiceLine.filter(invoice_id=invoice.id).exists():
            raise DomainError(_("The invoice has no lines. Add the booth or an extra first."),
                              "invoice_empty", status_code=422)
        await _recount(invoice)
        if invoice.subtotal < 0:
            raise DomainError(_("The invoice total cannot be below zero."), "invoice_negative",
                              status_code=422)
        invoice.seq = await numbering.take(event_id=event.id, kind=numbering.INVOICE)
        invoice.number = numbering.format_number(numbering.INVOICE, policy.prefix, invoice.seq)
        invoice.issued_on = today(event)
        invoice.issued_at = _now()
        invoice.due_on = due_date(policy, event, invoice.issued_on)
        if invoice.subtotal == 0:
            invoice.status = InvoiceStatus.FREE
            invoice.closed_at = invoice.issued_at
        else:
            await _claim_amount(invoice)
            count = await InvoiceLine.filter(invoice_id=invoice.id).count()
            await _write_lines(invoice, [fees.Line(LineKind.CODE, _("Unique transfer code"), 1,
                                                   invoice.unique_code)], start=count)
            invoice.status = InvoiceStatus.ISSUED
        await invoice.save()
        await log_action(action="expo.invoice.issued", actor=by, event=event, obj=invoice,
                         summary=f"Invoice {invoice.number} issued: {invoice.total}")
        await notify.invoice_issued(invoice=invoice, event=event, policy=policy)
        return invoice


async def on_booth_confirmed(*, event: Event, application_id: int, by: User | None) -> Invoice:
    """A booth was confirmed: draft the invoice (issuing it if the policy says so)."""
    application = await Application.get(id=application_id).select_related("producer")
    invoice = await draft_for(event=event, application=application, by=by)
    if invoice.status == InvoiceStatus.DRAFT:
        policy = await policy_for(event)
        fresh = await _booth_fees(application_id)
        on_invoice = set(await flat(InvoiceLine.filter(
            invoice_id=invoice.id, booth_id__not_isnull=True).values_list("booth_id", flat=True)))
        missing = [b for b in fresh if b.booth_id not in on_invoice]
        if missing:
            count = await InvoiceLine.filter(invoice_id=invoice.id).count()
            await _write_lines(invoice, fees.booth_lines(policy, await _payer(application),
                                                         missing), start=count)
        if policy.auto_issue:
            invoice = await issue(invoice=invoice, by=by)
    return invoice


# ---- corrections --------------------------------------------------------------------------

async def write_credit_note(invoice: Invoice, amount: int, reason: str,
                            by: User | None) -> CreditNote:
    event = await invoice.event
    policy = await policy_for(event)
    seq = await numbering.take(event_id=event.id, kind=numbering.CREDIT)
    note = await CreditNote.create(invoice_id=invoice.id, event_id=event.id, amount=amount,
                                   reason=reason[:300],
                                   number=numbering.format_number(numbering.CREDIT,
                                                                  policy.prefix, seq),
                                   created_by_id=by.id if by else None)
    await log_action(action="expo.invoice.credited", actor=by, event=event, obj=invoice,
                     summary=f"Credit note {note.number} for {invoice.number}: {amount}",
                     data={"reason": reason[:300]})
    return note


async def close(invoice: Invoice, status: InvoiceStatus) -> None:
    invoice.status = status
    invoice.active_key = None
    invoice.open_amount = None
    invoice.closed_at = _now()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Write the reason: it is printed on the credit note."),
                          "reason_missing", field="reason")
    return reason


async def credit(*, invoice: Invoice, amount: int, reason: str, by: User | None) -> CreditNote:
    """Lower what an issued, unpaid invoice asks for; crediting all of it cancels it."""
    reason = _reason(reason)
    async with atomic():
        invoice = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        if invoice.status != InvoiceStatus.ISSUED:
            raise DomainError(_("Only an invoice awaiting payment can be credited; record a "
                                "refund for a paid one."), "not_open", status_code=409)
        if amount <= 0 or amount > invoice.balance:
            raise DomainError(_("The credit must be between Rp 1 and what is still owed."),
                              "credit_amount", field="amount")
        note = await write_credit_note(invoice, amount, reason, by)
        invoice.credited += amount
        if invoice.balance == 0:
            await close(invoice, InvoiceStatus.CANCELLED)
        else:
            clash = await Invoice.filter(open_amount=invoice.balance).exclude(
                id=invoice.id).exists()
            invoice.open_amount = None if clash else invoice.balance
        await invoice.save()
        return note


async def cancel(*, invoice: Invoice, reason: str, by: User | None) -> Invoice:
    """A draft is dropped; an issued invoice is cancelled by a credit note for what it asks."""
    reason = _reason(reason)
    async with atomic():
        invoice = found(await Invoice.filter(id=invoice.id).select_for_update().first())
        if invoice.status == InvoiceStatus.DRAFT:
            await close(invoice, InvoiceStatus.CANCELLED)
            await invoice.save()
            await log_action(action="expo.invoice.cancelled", actor=by,
                             event=await invoice.event, obj=invoice,
                             summary=f"Draft invoice {invoice.id} cancelled",
                             data={"reason": reason[:300]})
            return invoice
        if invoice.status != InvoiceStatus.ISSUED or invoice.paid:
            raise DomainError(_("Only a draft or an unpaid invoice can be cancelled; record a "
                                "refund for a paid one."), "not_open", status_code=409)
        await write_credit_note(invoice, invoice.balance, reason, by)
        invoice.credited += invoice.balance
        await close(invoice, InvoiceStatus.CANCELLED)
        await invoice.save()
        return invoice


async def replace(*, invoice: Invoice, reason: str, by: User) -> Invoice:
    """Cancel the invoice and open a draft with the same lines (less its unique code)."""
    async with atomic():
        lines = [fees.Line(LineKind(line.kind), line.description, line.quantity,
                           line.unit_price, line.booth_id)
                 for line in await lines_of(invoice) if line.kind != LineKind.CODE]
        old = await cancel(invoice=invoice, reason=reason, by=by)
        event = await old.event
        application = await Application.get(id=old.application_id).select_related("producer")
        fresh = Invoice(event_id=event.id, application_id=application.id,
                        active_key=_active_key(event.id, application.id), created_by_id=by.id)
        _snapshot(fresh, application)
        await fresh.save()
        await _write_lines(fresh, lines)
        await log_action(action="expo.invoice.replaced", actor=by, event=event, obj=fresh,
                         summary=f"Draft {fresh.id} replaces {old.number or old.id}")
        return fresh


# ---- the committee's list -----------------------------------------------------------------

LIST_LIMIT = 500
OVERDUE = "overdue"  # a filter of the list, not a status: issued and past the due date


async def invoice_list(*, event: Event, status: str = "", q: str = "") -> list[Invoice]:
    """The event's invoices, newest first, by status (or ``overdue``) and by a number or
    business name fragment; at most ``LIST_LIMIT``."""
    query = Invoice.filter(event_id=event.id)
    if status == OVERDUE:
        query = query.filter(status=InvoiceStatus.ISSUED, due_on__lt=today(event))
    elif status:
        query = query.filter(status=status)
    if q:
        query = query.filter(Q(number__icontains=q) | Q(buyer_name__icontains=q))
    return await query.order_by("-id").limit(LIST_LIMIT)


async def without_invoice(event: Event) -> list[Application]:
    """Accepted exhibitors with no live invoice: the committee may give them one."""
    invoiced = await flat(Invoice.filter(event_id=event.id, active_key__not_isnull=True)
                          .values_list("application_id", flat=True))
    return await Application.filter(event_id=event.id, status=AppStatus.ACCEPTED).exclude(
        id__in=list(invoiced)).select_related("producer").order_by("producer__business_name")
