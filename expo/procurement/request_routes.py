"""Requests for quotation over HTTP: the list, the new-request form (several items at once),
the request page (items, proposed split, quotes, award form) and its actions, and the event
committee's "inquiry to request"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.models import Role
from expo.accounts.permissions import require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.forms import Form
from expo.i18n import gettext as _
from expo.leads import matching
from expo.templating import flash
from expo.web import page_number, read_form, redirect, render

from . import access, buyers, intake, requests
from .access import Viewer, buyer_or_office
from .models import PurchaseRequest, QuoteStatus, RequestItem, RequestStatus

START_ROWS, MORE_ROWS = 3, 3
ITEM_FIELDS = ("name", "kind", "quantity", "unit", "needed_by", "budget", "note")


def _viewer(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    return viewer


@buyer_or_office
async def request_list(request: Request) -> Response:
    status = request.query_params.get("status", "")
    page = page_number(request)
    listing = await requests.requests_of(viewer=_viewer(request), status=status, page=page)
    return render(request, "procurement/requests.html", {
        "listing": listing, "status": status, "RequestStatus": RequestStatus,
        "status_options": [(s.value, s.label) for s in RequestStatus]})


# ---- the new-request form ----------------------------------------------------------------

async def _organisation_options(viewer: Viewer) -> list[tuple[str, str]]:
    if viewer.office:
        return [(str(o.id), o.name) for o in await buyers.active_organisations()]
    return [(str(m.organisation_id), m.organisation.name) for m in viewer.memberships]


def _prefilled(request: Request, viewer: Viewer) -> Form:
    q = request.query_params
    data = {f"{name}_0": q.get(name, "") for name in ("kind", "name", "quantity", "unit",
                                                      "needed_by")}
    data.update({"rows": str(START_ROWS), "producer": q.get("producer", "")})
    if viewer.memberships:
        data["organisation_id"] = str(viewer.memberships[0].organisation_id)
        data["delivery_address"] = viewer.memberships[0].organisation.address
    return Form(data)


def _row_count(form: Form) -> int:
    try:
        rows = int(form.raw("rows") or START_ROWS)
    except ValueError:
        rows = START_ROWS
    return min(max(rows, 1), requests.MAX_ITEMS)


def _read_item(form: Form, i: int) -> requests.ItemData | None:
    """Row ``i`` of the form (None when left empty)."""
    if not any(form.raw(f"{name}_{i}") for name in ("name", "quantity", "unit")):
        return None
    name = form.text(f"name_{i}", max_length=120)
    kind = form.text(f"kind_{i}", required=False, max_length=60)
    quantity = form.integer(f"quantity_{i}", low=1, high=10_000_000)
    unit = form.text(f"unit_{i}", max_length=30)
    needed_by = form.date(f"needed_by_{i}")
    budget = form.rupiah(f"budget_{i}", required=False)
    note = form.text(f"note_{i}", required=False, max_length=300)
    if quantity is None or needed_by is None:
        return None
    return requests.ItemData(name=name, kind=kind, quantity=quantity, unit=unit,
                             needed_by=needed_by, budget=budget, note=note)


def _read_request(form: Form) -> tuple[requests.RequestData, list[requests.ItemData]]:
    title = form.text("title", max_length=160)
    address = form.text("delivery_address", max_length=300)
    budget = form.rupiah("budget", required=False)
    note = form.text("note", required=False, max_length=2000)
    items = [row for i in range(_row_count(form)) if (row := _read_item(form, i)) is not None]
    if not items and form.valid:
        form.error("name_0", _("Add at least one item."))
    return requests.RequestData(title=title, delivery_address=address, budget=budget,
                                note=note), items


def _place_error(form: Form, exc: DomainError, rows: list[int]) -> None:
    name = str(exc.data.get("field") or "title")
    index = exc.data.get("index")
    if isinstance(index, int) and index < len(rows):
        name = f"{name}_{rows[index]}"
    form.error(name, exc.message)


async def _form_page(request: Request, form: Form, status: int = 200,
                     inquiry: Any = None) -> Response:
    return render(request, "procurement/request_form.html", {
        "form": form, "rows": range(_row_count(form)), "inquiry": inquiry,
        "organisation_options": await _organisation_options(_viewer(request))
        if inquiry is None else await _all_organisations(),
        "today": requests.today()}, status)


async def _all_organisations() -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in await buyers.active_organisations()]


async def _create(request: Request, form: Form, viewer: Viewer) -> Response | None:
    data, items = _read_request(form)
    organisation_id = form.integer("organisation_id")
    producer = form.integer("producer", required=False)
    if not form.valid or organisation_id is None:
        return None
    org = await access.visible_organisation(viewer, organisation_id)
    rows = [i for i in range(_row_count(form)) if any(
        form.raw(f"{n}_{i}") for n in ("name", "quantity", "unit"))]
    on = requests.today()
    try:
        req = await requests.create_request(organisation=org, data=data, items=items,
                                            by=require_user(request), on=on)
    except DomainError as exc:
        _place_error(form, exc, rows)
        return None
    first = (await RequestItem.filter(request_id=req.id))[0]
    await requests.propose(request=req, on=on, by=require_user(request),
                           prefer={first.id: producer} if producer else None)
    flash(request, _("Request saved as a draft. Check the proposed producers, then send it."))
    return redirect(str(request.url_for("procurement.request", request_id=req.id)))


@buyer_or_office
async def request_new(request: Request) -> Response:
    viewer = _viewer(request)
    if request.method == "GET":
        return await _form_page(request, _prefilled(request, viewer))
    form = await read_form(request)
    if form.raw("more"):
        form.data["rows"] = str(min(_row_count(form) + MORE_ROWS, requests.MAX_ITEMS))
        return await _form_page(request, form)
    done = await _create(request, form, viewer)
    return done if done is not None else await _form_page(request, form, 422)


# ---- the request page --------------------------------------------------------------------

async def _page(request: Request, req: PurchaseRequest, *, error: str = "",
                status: int = 200) -> Response:
    viewer = _viewer(request)
    items = await requests.item_views(req, on=requests.today())
    can_act = viewer.can_act_for(req.organisation_id)
    return render(request, "procurement/request.html", {
        "req": req, "items": items, "orders": await requests.orders_of(req),
        "can_act": can_act, "error": error, "answered_any": any(v.answered for v in items),
        "editable": can_act and req.status in requests.EDITABLE,
        "show_award": can_act and req.status in (RequestStatus.OPEN, RequestStatus.ORDERED)
        and any(v.quoted for v in items),
        "RequestStatus": RequestStatus, "QuoteStatus": QuoteStatus}, status)


async def _visible(request: Request) -> PurchaseRequest:
    return await access.visible_request(_viewer(request), request.path_params["request_id"])


@buyer_or_office
async def request_page(request: Request) -> Response:
    return await _page(request, await _visible(request))


Action = Callable[[Request, PurchaseRequest, Form], Awaitable[str]]


def _action(run: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST on the request page: the service's refusal shows on the page (422/409)."""

    @buyer_or_office
    async def endpoint(request: Request) -> Response:
        req = await _visible(request)
        requests.require_actor(_viewer(request), req)
        form = await read_form(request)
        try:
            message = await run(request, req, form)
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            return await _page(request, req, error=exc.message, status=exc.status_code)
        if not form.valid:
            return await _page(request, req, error=next(iter(form.errors.values())),
                               status=422)
        flash(request, message)
        return redirect(str(request.url_for("procurement.request", request_id=req.id)))

    endpoint.__name__ = run.__name__
    return endpoint


