"""Buyers over HTTP: the procurement hub, the trade office's list of organisations, an
organisation's page (details, staff) and the trade office's own staff."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.permissions import login_required, require_user
from expo.errors import DomainError, Forbidden
from expo.forms import Form
from expo.i18n import gettext as _
from expo.regions import form_region, region_choices
from expo.templating import flash
from expo.web import absolute_url, page_number, read_form, redirect, render

from . import access, buyers, requests
from .access import Viewer, buyer_or_office, office_required
from .models import BuyerKind, MemberRole, Organisation


def _viewer(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    return viewer


@login_required
async def home(request: Request) -> Response:
    """Everyone signed in: what they can do here (a friendly word when nothing yet)."""
    viewer = await access.viewer_of(require_user(request))
    request.state.viewer = viewer
    open_count = await requests.open_count(viewer)
    return render(request, "procurement/home.html", {"viewer": viewer, "open_count": open_count})


def _organisation_form(form: Form) -> buyers.OrganisationData | None:
    name = form.text("name", max_length=160)
    kind = form.choice("kind", [k.value for k in BuyerKind])
    kabupaten = form_region(form)
    address = form.text("address", required=False, max_length=300)
    phone = form.text("phone", required=False, max_length=20)
    email = form.email("email", required=False)
    threshold = form.rupiah("approval_threshold", required=False)
    if not form.valid:
        return None
    return buyers.OrganisationData(
        name=name, kind=BuyerKind(kind), kabupaten=kabupaten, address=address, phone=phone,
        email=email, requires_approval=form.boolean("requires_approval"),
        approval_threshold=threshold or 0)


def _choices() -> dict[str, Any]:
    return {"kind_options": [(k.value, k.label) for k in BuyerKind],
            "role_options": [(r.value, r.label) for r in MemberRole],
            "region_options": region_choices()}


@office_required
async def organisations(request: Request) -> Response:
    form, status = Form({"kind": BuyerKind.AGENCY.value, "requires_approval": "1"}), 200
    if request.method == "POST":
        form = await read_form(request)
        data = _organisation_form(form)
        if data is not None:
            try:
                org = await buyers.create_organisation(data=data, by=require_user(request))
            except DomainError as exc:
                form.error(str(exc.data.get("field") or "name"), exc.message)
            else:
                flash(request, _("%(name)s was added.", name=org.name))
                return redirect(str(request.url_for("procurement.organisation",
                                                    organisation_id=org.id)))
        status = 422
    page = await buyers.organisations(page=page_number(request), search=request.query_params.get(
        "q", ""))
    return render(request, "procurement/organisations.html",
                  {"form": form, "listing": page, "q": request.query_params.get("q", ""),
                   "BuyerKind": BuyerKind, **_choices()}, status)


def _org_data(org: Organisation) -> dict[str, str]:
    return {"name": org.name, "kind": org.kind.value, "kabupaten": org.kabupaten,
            "address": org.address, "phone": org.phone, "email": org.email,
            "requires_approval": "1" if org.requires_approval else "",
            "active": "1" if org.active else "",
            "approval_threshold": str(org.approval_threshold)}


async def _organisation_post(request: Request, org: Organisation, viewer: Viewer,
                             form: Form) -> tuple[Form, Form] | Response:
    """One of the page's forms: details (office), add or remove staff (office or head)."""
    action, user = form.raw("action"), require_user(request)
    here = str(request.url_for("procurement.organisation", organisation_id=org.id))
    if action == "edit":
        if not viewer.office:
            raise Forbidden()
        data = _organisation_form(form)
        if data is not None:
            await buyers.update_organisation(organisation=org, data=data,
                                             active=form.boolean("active"), by=user)
            flash(request, _("Saved."))
            return redirect(here)
        return form, Form({"role": MemberRole.OFFICER.value})
    if not buyers.may_manage_staff(viewer, org):
        raise Forbidden(_("Only the trade office or the organisation's head manages its staff."))
    if action == "remove_member":
        member_id = form.integer("member_id")
        if member_id is not None:
            await buyers.remove_member(organisation=org, member_id=member_id, by=user)
            flash(request, _("Removed."), "info")
        return redirect(here)
    email = form.email("email")
    name = form.text("name", required=False, max_length=120)
    role = form.choice("role", [r.value for r in MemberRole])
    if form.valid:
        try:
            member, invited = await buyers.add_member(
                organisation=org, email=email, name=name, role=MemberRole(role), by=user,
                link_base=absolute_url(request, "accounts.reset"))
        except DomainError as exc:
            form.error("email", exc.message)
        else:
            flash(request, _("%(name)s was invited by email.", name=member.user.name) if invited
                  else _("%(name)s was added.", name=member.user.name))
            return redirect(here)
    return Form(_org_data(org)), form


@buyer_or_office
async def organisation(request: Request) -> Response:
    viewer = _viewer(request)
    org = await access.visible_organisation(viewer, request.path_params["organisation_id"])
    details, staff, status = Form(_org_data(org)), Form({"role": MemberRole.OFFICER.value}), 200
    if request.method == "POST":
        outcome = await _organisation_post(request, org, viewer, await read_form(request))
        if isinstance(outcome, Response):
            return outcome
        details, staff = outcome
        status = 422
    return render(request, "procurement/organisation.html", {
        "organisation": org, "members": await buyers.members(org), "details": details,
        "staff": staff, "may_edit": viewer.office,
        "may_manage": buyers.may_manage_staff(viewer, org), **_choices()}, status)


@office_required
async def office_staff(request: Request) -> Response:
    user, form, status = require_user(request), Form(), 200
    if request.method == "POST":
        form = await read_form(request)
        if not user.is_superuser:
            raise Forbidden(_("Only an administrator adds or removes trade office staff."))
        here = str(request.url_for("procurement.office_staff"))
        if form.raw("action") == "remove":
            staff_id = form.integer("staff_id")
            if staff_id is not None:
                await buyers.remove_office_staff(staff_id=staff_id, by=user)
                flash(request, _("Removed."), "info")
            return redirect(here)
        email = form.email("email")
        name = form.text("name", required=False, max_length=120)
        if form.valid:
            try:
                await buyers.add_office_staff(email=email, name=name, by=user,
                                              link_base=absolute_url(request, "accounts.reset"))
            except DomainError as exc:
                form.error("email", exc.message)
            else:
                flash(request, _("%(email)s is now trade office staff.", email=email))
                return redirect(here)
        status = 422
    return render(request, "procurement/office_staff.html", {
        "staff": await buyers.office_staff(), "form": form, "may_edit": user.is_superuser},
        status)


routes: list[BaseRoute] = [
    Route("/procurement", home, name="procurement.home"),
    Route("/procurement/office/organisations", organisations, methods=["GET", "POST"],
          name="procurement.organisations"),
    Route("/procurement/organisations/{organisation_id:pk}", organisation,
          methods=["GET", "POST"], name="procurement.organisation"),
    Route("/procurement/office/staff", office_staff, methods=["GET", "POST"],
          name="procurement.office_staff"),
]
