"""The test tickets of a rehearsal: issue them, see and print them (committee)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo import qr
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.i18n import gettext as _
from expo.templating import flash
from expo.visitors import keys, rehearsal, service
from expo.visitors.models import VisitorType
from expo.web import read_form, redirect, render, settings_of


@event_role(Role.COMMITTEE)
async def test_tickets(request: Request) -> Response:
    event = request.state.event
    error = ""
    if request.method == "POST":
        form = await read_form(request)
        count = form.integer("count", low=1, high=rehearsal.MAX_TEST_TICKETS)
        try:
            if not form.valid or count is None:
                raise DomainError(form.errors.get("count", ""), "form_invalid")
            made = await rehearsal.issue_test_tickets(event=event, count=count,
                                                      by=require_user(request))
        except DomainError as exc:  # said on the page, above the form
            error = exc.message
        else:
            flash(request, _("%(n)s test tickets issued.", n=len(made)))
            return redirect(str(request.url_for("visitors.test_tickets", slug=event.slug)))
    signer = await keys.keyring(event_id=event.id, settings=settings_of(request))
    cards = [(v, qr.svg(service.ticket_code(visitor=v, signer=signer), scale=3, fast=True))
             for v in await rehearsal.test_tickets(event=event)]
    return render(request, "visitors/test_tickets.html", {
        "event": event, "cards": cards, "type_labels": VisitorType.labels(), "error": error,
        "max_tickets": rehearsal.MAX_TEST_TICKETS}, 422 if error else 200)


routes = [
    Route("/manage/e/{slug}/rehearsal/tickets", test_tickets, methods=["GET", "POST"],
          name="visitors.test_tickets"),
]
