"""Broadcasts: the committee writes to a group of an event's exhibitors by WhatsApp, email or
both.

``send`` records the broadcast (with the producers its group matched), audits it and queues
ONE job, ``exhibitors.broadcast``, in one transaction: the request returns at once, however
big the group. The job (``fan_out``) queues one message per producer through
``expo.messages.send`` as a marketing message (an opt-out link added, addresses that opted
out skipped), keyed ``broadcast:<id>:<producer id>``: a job run again sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.functions import Count

from expo import i18n, phones
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.channels.base import Template
from expo.db import atomic
from expo.enums import LabelledEnum
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors.broadcast_models import Broadcast
from expo.exhibitors.models import Application, AppStatus, Producer, ProducerMember
from expo.exhibitors.notify import one_line
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.jobs import queue
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel, Delivery, OptOut, OutboxMessage

JOB = "exhibitors.broadcast"
KIND = "exhibitors.broadcast"
TEMPLATE = "broadcast"  # WhatsApp Cloud template: {{1}} the subject, {{2}} the text
SUBJECT_CHARS = 120
WHATSAPP_CHARS = 700
EMAIL_CHARS = 5000
CHUNK = 200  # producers read at a time by the job
HISTORY = 20
GROUPS = (AppStatus.ACCEPTED, AppStatus.WAITLISTED, AppStatus.SUBMITTED, AppStatus.REJECTED)


class Reach(LabelledEnum):
    BOTH = "both", _l("WhatsApp and email")
    WHATSAPP = "whatsapp", _l("WhatsApp only")
    EMAIL = "email", _l("Email only")

    @property
    def channels(self) -> tuple[Channel, ...]:
        if self == Reach.WHATSAPP:
            return (Channel.WHATSAPP,)
        if self == Reach.EMAIL:
            return (Channel.EMAIL,)
        return (Channel.WHATSAPP, Channel.EMAIL)

    @property
    def text_chars(self) -> int:
        return EMAIL_CHARS if self == Reach.EMAIL else WHATSAPP_CHARS

    @classmethod
    def of(cls, channels: Sequence[str]) -> Reach:
        chosen = set(channels)
        if chosen == {Channel.WHATSAPP.value}:
            return cls.WHATSAPP
        return cls.EMAIL if chosen == {Channel.EMAIL.value} else cls.BOTH


@dataclass(frozen=True)
class Audience:
    """Whom to write to: the exhibitors whose application has ``status``, optionally of one
    category, kabupaten/kota and cluster."""

    status: AppStatus = AppStatus.ACCEPTED
    category: str = ""
    kabupaten: str = ""
    cluster: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status.value, "category": self.category,
                "kabupaten": self.kabupaten, "cluster": self.cluster}


@dataclass(frozen=True)
class Draft:
    audience: Audience
    reach: Reach
    subject: str
    text: str


@dataclass
class Preview:
    count: int
    whatsapp: int  # how many have a WhatsApp number that did not opt out
    email: int
    opted_out: int
    sample: Producer | None
    sample_text: str


@dataclass
class Sent:
    broadcast: Broadcast
    counts: dict[str, int] = field(default_factory=dict)  # sent, waiting, held, failed, skipped


def check(draft: Draft) -> None:
    """The lengths a broadcast may have (the form checks them first, field by field)."""
    if not draft.subject.strip() or len(draft.subject) > SUBJECT_CHARS:
        raise DomainError(_("Write a subject of at most %(n)s characters.", n=SUBJECT_CHARS),
                          "bad_subject", field="subject")
    if not draft.text.strip() or len(draft.text) > draft.reach.text_chars:
        raise DomainError(_("Write a text of at most %(n)s characters.",
                            n=draft.reach.text_chars), "bad_text", field="text")
    if draft.audience.status not in GROUPS:
        raise DomainError(_("Choose one of the listed groups."), "bad_group", field="status")


async def recipients(*, event: Event, audience: Audience) -> list[Producer]:
    """The producers of the group, by business name."""
    query = Application.filter(event=event, status=audience.status)
    if audience.category:
        query = query.filter(producer__category=audience.category)
    if audience.kabupaten:
        query = query.filter(producer__kabupaten=audience.kabupaten)
    if audience.cluster:
        query = query.filter(producer__cluster=audience.cluster)
    apps = await query.select_related("producer").order_by("producer__business_name", "id")
    return [a.producer for a in apps]


async def _opted_out(channel: Channel, addresses: Sequence[str]) -> set[str]:
    if not addresses:
        return set()
    rows = await OptOut.filter(channel=channel, address__in=list(addresses)).values_list(
        "address", flat=True)
    return {str(r) for r in rows}


async def preview(*, event: Event, draft: Draft) -> Preview:
    """How many the broadcast reaches, on which channel, and how it reads for the first."""
    check(draft)
    producers = await recipients(event=event, audience=draft.audience)
    numbers = {p.id: phones.normalise_or_none(p.phone) or "" for p in producers}
    emails = {p.id: p.email.strip().lower() for p in producers}
    channels = draft.reach.channels
    out_wa = await _opted_out(Channel.WHATSAPP, [n for n in numbers.values() if n])
    out_mail = await _opted_out(Channel.EMAIL, [e for e in emails.values() if e])
    whatsapp = sum(1 for n in numbers.values() if n and n not in out_wa) \
        if Channel.WHATSAPP in channels else 0
    email = sum(1 for e in emails.values() if e and e not in out_mail) \
        if Channel.EMAIL in channels else 0
    opted = sum(1 for p in producers
                if (Channel.WHATSAPP in channels and numbers[p.id] in out_wa)
                or (Channel.EMAIL in channels and emails[p.id] in out_mail))
    sample = producers[0] if producers else None
    return Preview(count=len(producers), whatsapp=whatsapp, email=email, opted_out=opted,
                   sample=sample, sample_text=whatsapp_text(draft.subject, draft.text))


def whatsapp_text(subject: str, text: str) -> str:
    return f"*{subject}*\n{text}"


async def send(*, event: Event, draft: Draft, by: User) -> Broadcast:
    """Record the broadcast, audit it and queue the job that sends it (one transaction)."""
    check(draft)
    async with atomic():
        producers = await recipients(event=event, audience=draft.audience)
        if not producers:
            raise DomainError(_("No exhibitor is in this group."), "no_recipients",
                              field="status")
        broadcast = await Broadcast.create(
            event=event, subject=draft.subject, text=draft.text,
            channels=[c.value for c in draft.reach.channels],
            audience=draft.audience.as_dict(), producer_ids=[p.id for p in producers],
            recipients=len(producers), created_by=by)
        await log_action(action="expo.broadcast.sent", actor=by, event=event, obj=broadcast,
                         summary=f"{len(producers)} recipients: {draft.subject}",
                         data={"recipients": len(producers), "channels": broadcast.channels,
                               "audience": broadcast.audience})
        await queue.enqueue(JOB, {"broadcast": broadcast.id}, key=f"broadcast:{broadcast.id}",
                            event_id=event.id)
    return broadcast


# ---- the job -------------------------------------------------------------------------------

@queue.handler(JOB, max_attempts=5, backoff=60.0, timeout=1800.0)
async def fan_out(job: queue.RunningJob) -> None:
    """One message per producer of the broadcast (safe to run again: keyed per producer)."""
    broadcast = await Broadcast.get_or_none(id=int(job.payload["broadcast"]))
    if broadcast is None:
        return
    ids = [int(i) for i in broadcast.producer_ids]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        producers = await Producer.filter(id__in=chunk).order_by("id")
        owners = await _owners(chunk)
        for producer in producers:
            await send_one(broadcast=broadcast, producer=producer, owner=owners.get(producer.id))
    await Broadcast.filter(id=broadcast.id, done_at=None).update(done_at=dt.datetime.now(dt.UTC))


async def _owners(producer_ids: Sequence[int]) -> dict[int, User]:
    """Each producer's first login (its owner: the language of its messages)."""
    owners: dict[int, User] = {}
    for member in await ProducerMember.filter(producer_id__in=list(producer_ids)).order_by(
            "id").select_related("user"):
        owners.setdefault(member.producer_id, member.user)  # type: ignore[attr-defined]
    return owners


