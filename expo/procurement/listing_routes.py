"""Who is in the catalogue: the producer's own listing (opt in or out), and the trade office's
curation (the list, one producer's listing with its legality checks, a producer added by
hand)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.exhibitors import service as exhibitors
from expo.exhibitors import service as exhibitors_service
from expo.exhibitors.forms import parse_product, parse_profile
from expo.exhibitors.models import Category, Producer
from expo.forms import Form, FormInvalid
from expo.i18n import gettext as _
from expo.regions import region_choices
from expo.templating import flash
from expo.web import absolute_url, read_form, redirect, render, settings_of

from . import catalogue, listing
from .access import office_required, producer_required

ITEM_LABELS = {"nib": "NIB", "pirt": "PIRT", "halal": "Halal", "bpom": "BPOM"}


def _items(row: listing.Row) -> list[dict[str, Any]]:
    """Each legality item of the office page: its number, whether it is verified."""
    out = []
    for item in listing.ITEMS:
        verified = getattr(row.listing, f"{item}_verified_at") if row.listing else None
        out.append({"code": item, "label": ITEM_LABELS[item], "verified_at": verified,
                    "number": getattr(row.producer, listing.NUMBER_FIELDS[item])})
    return out


# --- the producer's own listing ---------------------------------------------------------------

async def _mine_page(request: Request, producer: Producer, status: int = 200) -> Response:
    row = listing.Row(producer, await listing.listing_of(producer))
    products = await exhibitors.products_of(producer)
    return render(request, "procurement/listing_mine.html", {
        "producer": producer, "listing": row.listing,
        "badges": catalogue.badges(producer, row.listing, catalogue.today()),
        "unverified": row.unverified, "products": products,
        "incomplete": [p for p in products if not p.kind or not (
            p.capacity_per_week or p.capacity_per_month)]}, status)


@producer_required
async def mine(request: Request) -> Response:
    user = require_user(request)
    producer = await exhibitors.require_producer(user)
    if request.method == "GET":
        return await _mine_page(request, producer)
    form = await read_form(request)
    action = form.raw("action")
    if action == "opt_in":
        await listing.opt_in(producer=producer, by=user)
        flash(request, _("Your products are now in the public catalogue."))
    elif action == "opt_out":
        await listing.opt_out(producer=producer, by=user)
        flash(request, _("Your products are no longer in the public catalogue."), "info")
    else:
        return await _mine_page(request, producer, 422)
    return redirect(str(request.url_for("procurement.listing_mine")))


# --- the trade office ---------------------------------------------------------------------------

@office_required
async def office_list(request: Request) -> Response:
    form = Form(dict(request.query_params))
    status = form.choice("status", listing.STATUSES[1:], required=False)
    page_no = form.integer("page", required=False, low=1, high=100_000) or 1
    q = form.text("q", required=False, max_length=80)
    page = await listing.office_list(status="" if "status" in form.errors else status,
                                     unverified=form.boolean("unverified"),
                                     q="" if "q" in form.errors else q,
                                     page=1 if "page" in form.errors else page_no)
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    return render(request, "procurement/office_listings.html", {
        "form": form, "page": page, "params": params, "items": listing.ITEMS,
        "status_options": [("", _("All producers")), ("listed", _("In the catalogue")),
                           ("unlisted", _("Taken out")), ("none", _("Never listed"))]},
        200 if form.valid else 422)


async def _office_page(request: Request, row: listing.Row, form: Form | None = None,
                       status: int = 200) -> Response:
    return render(request, "procurement/office_listing.html", {
        "row": row, "producer": row.producer, "listing": row.listing, "items": _items(row),
        "form": form or Form(), "today": catalogue.today(),
        "badges": catalogue.badges(row.producer, row.listing, catalogue.today()),
        "products": await exhibitors.products_of(row.producer), "Category": Category}, status)


async def _office_action(request: Request, row: listing.Row, form: Form) -> str:
    """Run the posted action; returns what to tell the trade office."""
    by = require_user(request)
    action = form.raw("action")
    if action in ("list", "unlist"):
        await listing.set_listed(producer=row.producer, listed=action == "list", by=by)
        return _("Listed in the catalogue.") if action == "list" else _(
            "Taken out of the catalogue.")
    verb, _sep, item = action.partition(":")
    if verb not in ("verify", "unverify") or item not in listing.ITEMS:
        raise DomainError(_("Unknown action."), "unknown_action")
    await listing.verify(producer=row.producer, item=item, verified=verb == "verify", by=by,
                         today=catalogue.today())
    return _("%(item)s verified.", item=ITEM_LABELS[item]) if verb == "verify" else _(
        "%(item)s no longer verified.", item=ITEM_LABELS[item])


@office_required
async def office_one(request: Request) -> Response:
    row = await listing.office_producer(producer_id=request.path_params["producer_id"])
    if request.method == "GET":
        return await _office_page(request, row)
    form = await read_form(request)
    try:
        done = await _office_action(request, row, form)
    except DomainError as exc:
        form.error(str(exc.data.get("field") or "__all__"), exc.message)
        return await _office_page(request, row, form, exc.status_code)
    flash(request, done)
    return redirect(str(request.url_for("procurement.office_listing",
                                        producer_id=row.producer.id)))


PRODUCT_PREFIX = "product_"


def _product_form(form: Form) -> Form:
    """The product part of the add-producer form, read as the product form reads it."""
    return Form({k[len(PRODUCT_PREFIX):]: v for k, v in form.data.items()
                 if k.startswith(PRODUCT_PREFIX)})


async def _new_page(request: Request, form: Form, status: int = 200) -> Response:
    return render(request, "procurement/office_producer_new.html", {
        "form": form, "category_options": Category.choices(),
        "region_options": region_choices(),
        "kinds": await exhibitors_service.kinds_in_use()}, status)


def _parse_new(form: Form, kinds: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(profile, product) of the add-producer form; errors of both parts on ``form``."""
    profile: dict[str, Any] = {}
    product: dict[str, Any] = {}
    try:
        profile = parse_profile(form)
    except FormInvalid:
        pass
    part = _product_form(form)
    try:
        product = parse_product(part, known_kinds=kinds)
    except FormInvalid:
        for name, message in part.errors.items():
            form.error(PRODUCT_PREFIX + name, message)
    form.check()
    return profile, product


@office_required
async def office_new(request: Request) -> Response:
    if request.method == "GET":
        return await _new_page(request, Form({
            "kabupaten": "Kota Samarinda", "category": "kuliner", "is_micro": "1",
            "product_capacity_period": "week", "product_min_order": "1", "invite": "1"}))
    form = await read_form(request)
    try:
        profile, product = _parse_new(form, await exhibitors_service.kinds_in_use())
        producer = await listing.add_producer(
            profile=profile, product=product, by=require_user(request),
            invite=form.boolean("invite"), settings=settings_of(request),
            link_base=absolute_url(request, "accounts.reset"))
    except FormInvalid:
        return await _new_page(request, form, 422)
    flash(request, _("%(name)s was added to the catalogue.", name=producer.business_name))
    return redirect(str(request.url_for("procurement.office_listing", producer_id=producer.id)))


routes: list[BaseRoute] = [
    Route("/exhibitor/catalogue", mine, methods=["GET", "POST"], name="procurement.listing_mine"),
    Route("/procurement/office/catalogue", office_list, name="procurement.office_listings"),
    Route("/procurement/office/catalogue/new", office_new, methods=["GET", "POST"],
          name="procurement.office_producer_new"),
    Route("/procurement/office/catalogue/{producer_id:pk}", office_one, methods=["GET", "POST"],
          name="procurement.office_listing"),
]
