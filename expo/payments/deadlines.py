"""Due dates: reminders for unpaid invoices, and releasing the booths of an invoice long
overdue when the event's fee policy says so.

The worker queues ``payments.deadlines`` every hour. For each issued invoice with something
still owed, in its event's time zone: a reminder three days before the due date (``soon``),
on it (``due``) and the day after (``late``), each once (keyed per invoice and stage, so a
second worker or a second run sends nothing twice). With ``release_unpaid`` on, an invoice
still unpaid ``release_after_days`` after its due date is cancelled by a credit note, its
booths are released and offered to the waitlist, the producer is told, and the audit log
says so. One invoice's failure is logged and does not stop the others. ``now`` in the
payload (ISO 8601 with an offset) stands in for the clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from expo.audit.service import log_action
from expo.booths import holding
from expo.booths.models import Booth
from expo.db import atomic, flat
from expo.errors import DomainError
from expo.events.models import Event
from expo.exhibitors.models import Application
from expo.i18n import gettext as _
from expo.jobs import queue, worker

from . import invoices, notify
from .models import FeePolicy, Invoice, InvoiceStatus

log = logging.getLogger("expo.payments")

KIND = "payments.deadlines"
SOON_DAYS = 3

worker.every(KIND, 3600)


@dataclass
class Outcome:
    reminded: int = 0
    released: int = 0
    failed: int = 0


@queue.handler(KIND, max_attempts=3, backoff=300.0, timeout=900.0)
async def deadlines(job: queue.RunningJob) -> None:
    raw = job.payload.get("now")
    now = dt.datetime.fromisoformat(str(raw)) if raw else dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise queue.Permanent(f"'now' needs a UTC offset: {raw!r}")
    outcome = await run(now=now)
    if outcome.reminded or outcome.released or outcome.failed:
        log.info("payment deadlines: %s reminded, %s released, %s failed", outcome.reminded,
                 outcome.released, outcome.failed)


def stage_for(invoice: Invoice, on: dt.date) -> str:
    if invoice.due_on is None:
        return ""
    if on > invoice.due_on:
        return "late"
    if on == invoice.due_on:
        return "due"
    if on >= invoice.due_on - dt.timedelta(days=SOON_DAYS):
        return "soon"
    return ""


async def run(*, now: dt.datetime) -> Outcome:
    outcome = Outcome()
    horizon = now.astimezone(dt.UTC).date() + dt.timedelta(days=SOON_DAYS + 1)
    open_ids = await flat(Invoice.filter(status=InvoiceStatus.ISSUED, due_on__lte=horizon)
                          .order_by("id").values_list("id", flat=True))
    events: dict[int, tuple[Event, FeePolicy]] = {}  # each event and its policy read once
    for invoice_id in open_ids:
        try:
            await _one(int(invoice_id), now, outcome, events)
        except Exception:  # one invoice's trouble must not stop the others
            outcome.failed += 1
            log.exception("payment deadline of invoice %s failed", invoice_id)
    return outcome


async def _one(invoice_id: int, now: dt.datetime, outcome: Outcome,
               events: dict[int, tuple[Event, FeePolicy]]) -> None:
    invoice = await Invoice.get(id=invoice_id)
    if invoice.event_id not in events:
        event = await Event.get(id=invoice.event_id)
        events[invoice.event_id] = (event, await invoices.policy_for(event))
    event, policy = events[invoice.event_id]
    on = now.astimezone(invoices.zone_of(event)).date()
    if invoice.balance <= 0 or invoice.due_on is None:
        return
    if policy.release_unpaid and on > invoice.due_on + dt.timedelta(
            days=max(0, policy.release_after_days)):
        if await release(invoice=invoice, event=event, policy=policy):
            outcome.released += 1
        return
    stage = stage_for(invoice, on)
    if stage:
        async with atomic():
            sent = await notify.reminder(invoice=invoice, event=event, stage=stage)
            if sent:
                await Invoice.filter(id=invoice.id).update(reminders=invoice.reminders + 1)
        outcome.reminded += 1 if sent else 0


async def release(*, invoice: Invoice, event: Event, policy: FeePolicy) -> bool:
    """Cancel an overdue invoice and give its booths to the waitlist (audited)."""
    application = await Application.get(id=invoice.application_id)
    held = Booth.filter(holder_id=application.id)
    codes = sorted(await flat(held.values_list("code", flat=True)))
    async with atomic():
        locked = await Invoice.filter(id=invoice.id).select_for_update().first()
        if locked is None or locked.status != InvoiceStatus.ISSUED or locked.paid:
            return False
        await invoices.cancel(invoice=locked, by=None,
                              reason=_("Not paid by the due date: booth released"))
        await Invoice.filter(id=invoice.id).update(released_at=dt.datetime.now(dt.UTC))
        await log_action(action="expo.invoice.booth_released", actor=None, event=event,
                         obj=locked, summary=f"Unpaid {locked.number}: booths "
                                             f"{', '.join(codes) or '-'} released")
        await notify.booth_released(invoice=locked, event=event, codes=codes)
    for booth_id in await flat(Booth.filter(holder_id=application.id).values_list("id",
                                                                                  flat=True)):
        try:
            await holding.release(application=application, booth_id=int(booth_id), by=None)
        except DomainError:
            continue  # released meanwhile by the exhibitor
    return True