async def send_one(*, broadcast: Broadcast, producer: Producer,
                   owner: User | None) -> list[OutboxMessage]:
    locale = owner.locale if owner else i18n.DEFAULT_LOCALE
    email = producer.email.strip().lower() or (owner.email if owner else "")
    to = Recipient(name=producer.owner_name, phone=producer.phone, email=email, locale=locale)
    key = f"broadcast:{broadcast.id}:{producer.id}"
    common: dict[str, Any] = {"to": to, "kind": KIND, "key": key, "marketing": True,
                              "event_id": broadcast.event_id,  # type: ignore[attr-defined]
                              "subject": broadcast.subject}
    rows: list[OutboxMessage] = []
    with i18n.using(locale):
        if Channel.EMAIL.value in broadcast.channels:
            rows += await messages.send(text=broadcast.text, channels=(Channel.EMAIL,),
                                        **common)
        if Channel.WHATSAPP.value in broadcast.channels:
            rows += await messages.send(
                text=whatsapp_text(broadcast.subject, broadcast.text),
                channels=(Channel.WHATSAPP,), template=_template(broadcast, to), **common)
    return rows


def _template(broadcast: Broadcast, to: Recipient) -> Template:
    """The Cloud API's message: the text and its opt-out link on one line each parameter."""
    number = phones.normalise_or_none(to.phone) or ""
    stop = _("Stop these messages: %(url)s",
             url=messages.opt_out_url(Channel.WHATSAPP, number)) if number else ""
    return Template(TEMPLATE, (one_line(broadcast.subject),
                               f"{one_line(broadcast.text)} {stop}".strip()))


