"""Quotes over HTTP: the producer's link (``/q/<token>``, no sign-in, made for a phone) and,
signed in, the producer's list of quotes and orders and one quote's page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.permissions import current_user, public
from expo.errors import DomainError, error_response
from expo.forms import Form
from expo.i18n import gettext as _
from expo.ratelimit import SharedRateLimiter
from expo.templating import flash
from expo.web import client_ip, read_form, redirect, render

from . import access, quotes, requests
from .access import Viewer, producer_required
from .models import Quote

# Answers by link: per client address (a guessed token is 32 random bytes; this only keeps
# the page from being hammered).
LINK_LIMIT = SharedRateLimiter("quote_link", limit=30, window=600)  # across workers
NO_STORE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def _form_of(quote: Quote) -> Form:
    item = quote.item
    return Form({"quantity": str(quote.quantity or quote.proposed_quantity or item.quantity),
                 "unit_price": str(quote.unit_price or (quote.product.price_min
                                                        if quote.product else "")),
                 "delivery_on": (quote.delivery_on or item.needed_by).isoformat(),
                 "note": quote.note if quote.status != "declined" else ""})


async def _handle(request: Request, quote: Quote, form: Form) -> Quote | None:
    """An answer or a refusal from the form; None when the form has errors."""
    user = current_user(request)
    try:
        if form.raw("action") == "decline":
            reason = form.text("reason", max_length=300)
            if not form.valid:
                return None
            return await quotes.decline(quote=quote, reason=reason, by=user)
        quantity = form.integer("quantity", low=1, high=10_000_000)
        price = form.rupiah("unit_price", low=1)
        delivery_on = form.date("delivery_on")
        note = form.text("note", required=False, max_length=300)
        if not form.valid or quantity is None or price is None or delivery_on is None:
            return None
        return await quotes.answer(quote=quote, quantity=quantity, unit_price=price,
                                   delivery_on=delivery_on, note=note, on=requests.today(),
                                   by=user)
    except DomainError as exc:
        if exc.status_code == 409:
            form.error("__all__", exc.message)
        else:
            form.error(str(exc.data.get("field") or "quantity"), exc.message)
        return None


def _context(quote: Quote, form: Form, done: bool = False) -> dict[str, object]:
    return {"quote": quote, "item": quote.item, "req": quote.item.request, "form": form,
            "answerable": quotes.answerable(quote), "done": done}


@public
async def quote_link(request: Request) -> Response:
    if await LINK_LIMIT.hit(client_ip(request)):
        return error_response(request, 429, _("Too many attempts. Wait a few minutes and open "
                                              "the link again."), "too_many")
    token = request.path_params["token"]
    quote = await quotes.by_token(token)
    form, status, done = _form_of(quote), 200, False
    if request.method == "POST":
        form = await read_form(request)
        answered = await _handle(request, quote, form)
        if answered is not None:
            quote, form, done = answered, _form_of(answered), True
        else:
            status = 422
    response = render(request, "procurement/quote_link.html",
                      {**_context(quote, form, done), "token": token}, status)
    response.headers.update(NO_STORE)
    return response


@producer_required
async def supplier(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    return render(request, "procurement/supplier.html", {
        "quotes": await quotes.quotes_of(viewer.producer_ids),
        "orders": await quotes.orders_of(viewer.producer_ids)})


@producer_required
async def supplier_quote(request: Request) -> Response:
    viewer: Viewer = request.state.viewer
    quote = await access.producer_quote(viewer, request.path_params["quote_id"])
    if quote.status == "proposed":  # not sent yet: not the producer's business
        raise quotes.NotFound(_("This quote does not exist."))
    form, status = _form_of(quote), 200
    if request.method == "POST":
        form = await read_form(request)
        answered = await _handle(request, quote, form)
        if answered is not None:
            flash(request, _("Thank you: the buyer sees your answer."))
            return redirect(str(request.url_for("procurement.supplier_quote",
                                                quote_id=quote.id)))
        status = 422
    return render(request, "procurement/supplier_quote.html", _context(quote, form), status)


routes: list[BaseRoute] = [
    Route("/q/{token:str}", quote_link, methods=["GET", "POST"], name="procurement.quote_link"),
    Route("/procurement/supplier", supplier, name="procurement.supplier"),
    Route("/procurement/supplier/quotes/{quote_id:pk}", supplier_quote, methods=["GET", "POST"],
          name="procurement.supplier_quote"),
]