async def _propose(request: Request, req: PurchaseRequest, form: Form) -> str:
    await requests.propose(request=req, on=requests.today(), by=require_user(request))
    return _("The split was proposed again.")


async def _send(request: Request, req: PurchaseRequest, form: Form) -> str:
    sent = await requests.send(request=req, by=require_user(request), on=requests.today())
    return _("%(number)s was sent to the proposed producers.", number=sent.number)


async def _cancel(request: Request, req: PurchaseRequest, form: Form) -> str:
    reason = form.text("reason", required=False, max_length=300)
    if form.valid:
        await requests.cancel(request=req, by=require_user(request), reason=reason)
    return _("The request was cancelled.")


async def _edit(request: Request, req: PurchaseRequest, form: Form) -> str:
    title = form.text("title", max_length=160)
    address = form.text("delivery_address", max_length=300)
    budget = form.rupiah("budget", required=False)
    note = form.text("note", required=False, max_length=2000)
    if form.valid:
        await requests.update_request(request=req, data=requests.RequestData(
            title=title, delivery_address=address, kabupaten=req.kabupaten, budget=budget,
            note=note), by=require_user(request))
    return _("Saved.")


async def _close(request: Request, req: PurchaseRequest, form: Form) -> str:
    await requests.close(request=req, by=require_user(request))
    return _("The request was closed.")


async def _share(request: Request, req: PurchaseRequest, form: Form) -> str:
    quantity = form.integer("quantity", low=1)
    if quantity is not None and form.valid:
        await requests.set_proposed_quantity(request=req, quote_id=request.path_params[
            "quote_id"], quantity=quantity, by=require_user(request))
    return _("Saved.")


