"""The committee's side of an event's messages: a held WhatsApp message sent by hand from
its wa.me link and marked sent, a failed one sent again; each in one transaction, audited.
The page is ``expo.events.messages_routes``."""

from __future__ import annotations

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.outbox import Channel, Delivery, OutboxMessage


async def _message_of(event: Event, message_id: int) -> OutboxMessage:
    """One of the event's messages, locked for the change; another event's is a 404."""
    return found(await OutboxMessage.filter(id=message_id, event_id=event.id)
                 .select_for_update().first(), _("This message does not exist."),
                 "message_not_found")


async def mark_sent(*, event: Event, message_id: int, by: User) -> OutboxMessage:
    """A person sent a held (or failed) WhatsApp message from its link: it counts as sent."""
    async with atomic():
        row = await _message_of(event, message_id)
        if row.channel != Channel.WHATSAPP or row.state not in (Delivery.HELD, Delivery.FAILED):
            raise DomainError(_("This message is %(state)s: there is nothing to mark.",
                                state=row.state.label), "message_not_held", status_code=409)
        row = await messages.mark_sent_by_hand(row, by=by.email)
        await log_action(action="expo.message.sent_by_hand", actor=by, event=event, obj=row,
                         summary=f"{row.kind} → {row.to}", data={"channel": row.channel.value})
    return row


async def send_again(*, event: Event, message_id: int, by: User) -> OutboxMessage:
    """Queue a failed message again (or a held one, once its channel is set up)."""
    async with atomic():
        row = await _message_of(event, message_id)
        if not (row.state == Delivery.FAILED
                or (row.state == Delivery.HELD and messages.configured(row.channel))):
            raise DomainError(_("This message is %(state)s: it cannot be sent again.",
                                state=row.state.label), "message_not_failed", status_code=409)
        row = await messages.resend(row)
        await log_action(action="expo.message.resent", actor=by, event=event, obj=row,
                         summary=f"{row.kind} → {row.to}", data={"channel": row.channel.value})
    return row


async def held_by_hand(event: Event) -> bool:
    """Whether WhatsApp messages of the event wait for a person (no provider set up)."""
    return not messages.configured(Channel.WHATSAPP) and await OutboxMessage.exists(
        event_id=event.id, channel=Channel.WHATSAPP, state=Delivery.HELD)
