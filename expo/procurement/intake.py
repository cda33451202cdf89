"""Inquiries made at a fair become requests for quotation in the same pipeline.

The event committee turns an inquiry (``expo.leads.models.Inquiry``) into a DRAFT request of
the buyer's organisation: the product name, quantity, unit, needed-by date, budget and note
are copied, the event and the inquiry are linked, and the split is proposed with the
inquiry's own producer first. An inquiry becomes one live request at most.
"""

from __future__ import annotations

import datetime as dt

from expo.accounts.models import User
from expo.errors import DomainError
from expo.exhibitors.models import Application, Product
from expo.i18n import gettext as _
from expo.leads.models import Inquiry

from . import buyers, requests
from .models import Organisation, PurchaseRequest, RequestItem, RequestStatus

DEFAULT_LEAD = dt.timedelta(days=14)  # an inquiry without a date: needed in two weeks


async def existing_request(inquiry: Inquiry) -> PurchaseRequest | None:
    return await PurchaseRequest.filter(source_inquiry_id=inquiry.id).exclude(
        status=RequestStatus.CANCELLED).first()


async def suggested_organisation(inquiry: Inquiry) -> Organisation | None:
    """The organisation the inquiry's agency names, if one exists."""
    return await buyers.organisation_named(inquiry.agency)


def _title(inquiry: Inquiry) -> str:
    return f"{inquiry.quantity} {inquiry.unit} {inquiry.product_name}".strip()[:160]


async def request_from_inquiry(*, inquiry: Inquiry, organisation: Organisation, by: User,
                               on: dt.date) -> PurchaseRequest:
    """A DRAFT request from ``inquiry`` for ``organisation``, the split proposed."""
    if await existing_request(inquiry) is not None:
        raise DomainError(_("This inquiry is a request already."), "already_requested",
                          status_code=409)
    needed_by = inquiry.needed_by or on + DEFAULT_LEAD
    if needed_by <= on:
        raise DomainError(_("The inquiry's needed-by date has passed."), "needed_by_past",
                          field="needed_by")
    product_id = inquiry.product_id  # type: ignore[attr-defined]
    product = await Product.get_or_none(id=product_id) if product_id else None
    item = requests.ItemData(
        name=inquiry.product_name[:120], quantity=max(inquiry.quantity, 1),
        unit=inquiry.unit or _("pieces"), needed_by=needed_by,
        kind=product.kind if product is not None else "", budget=inquiry.budget,
        note=inquiry.note[:300])
    data = requests.RequestData(
        title=_title(inquiry), delivery_address=organisation.address or organisation.name,
        kabupaten=organisation.kabupaten, budget=inquiry.budget, note=inquiry.note)
    req = await requests.create_request(
        organisation=organisation, data=data, items=[item], by=by, on=on,
        source_event_id=inquiry.event_id,  # type: ignore[attr-defined]
        source_inquiry_id=inquiry.id)
    first = (await RequestItem.filter(request_id=req.id))[0]
    producer_id = await _producer_of(inquiry)
    await requests.propose(request=req, on=on, by=by,
                           prefer={first.id: producer_id} if producer_id else None)
    return req


async def _producer_of(inquiry: Inquiry) -> int | None:
    application = await Application.get_or_none(
        id=inquiry.application_id)  # type: ignore[attr-defined]
    return application.producer_id if application is not None else None  # type: ignore[attr-defined]
