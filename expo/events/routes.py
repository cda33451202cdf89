"""Public event pages and the committee's event management."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import current_user, login_required, public, require_user
from expo.errors import DomainError, Forbidden
from expo.events import checklist, service
from expo.events.forms import (
    DEFAULT_CLOSES,
    DEFAULT_OPENS,
    INDONESIAN_ZONES,
    dates_between,
    form_from_event,
    parse_event_form,
)
from expo.events.models import DEFAULT_TIMEZONE, EventStatus
from expo.events.permissions import event_role
from expo.events.team import can_create_events, memberships
from expo.forms import Form, FormInvalid, parse_date
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import AFTER, SETUP, Tab, register_tab
from expo.templating import flash
from expo.web import read_form, redirect, render

# The core tabs of an event's management area; each domain registers its own the same way.
register_tab(Tab("events.overview", _l("Overview"), frozenset(Role), 0))
register_tab(Tab("events.edit", _l("Settings"), frozenset({Role.COMMITTEE}), 80, phase=SETUP))
register_tab(Tab("events.team", _l("Team"), frozenset({Role.COMMITTEE}), 85, phase=SETUP))
register_tab(Tab("events.audit", _l("Audit log"), frozenset({Role.COMMITTEE}), 90, phase=AFTER))


@public
async def index(request: Request) -> Response:
    events = await service.public_events()
    return render(request, "events/index.html", {"events": events, "today": dt.date.today()})


@public
async def public_page(request: Request) -> Response:
    event, roles = await service.viewable_event(slug=request.path_params["slug"],
                                                user=current_user(request))
    days = await service.event_days(event)
    return render(request, "events/public.html", {
        "event": event, "days": days, "is_staff": bool(roles),
        "exhibitor_window": service.window_state(event.exhibitor_reg_opens,
                                                 event.exhibitor_reg_closes),
        "visitor_window": service.window_state(event.visitor_reg_opens,
                                               event.visitor_reg_closes),
    })


@login_required
async def manage(request: Request) -> Response:
    user = require_user(request)
    return render(request, "events/manage.html", {
        "memberships": await memberships(user),
        "can_create": await can_create_events(user),
        "role_labels": Role.labels(), "status_labels": EventStatus.labels(),
    })


def _form_context(form: Form) -> dict[str, object]:
    days: list[dt.date] = []
    try:
        start = parse_date(form.raw("starts_on"))
        end = parse_date(form.raw("ends_on"))
        if start <= end and (end - start).days < 31:
            days = dates_between(start, end)
    except ValueError:
        pass
    return {"form": form, "days": days,
            "timezone_options": list(INDONESIAN_ZONES.items()),
            "status_options": [(s.value, s.label) for s in EventStatus],
            "default_opens": DEFAULT_OPENS.strftime("%H:%M"),
            "default_closes": DEFAULT_CLOSES.strftime("%H:%M")}


async def _save(request: Request, form: Form, event=None) -> Response | None:  # type: ignore[no-untyped-def]
    user = require_user(request)
    try:
        data = parse_event_form(form)
        if event is None:
            event = await service.create_event(data=data, by=user)
        else:
            event = await service.update_event(event=event, data=data, by=user)
    except FormInvalid:
        return None
    except DomainError as exc:
        form.error(exc.data.get("field", "__all__"), exc.message)
        return None
    flash(request, _("Event saved."))
    return redirect(str(request.url_for("events.overview", slug=event.slug)))


@login_required
async def create(request: Request) -> Response:
    if not await can_create_events(require_user(request)):
        raise Forbidden(_("Only committee members can create events."))
    if request.method == "POST":
        form = await read_form(request)
        done = await _save(request, form)
        if done is not None:
            return done
        return render(request, "events/form.html", _form_context(form) | {"event": None}, 422)
    start = dt.date.today() + dt.timedelta(days=60)
    form = Form({"timezone": DEFAULT_TIMEZONE, "status": EventStatus.DRAFT.value,
                 "starts_on": start.isoformat(),
                 "ends_on": (start + dt.timedelta(days=2)).isoformat()})
    return render(request, "events/form.html", _form_context(form) | {"event": None})


@event_role(Role.COMMITTEE)
async def edit(request: Request) -> Response:
    event = request.state.event
    if request.method == "POST":
        form = await read_form(request)
        done = await _save(request, form, event)
        if done is not None:
            return done
        return render(request, "events/form.html", _form_context(form) | {"event": event}, 422)
    form = form_from_event(event, await service.event_days(event))
    return render(request, "events/form.html", _form_context(form) | {"event": event})


@event_role(Role.COMMITTEE)
async def set_status(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    status = form.choice("status", [s.value for s in EventStatus])
    if not form.valid:
        raise DomainError(_("Unknown status."), "form_invalid")
    await service.set_status(event=event, status=EventStatus(status), by=require_user(request))
    label = EventStatus(status).label
    flash(request, _("Status changed to %(status)s.", status=label))
    return redirect(str(request.url_for("events.overview", slug=event.slug)))


@event_role(Role.COMMITTEE, Role.CURATOR, Role.GATE, Role.EXHIBITOR)
async def overview(request: Request) -> Response:
    event = request.state.event
    items: list[checklist.Item] = []
    if Role.COMMITTEE in request.state.roles:  # the set-up checklist: the committee's work
        items = await checklist.run(
            event, lambda route: request.url_for(route, slug=event.slug).path)
    return render(request, "events/overview.html", {
        "event": event, "days": await service.event_days(event), "roles": request.state.roles,
        "checklist": items,
        "Role": Role, "status_labels": EventStatus.labels(), "role_labels": Role.labels(),
    })


routes = [
    Route("/", index, name="events.index"),
    Route("/e/{slug}", public_page, name="events.public"),
    Route("/manage", manage, name="events.manage"),
    Route("/manage/events/new", create, methods=["GET", "POST"], name="events.create"),
    Route("/manage/e/{slug}", overview, name="events.overview"),
    Route("/manage/e/{slug}/edit", edit, methods=["GET", "POST"], name="events.edit"),
    Route("/manage/e/{slug}/status", set_status, methods=["POST"], name="events.status"),
]
