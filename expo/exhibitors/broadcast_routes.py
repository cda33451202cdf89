"""The committee's broadcast page: write to a group of exhibitors, preview, send, and see
what past broadcasts reached."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.exhibitors import broadcast, service
from expo.exhibitors.models import AppStatus, Category
from expo.forms import Form
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import REGISTRATION, Tab, register_tab
from expo.outbox import Channel, Delivery
from expo.regions import region_choices
from expo.templating import flash
from expo.web import read_form, redirect, render

register_tab(Tab("exhibitors.broadcast", _l("Broadcast"), frozenset({Role.COMMITTEE}), 23,
                 phase=REGISTRATION))

DEFAULTS = {"status": AppStatus.ACCEPTED.value, "reach": broadcast.Reach.BOTH.value}


def _draft(form: Form) -> broadcast.Draft:
    """The broadcast the form describes; its errors go to the form's fields."""
    status = form.choice("status", [s.value for s in broadcast.GROUPS])
    category = form.choice("category", [c.value for c in Category], required=False)
    kabupaten = form.text("kabupaten", required=False, max_length=60)
    cluster = form.text("cluster", required=False, max_length=60)
    reach = form.choice("reach", [r.value for r in broadcast.Reach])
    chosen = broadcast.Reach(reach) if reach in broadcast.Reach.labels() else None
    limit = chosen.text_chars if chosen else broadcast.WHATSAPP_CHARS
    subject = form.text("subject", max_length=broadcast.SUBJECT_CHARS)
    text = form.text("text", max_length=limit)
    audience = broadcast.Audience(status=AppStatus(status) if status in broadcast.GROUPS
                                  else AppStatus.ACCEPTED,
                                  category=category, kabupaten=kabupaten, cluster=cluster)
    return broadcast.Draft(audience=audience, reach=chosen or broadcast.Reach.BOTH,
                           subject=subject, text=text)


async def _page(request: Request, form: Form, status_code: int = 200,
                preview: broadcast.Preview | None = None) -> Response:
    event = request.state.event
    return render(request, "exhibitors/broadcast.html", {
        "event": event, "form": form, "preview": preview,
        "history": await broadcast.history(event=event),
        "group_options": [(s.value, s.label) for s in broadcast.GROUPS],
        "category_options": [("", _("All categories")), *Category.choices()],
        "region_options": [("", _("All kabupaten/kota")), *region_choices()],
        "cluster_options": [("", _("All clusters")),
                            *((c, c) for c in await service.cluster_suggestions())],
        "reach_options": broadcast.Reach.choices(), "Reach": broadcast.Reach,
        "limits": {"subject": broadcast.SUBJECT_CHARS, "whatsapp": broadcast.WHATSAPP_CHARS,
                   "email": broadcast.EMAIL_CHARS},
        "AppStatus": AppStatus, "Category": Category}, status_code)


@event_role(Role.COMMITTEE)
async def broadcast_page(request: Request) -> Response:
    if request.method == "GET":
        return await _page(request, Form(DEFAULTS))
    form = await read_form(request)
    draft = _draft(form)
    if not form.valid:
        return await _page(request, form, 422)
    event = request.state.event
    try:
        if form.raw("action") == "send":
            sent = await broadcast.send(event=event, draft=draft, by=require_user(request))
            flash(request, _("Your message is on its way to %(n)s exhibitors.",
                             n=sent.recipients))
            return redirect(str(request.url_for("exhibitors.broadcast", slug=event.slug)))
        preview = await broadcast.preview(event=event, draft=draft)
    except DomainError as exc:
        form.error(str(exc.data.get("field") or "__all__"), exc.message)
        return await _page(request, form, 422)
    return await _page(request, form, 200, preview)


@event_role(Role.COMMITTEE)
async def broadcast_detail(request: Request) -> Response:
    event = request.state.event
    item = await broadcast.get(event=event, broadcast_id=request.path_params["broadcast_id"])
    return render(request, "exhibitors/broadcast_detail.html", {
        "event": event, "broadcast": item, "counts": await broadcast.counts_of(item),
        "rows": await broadcast.recipients_of(item), "Channel": Channel, "Delivery": Delivery,
        "Reach": broadcast.Reach})


routes: list[BaseRoute] = [
    Route("/manage/e/{slug}/broadcast", broadcast_page, methods=["GET", "POST"],
          name="exhibitors.broadcast"),
    Route("/manage/e/{slug}/broadcast/{broadcast_id:pk}", broadcast_detail,
          name="exhibitors.broadcast_detail"),
]
