"""Quotes: inviting a proposed producer, its answer (quantity, unit price, date) or refusal,
by a link that works on a phone without signing in, or signed in; and the reminders.

The link carries a token derived from the secret key and the quote's id
(``messages.keyed_token``); only its SHA-256 digest is stored (``Quote.token_digest``), and
forgetting the digest revokes the link. A reminder carries the same link as the invitation. An
answer above the producer's spare capacity at that moment is taken, flagged
``over_capacity`` with ``spare_at_quote``. An answer may be changed while the request is OPEN
and the quote not yet decided; after the award it is locked.

The job ``procurement.quote_reminders`` runs hourly: an invited producer that has not
answered after 2 days is reminded, at most twice, 2 days apart, never after the item's
needed-by date; each reminder is a conditional update of the quote's reminder count, so a
second run (or a second worker) sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tortoise import connections

from expo import i18n
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic, flat
from expo.errors import DomainError, NotFound
from expo.exhibitors import notify
from expo.exhibitors.models import Producer, Product
from expo.exhibitors.notify import Notice
from expo.i18n import gettext as _
from expo.jobs import queue, worker
from expo.leads import capacity
from expo.messages import service as messages

from . import supply
from .models import OrderStatus, PurchaseOrder, PurchaseRequest, Quote, QuoteStatus, RequestStatus

log = logging.getLogger("expo.procurement")

KIND = "procurement.quote_reminders"
REMIND_AFTER = dt.timedelta(days=2)
MAX_REMINDERS = 2
MIN_PRICE = 1
CHANGEABLE = (QuoteStatus.INVITED, QuoteStatus.QUOTED, QuoteStatus.DECLINED)
UNISSUED = (OrderStatus.AWAITING_APPROVAL, OrderStatus.NOT_APPROVED)

worker.every(KIND, 3600)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(quote_id: int) -> str:
    return messages.keyed_token(f"procurement.quote:{quote_id}")


def quote_path(token: str) -> str:
    return f"/q/{token}"


def _invitation(quote: Quote, request: PurchaseRequest, reminder: int = 0) -> Notice:
    item = quote.item
    subject = (_("Reminder: request for quotation %(number)s", number=request.number or "")
               if reminder else
               _("Request for quotation %(number)s", number=request.number or ""))
    text = _("%(buyer)s asks for %(quantity)s %(unit)s %(name)s by %(date)s. Answer with your "
             "quantity, price and date, or decline, on this page:",
             buyer=request.organisation.name, quantity=quote.proposed_quantity or item.quantity,
             unit=item.unit, name=item.name, date=i18n.format_date(item.needed_by))
    return Notice(subject, text)


async def _tell(quote: Quote, request: PurchaseRequest, token: str, key: str,
                reminder: int = 0) -> None:
    producer = quote.producer if isinstance(quote.producer, Producer) else await Producer.get(
        id=quote.producer_id)
    await notify.tell(producer=producer, kind="procurement.quote", key=key, event_id=None,
                      path=quote_path(token),
                      compose=lambda: _invitation(quote, request, reminder))


async def invite(*, quote: Quote, request: PurchaseRequest) -> bool:
    """A PROPOSED quote becomes INVITED and its producer gets the link (call inside the
    request's transaction, ``request`` with its organisation loaded)."""
    token = link_token(quote.id)
    if not await Quote.filter(id=quote.id, status=QuoteStatus.PROPOSED).update(
            status=QuoteStatus.INVITED, token_digest=digest(token), invited_at=_now(),
            reminders=0, reminded_at=None):
        return False
    await _tell(quote, request, token, key=f"procurement.quote:{quote.id}:invite")
    return True


async def by_token(token: str) -> Quote:
    """The quote a link is for (a friendly 404 for a wrong, replaced or withdrawn link)."""
    quote = None
    if 10 <= len(token) <= 100:
        quote = await Quote.filter(token_digest=digest(token)).select_related(
            "item__request__organisation", "producer", "product").first()
    if quote is None:
        raise NotFound(_("This link does not work (any more). Use the link of the newest "
                         "message, or sign in to expo to see your requests for quotation."),
                       "quote_link_invalid")
    return quote


def answerable(quote: Quote) -> bool:
    return (quote.status in CHANGEABLE
            and quote.item.request.status == RequestStatus.OPEN)


async def spare_for(quote: Quote, *, on: dt.date, until: dt.date) -> int | None:
    """The producer's spare capacity of the quoted product until ``until`` (None: no
    product)."""
    product = await Product.get_or_none(id=quote.product_id) if quote.product_id else None
    if product is None:
        return None
    made = capacity.producible(capacity_per_week=product.capacity_per_week,
                               capacity_per_month=product.capacity_per_month,
                               lead_time_days=product.lead_time_days, today=on,
                               needed_by=until)
    p = supply.Params()
    rows = await connections.get("default").execute_query_dict(
        f"SELECT committed FROM ({supply.committed_sql()}) c "  # noqa: S608 - constants only
        f"WHERE product_id = {p.add(product.id)}", p.values)
    return max(made - (int(rows[0]["committed"]) if rows else 0), 0)


def check_answer(quote: Quote, *, quantity: int, unit_price: int,
                 delivery_on: dt.date, on: dt.date) -> None:
    if quantity < 1:
        raise DomainError(_("Offer at least 1."), "quantity_too_small", field="quantity")
    if unit_price < MIN_PRICE:
        raise DomainError(_("Give a price of at least Rp 1."), "price_too_small",
                          field="unit_price")
    if delivery_on > quote.item.needed_by:
        raise DomainError(_("The buyer needs it by %(date)s: choose that day or earlier.",
                            date=i18n.format_date(quote.item.needed_by)), "delivery_late",
                          field="delivery_on")
    if delivery_on < on:
        raise DomainError(_("The delivery date cannot be in the past."), "delivery_past",
                          field="delivery_on")


async def _locked_unless_open(quote: Quote) -> None:
    if not await PurchaseRequest.filter(id=quote.item.request_id,
                                        status=RequestStatus.OPEN).exists():
        raise DomainError(_("This request is no longer waiting for quotes."), "request_closed",
                          status_code=409)


async def answer(*, quote: Quote, quantity: int, unit_price: int, delivery_on: dt.date,
                 note: str, on: dt.date, by: User | None) -> Quote:
    """The producer's answer (a change of an earlier answer while the request is open)."""
    check_answer(quote, quantity=quantity, unit_price=unit_price, delivery_on=delivery_on,
                 on=on)
    if len(note) > 300:
        raise DomainError(_("At most %(n)s characters.", n=300), "note_too_long", field="note")
    async with atomic():
        await _locked_unless_open(quote)
        spare = await spare_for(quote, on=on, until=delivery_on)
        if not await Quote.filter(id=quote.id, status__in=CHANGEABLE).update(
                status=QuoteStatus.QUOTED, quantity=quantity, unit_price=unit_price,
                delivery_on=delivery_on, note=note.strip(), spare_at_quote=spare,
                over_capacity=spare is not None and quantity > spare, responded_at=_now()):
            raise DomainError(_("This quote can no longer be changed."), "quote_locked",
                              status_code=409)
        await log_action(action="procurement.quote.answered", actor=by, obj=quote,
                         summary=f"{quantity} × {unit_price}",
                         data={"quantity": quantity, "unit_price": unit_price,
                               "delivery_on": delivery_on.isoformat(), "spare": spare,
                               "changed": quote.status == QuoteStatus.QUOTED})
    return await _reload(quote.id)


async def decline(*, quote: Quote, reason: str, by: User | None) -> Quote:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Tell the buyer why, in a few words."), "reason_required",
                          field="reason")
    if len(reason) > 300:
        raise DomainError(_("At most %(n)s characters.", n=300), "reason_too_long",
                          field="reason")
    async with atomic():
        await _locked_unless_open(quote)
        if not await Quote.filter(id=quote.id, status__in=CHANGEABLE).update(
                status=QuoteStatus.DECLINED, note=reason, quantity=None, unit_price=None,
                delivery_on=None, over_capacity=False, responded_at=_now()):
            raise DomainError(_("This quote can no longer be changed."), "quote_locked",
                              status_code=409)
        await log_action(action="procurement.quote.declined", actor=by, obj=quote,
                         summary=reason[:200])
    return await _reload(quote.id)


