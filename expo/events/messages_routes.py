"""The committee's messages page: what expo sent (or holds) for one event, by delivery state;
held WhatsApp messages sent by hand from their wa.me link and marked sent; failed ones sent
again (``expo.messages``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.events import messages as event_messages
from expo.events.models import Event
from expo.events.permissions import event_role
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.messages import service as messages
from expo.nav import REGISTRATION, Tab, register_tab
from expo.outbox import Channel, Delivery
from expo.templating import flash
from expo.urls import safe_next
from expo.web import page_number, read_form, redirect, render

register_tab(Tab("events.messages", _l("Messages"), frozenset({Role.COMMITTEE}), 87,
                 phase=REGISTRATION))


# ---- pages ---------------------------------------------------------------------------------

def _state(request: Request) -> Delivery | None:
    raw = request.query_params.get("state", "")
    return Delivery(raw) if raw in {d.value for d in Delivery} else None


async def listing(*, event: Event, state: Delivery | None, page: int) -> dict[str, object]:
    """What the page shows: counts, a page of messages, and what a person can do with each
    (the wa.me link of a held WhatsApp message while no provider is set up; sending again)."""
    rows, more = await messages.messages_of_event(event.id, state=state, page=page)
    by_hand = not messages.configured(Channel.WHATSAPP)
    return {
        "rows": rows, "more": more, "counts": await messages.event_counts(event.id),
        "banner": await event_messages.held_by_hand(event),
        "links": {r.id: link for r in rows if by_hand and r.state == Delivery.HELD
                  and (link := messages.manual_link(r))},
        "can_resend": {r.id for r in rows if r.state == Delivery.FAILED or (
            r.state == Delivery.HELD and messages.configured(r.channel))}}


@event_role(Role.COMMITTEE)
async def message_list(request: Request) -> Response:
    event, state, page = request.state.event, _state(request), page_number(request)
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
    row = await event_messages.mark_sent(event=request.state.event,
                                         message_id=request.path_params["message_id"],
                                         by=require_user(request))
    flash(request, _("Marked as sent: the message to %(to)s.", to=row.name or row.to))
    return _back(request, form.raw("next"))


@event_role(Role.COMMITTEE)
async def message_resend(request: Request) -> Response:
    form = await read_form(request)
    row = await event_messages.send_again(event=request.state.event,
                                          message_id=request.path_params["message_id"],
                                          by=require_user(request))
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
