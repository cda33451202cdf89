"""The committee's messages page: what expo sent (or holds) for one event, by delivery state;
held WhatsApp messages sent by hand from their wa.me link and marked sent; failed ones sent
again (``expo.messages``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role, User
from expo.accounts.permissions import require_user
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.events.permissions import event_role
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.messages import service as messages
from expo.nav import Tab, register_tab
from expo.outbox import Channel, Delivery, OutboxMessage
from expo.templating import flash
from expo.urls import safe_next
from expo.web import read_form, redirect, render

register_tab(Tab("events.messages", _l("Messages"), frozenset({Role.COMMITTEE}), 87))


# ---- what the page does (one transaction each, audited) ---------------------------------------

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


# ---- pages ---------------------------------------------------------------------------------

def _state(request: Request) -> Delivery | None:
    raw = request.query_params.get("state", "")
    return Delivery(raw) if raw in {d.value for d in Delivery} else None


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return min(int(raw), 10_000) if raw.isdigit() and int(raw) > 0 else 1


async def listing(*, event: Event, state: Delivery | None, page: int) -> dict[str, object]:
    """What the page shows: counts, a page of messages, and what a person can do with each
    (the wa.me link of a held WhatsApp message while no provider is set up; sending again)."""
    rows, more = await messages.messages_of_event(event.id, state=state, page=page)
    by_hand = not messages.configured(Channel.WHATSAPP)
    return {
        "rows": rows, "more": more, "counts": await messages.event_counts(event.id),
        "banner": await held_by_hand(event),
        "links": {r.id: link for r in rows if by_hand and r.state == Delivery.HELD
                  and (link := messages.manual_link(r))},
        "can_resend": {r.id for r in rows if r.state == Delivery.FAILED or (
            r.state == Delivery.HELD and messages.configured(r.channel))}}


@event_role(Role.COMMITTEE)
async def message_list(request: Request) -> Response:
    event, state, page = request.state.event, _state(request), _page(request)
    return render(request, "events/messages.html", {
        "event": event, "state": state, "page": page, "states": list(Delivery),
        **await listing(event=event, state=state, page=page),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else "")})


def _back(request: Request, target: str) -> Response:
    default = str(request.url_for("events.messages", slug=request.state.event.slug))
    return redirect(safe_next(target, default))


@event_role(Role.COMMITTEE)
async def message_sent(request: Request) -> Response:
    form = await read_form(request)
    row = await mark_sent(event=request.state.event, message_id=request.path_params["message_id"],
                          by=require_user(request))
    flash(request, _("Marked as sent: the message to %(to)s.", to=row.name or row.to))
    return _back(request, form.raw("next"))


@event_role(Role.COMMITTEE)
async def message_resend(request: Request) -> Response:
    form = await read_form(request)
    row = await send_again(event=request.state.event,
                           message_id=request.path_params["message_id"], by=require_user(request))
    flash(request, _("The message to %(to)s is queued again.", to=row.name or row.to)
          if row.state == Delivery.QUEUED else
          _("The message to %(to)s waits: its channel is not set up.", to=row.name or row.to))
    return _back(request, form.raw("next"))


P = "/manage/e/{slug}/messages"
routes = [
    Route(P, message_list, name="events.messages"),
    Route(P + "/{message_id:int}/sent", message_sent, methods=["POST"],
          name="events.message_sent"),
    Route(P + "/{message_id:int}/resend", message_resend, methods=["POST"],
          name="events.message_resend"),
]