async def _reload(quote_id: int) -> Quote:
    return await Quote.filter(id=quote_id).select_related(
        "item__request__organisation", "producer", "product").first()  # type: ignore[return-value]


# ---- a producer's own list ---------------------------------------------------------------

async def quotes_of(producer_ids: list[int], *, limit: int = 100) -> list[Quote]:
    return await Quote.filter(producer_id__in=producer_ids or [0]).exclude(
        status=QuoteStatus.PROPOSED).select_related(
        "item__request__organisation", "producer").order_by("-id").limit(limit)


async def orders_of(producer_ids: list[int], *, limit: int = 100) -> list[PurchaseOrder]:
    """Issued orders only: one waiting for the buyer's approval is not the producer's yet."""
    return await PurchaseOrder.filter(producer_id__in=producer_ids or [0]).exclude(
        status__in=UNISSUED).select_related("organisation", "producer").order_by(
        "-id").limit(limit)


# ---- reminders ---------------------------------------------------------------------------

@dataclass
class Reminded:
    sent: int = 0
    failed: int = 0


def _local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(i18n.DEFAULT_TIMEZONE)).date()


@queue.handler(KIND, max_attempts=3, backoff=300.0, timeout=600.0)
async def quote_reminders(job: queue.RunningJob) -> None:
    raw = job.payload.get("now")
    now = dt.datetime.fromisoformat(str(raw)) if raw else _now()
    if now.tzinfo is None:
        raise queue.Permanent(f"'now' needs a UTC offset: {raw!r}")
    done = await remind(now=now)
    if done.sent or done.failed:
        log.info("quote reminders: %s sent, %s failed", done.sent, done.failed)


