"""Lead pages for the committee (figures, procurement, grouped offers) and the printable
stand QR posters (the committee prints all, an exhibitor their own)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo import qr
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.models import Event
from expo.events.permissions import event_role
from expo.exhibitors.models import Category
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.nav import AFTER, DAY, EXHIBITOR_OR_COMMITTEE, Tab, register_tab
from expo.templating import flash
from expo.web import absolute_url, read_form, redirect, render

from . import matching, service
from .forms import parse_offer, parse_share_status
from .models import InquiryStatus, OfferStatus, ShareStatus

register_tab(Tab("leads.committee", _l("Leads overview"), frozenset({Role.COMMITTEE}), 42,
                 phase=AFTER))
register_tab(Tab("leads.posters", _l("Stand posters"), frozenset({Role.COMMITTEE,
                                                                   Role.EXHIBITOR}), 43, phase=DAY,
                 needs=EXHIBITOR_OR_COMMITTEE))


def _today(event: Event) -> dt.date:
    return dt.datetime.now(ZoneInfo(event.timezone)).date()


@event_role(Role.COMMITTEE)
async def overview(request: Request) -> Response:
    event = request.state.event
    inquiries = await matching.procurement_inquiries(event=event)
    checks = {i.id: await matching.capacity_check(inquiry=i, today=_today(event))
              for i in inquiries if i.status != "grouped"}
    return render(request, "leads/committee.html", {
        "event": event, "summary": await matching.committee_summary(event=event),
        "inquiries": inquiries, "checks": checks, "offers": await matching.offers_of(event=event),
        "InquiryStatus": InquiryStatus, "OfferStatus": OfferStatus})


@event_role(Role.COMMITTEE)
async def group(request: Request) -> Response:
    """Turn an inquiry into a grouped offer: the proposed split, editable."""
    event = request.state.event
    inquiry = await matching.get_inquiry(event=event, inquiry_id=request.path_params["iid"])
    check = await matching.capacity_check(inquiry=inquiry, today=_today(event))
    candidates = [check.own, *check.others]
    plan = check.split
    form = Form({"title": f"{inquiry.quantity} {inquiry.unit} {inquiry.product_name}"
                          + (f" · {inquiry.agency}" if inquiry.agency else ""),
                 "quantity": str(inquiry.quantity), "unit": inquiry.unit,
                 "needed_by": inquiry.needed_by.isoformat() if inquiry.needed_by else ""}
                | {f"share_{k}": str(v) for k, v in plan.shares.items()})
    status = 200
    if request.method == "POST":
        form = await read_form(request)
        try:
            data = parse_offer(form, candidates=[c.application.id for c in candidates])
            offer = await matching.create_offer(event=event, inquiry=inquiry, data=data,
                                                by=require_user(request))
            flash(request, _("Grouped offer created."))
            return redirect(str(request.url_for("leads.offer", slug=event.slug,
                                                 offer_id=offer.id)))
        except FormInvalid:
            status = 422
    return render(request, "leads/group.html", {
        "event": event, "inquiry": inquiry, "check": check, "candidates": candidates,
        "plan": plan, "form": form}, status)


@event_role(Role.COMMITTEE)
async def offer(request: Request) -> Response:
    event = request.state.event
    item = await matching.get_offer(event=event, offer_id=request.path_params["offer_id"])
    if request.method == "POST":
        form = await read_form(request)
        choice = form.choice("offer_status", [s.value for s in OfferStatus])
        if not form.valid:
            raise DomainError(_("Choose one of the offer statuses."), "offer_status",
                              status_code=422)
        await matching.set_offer_status(offer=item, status=OfferStatus(choice),
                                        by=require_user(request))
        return redirect(str(request.url_for("leads.offer", slug=event.slug, offer_id=item.id)))
    shares = await matching.shares_of(item)
    codes = await service.booth_codes([s.application_id for s in shares])  # type: ignore[attr-defined]
    return render(request, "leads/offer.html", {
        "event": event, "offer": item, "shares": shares, "codes": codes,
        "covered": sum(s.quantity for s in shares if s.status != ShareStatus.DECLINED),
        "share_options": ShareStatus.choices(), "offer_options": OfferStatus.choices(),
        "OfferStatus": OfferStatus})


@event_role(Role.COMMITTEE)
async def share_status(request: Request) -> Response:
    event = request.state.event
    form = await read_form(request)
    try:
        status = parse_share_status(form)
    except FormInvalid:
        raise DomainError(_("Choose one of the share statuses."), "share_status",
                          status_code=422) from None
    share = await matching.set_share_status(event=event, share_id=request.path_params["share_id"],
                                            status=status, by=require_user(request))
    return redirect(str(request.url_for("leads.offer", slug=event.slug,
                                        offer_id=share.offer_id)))  # type: ignore[attr-defined]


@event_role(Role.COMMITTEE, Role.EXHIBITOR)
async def posters(request: Request) -> Response:
    """Printable QR posters: A4 (default) or A5, one stand per page."""
    event = request.state.event
    application = None
    if Role.COMMITTEE not in request.state.roles and not require_user(request).is_superuser:
        application = await service.exhibitor_for(user=require_user(request), event=event)
    size = "a5" if request.query_params.get("size") == "a5" else "a4"
    booths = await service.stands_for_posters(event=event, application=application)
    items = []
    for booth in booths:
        # On EXPO_BASE_URL, never on the Host header: posters are printed and kept.
        link = absolute_url(request, "leads.stand", slug=event.slug, code=booth.code)
        items.append({"booth": booth, "producer": booth.holder.producer,  # type: ignore[union-attr]
                      "link": link,
                      "svg": qr.svg(link, scale=8)})
    return render(request, "leads/posters.html", {
        "event": event, "items": items, "size": size, "Category": Category})


_M = "/manage/e/{slug}/leads"
routes = [
    Route(_M + "/overview", overview, name="leads.committee"),
    Route(_M + "/inquiries/{iid:int}/group", group, methods=["GET", "POST"], name="leads.group"),
    Route(_M + "/offers/{offer_id:int}", offer, methods=["GET", "POST"], name="leads.offer"),
    Route(_M + "/offers/shares/{share_id:int}", share_status, methods=["POST"],
          name="leads.share_status"),
    Route(_M + "/posters", posters, name="leads.posters"),
]
