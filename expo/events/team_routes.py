"""The committee's event team (roles and invitations) and the event's audit log."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.audit.service import list_entries
from expo.errors import DomainError
from expo.events import team
from expo.events.permissions import event_role
from expo.forms import Form
from expo.i18n import gettext as _
from expo.templating import flash
from expo.web import absolute_url, page_number, read_form, redirect, render, settings_of


@event_role(Role.COMMITTEE)
async def team_page(request: Request) -> Response:
    event = request.state.event
    form = Form({"role": Role.GATE.value})
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        email = form.email("email")
        name = form.text("name", required=False, max_length=120)
        role = form.choice("role", [r.value for r in Role])
        if form.valid:
            try:
                user = await team.invite(
                    settings=settings_of(request), event=event, email=email, name=name,
                    role=Role(role), by=require_user(request),
                    link_base=absolute_url(request, "accounts.reset"))
            except DomainError as exc:
                form.error("email", exc.message)
            else:
                flash(request, _("%(name)s now has the role %(role)s.", name=user.name,
                                 role=Role(role).label))
                return redirect(str(request.url_for("events.team", slug=event.slug)))
        status = 422
    members = await team.team(event)
    return render(request, "events/team.html",
                  {"event": event, "members": members, "form": form, "roles": Role.labels()},
                  status)


@event_role(Role.COMMITTEE)
async def team_revoke(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    role = form.choice("role", [r.value for r in Role])
    user_id = form.integer("user_id")
    if not form.valid or user_id is None:
        raise DomainError(_("Choose a member and a role."), "form_invalid")
    await team.revoke_role(event=event, user_id=user_id, role=Role(role),
                              by=require_user(request))
    flash(request, _("Role removed."), "info")
    return redirect(str(request.url_for("events.team", slug=event.slug)))


@event_role(Role.COMMITTEE)
async def audit_list(request: Request) -> Response:
    event = request.state.event
    page = page_number(request)
    action = request.query_params.get("action", "")[:80]
    result = await list_entries(event=event, action_prefix=action, page=page)
    return render(request, "events/audit.html", {"event": event, "result": result,
                                               "action": action})


routes = [
    Route("/manage/e/{slug}/team", team_page, methods=["GET", "POST"], name="events.team"),
    Route("/manage/e/{slug}/team/revoke", team_revoke, methods=["POST"],
          name="events.team_revoke"),
    Route("/manage/e/{slug}/audit", audit_list, name="events.audit"),
]
