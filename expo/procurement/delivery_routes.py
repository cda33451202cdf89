"""Deliveries over HTTP: scheduling one (buyer or producer), the buyer's receipt form, the
BAST as PDF and print page, and the signed scan (upload, and the file for the parties)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.errors import DomainError, NotFound
from expo.exhibitors.uploads import MAX_DOCUMENT_BYTES
from expo.exhibitors.web import read_multipart
from expo.forms import Form
from expo.i18n import get_locale
from expo.i18n import gettext as _
from expo.templating import flash
from expo.web import read_form, redirect, render, settings_of

from . import deliveries, documents, orders
from .access import any_procurement, buyer_or_office
from .models import Condition, Delivery, DeliveryStatus, PurchaseOrder
from .order_routes import PRIVATE, order_context, order_url, viewer_of, visible_order


def _delivery_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


@any_procurement
async def delivery_new(request: Request) -> Response:
    order = await visible_order(request)
    form = await read_form(request)
    planned_on = form.date("planned_on")
    note = form.text("note", required=False, max_length=300)
    lines = await orders.lines_of(order)
    quantities = {line.id: form.integer(f"plan_{line.id}", required=False, low=0) or 0
                  for line in lines}
    if form.valid and planned_on is not None:
        try:
            await deliveries.schedule(order=order, by=viewer_of(request).user,
                                      planned_on=planned_on, quantities=quantities, note=note)
        except DomainError as exc:
            if exc.status_code in (403, 404, 409):
                raise
            form.error(str(exc.data.get("field") or "planned_on"), exc.message)
        else:
            flash(request, _("Delivery scheduled."))
            return redirect(order_url(request, order))
    return render(request, "procurement/order.html",
                  await order_context(request, order, delivery_form=form), 422)


async def _receipt_context(request: Request, order: PurchaseOrder, form: Form,
                           delivery: Delivery | None) -> dict[str, object]:
    return {"order": order, "lines": await orders.lines_of(order), "form": form,
            "delivery": delivery, "condition_options": Condition.choices()}


async def _scheduled(order: PurchaseOrder, raw: str) -> Delivery | None:
    delivery_id = _delivery_id(raw)
    if delivery_id is None:
        return None
    delivery = await deliveries.get_delivery(order, delivery_id)
    if delivery.status != DeliveryStatus.SCHEDULED:
        raise NotFound(_("This delivery was received already."))
    return delivery


async def _initial(order: PurchaseOrder, delivery: Delivery | None) -> Form:
    data: dict[str, object] = {"received_on": orders.today().isoformat()}
    planned: dict[int, int] = {}
    if delivery is not None:
        planned = await deliveries.planned_of(delivery)
    for line in await orders.lines_of(order):
        data[f"received_{line.id}"] = str(planned.get(line.id, line.outstanding)) \
            if delivery is not None else ""
        data[f"damaged_{line.id}"] = "0"
        data[f"condition_{line.id}"] = Condition.GOOD.value
    return Form(data)


def _arrivals(form: Form, line_ids: list[int]) -> dict[int, deliveries.Arrived]:
    out = {}
    conditions = [c.value for c in Condition]
    for line_id in line_ids:
        received = form.integer(f"received_{line_id}", required=False, low=0) or 0
        damaged = form.integer(f"damaged_{line_id}", required=False, low=0) or 0
        condition = form.choice(f"condition_{line_id}", conditions, required=False) \
            or Condition.GOOD.value
        note = form.text(f"note_{line_id}", required=False, max_length=200)
        if received or damaged:
            out[line_id] = deliveries.Arrived(received, damaged,
                                              Condition(condition) if condition in conditions
                                              else Condition.GOOD, note)
    return out


@buyer_or_office
async def delivery_receive(request: Request) -> Response:
    order = await visible_order(request)
    await orders.require_staff(viewer_of(request).user, order.organisation_id)
    if request.method == "GET":
        delivery = await _scheduled(order, request.query_params.get("delivery", ""))
        return render(request, "procurement/delivery_receive.html", await _receipt_context(
            request, order, await _initial(order, delivery), delivery))
    form = await read_form(request)
    delivery = await _scheduled(order, form.raw("delivery"))
    received_on = form.date("received_on")
    receiver = form.text("receiver_name", max_length=120)
    note = form.text("note", required=False, max_length=300)
    arrived = _arrivals(form, [line.id for line in await orders.lines_of(order)])
    if form.valid and received_on is not None:
        try:
            done = await deliveries.receive(order=order, by=viewer_of(request).user,
                                            arrived=arrived, received_on=received_on,
                                            receiver_name=receiver, delivery=delivery,
                                            note=note)
        except DomainError as exc:
            if exc.status_code in (403, 404, 409):
                raise
            form.error(str(exc.data.get("field") or "__all__"), exc.message)
        else:
            flash(request, _("Received. Handover report %(bast)s is ready to print and sign.",
                             bast=done.bast_number))
            return redirect(order_url(request, order))
    return render(request, "procurement/delivery_receive.html",
                  await _receipt_context(request, order, form, delivery), 422)


async def _received(request: Request) -> tuple[PurchaseOrder, Delivery]:
    order = await visible_order(request)
    delivery = await deliveries.get_delivery(order, request.path_params["delivery_id"])
    if delivery.status != DeliveryStatus.RECEIVED:
        raise NotFound(_("This handover report does not exist."))
    return order, delivery


@any_procurement
async def bast_pdf(request: Request) -> Response:
    order, delivery = await _received(request)
    paper = await documents.bast_paper(order, delivery, locale=get_locale())
    name = documents.file_name(paper, f"bast-{delivery.id}")
    return Response(await documents.render(paper), media_type="application/pdf", headers={
        **PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})


@any_procurement
async def bast_print(request: Request) -> Response:
    order, delivery = await _received(request)
    paper = await documents.bast_paper(order, delivery, locale=get_locale())
    response = render(request, "procurement/print_bast.html", {"paper": paper,
                                                                "document": paper.document})
    response.headers.update(PRIVATE)
    return response


@any_procurement
async def bast_scan(request: Request) -> Response:
    order, delivery = await _received(request)
    _form, upload = await read_multipart(request, MAX_DOCUMENT_BYTES, field="scan")
    if upload is None:
        raise DomainError(_("Choose the scan or photo of the signed report."), "file_missing")
    await deliveries.attach_scan(order=order, delivery=delivery, data=upload.data,
                                 by=viewer_of(request).user,
                                 uploads_dir=settings_of(request).uploads_dir)
    flash(request, _("Signed report uploaded."))
    return redirect(order_url(request, order))


@any_procurement
async def bast_scan_file(request: Request) -> Response:
    _order, delivery = await _received(request)
    path = deliveries.scan_path(settings_of(request).uploads_dir, delivery)
    if not path.exists():
        raise NotFound()
    return FileResponse(path, media_type=delivery.bast_scan_mime or "application/octet-stream",
                        headers={**PRIVATE, "X-Content-Type-Options": "nosniff",
                                 "Content-Disposition": "inline"})


ORDER = "/procurement/orders/{order_id:pk}"
D = ORDER + "/deliveries/{delivery_id:pk}"
routes: list[BaseRoute] = [
    Route(ORDER + "/deliveries", delivery_new, methods=["POST"], name="procurement.delivery_new"),
    Route(ORDER + "/receive", delivery_receive, methods=["GET", "POST"],
          name="procurement.delivery_receive"),
    Route(D + "/bast.pdf", bast_pdf, name="procurement.bast_pdf"),
    Route(D + "/bast/print", bast_print, name="procurement.bast_print"),
    Route(D + "/bast/scan", bast_scan, methods=["POST"], name="procurement.bast_scan"),
    Route(D + "/bast/scan/file", bast_scan_file, name="procurement.bast_scan_file"),
]