async def _withdraw(request: Request, req: PurchaseRequest, form: Form) -> str:
    await requests.withdraw(request=req, quote_id=request.path_params["quote_id"],
                            by=require_user(request))
    return _("The producer was taken off.")


async def _add_producer(request: Request, req: PurchaseRequest, form: Form) -> str:
    producer_id = form.integer("producer_id", low=1)
    quantity = form.integer("quantity", required=False, low=1)
    if producer_id is not None and form.valid:
        await requests.add_producer(request=req, item_id=request.path_params["item_id"],
                                    producer_id=producer_id, quantity=quantity,
                                    by=require_user(request), on=requests.today())
    return _("The producer was added.")


def _item_from(form: Form) -> requests.ItemData | None:
    item = _read_item(form, 0)
    if item is None and form.valid:
        form.error("name_0", _("This field is required."))
    return item


async def _add_item(request: Request, req: PurchaseRequest, form: Form) -> str:
    item = _item_from(form)
    if item is not None and form.valid:
        await requests.add_item(request=req, item=item, by=require_user(request),
                                on=requests.today())
    return _("The item was added.")


async def _edit_item(request: Request, req: PurchaseRequest, form: Form) -> str:
    item = _item_from(form)
    if item is not None and form.valid:
        await requests.update_item(request=req, item_id=request.path_params["item_id"],
                                   item=item, by=require_user(request), on=requests.today())
    return _("Saved.")


async def _remove_item(request: Request, req: PurchaseRequest, form: Form) -> str:
    await requests.remove_item(request=req, item_id=request.path_params["item_id"],
                               by=require_user(request))
    return _("The item was removed.")


# ---- from an inquiry at a fair -----------------------------------------------------------

@event_role(Role.COMMITTEE)
async def request_from_inquiry(request: Request) -> Response:
    event = request.state.event
    inquiry = await matching.get_inquiry(event=event,
                                         inquiry_id=request.path_params["inquiry_id"])
    suggested = await intake.suggested_organisation(inquiry)
    form = Form({"organisation_id": str(suggested.id) if suggested else ""})
    if request.method == "POST":
        form = await read_form(request)
        organisation_id = form.integer("organisation_id")
        org = await buyers.active_organisation(organisation_id) if organisation_id else None
        if org is None:
            form.error("organisation_id", _("Choose the buyer."))
        else:
            try:
                req = await intake.request_from_inquiry(inquiry=inquiry, organisation=org,
                                                        by=require_user(request),
                                                        on=requests.today())
            except DomainError as exc:
                form.error("organisation_id", exc.message)
            else:
                flash(request, _("The inquiry is now a draft request of %(name)s.",
                                 name=org.name))
                return redirect(str(request.url_for("procurement.request", request_id=req.id)))
    request.state.viewer = await access.viewer_of(require_user(request))
    return await _form_page(request, form, 422 if request.method == "POST" else 200,
                            inquiry=inquiry)


_R = "/procurement/requests/{request_id:pk}"


def _post(path: str, run: Action, name: str) -> Route:
    return Route(_R + path, _action(run), methods=["POST"], name=name)


routes: list[BaseRoute] = [
    Route("/procurement/requests", request_list, name="procurement.requests"),
    Route("/procurement/requests/new", request_new, methods=["GET", "POST"],
          name="procurement.request_new"),
    Route(_R, request_page, name="procurement.request"),
    _post("/edit", _edit, "procurement.request_edit"),
    _post("/propose", _propose, "procurement.request_propose"),
    _post("/send", _send, "procurement.request_send"),
    _post("/cancel", _cancel, "procurement.request_cancel"),
    _post("/close", _close, "procurement.request_close"),
    _post("/items", _add_item, "procurement.request_item_add"),
    _post("/items/{item_id:pk}", _edit_item, "procurement.request_item_edit"),
    _post("/items/{item_id:pk}/remove", _remove_item, "procurement.request_item_remove"),
    _post("/items/{item_id:pk}/producers", _add_producer, "procurement.request_add_producer"),
    _post("/quotes/{quote_id:pk}/share", _share, "procurement.request_share"),
    _post("/quotes/{quote_id:pk}/withdraw", _withdraw, "procurement.request_withdraw"),
    Route("/manage/e/{slug}/inquiries/{inquiry_id:pk}/to-request", request_from_inquiry,
          methods=["GET", "POST"], name="procurement.request_from_inquiry"),
]