async def remind(*, now: dt.datetime) -> Reminded:
    """Remind the producers who were invited and have not answered (see the module)."""
    done, day = Reminded(), _local_day(now)
    due = now - REMIND_AFTER
    ids = await flat(Quote.filter(
        status=QuoteStatus.INVITED, invited_at__lte=due, reminders__lt=MAX_REMINDERS,
        item__needed_by__gte=day, item__request__status=RequestStatus.OPEN).order_by(
        "id").values_list("id", flat=True))
    for quote_id in ids:
        try:
            done.sent += await _remind_one(int(quote_id), now=now)
        except Exception:  # one quote's failure does not stop the others
            log.exception("reminder for quote %s failed", quote_id)
            done.failed += 1
    return done


async def _remind_one(quote_id: int, *, now: dt.datetime) -> int:
    async with atomic():
        quote = await Quote.filter(id=quote_id).select_related(
            "item__request__organisation", "producer").first()
        if quote is None or quote.status != QuoteStatus.INVITED:
            return 0
        if quote.reminded_at is not None and quote.reminded_at > now - REMIND_AFTER:
            return 0
        token, n = link_token(quote.id), quote.reminders + 1
        if not await Quote.filter(id=quote.id, status=QuoteStatus.INVITED,
                                  reminders=quote.reminders).update(
                reminders=n, reminded_at=now, token_digest=digest(token)):
            return 0
        await _tell(quote, quote.item.request, token,
                    key=f"procurement.quote:{quote.id}:remind:{n}", reminder=n)
        await log_action(action="procurement.quote.reminded", actor=None, obj=quote,
                         summary=str(n))
    return 1
