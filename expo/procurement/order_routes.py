"""Orders over HTTP: the award (posted by the request page's form), the lists, the order
page with its actions (approve, refuse, cancel, invoices, payments), the Surat Pesanan as PDF
and print page, and the trade office's watch of late, short and unpaid orders."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, NoMatchFound, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.errors import DomainError, NotFound, error_response
from expo.forms import Form
from expo.i18n import get_locale
from expo.i18n import gettext as _
from expo.templating import flash
from expo.web import page_number, read_form, redirect, render

from . import access, billing, deliveries, documents, orders, watch
from .access import Viewer, any_procurement, buyer_or_office, office_required
from .models import (
    Condition,
    DeliveryStatus,
    OrderStatus,
    PayMethod,
    PurchaseOrder,
)

PRIVATE = {"Cache-Control": "private, no-store"}
UNISSUED = (OrderStatus.AWAITING_APPROVAL, OrderStatus.NOT_APPROVED)


def viewer_of(request: Request) -> Viewer:
    viewer: Viewer = request.state.viewer
    return viewer


async def visible_order(request: Request) -> PurchaseOrder:
    """The order of the path, if the viewer may see it: a producer sees its orders once
    issued (an order waiting for approval is not the producer's business yet)."""
    viewer = viewer_of(request)
    order = await access.visible_order(viewer, request.path_params["order_id"])
    if not viewer.can_act_for(order.organisation_id) and order.status in UNISSUED:
        raise NotFound(_("This order does not exist."))
    return order


def order_url(request: Request, order: PurchaseOrder) -> str:
    return str(request.url_for("procurement.order", order_id=order.id))


def _roles(viewer: Viewer, order: PurchaseOrder) -> dict[str, bool]:
    return {"staff": viewer.can_act_for(order.organisation_id),
            "member": viewer.membership(order.organisation_id) is not None,
            "head": viewer.is_head_of(order.organisation_id),
            "supplier": order.producer_id in viewer.producer_ids,
            "office": viewer.office}


async def order_context(request: Request, order: PurchaseOrder,
                        **forms: Form) -> dict[str, Any]:
    today = orders.today()
    flags = await watch.flags_of(order, today=today)
    lines = await orders.lines_of(order)
    options = (await watch.alternatives(order, today=today)
               if (flags.late or flags.short) and _roles(viewer_of(request), order)["staff"]
               else [])
    plan = Form({"planned_on": today.isoformat()})
    return {
        "order": order, "lines": lines, "deliveries": await deliveries.deliveries_of(order),
        "billing": await billing.summary(order, today=today), "flags": flags,
        "alternatives": options, "roles": _roles(viewer_of(request), order), "today": today,
        "refuse_form": forms.get("refuse_form") or Form(),
        "cancel_form": forms.get("cancel_form") or Form(),
        "delivery_form": forms.get("delivery_form") or plan,
        "invoice_form": forms.get("invoice_form") or Form({"issued_on": today.isoformat()}),
        "payment_form": forms.get("payment_form") or Form({"paid_on": today.isoformat()}),
        "OrderStatus": OrderStatus, "DeliveryStatus": DeliveryStatus, "Condition": Condition,
        "method_options": PayMethod.choices()}


def _form_error(form: Form, exc: DomainError, default: str) -> None:
    form.error(str(exc.data.get("field") or default), exc.message)


# ---- award --------------------------------------------------------------------------------

def _choices(form: Form) -> dict[int, int]:
    out: dict[int, int] = {}
    for name in form.data:
        if name.startswith("qty_") and name[4:].isdigit():
            value = form.integer(name, required=False, low=0)
            out[int(name[4:])] = value or 0
    return out


def _request_url(request: Request, request_id: int) -> str:
    try:
        return str(request.url_for("procurement.request", request_id=request_id))
    except NoMatchFound:
        return str(request.url_for("procurement.orders"))


@buyer_or_office
async def award(request: Request) -> Response:
    req = await access.visible_request(viewer_of(request), request.path_params["request_id"])
    form = await read_form(request)
    choices = _choices(form)
    back = _request_url(request, req.id)
    if form.valid:
        try:
            made = await orders.award(request=req, choices=choices,
                                      by=viewer_of(request).user, today=orders.today())
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            return error_response(request, 409 if exc.status_code == 409 else 422,
                                  exc.message, exc.code, back=back)
        flash(request, _("%(n)s order(s) made.", n=len(made)))
        return redirect(order_url(request, made[0]) if len(made) == 1 else back)
    message = next(iter(form.errors.values()))
    return error_response(request, 422, message, "award_quantity", back=back)


# ---- lists --------------------------------------------------------------------------------

@any_procurement
async def order_list(request: Request) -> Response:
    viewer = viewer_of(request)
    query = request.query_params
    as_producer = not (viewer.office or viewer.is_buyer)
    page_no = page_number(request)
    listing = await orders.orders_page(
        scope=orders.scope_of(office=viewer.office, organisation_ids=viewer.organisation_ids,
                              producer_ids=viewer.producer_ids, as_producer=as_producer),
        status=query.get("status", ""), flag=query.get("flag", ""), page=page_no,
        today=orders.today())
    return render(request, "procurement/orders.html", {
        "listing": listing, "status_options": OrderStatus.choices(), "flags": watch.FLAGS,
        "OrderStatus": OrderStatus, "as_producer": as_producer})


@office_required
async def watch_page(request: Request) -> Response:
    overview = await watch.overview(today=orders.today())
    return render(request, "procurement/watch.html", {"watch": overview,
                                                      "OrderStatus": OrderStatus})


# ---- the order ----------------------------------------------------------------------------

@any_procurement
async def order_page(request: Request) -> Response:
    order = await visible_order(request)
    return render(request, "procurement/order.html", await order_context(request, order))


@buyer_or_office
async def approve(request: Request) -> Response:
    order = await visible_order(request)
    await orders.approve(order=order, by=viewer_of(request).user, today=orders.today())
    flash(request, _("Order approved and sent to the producer."))
    return redirect(order_url(request, order))


async def _ending(request: Request, name: str) -> Response:
    order = await visible_order(request)
    form = await read_form(request)
    reason = form.text("reason", max_length=300)
    if form.valid:
        try:
            action = orders.refuse if name == "refuse_form" else orders.cancel
            await action(order=order, by=viewer_of(request).user, reason=reason)
        except DomainError as exc:
            if exc.status_code in (403, 404, 409):
                raise
            _form_error(form, exc, "reason")
        else:
            flash(request, _("Order not approved.") if name == "refuse_form"
                  else _("Order cancelled."))
            return redirect(order_url(request, order))
    return render(request, "procurement/order.html",
                  await order_context(request, order, **{name: form}), 422)


@buyer_or_office
async def refuse(request: Request) -> Response:
    return await _ending(request, "refuse_form")


@buyer_or_office
async def cancel(request: Request) -> Response:
    return await _ending(request, "cancel_form")


# ---- the Surat Pesanan --------------------------------------------------------------------

@any_procurement
async def order_pdf(request: Request) -> Response:
    order = await visible_order(request)
    paper = await documents.order_paper(order, locale=get_locale())
    name = documents.file_name(paper, f"order-{order.id}")
    return Response(await documents.render(paper), media_type="application/pdf", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})


