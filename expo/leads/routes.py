"""Lead pages for visitors: the stand page behind the QR poster, save, contact, inquiry,
"my expo"; and for exhibitors: the inbox, a lead, the export, the lead scanner."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from expo import qr
from expo.accounts.models import Role
from expo.accounts.permissions import current_user, public, require_user
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.events.permissions import event_role
from expo.events.service import viewable_event
from expo.exhibitors import uploads
from expo.exhibitors.models import Category
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import ACCEPTED_EXHIBITOR, DAY, Tab, register_tab
from expo.regions import region_choices
from expo.templating import flash
from expo.visitors import identity, keys, notify
from expo.visitors import service as visitor_service
from expo.visitors.forms import parse_visitor_form
from expo.visitors.models import PUBLIC_TYPES, Visitor, VisitorType
from expo.web import absolute_url, read_form, redirect, render, settings_of
from expo.xlsx import XLSX_MIME

from . import matching, service
from .exporter import leads_workbook
from .forms import parse_inquiry, parse_lead_update, parse_share_status
from .models import LeadSource, LeadStatus, Rating, ShareStatus

register_tab(Tab("leads.inbox", _l("Leads"), frozenset({Role.EXHIBITOR}), 40, phase=DAY,
                 needs=ACCEPTED_EXHIBITOR))
register_tab(Tab("leads.scanner", _l("Lead scanner"), frozenset({Role.EXHIBITOR}), 41, phase=DAY,
                 needs=ACCEPTED_EXHIBITOR))


def _secret(request: Request) -> str:
    return str(settings_of(request).secret_key)


def _today(event: Event) -> dt.date:
    return dt.datetime.now(ZoneInfo(event.timezone)).date()


async def _visitor(request: Request, event: Event) -> Visitor | None:
    return await identity.current_visitor(request, event=event, secret_key=_secret(request))


async def _stand(request: Request) -> tuple[Event, service.Stand]:
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    return event, await service.stand_by_code(event=event, code=request.path_params["code"])


def _stand_url(request: Request, event: Event, code: str) -> str:
    """The stand page's path, to redirect to (the browser stays on the host it used)."""
    return str(request.app.url_path_for("leads.stand", slug=event.slug, code=code))


def stand_link(request: Request, event: Event, code: str) -> str:
    """The stand page's public address for QR codes and posters: on EXPO_BASE_URL, never
    on the request's Host header (the QR image is cached publicly for a day)."""
    return absolute_url(request, "leads.stand", slug=event.slug, code=code)


# ---- visitors ----------------------------------------------------------------------------

@public
async def stand(request: Request) -> Response:
    event, item = await _stand(request)
    visitor = await _visitor(request, event)
    return render(request, "leads/stand.html", {
        "event": event, "stand": item, "visitor": visitor,
        "state": await service.visitor_state(visitor=visitor, application=item.application),
        "Category": Category,
        "whatsapp": service.producer_whatsapp(phone=item.producer.phone,
                                              business=item.producer.business_name,
                                              event_name=event.name)})


@public
async def product_photo(request: Request) -> Response:
    _event, item = await _stand(request)
    product = await service.public_product(stand=item, product_id=request.path_params["pid"])
    path = uploads.photo_path(settings_of(request).uploads_dir, product.photo,
                              thumb=request.path_params["size"] == "thumb")
    if not path.exists():
        raise NotFound()
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "public, max-age=86400"})


@public
async def stand_qr(request: Request) -> Response:
    event, item = await _stand(request)
    link = stand_link(request, event, item.booth.code)
    return Response(qr.png(link, scale=10), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})


async def _require_visitor(request: Request, event: Event) -> Visitor:
    visitor = await _visitor(request, event)
    if visitor is None:
        raise DomainError(_("Open your ticket link first, or tell us who you are."),
                          "visitor_unknown", status_code=403)
    return visitor


@public
async def save(request: Request) -> Response:
    event, item = await _stand(request)
    visitor = await _require_visitor(request, event)
    form = await read_form(request)
    if form.raw("action") == "remove":
        await service.unsave_stand(visitor=visitor, application=item.application)
        flash(request, _("Removed from my expo."))
    else:
        await service.save_stand(visitor=visitor, application=item.application)
        flash(request, _("Saved to my expo."))
    return redirect(_stand_url(request, event, item.booth.code))


@public
async def contact(request: Request) -> Response:
    event, item = await _stand(request)
    visitor = await _require_visitor(request, event)
    form = await read_form(request)
    give = form.boolean("consent")
    state = await service.visitor_state(visitor=visitor, application=item.application)
    if not give and not state["consent"]:
        raise DomainError(_("Tick the box to share your contact: the producer needs it "
                            "to answer you."), "consent_required", status_code=422)
    await service.set_consent(visitor=visitor, application=item.application, consent=give,
                              wants_contact=give)
    flash(request, _("Thank you: %(name)s will contact you.", name=item.producer.business_name)
          if give else _("Done: this stand no longer sees your contact details."))
    return redirect(_stand_url(request, event, item.booth.code))