# ---- reading -------------------------------------------------------------------------------

BUCKETS = {Delivery.SENT: "sent", Delivery.DELIVERED: "sent", Delivery.READ: "sent",
           Delivery.QUEUED: "waiting", Delivery.SENDING: "waiting", Delivery.HELD: "held",
           Delivery.FAILED: "failed", Delivery.SKIPPED: "skipped"}


def _prefix(broadcast: Broadcast) -> str:
    return f"broadcast:{broadcast.id}:"


async def counts_of(broadcast: Broadcast) -> dict[str, int]:
    """Its messages by outcome: sent (or delivered, read), waiting, held, failed, skipped."""
    rows = await OutboxMessage.filter(
        event_id=broadcast.event_id, key__startswith=_prefix(broadcast),  # type: ignore[attr-defined]
    ).group_by("state").annotate(n=Count("id")).values("state", "n")
    counts = dict.fromkeys(("sent", "waiting", "held", "failed", "skipped"), 0)
    for row in rows:
        counts[BUCKETS[Delivery(row["state"])]] += int(row["n"])
    return counts


async def history(*, event: Event, limit: int = HISTORY) -> list[Sent]:
    """The latest broadcasts of the event with their counts."""
    broadcasts = await Broadcast.filter(event=event).order_by("-id").limit(limit).select_related(
        "created_by")
    return [Sent(b, await counts_of(b)) for b in broadcasts]


async def get(*, event: Event, broadcast_id: int) -> Broadcast:
    return found(await Broadcast.get_or_none(id=broadcast_id, event=event).select_related(
        "created_by"))


@dataclass
class Reached:
    """One producer of a broadcast and its message on each channel."""

    name: str
    by: dict[Channel, OutboxMessage] = field(default_factory=dict)


async def recipients_of(broadcast: Broadcast, *, limit: int = 2000) -> list[Reached]:
    """Its producers (those with a message so far), by name."""
    rows = await OutboxMessage.filter(
        event_id=broadcast.event_id, key__startswith=_prefix(broadcast),  # type: ignore[attr-defined]
    ).order_by("name", "id").limit(limit)
    reached: dict[str, Reached] = {}
    for row in rows:
        producer = (row.key or "").split(":")[2]
        reached.setdefault(producer, Reached(row.name)).by[Channel(row.channel)] = row
    return list(reached.values())
