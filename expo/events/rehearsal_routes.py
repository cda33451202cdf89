"""The committee's rehearsal page (gladi): turn rehearsal on or off, see what it recorded,
clear it before opening. Test tickets are issued by the visitors domain's page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events import rehearsal
from expo.events.permissions import event_role
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import DAY, Tab, register_tab
from expo.templating import flash
from expo.web import read_form, redirect, render

register_tab(Tab("events.rehearsal", _l("Rehearsal"), frozenset({Role.COMMITTEE}), 29, phase=DAY))


def _back(request: Request) -> Response:
    return redirect(str(request.url_for("events.rehearsal", slug=request.state.event.slug)))


async def _page(request: Request, error: str = "", status: int = 200) -> Response:
    event = request.state.event
    counts = await rehearsal.counts(event=event)
    return render(request, "events/rehearsal.html", {
        "event": event, "counts": counts, "recorded": sum(c.count for c in counts),
        "error": error}, status)


@event_role(Role.COMMITTEE)
async def page(request: Request) -> Response:
    return await _page(request)


@event_role(Role.COMMITTEE)
async def mode(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    on = form.choice("on", ["1", "0"])
    if not form.valid:
        raise DomainError(_("Choose to start or to stop the rehearsal."), "form_invalid")
    await rehearsal.set_rehearsal(event=event, on=on == "1", by=require_user(request))
    flash(request, _("Rehearsal started: the gates now accept test tickets only, at any hour.")
          if on == "1" else _("Rehearsal stopped: the gates accept real tickets again. Clear "
                              "the rehearsal before opening."))
    return _back(request)


@event_role(Role.COMMITTEE)
async def clear(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    if not form.boolean("confirm"):  # the form says why, on the page
        return await _page(request, _("Tick the box to confirm that the rehearsal's data may "
                                      "be deleted."), 422)
    deleted = await rehearsal.clear_rehearsal(event=event, by=require_user(request))
    flash(request, _("Rehearsal cleared: %(n)s records deleted. The gates accept real tickets.",
                     n=deleted))
    return _back(request)


routes = [
    Route("/manage/e/{slug}/rehearsal", page, name="events.rehearsal"),
    Route("/manage/e/{slug}/rehearsal/mode", mode, methods=["POST"], name="events.rehearsal_mode"),
    Route("/manage/e/{slug}/rehearsal/clear", clear, methods=["POST"],
          name="events.rehearsal_clear"),
]
