"""Parsing of the inquiry, lead follow-up, scan and grouped-offer forms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from expo.forms import Form
from expo.i18n import gettext as _

from .models import LeadStatus, Rating, ShareStatus

MAX_QUANTITY = 10_000_000
MAX_MONEY = 100_000_000_000


@dataclass
class InquiryData:
    product_id: int | None
    product_name: str
    quantity: int
    unit: str = ""
    needed_by: dt.date | None = None
    budget: int | None = None
    note: str = ""
    consent: bool = False


@dataclass
class LeadUpdate:
    rating: Rating | None = None
    status: LeadStatus = LeadStatus.NEW
    notes: str = ""
    tags: str = ""
    value: int = 0


@dataclass
class OfferData:
    title: str
    quantity: int
    unit: str
    needed_by: dt.date | None
    shares: dict[int, int] = field(default_factory=dict)  # application id -> quantity


def parse_inquiry(form: Form, *, product_names: dict[int, str], today: dt.date) -> InquiryData:
    product_id = form.integer("product", required=False)
    name = form.text("product_name", required=False, max_length=120)
    if product_id is not None:
        if product_id not in product_names:
            form.error("product", _("Choose one of this stand's products."))
        else:
            name = name or product_names[product_id]
    if not name:
        form.error("product_name", _("Choose a product or describe what you need."))
    quantity = form.integer("quantity", low=1, high=MAX_QUANTITY) or 0
    needed_by = form.date("needed_by", required=False)
    if needed_by is not None and needed_by < today:
        form.error("needed_by", _("The date has passed: choose a later date."))
    budget = form.rupiah("budget", required=False, low=0, high=MAX_MONEY)
    consent = form.boolean("consent")
    if not consent:
        form.error("consent", _("Tick the box to share your contact: the producer needs it "
                                "to answer you."))
    unit = form.text("unit", required=False, max_length=30)
    note = form.text("note", required=False, max_length=1000)
    form.check()
    return InquiryData(product_id=product_id, product_name=name, quantity=quantity, unit=unit,
                       needed_by=needed_by, budget=budget, note=note, consent=consent)


def parse_lead_update(form: Form) -> LeadUpdate:
    rating = form.choice("rating", [r.value for r in Rating], required=False)
    status = form.choice("status", [s.value for s in LeadStatus])
    tags = ", ".join(t.strip()[:30] for t in form.text("tags", required=False,
                                                      max_length=200).split(",") if t.strip())
    notes = form.text("notes", required=False, max_length=2000)
    value = form.rupiah("value", required=False, low=0, high=MAX_MONEY) or 0
    form.check()
    return LeadUpdate(rating=Rating(rating) if rating else None, status=LeadStatus(status),
                      notes=notes, tags=tags, value=value)


def parse_offer(form: Form, *, candidates: list[int]) -> OfferData:
    title = form.text("title", max_length=160, min_length=3)
    quantity = form.integer("quantity", low=1, high=MAX_QUANTITY) or 0
    shares: dict[int, int] = {}
    for app_id in candidates:
        amount = form.integer(f"share_{app_id}", required=False, low=0, high=MAX_QUANTITY)
        if amount:
            shares[app_id] = amount
    if not shares:
        form.error("__all__", _("Give at least one producer a share."))
    elif sum(shares.values()) != quantity:
        form.error("__all__", _("The shares add up to %(sum)s, not %(quantity)s.",
                                sum=sum(shares.values()), quantity=quantity))
    unit = form.text("unit", required=False, max_length=30)
    needed_by = form.date("needed_by", required=False)
    form.check()
    return OfferData(title=title, quantity=quantity, unit=unit, needed_by=needed_by,
                     shares=shares)


def parse_share_status(form: Form) -> ShareStatus:
    value = form.choice("status", [s.value for s in ShareStatus])
    form.check()
    return ShareStatus(value)
