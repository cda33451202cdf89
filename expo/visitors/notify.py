"""What a visitor receives: the ticket on registration and again on request, a teacher the link
to the group's tickets.

Composed here, queued through ``expo.messages.service.send`` inside the caller's transaction
(``service.py`` calls these), in the recipient's language: a ticket in the one its visitor
registered in (``Visitor.locale``). Links are absolute, built by the request that asks
(``Post.url_for``, from the configured base URL): the worker that delivers the message later
has no request. WhatsApp carries the QR code as an image (the ticket's PNG address, as
``media_url`` and as the header of the ``ticket`` template); email has the PNG attached.

Sending again (a second registration with the same phone, "find my ticket") is limited per
address by counting the outbox rows of the last hour, so the limit holds across workers.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from expo import i18n, qr
from expo.channels.base import Template
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel, OutboxMessage
from expo.visitors import codes
from expo.visitors.models import Visitor, VisitorGroup

TICKET = "visitors.ticket"
TICKET_RESEND = "visitors.ticket_resend"
GROUP = "visitors.group"
GROUP_RESEND = "visitors.group_resend"
RESENDS = (TICKET_RESEND, GROUP_RESEND)
RESENDS_PER_HOUR = 3  # per phone number or email address
RESEND_SLOT_SECONDS = 60  # asked again within the same minute: the same message (a double click)
BOTH = (Channel.WHATSAPP, Channel.EMAIL)

UrlFor = Callable[..., str]  # (route name, **path params) -> an absolute URL
clock: Callable[[], float] = time.time  # the resend slots' clock (tests move it)


@dataclass(frozen=True)
class Post:
    """What sending a ticket needs from the request that asks: absolute links
    (``functools.partial(expo.web.absolute_url, request)``) and the event's signing keys."""

    url_for: UrlFor
    signer: codes.Signer


def ticket_key(visitor_id: int) -> str:
    """The idempotency key of a visitor's first ticket message (its rows add ``:channel``)."""
    return f"{TICKET}:{visitor_id}"


def resend_key(kind: str, row_id: int) -> str:
    """A new key for each time a ticket (``row_id`` a visitor's) or a group link is sent
    again; the same one within a minute, so that a double click sends once."""
    return f"{kind}:{row_id}:{int(clock() // RESEND_SLOT_SECONDS)}"


def dates(event: Event) -> str:
    start = i18n.format_date(event.starts_on, "long")
    if event.ends_on == event.starts_on:
        return start
    return f"{start} – {i18n.format_date(event.ends_on, 'long')}"


def ticket_text(*, visitor: Visitor, event: Event, link: str) -> str:
    """The ticket as a short text (WhatsApp, and the body of the email), in the current
    locale."""
    return "\n".join((
        _("Hello %(name)s, here is your ticket for %(event)s.", name=visitor.name,
          event=event.name),
        _("%(dates)s at %(venue)s", dates=dates(event), venue=event.venue),
        _("Visitor no. %(number)s", number=visitor.id),
        _("Your ticket and its QR code: %(link)s", link=link),
        _("Show the QR code at the gate. Keep this link to yourself: anyone who has it can "
          "use the ticket.")))


async def send_ticket(*, visitor: Visitor, event: Event, code: str, post: Post,
                      kind: str = TICKET, key: str | None = None,
                      channels: Collection[Channel] = BOTH) -> list[OutboxMessage]:
    """Queue the ticket to the visitor's WhatsApp and email (those it has, among
    ``channels``). ``code`` is the ticket's signed QR payload (``service.ticket_code``)."""
    key = key or ticket_key(visitor.id)
    link = post.url_for("visitors.ticket", token=visitor.link_token)
    png_url = post.url_for("visitors.ticket_png", token=visitor.link_token)
    to = Recipient(name=visitor.name, phone=visitor.phone, email=visitor.email,
                   locale=visitor.locale)
    with i18n.using(visitor.locale):
        text = ticket_text(visitor=visitor, event=event, link=link)
        subject = _("Your ticket for %(event)s", event=event.name)
        attached = _("The QR code is attached to this email: show it at the gate, on your "
                     "phone or printed.")
    rows: list[OutboxMessage] = []
    if Channel.WHATSAPP in channels and visitor.phone:
        template = Template("ticket", params=(visitor.name, event.name, str(visitor.id), link),
                            image_url=png_url)
        rows += await messages.send(to=to, kind=kind, subject=subject, text=text, key=key,
                                    event_id=event.id, template=template, media_url=png_url,
                                    channels=(Channel.WHATSAPP,))
    if Channel.EMAIL in channels and visitor.email:
        rows += await messages.send(
            to=to, kind=kind, subject=subject, text=f"{text}\n\n{attached}", key=key,
            event_id=event.id, attachment_name=f"tiket-{event.slug}-{visitor.id}.png",
            attachment=qr.png(code), channels=(Channel.EMAIL,))
    return rows


def group_text(*, group: VisitorGroup, event: Event, count: int, link: str) -> str:
    return "\n".join((
        _("Hello %(name)s, the %(n)s tickets of %(group)s for %(event)s are ready.",
          name=group.leader_name, n=count, group=group.name, event=event.name),
        _("%(dates)s at %(venue)s", dates=dates(event), venue=event.venue),
        _("Every ticket of the group, to print or share: %(link)s", link=link),
        _("Each person shows their own QR code at the gate.")))


async def send_group(*, group: VisitorGroup, event: Event, count: int, post: Post,
                     kind: str = GROUP, key: str | None = None) -> list[OutboxMessage]:
    """Queue the link to the group's tickets to its leader's WhatsApp, in the current locale
    (the one the leader registered, or asked again, in)."""
    link = post.url_for("visitors.group", token=group.link_token)
    locale = i18n.get_locale()
    text = group_text(group=group, event=event, count=count, link=link)
    template = Template("group_tickets", params=(group.leader_name, event.name, group.name,
                                                 str(count), link))
    return await messages.send(
        to=Recipient(name=group.leader_name, phone=group.leader_phone, locale=locale),
        kind=kind, subject=_("Tickets of %(group)s for %(event)s", group=group.name,
                             event=event.name),
        text=text, key=key or f"{GROUP}:{group.id}", event_id=event.id, template=template,
        channels=(Channel.WHATSAPP,))


async def resends_left(address: str, now: dt.datetime | None = None) -> int:
    """How many more times a ticket may be sent again to ``address`` (an E.164 phone or a
    lowercase email) this hour."""
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=1)
    sent = await OutboxMessage.filter(kind__in=RESENDS, to=address,
                                      created_at__gte=since).count()
    return max(0, RESENDS_PER_HOUR - sent)


def queued(rows: list[OutboxMessage]) -> tuple[Channel, ...]:
    """The channels these rows go out on by themselves (a configured adapter): what a page
    may say was sent."""
    return tuple(channel for channel in BOTH
                 if any(row.channel == channel for row in rows) and messages.configured(channel))