@public
async def inquiry(request: Request) -> Response:
    event, item = await _stand(request)
    visitor = await _visitor(request, event)
    if visitor is None:
        return redirect(str(request.url_for("leads.identify", slug=event.slug))
                        + f"?stand={item.booth.code}")
    form = Form({"quantity": "", "product": str(item.products[0].id) if item.products else ""})
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        try:
            data = parse_inquiry(form, product_names={p.id: p.name for p in item.products},
                                 today=_today(event))
            await service.create_inquiry(visitor=visitor, application=item.application,
                                         data=data)
            flash(request, _("Your inquiry was sent to %(name)s.",
                             name=item.producer.business_name))
            return redirect(str(request.url_for("leads.my_expo", slug=event.slug)))
        except FormInvalid:
            status = 422
    options = [("", _("Something else (describe below)"))] + [(str(p.id), p.name)
                                                                for p in item.products]
    return render(request, "leads/inquiry.html", {"event": event, "stand": item, "form": form,
                                                  "visitor": visitor,
                                                  "product_options": options}, status)


@public
async def identify(request: Request) -> Response:
    """The short form for visitors who did not open their ticket link on this phone."""
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    code = request.query_params.get("stand", "")[:20]
    form = Form({"type": "umum", "kabupaten": "Kota Samarinda"})
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        code = form.raw("stand")[:20]
        try:
            data = parse_visitor_form(form)
        except FormInvalid:
            status = 422
        else:
            # As the registration form does: one ticket per phone, sent by WhatsApp and email.
            post = notify.Post(url_for=partial(absolute_url, request), signer=await keys.keyring(
                event_id=event.id, settings=settings_of(request)))
            done = await visitor_service.register(event=event, data=data, post=post)
            target = (_stand_url(request, event, code) if code
                      else str(request.url_for("leads.my_expo", slug=event.slug)))
            if not done.created:
                # Knowing a phone number must not open its owner's expo on this phone: the
                # ticket link (which does) went to that phone instead.
                flash(request, _("This phone number already has a ticket: we have sent its "
                                 "link to it again. Open the link on this phone to continue."),
                      "warning")
                return redirect(target)
            visitor = done.visitor
            response = redirect(target)
            identity.remember(response, visitor=visitor, secret_key=_secret(request),
                              https_only=settings_of(request).https_only)
            flash(request, _("Welcome, %(name)s. Your ticket is in my expo.", name=visitor.name))
            return response
    return render(request, "leads/identify.html", {
        "event": event, "form": form, "stand_code": code,
        "type_options": [(t.value, t.label) for t in PUBLIC_TYPES],
        "region_options": region_choices()}, status)


@public
async def my_expo(request: Request) -> Response:
    event, _roles = await viewable_event(slug=request.path_params["slug"],
                                         user=current_user(request))
    visitor = await _visitor(request, event)
    if visitor is None:
        return redirect(str(request.url_for("leads.identify", slug=event.slug)))
    mine = await service.my_expo(visitor=visitor)
    checks = {i.id: await matching.capacity_check(inquiry=i, today=_today(event))
              for i in mine.inquiries}
    return render(request, "leads/my_expo.html", {"event": event, "visitor": visitor,
                                                  "mine": mine, "checks": checks})


# ---- exhibitors ----------------------------------------------------------------------------

async def _exhibitor(request: Request):  # type: ignore[no-untyped-def]
    return await service.exhibitor_for(user=require_user(request), event=request.state.event)


@event_role(Role.EXHIBITOR)
async def inbox(request: Request) -> Response:
    event = request.state.event
    application = await _exhibitor(request)
    q = request.query_params
    filters = service.InboxFilter(q=q.get("q", "")[:80], status=q.get("status", "")[:10],
                                  rating=q.get("rating", "")[:5], source=q.get("source", "")[:8],
                                  procurement=q.get("procurement") == "1")
    box = await service.inbox(application=application, filters=filters)
    links = {lead.id: service.whatsapp_link(
        phone=lead.visitor.phone, visitor_name=lead.visitor.name,
        business=application.producer.business_name, event_name=event.name)
        for lead in box.leads if lead.visitor.phone}
    return render(request, "leads/inbox.html", {
        "event": event, "application": application, "box": box, "filters": filters,
        "links": links, "inquiries": await service.visible_inquiries(application=application),
        "shares": await matching.shares_for(application=application),
        "LeadStatus": LeadStatus, "Rating": Rating, "LeadSource": LeadSource,
        "ShareStatus": ShareStatus, "VisitorType": VisitorType})


