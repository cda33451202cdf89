"""Parsing the report forms: a day's sales, a draw request."""

from __future__ import annotations

import datetime as dt

from expo.exhibitors.models import Product
from expo.forms import Form
from expo.i18n import gettext as _
from expo.reports.draws import DRAWABLE_TYPES, MAX_WINNERS, DrawRequest
from expo.reports.service import MAX_OMZET, MAX_UNITS, LineInput, SalesInput
from expo.visitors.models import VisitorType


def parse_sales(form: Form, *, days: list[dt.date], products: list[Product]) -> SalesInput:
    """Totals, or per-product lines when the exhibitor chose "per product"."""
    day = form.date("day")
    if day is not None and day not in days:
        form.error("day", _("Choose one of the event's days."))
    per_product = form.boolean("per_product") and bool(products)
    lines: list[LineInput] = []
    omzet = units = 0
    if per_product:
        for product in products:
            o = form.integer(f"omzet_{product.id}", required=False, low=0, high=MAX_OMZET)
            u = form.integer(f"units_{product.id}", required=False, low=0, high=MAX_UNITS)
            lines.append(LineInput(product.id, o or 0, u or 0))
    else:
        omzet = form.integer("omzet", low=0, high=MAX_OMZET) or 0
        units = form.integer("units", low=0, high=MAX_UNITS) or 0
    note = form.text("note", required=False, max_length=300)
    form.check()
    assert day is not None
    return SalesInput(day=day, omzet=omzet, units=units, note=note, lines=lines)


def parse_draw(form: Form, *, days: list[dt.date]) -> DrawRequest:
    """Visitor types come as checkboxes ``type_<value>``: none checked means every type."""
    prize = form.text("prize", max_length=160)
    count = form.integer("count", low=1, high=MAX_WINNERS)
    day = None
    if form.raw("day"):
        day = form.date("day")
        if day is not None and day not in days:
            form.error("day", _("Choose one of the event's days."))
    chosen = [str(t) for t in DRAWABLE_TYPES if form.boolean(f"type_{t}")]
    if any(form.boolean(f"type_{t}") for t in VisitorType if t not in DRAWABLE_TYPES):
        form.error("types", _("Staff cannot take part in the draw."))
    seed = form.text("seed", required=False, max_length=64)
    form.check()
    return DrawRequest(prize=prize, count=count or 0, day=day,
                       types=[VisitorType(t) for t in chosen], seed=seed)