@any_procurement
async def order_print(request: Request) -> Response:
    order = await visible_order(request)
    paper = await documents.order_paper(order, locale=get_locale())
    response = render(request, "procurement/print_order.html", {"paper": paper,
                                                                 "document": paper.document})
    response.headers.update(PRIVATE)
    return response


# ---- invoices and payments ----------------------------------------------------------------

@any_procurement
async def invoice_add(request: Request) -> Response:
    order = await visible_order(request)
    form = await read_form(request)
    number = form.text("number", max_length=40)
    amount = form.rupiah("amount", low=1)
    issued_on = form.date("issued_on")
    due_on = form.date("due_on", required=False)
    if form.valid and amount is not None and issued_on is not None:
        try:
            await billing.add_invoice(order=order, by=viewer_of(request).user, number=number,
                                      amount=amount, issued_on=issued_on, due_on=due_on)
        except DomainError as exc:
            if exc.status_code in (403, 404, 409):
                raise
            _form_error(form, exc, "amount")
        else:
            flash(request, _("Invoice recorded."))
            return redirect(order_url(request, order))
    return render(request, "procurement/order.html",
                  await order_context(request, order, invoice_form=form), 422)


@buyer_or_office
async def payment_add(request: Request) -> Response:
    order = await visible_order(request)
    form = await read_form(request)
    amount = form.rupiah("amount", low=1)
    method = form.choice("method", [m.value for m in PayMethod])
    paid_on = form.date("paid_on")
    reference = form.text("reference", required=False, max_length=80)
    if form.valid and amount is not None and paid_on is not None:
        try:
            await billing.add_payment(order=order, by=viewer_of(request).user, amount=amount,
                                      method=PayMethod(method), paid_on=paid_on,
                                      reference=reference, today=orders.today())
        except DomainError as exc:
            if exc.status_code in (403, 404, 409):
                raise
            _form_error(form, exc, "amount")
        else:
            flash(request, _("Payment recorded."))
            return redirect(order_url(request, order))
    return render(request, "procurement/order.html",
                  await order_context(request, order, payment_form=form), 422)


ORDER = "/procurement/orders/{order_id:pk}"
routes: list[BaseRoute] = [
    Route("/procurement/requests/{request_id:pk}/award", award, methods=["POST"],
          name="procurement.award"),
    Route("/procurement/orders", order_list, name="procurement.orders"),
    Route("/procurement/office/watch", watch_page, name="procurement.watch"),
    Route(ORDER, order_page, name="procurement.order"),
    Route(ORDER + "/approve", approve, methods=["POST"], name="procurement.order_approve"),
    Route(ORDER + "/refuse", refuse, methods=["POST"], name="procurement.order_refuse"),
    Route(ORDER + "/cancel", cancel, methods=["POST"], name="procurement.order_cancel"),
    Route(ORDER + "/sp.pdf", order_pdf, name="procurement.order_pdf"),
    Route(ORDER + "/print", order_print, name="procurement.order_print"),
    Route(ORDER + "/invoices", invoice_add, methods=["POST"], name="procurement.invoice_add"),
    Route(ORDER + "/payments", payment_add, methods=["POST"], name="procurement.payment_add"),
]