@event_role(Role.EXHIBITOR)
async def lead_detail(request: Request) -> Response:
    event = request.state.event
    application = await _exhibitor(request)
    lead_id = request.path_params["lead_id"]
    lead = await service.get_lead(application=application, lead_id=lead_id)
    form = Form({"rating": lead.rating or "", "status": lead.status, "notes": lead.notes,
                 "tags": lead.tags, "value": str(lead.value or "")})
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        try:
            await service.update_lead(application=application, lead_id=lead_id,
                                      data=parse_lead_update(form), by=require_user(request))
            flash(request, _("Lead saved."))
            return redirect(str(request.url_for("leads.inbox", slug=event.slug)))
        except FormInvalid:
            status = 422
    return render(request, "leads/lead.html", {
        "event": event, "lead": lead, "form": form,
        "inquiries": await service.inquiries_of(application=application, lead=lead),
        "whatsapp": service.whatsapp_link(phone=lead.visitor.phone,
                                          visitor_name=lead.visitor.name,
                                          business=application.producer.business_name,
                                          event_name=event.name),
        "rating_options": [("", _("Not rated"))] + Rating.choices(),
        "status_options": LeadStatus.choices(),
        "VisitorType": VisitorType, "LeadSource": LeadSource}, status)


@event_role(Role.EXHIBITOR)
async def export(request: Request) -> Response:
    event = request.state.event
    application = await _exhibitor(request)
    data = await leads_workbook(event=event, application=application)
    name = f"leads-{event.slug}-{application.id}.xlsx"
    return Response(data, media_type=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@event_role(Role.EXHIBITOR)
async def share_respond(request: Request) -> Response:
    event = request.state.event
    application = await _exhibitor(request)
    form = await read_form(request)
    try:
        status = parse_share_status(form)
    except FormInvalid:
        raise DomainError(_("Choose accept or decline."), "share_status", status_code=422) from None
    await matching.set_share_status(event=event, share_id=request.path_params["share_id"],
                                    status=status, by=require_user(request),
                                    application=application)
    flash(request, _("Your answer was saved."))
    return redirect(str(request.url_for("leads.inbox", slug=event.slug)))


@event_role(Role.EXHIBITOR)
async def scanner(request: Request) -> Response:
    event = request.state.event
    application = await _exhibitor(request)
    config = {"slug": event.slug, "scan": str(request.url_for("leads.scan", slug=event.slug).path),
              "wasm": str(request.url_for("static", path="vendor/barcode-detector/"
                                                          "zxing_reader.wasm").path),
              "messages": {"offline": _("Offline: the scan is kept and sent later"),
                           "error": _("This code could not be read as a ticket"),
                           "no_camera": _("No camera here: use a handheld scanner or type "
                                          "the code.")}}
    return render(request, "leads/scanner.html", {
        "event": event, "application": application,
        "config": Markup(json.dumps(config).replace("</", "<\\/"))})  # noqa: S704


@event_role(Role.EXHIBITOR)
async def scan(request: Request) -> Response:
    """JSON: {"code", "nonce"} -> the lead (with a link to rate it when the contact is shared)."""
    event = request.state.event
    application = await _exhibitor(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise DomainError(_("Send the scanned code."), "code_missing", status_code=422)
    out = await service.record_scan(event=event, application=application, code=body["code"],
                                    signer=await keys.keyring_for_code(
                                        event_id=event.id, code=body["code"],
                                        settings=settings_of(request)),
                                    by=require_user(request), nonce=str(body.get("nonce", "")))
    label = out.visitor.name if out.visible else _("A visitor (contact not shared)")
    return JSONResponse({
        "status": "ok", "created": out.created, "lead": out.lead.id, "visible": out.visible,
        "message": (_("New lead: %(name)s", name=label) if out.created
                    else _("Scanned again: %(name)s", name=label)),
        "url": str(request.url_for("leads.lead", slug=event.slug, lead_id=out.lead.id).path)
        if out.visible else ""})


_M = "/manage/e/{slug}/leads"
routes = [
    Route("/e/{slug}/s/{code}", stand, name="leads.stand"),
    Route("/e/{slug}/s/{code}/qr.png", stand_qr, name="leads.stand_qr"),
    Route("/e/{slug}/s/{code}/p/{pid:int}/{size:str}", product_photo, name="leads.product_photo"),
    Route("/e/{slug}/s/{code}/save", save, methods=["POST"], name="leads.save"),
    Route("/e/{slug}/s/{code}/contact", contact, methods=["POST"], name="leads.contact"),
    Route("/e/{slug}/s/{code}/inquiry", inquiry, methods=["GET", "POST"], name="leads.inquiry"),
    Route("/e/{slug}/me", identify, methods=["GET", "POST"], name="leads.identify"),
    Route("/e/{slug}/my-expo", my_expo, name="leads.my_expo"),
    Route(_M, inbox, name="leads.inbox"),
    Route(_M + "/export.xlsx", export, name="leads.export"),
    Route(_M + "/scanner", scanner, name="leads.scanner"),
    Route(_M + "/scan", scan, methods=["POST"], name="leads.scan"),
    Route(_M + "/{lead_id:int}", lead_detail, methods=["GET", "POST"], name="leads.lead"),
    Route(_M + "/shares/{share_id:int}", share_respond, methods=["POST"],
          name="leads.share_respond"),
]
