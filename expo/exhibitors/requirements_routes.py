"""The committee's page of required documents per category, and exceptions for one
application (``expo.exhibitors.requirements``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.exhibitors import requirements
from expo.exhibitors.models import Category, DocumentKind
from expo.forms import Form
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import SETUP, Tab, register_tab
from expo.templating import flash
from expo.web import read_form, redirect, render

register_tab(Tab("exhibitors.required_documents", _l("Required documents"),
                 frozenset({Role.COMMITTEE}), 24, phase=SETUP))

LINES = range(requirements.MAX_PER_CATEGORY)


def _field(category: Category, line: int, kind: DocumentKind) -> str:
    return f"r-{category.value}-{line}-{kind.value}"


def _rules_form(rules: dict[Category, list[requirements.Requirement]]) -> Form:
    data = {_field(category, line, kind): "1"
            for category, reqs in rules.items()
            for line, requirement in enumerate(reqs) for kind in requirement.kinds}
    return Form(data)


def _parse_rules(form: Form) -> dict[Category, list[list[DocumentKind]]]:
    return {category: [[kind for kind in DocumentKind
                        if form.boolean(_field(category, line, kind))] for line in LINES]
            for category in Category}


async def _page(request: Request, form: Form | None = None, waiver: Form | None = None,
                status_code: int = 200) -> Response:
    event = request.state.event
    rules = await requirements.rules_for(event)
    return render(request, "exhibitors/required_documents.html", {
        "event": event, "form": form or _rules_form(rules), "waiver": waiver or Form(),
        "categories": list(Category), "kinds": list(DocumentKind), "lines": LINES,
        "field_name": _field, "rules": rules,
        "waiting": await requirements.drafts_missing_documents(event)}, status_code)


@event_role(Role.COMMITTEE)
async def required_documents(request: Request) -> Response:
    if request.method == "GET":
        return await _page(request)
    form = await read_form(request)
    try:
        await requirements.set_rules(event=request.state.event, rules=_parse_rules(form),
                                     by=require_user(request))
    except DomainError as exc:
        form.error("__all__", exc.message)
        return await _page(request, form=form, status_code=exc.status_code)
    flash(request, _("Required documents saved."))
    return redirect(str(request.url_for("exhibitors.required_documents",
                                        slug=request.state.event.slug)))


@event_role(Role.COMMITTEE)
async def waive(request: Request) -> Response:
    event = request.state.event
    application = await requirements.event_application(
        event=event, application_id=request.path_params["application_id"])
    form = await read_form(request)
    try:
        await requirements.waive(application=application, reason=form.raw("reason"),
                                 by=require_user(request))
    except DomainError as exc:
        form.error("reason", exc.message)
        form.data["application"] = str(application.id)
        return await _page(request, waiver=form, status_code=exc.status_code)
    flash(request, _("Exception granted: %(name)s can send the application without the "
                     "missing documents.", name=application.producer.business_name))
    return redirect(str(request.url_for("exhibitors.required_documents", slug=event.slug)))


@event_role(Role.COMMITTEE)
async def revoke(request: Request) -> Response:
    event = request.state.event
    application = await requirements.event_application(
        event=event, application_id=request.path_params["application_id"])
    await read_form(request)
    await requirements.revoke_waiver(application=application, by=require_user(request))
    flash(request, _("Exception withdrawn."), "info")
    return redirect(str(request.url_for("exhibitors.required_documents", slug=event.slug)))


routes = [
    Route("/manage/e/{slug}/required-documents", required_documents, methods=["GET", "POST"],
          name="exhibitors.required_documents"),
    Route("/manage/e/{slug}/applications/{application_id:pk}/waive", waive, methods=["POST"],
          name="exhibitors.waive_documents"),
    Route("/manage/e/{slug}/applications/{application_id:pk}/waiver/revoke", revoke,
          methods=["POST"], name="exhibitors.revoke_waiver"),
]
