"""The public catalogue (``/katalog``): search with filters, a producer's page, products of
one kind side by side, and product photos of listed producers. Light pages: a GET form, no
script needed, lazy images."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, NoMatchFound, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.permissions import current_user, public
from expo.errors import NotFound
from expo.exhibitors import uploads
from expo.exhibitors.models import Category, Product
from expo.forms import Form
from expo.i18n import gettext as _
from expo.web import render, settings_of

from . import catalogue
from .access import viewer_of
from .catalogue import Filters, Hit

MAX_QUANTITY = 10_000_000
MAX_DAYS_AHEAD = 730
PHOTO_CACHE = "public, max-age=3600"


def parse_filters(form: Form, *, today: dt.date,
                  facets: catalogue.Facets) -> tuple[Filters, int]:
    """The search form's filters and page; a bad value gets an error and is left out."""
    quantity = form.integer("quantity", required=False, low=1, high=MAX_QUANTITY)
    needed_by = form.date("needed_by", required=False)
    if needed_by is not None and needed_by <= today:
        form.error("needed_by", _("Choose a date after today."))
        needed_by = None
    elif needed_by is not None and (needed_by - today).days > MAX_DAYS_AHEAD:
        form.error("needed_by", _("Choose a date within two years."))
        needed_by = None
    if quantity is not None and needed_by is None and "needed_by" not in form.errors:
        form.error("needed_by", _("Enter the date you need the goods by."))
    if needed_by is not None and quantity is None and "quantity" not in form.errors:
        form.error("quantity", _("Enter how many units you need."))
    page = form.integer("page", required=False, low=1, high=10_000) or 1
    category = form.choice("category", [c.value for c in Category], required=False)
    cluster = form.choice("cluster", facets.clusters, required=False)
    kabupaten = form.choice("kabupaten", [v for v, _label in facets.kabupaten],
                            required=False)
    q = form.text("q", required=False, max_length=80)
    if quantity is not None and needed_by is not None and not q.strip() and "q" not in form.errors:
        # "2,000 units by D" of what? The search needs the product, and the cluster sums are
        # then over the kinds that match it (a word keeps the search well under 100 ms).
        form.error("q", _("Type what you need (for example: nastar) to see who can deliver "
                          "%(n)s units by that date.", n=f"{quantity:,}".replace(",", ".")))
        quantity = None
    filters = Filters(
        q="" if "q" in form.errors else q,
        category="" if "category" in form.errors else category,
        cluster="" if "cluster" in form.errors else cluster,
        kabupaten="" if "kabupaten" in form.errors else kabupaten,
        halal=form.boolean("halal"),
        quantity=quantity if "quantity" not in form.errors else None,
        needed_by=needed_by)
    return filters, page if "page" not in form.errors else 1


def quote_url(request: Request, *, kind: str, name: str, unit: str, producer_id: int,
              quantity: int, needed_by: dt.date | None = None) -> str:
    """"Ask for a quote": part B's new request page, started from this product."""
    try:
        base = str(request.url_for("procurement.request_new").path)
    except NoMatchFound:
        base = "/procurement/requests/new"
    query = {"kind": kind, "name": name, "quantity": str(quantity), "unit": unit,
             "producer": str(producer_id)}
    if needed_by is not None:
        query["needed_by"] = needed_by.isoformat()
    return base + "?" + urlencode(query)


async def _can_ask(request: Request) -> bool:
    """"Ask for a quote" leads a visitor to sign in, and a signed-in user to the request form
    only if they may make one (the trade office, a buyer's staff): never to a refusal."""
    user = current_user(request)
    if user is None:
        return True
    viewer = await viewer_of(user)
    return viewer.office or viewer.is_buyer


def _hit_quote(request: Request, filters: Filters) -> Callable[[Hit], str]:
    def url(hit: Hit) -> str:
        return quote_url(request, kind=hit.kind, name=hit.name, unit=hit.unit,
                         producer_id=hit.producer_id,
                         quantity=filters.quantity if filters.capacity and filters.quantity
                         else hit.min_order, needed_by=filters.needed_by)
    return url


def _product_quote(request: Request) -> Callable[[Product], str]:
    def url(product: Product) -> str:
        return quote_url(request, kind=product.kind, name=product.name,
                         unit=product.capacity_unit, producer_id=product.producer_id,  # type: ignore[attr-defined]
                         quantity=max(product.min_order, 1))
    return url


def _page_url(request: Request, page: int) -> str:
    params = dict(request.query_params) | {"page": str(page)}
    return request.url.path + "?" + urlencode(params)


@public
async def search(request: Request) -> Response:
    today = catalogue.today()
    facets = await catalogue.facets()
    form = Form(dict(request.query_params))
    filters, page = parse_filters(form, today=today, facets=facets)
    results = await catalogue.search(filters=filters, today=today, page=page)
    return render(request, "procurement/catalogue.html", {
        "form": form, "facets": facets, "results": results, "today": today,
        "quote_url": _hit_quote(request, filters) if await _can_ask(request) else None,
        "prev_url": _page_url(request, page - 1) if page > 1 else "",
        "next_url": _page_url(request, page + 1) if page < results.pages else "",
        "Category": Category}, 200 if form.valid else 422)


@public
async def producer(request: Request) -> Response:
    today = catalogue.today()
    page = await catalogue.producer_page(producer_id=request.path_params["producer_id"],
                                         today=today)
    return render(request, "procurement/catalogue_producer.html", {
        "page": page, "producer": page.producer, "today": today, "Category": Category,
        "quote_url": _product_quote(request) if await _can_ask(request) else None})


@public
async def compare(request: Request) -> Response:
    today = catalogue.today()
    form = Form(dict(request.query_params))
    kind = form.text("kind", required=False, max_length=60).lower()
    needed_by = form.date("needed_by", required=False)
    if needed_by is not None and needed_by <= today:
        form.error("needed_by", _("Choose a date after today."))
    if needed_by is None or not form.valid:
        needed_by = today + dt.timedelta(days=30)
    hits = await catalogue.compare(kind=kind, today=today, needed_by=needed_by) \
        if "kind" not in form.errors else []
    return render(request, "procurement/catalogue_compare.html", {
        "form": form, "kind": kind, "hits": hits, "needed_by": needed_by, "today": today,
        "limit": catalogue.COMPARE_LIMIT, "Category": Category,
        "quote_url": _hit_quote(request, Filters(needed_by=needed_by))
        if await _can_ask(request) else None},
        200 if form.valid else 422)


@public
async def photo(request: Request) -> Response:
    size = request.path_params["size"]
    if size not in ("thumb", "large"):
        raise NotFound()
    product = await catalogue.photo_of(product_id=request.path_params["product_id"])
    path = uploads.photo_path(settings_of(request).uploads_dir, product.photo,
                              thumb=size == "thumb")
    if not path.exists():
        raise NotFound()
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": PHOTO_CACHE,
                                 "X-Content-Type-Options": "nosniff"})


routes: list[BaseRoute] = [
    Route("/katalog", search, name="procurement.catalogue"),
    Route("/katalog/produsen/{producer_id:pk}", producer, name="procurement.catalogue_producer"),
    Route("/katalog/banding", compare, name="procurement.catalogue_compare"),
    Route("/katalog/foto/{product_id:pk}/{size:str}", photo, name="procurement.catalogue_photo"),
]
