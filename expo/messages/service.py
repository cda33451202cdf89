"""Sending messages: the outbox row, the delivery job, receipts, opt-outs, sending by hand.

A domain composes its text in the recipient's language and calls ``send`` inside the
transaction that made the news (a ticket issued, an application accepted): the outbox rows and
their delivery jobs commit with it, or not at all. The worker then delivers each row through
its channel's adapter (``expo.channels``), retrying what may pass.

Exactly once, as far as expo can tell: ``key`` makes asking twice the same message (one row);
the delivery job checks the row first, so a job run again after a crash between the provider's
answer and the job's end sends nothing; the row is marked SENDING before the provider is called
and SENT with the provider's message id right after its answer. The one gap left is a crash
during the provider's call itself: the retry sends again, with the same idempotency key in the
request (``Idempotency-Key`` header for gateways, the email's ``Message-ID``) for providers
that honour it.

A channel with no adapter configured keeps its messages HELD: WhatsApp ones show a wa.me link
on the committee's messages page, for a person to send by hand and mark sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count

from expo import phones
from expo.channels import email, whatsapp_cloud, whatsapp_gateway
from expo.channels.base import (
    Adapter,
    Outgoing,
    PermanentError,
    Receipt,
    Template,
    TemporaryError,
)
from expo.db import atomic
from expo.i18n import gettext as _
from expo.jobs import queue
from expo.outbox import DONE, PROGRESS, Channel, Delivery, OptOut, OutboxMessage
from expo.settings import Settings
from expo.whatsapp import wa_link

log = logging.getLogger("expo.messages")

DELIVER = "messages.deliver"
WHATSAPP_CHARS = 1000  # a WhatsApp message people read to the end; longer texts are cut


@dataclass(frozen=True)
class Recipient:
    name: str = ""
    phone: str = ""
    email: str = ""
    locale: str = "id"


@dataclass
class _Config:
    base_url: str = "http://127.0.0.1:8000"
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # until configured
    adapters: dict[Channel, Adapter] | None = None


_config = _Config(adapters={})


def configure(settings: Settings, adapters: dict[Channel, Adapter] | None = None) -> None:
    """Set the channels up from the settings (the app, the worker); ``adapters`` replaces
    them (tests point adapters at their loopback servers)."""
    _config.base_url = settings.base_url
    _config.secret = settings.secret_key
    _config.adapters = dict(adapters) if adapters is not None else adapters_from(settings)


def adapters_from(settings: Settings) -> dict[Channel, Adapter]:
    found: dict[Channel, Adapter] = {}
    if settings.smtp is not None:
        found[Channel.EMAIL] = email.SmtpAdapter(settings.smtp)
    if settings.whatsapp_cloud is not None:
        found[Channel.WHATSAPP] = whatsapp_cloud.CloudAdapter(settings.whatsapp_cloud)
    elif settings.whatsapp_gateway is not None:
        found[Channel.WHATSAPP] = whatsapp_gateway.GatewayAdapter(settings.whatsapp_gateway)
    return found


async def close() -> None:
    for adapter in (_config.adapters or {}).values():
        await adapter.aclose()


def configured(channel: Channel) -> bool:
    return channel in (_config.adapters or {})


def base_url() -> str:
    """The configured public address (links in messages sent from the worker)."""
    return _config.base_url


# ---- sending -------------------------------------------------------------------------------

def _address(channel: Channel, to: Recipient) -> str:
    if channel == Channel.WHATSAPP:
        return phones.normalise_or_none(to.phone) or "" if to.phone else ""
    return to.email.strip().lower()


async def send(*, to: Recipient, kind: str, subject: str, text: str, key: str,
               event_id: int | None = None, template: Template | None = None,
               media_url: str = "", attachment_name: str = "", attachment: bytes | None = None,
               marketing: bool = False,
               channels: Collection[Channel] = (Channel.WHATSAPP, Channel.EMAIL),
               ) -> list[OutboxMessage]:
    """Queue one message to ``to`` on each of ``channels`` it has an address for.

    ``key`` names the message: sending the same key again returns the rows it made (a retry
    of the whole request, a double click) instead of new ones. A ``marketing`` message (a
    broadcast) carries an opt-out link and skips addresses that opted out.
    """
    made: list[OutboxMessage] = []
    async with atomic():
        for channel in Channel:
            if channel not in channels:
                continue
            address = _address(channel, to)
            if not address:
                continue
            row_key = f"{key}:{channel.value}"[:200]
            existing = await OutboxMessage.get_or_none(key=row_key)
            if existing is not None:
                made.append(existing)
                continue
            body = text
            if marketing:
                stop = _("Stop these messages: %(url)s", url=opt_out_url(channel, address))
                body = f"{text}\n\n{stop}"
            if channel == Channel.WHATSAPP and len(body) > WHATSAPP_CHARS:
                body = body[:WHATSAPP_CHARS - 1] + "…"
            state = Delivery.QUEUED
            if marketing and await OptOut.exists(channel=channel, address=address):
                state = Delivery.SKIPPED
            elif not configured(channel):
                state = Delivery.HELD
            row = await OutboxMessage.create(
                channel=channel, to=address, name=to.name[:120], kind=kind[:60],
                locale=to.locale, event_id=event_id, subject=subject[:255], body=body,
                template=_template_json(template) if channel == Channel.WHATSAPP else {},
                media_url=media_url[:500], marketing=marketing,
                attachment_name=attachment_name if channel == Channel.EMAIL else "",
                attachment=attachment if channel == Channel.EMAIL else None,
                key=row_key, state=state)
            if state == Delivery.QUEUED:
                await queue.enqueue(DELIVER, {"id": row.id}, key=f"deliver:{row.id}",
                                    event_id=event_id)
            made.append(row)
    return made


async def send_email(*, to: str, subject: str, body: str, key: str, kind: str = "email",
                     event_id: int | None = None, locale: str = "id") -> OutboxMessage | None:
    rows = await send(to=Recipient(email=to, locale=locale), kind=kind, subject=subject,
                      text=body, key=key, event_id=event_id, channels=(Channel.EMAIL,))
    return rows[0] if rows else None


def _template_json(template: Template | None) -> dict[str, object]:
    if template is None:
        return {}
    return {"name": template.name, "params": list(template.params),
            "image_url": template.image_url}


def _outgoing(row: OutboxMessage) -> Outgoing:
    spec = row.template or {}
    template = None
    if spec.get("name"):
        template = Template(name=str(spec["name"]),
                            params=tuple(str(p) for p in spec.get("params") or ()),
                            image_url=str(spec.get("image_url") or ""))
    return Outgoing(to=row.to, subject=row.subject, body=row.body, key=row.key or f"m{row.id}",
                    locale=row.locale, template=template, media_url=row.media_url,
                    attachment_name=row.attachment_name, attachment=row.attachment)


@queue.handler(DELIVER, max_attempts=6, backoff=30.0, max_backoff=3600.0, timeout=120.0)
async def deliver(job: queue.RunningJob) -> None:
    """Send one outbox row through its channel (the job behind every message)."""
    row = await OutboxMessage.get_or_none(id=int(job.payload["id"]))
    if row is None or row.state in DONE:
        return  # gone, or sent by an earlier run of this job: nothing to do, nothing twice
    adapter = (_config.adapters or {}).get(row.channel)
    if adapter is None:
        await OutboxMessage.filter(id=row.id).update(state=Delivery.HELD)
        return
    await OutboxMessage.filter(id=row.id).update(state=Delivery.SENDING,
                                                 attempts=F("attempts") + 1)
    try:
        sent = await adapter.send(_outgoing(row))
    except PermanentError as exc:
        await _failed(row, adapter.name, str(exc), final=True)
        raise queue.Permanent(f"{adapter.name}: {exc}") from None
    except TemporaryError as exc:
        await _failed(row, adapter.name, str(exc), final=job.attempt >= job.max_attempts)
        raise queue.Retry(f"{adapter.name}: {exc}", after=exc.after) from None
    except Exception as exc:  # a bug or an unexpected answer: kept, retried
        await _failed(row, adapter.name, f"{type(exc).__name__}: {exc}",
                      final=job.attempt >= job.max_attempts)
        raise
    await OutboxMessage.filter(id=row.id, state=Delivery.SENDING).update(
        state=Delivery.SENT, provider=adapter.name, provider_id=sent.provider_id[:128],
        sent_at=dt.datetime.now(dt.UTC), error="")


async def _failed(row: OutboxMessage, provider: str, error: str, *, final: bool) -> None:
    await OutboxMessage.filter(id=row.id).update(
        state=Delivery.FAILED if final else Delivery.QUEUED, provider=provider,
        error=(error.strip() or "error")[:500])


async def resend(row: OutboxMessage) -> OutboxMessage:
    """Queue a failed or held message again (a person asked: the committee or a superuser)."""
    if row.state not in (Delivery.FAILED, Delivery.HELD, Delivery.QUEUED):
        return row
    async with atomic():
        state = Delivery.QUEUED if configured(row.channel) else Delivery.HELD
        await OutboxMessage.filter(id=row.id).update(state=state)
        if state == Delivery.QUEUED:
            job = await queue.enqueue(DELIVER, {"id": row.id}, key=f"deliver:{row.id}",
                                      event_id=row.event_id)
            await queue.retry(job.id)
    await row.refresh_from_db()
    return row


async def mark_sent_by_hand(row: OutboxMessage, *, by: str) -> OutboxMessage:
    """A person sent a held WhatsApp message from its wa.me link."""
    await OutboxMessage.filter(id=row.id, state__in=(Delivery.HELD, Delivery.FAILED)).update(
        state=Delivery.SENT, provider="manual", handled_by=by[:254],
        sent_at=dt.datetime.now(dt.UTC))
    await row.refresh_from_db()
    return row


def manual_link(row: OutboxMessage) -> str:
    """The wa.me link that sends a WhatsApp message by hand ('' for email)."""
    return wa_link(row.to, row.body) if row.channel == Channel.WHATSAPP else ""


# ---- receipts ------------------------------------------------------------------------------

_RECEIPT_STATES = {"sent": Delivery.SENT, "delivered": Delivery.DELIVERED,
                   "read": Delivery.READ, "failed": Delivery.FAILED}


async def apply_receipts(provider: str, receipts: Sequence[Receipt]) -> int:
    """Move messages forward by their provider's receipts; returns how many changed. A receipt
    repeated, late or for an unknown message changes nothing."""
    changed = 0
    for receipt in receipts:
        state = _RECEIPT_STATES.get(receipt.status)
        if state is None or not receipt.provider_id:
            continue
        row = await OutboxMessage.get_or_none(provider=provider, provider_id=receipt.provider_id)
        if row is None:
            continue
        if state == Delivery.FAILED:
            if row.state not in (Delivery.SENDING, Delivery.SENT):
                continue  # delivered or read already: a stray failure does not undo that
        elif PROGRESS[state] <= PROGRESS[row.state]:
            continue
        at = receipt.at or dt.datetime.now(dt.UTC)
        update: dict[str, object] = {"state": state}
        if state == Delivery.DELIVERED:
            update["delivered_at"] = at
        elif state == Delivery.READ:
            update["read_at"] = at
            if row.delivered_at is None:
                update["delivered_at"] = at
        elif state == Delivery.FAILED:
            update["error"] = (receipt.error or "failed")[:500]
        changed += await OutboxMessage.filter(id=row.id, state=row.state).update(**update)
    return changed


# ---- opting out ----------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(_config.secret, salt="expo.messages.opt-out")


def keyed_token(purpose: str, nbytes: int = 24) -> str:
    """A link token derived from the secret key and ``purpose`` (``procurement.quote:12``):
    the same every time it is asked for, so a reminder carries the link of the first message;
    unguessable without the key. Store only its digest; revoke by forgetting the digest."""
    mac = hmac.new(_config.secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:nbytes]).rstrip(b"=").decode()


def opt_out_token(channel: Channel, address: str) -> str:
    return str(_serializer().dumps([channel.value, address]))


def opt_out_url(channel: Channel, address: str) -> str:
    return f"{_config.base_url}/berhenti/{opt_out_token(channel, address)}"


def read_opt_out(token: str) -> tuple[Channel, str] | None:
    try:
        channel, address = _serializer().loads(token)
        return Channel(channel), str(address)
    except (BadSignature, ValueError, TypeError):
        return None


async def opt_out(channel: Channel, address: str) -> None:
    if await OptOut.exists(channel=channel, address=address):
        return
    try:
        async with atomic():
            await OptOut.create(channel=channel, address=address)
    except IntegrityError:  # the same address opted out at the same moment: once is enough
        pass


async def opt_in(channel: Channel, address: str) -> None:
    await OptOut.filter(channel=channel, address=address).delete()


async def opted_out(channel: Channel, address: str) -> bool:
    return await OptOut.exists(channel=channel, address=address)


# ---- reading -------------------------------------------------------------------------------

async def messages_of_event(event_id: int, *, state: Delivery | None = None, page: int = 1,
                            per_page: int = 50) -> tuple[list[OutboxMessage], bool]:
    query = OutboxMessage.filter(event_id=event_id)
    if state is not None:
        query = query.filter(state=state)
    page = max(1, page)
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page + 1)
    return rows[:per_page], len(rows) > per_page


async def event_counts(event_id: int) -> dict[Delivery, int]:
    rows = await OutboxMessage.filter(event_id=event_id).group_by("state").annotate(
        n=Count("id")).values("state", "n")
    counts = {state: 0 for state in Delivery}
    for row in rows:
        counts[Delivery(row["state"])] = int(row["n"])
    return counts
