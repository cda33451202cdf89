"""The papers of an order: the Surat Pesanan (the buyer's order to the producer) and the
BAST (berita acara serah terima, the handover report of one delivery), as PDF and as print
pages.

Each is described once (``Paper``: an ``expo.pdf.Document`` plus the two signature blocks
both parties sign) in the reader's language; the PDF is drawn with ``expo.pdf``'s parts and
two signature blocks side by side ("Pihak Pertama" the producer who hands over, "Pihak
Kedua" the buyer who receives), and the print pages show the same description as HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from expo import i18n, pdf
from expo.exhibitors.models import Producer
from expo.i18n import format_date, format_number
from expo.i18n import gettext as _
from expo.offload import in_thread
from expo.words import rupiah_in_words

from .models import (
    Condition,
    Delivery,
    DeliveryLine,
    OrderLine,
    OrderStatus,
    Organisation,
    PurchaseOrder,
    PurchaseRequest,
)


@dataclass(frozen=True)
class Signature:
    label: str  # "Pihak Pertama"
    role: str  # "Yang menyerahkan"
    name: str  # the organisation or business


@dataclass(frozen=True)
class Paper:
    document: pdf.Document
    signatures: tuple[Signature, Signature]


def file_name(paper: Paper, fallback: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", paper.document.number).strip("-.") or fallback
    return f"{stem}.pdf"


def _long(day: dt.date | None) -> str:
    return format_date(day, "long") if day is not None else "—"


def _buyer(organisation: Organisation) -> pdf.Party:
    lines = (organisation.address, organisation.kabupaten, organisation.phone,
             organisation.email)
    return pdf.Party(organisation.name, tuple(line for line in lines if line))


def _producer(producer: Producer) -> pdf.Party:
    lines = [producer.owner_name, producer.address, producer.kabupaten, producer.phone]
    if producer.nib:
        lines.append(_("NIB %(nib)s", nib=producer.nib))
    return pdf.Party(producer.business_name, tuple(line for line in lines if line))


def _columns() -> tuple[str, str, str, str]:
    return (_("Item"), _("Qty"), _("Unit price"), _("Amount"))


def _words(amount: int, locale: str) -> str:
    return _("In words: %(words)s", words=rupiah_in_words(amount, locale))


def _footer() -> str:
    return _("Made with expo, the trade office's procurement service for local producers.")


async def _parts(order: PurchaseOrder) -> tuple[Organisation, Producer, PurchaseRequest]:
    return (await Organisation.get(id=order.organisation_id),
            await Producer.get(id=order.producer_id),
            await PurchaseRequest.get(id=order.request_id))


# ---- the Surat Pesanan --------------------------------------------------------------------

def _order_rows(lines: list[OrderLine]) -> tuple[pdf.Row, ...]:
    return tuple(pdf.Row(_("%(name)s (%(unit)s), deliver by %(date)s", name=line.name,
                           unit=line.unit or "—", date=_long(line.delivery_on)),
                         line.quantity, line.unit_price, line.total) for line in lines)


def _order_stamp(order: PurchaseOrder) -> str:
    if order.status == OrderStatus.AWAITING_APPROVAL:
        return _("DRAFT")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.NOT_APPROVED):
        return _("CANCELLED")
    return ""


async def order_paper(order: PurchaseOrder, *, locale: str | None = None) -> Paper:
    locale = locale or i18n.get_locale()
    organisation, producer, request = await _parts(order)
    lines = await OrderLine.filter(order_id=order.id).order_by("id")
    with i18n.using(locale):
        facts = ((_("Date"), _long(order.issued_on)),
                 (_("Request"), request.number or "—"),
                 (_("Deliver by"), _long(order.due_on)),
                 (_("Status"), OrderStatus(order.status).label))
        notes = (_("Deliver to: %(address)s", address=order.delivery_address),
                 _("Deliver each item by its date. The buyer records what arrives and both "
                   "parties sign a handover report (BAST) for each delivery."))
        document = pdf.Document(
            title=_("PURCHASE ORDER (SURAT PESANAN)"),
            number=order.number or _("Draft %(id)s", id=order.id), facts=facts,
            seller=_buyer(organisation), buyer=_producer(producer),
            seller_label=_("Ordered by"), buyer_label=_("Supplier"), columns=_columns(),
            rows=_order_rows(lines), total_label=_("Total"), total=order.total,
            words=_words(order.total, locale), notes=notes, stamp=_order_stamp(order),
            footer=_footer(), locale=locale, created=order.approved_at or order.created_at)
        signatures = (Signature(_("Buyer"), _("Places the order"), organisation.name),
                      Signature(_("Supplier"), _("Accepts the order"), producer.business_name))
    return Paper(document, signatures)


# ---- the BAST -----------------------------------------------------------------------------

def _bast_rows(rows: list[DeliveryLine]) -> tuple[pdf.Row, ...]:
    out = []
    for row in rows:
        line = row.line
        text = _("%(name)s (%(unit)s): %(received)s received, %(damaged)s damaged; "
                 "condition: %(condition)s", name=line.name, unit=line.unit or "—",
                 received=format_number(row.received), damaged=format_number(row.damaged),
                 condition=Condition(row.condition).label)
        if row.note:
            text += f" ({row.note})"
        accepted = row.received - row.damaged
        out.append(pdf.Row(text, accepted, line.unit_price, accepted * line.unit_price))
    return tuple(out)


async def bast_paper(order: PurchaseOrder, delivery: Delivery, *,
                     locale: str | None = None) -> Paper:
    locale = locale or i18n.get_locale()
    organisation, producer, _request = await _parts(order)
    rows = await DeliveryLine.filter(delivery_id=delivery.id).order_by("id").select_related(
        "line")
    rows = [r for r in rows if r.received]
    total = sum((r.received - r.damaged) * r.line.unit_price for r in rows)
    with i18n.using(locale):
        facts = ((_("Date"), _long(delivery.received_on)), (_("Order"), order.number or "—"),
                 (_("Delivery"), f"#{delivery.seq}"),
                 (_("Received by"), delivery.receiver_name or "—"))
        notes = [_("On %(date)s the first party handed over to the second party, at %(address)s,"
                   " the goods listed above; the quantities accepted exclude damaged units, "
                   "which the first party replaces.", date=_long(delivery.received_on),
                   address=order.delivery_address)]
        if delivery.note:
            notes.append(delivery.note)
        document = pdf.Document(
            title=_("HANDOVER REPORT (BAST)"),
            number=delivery.bast_number or _("Delivery %(seq)s", seq=delivery.seq),
            facts=facts, seller=_producer(producer), buyer=_buyer(organisation),
            seller_label=_("First party (hands over)"),
            buyer_label=_("Second party (receives)"),
            columns=(_("Goods received"), _("Accepted"), _("Unit price"), _("Amount")),
            rows=_bast_rows(rows), total_label=_("Value accepted"), total=total,
            words=_words(total, locale), notes=tuple(notes), footer=_footer(),
            locale=locale, created=delivery.created_at)
        signatures = (Signature(_("First party"), _("Hands over"), producer.business_name),
                      Signature(_("Second party"), _("Receives"), organisation.name))
    return Paper(document, signatures)


# ---- drawing ------------------------------------------------------------------------------

def _draw_signatures(sheet: FPDF, signatures: tuple[Signature, Signature]) -> None:
    if sheet.y + 45 > sheet.page_break_trigger:
        sheet.add_page()
    top = sheet.y + 6
    width = pdf.SIGNATURE_WIDTH + 10
    for x, signature in ((pdf.MARGIN, signatures[0]),
                         (pdf.MARGIN + pdf.WIDTH - width, signatures[1])):
        sheet.set_xy(x, top)
        sheet.set_font(pdf.FAMILY, "B", 9)
        sheet.multi_cell(width, 4.6, signature.label, align=Align.C, new_x=XPos.LEFT,
                         new_y=YPos.NEXT)
        sheet.set_font(pdf.FAMILY, "", 8.5)
        sheet.multi_cell(width, 4.3, signature.role, align=Align.C, new_x=XPos.LEFT,
                         new_y=YPos.NEXT)
        line_y = sheet.y + 22
        sheet.line(x + 4, line_y, x + width - 4, line_y)
        sheet.set_xy(x, line_y + 1)
        sheet.set_font(pdf.FAMILY, "B", 8.5)
        sheet.multi_cell(width, 4.3, signature.name, align=Align.C)


def draw(paper: Paper) -> bytes:
    """The paper as an A4 PDF: ``expo.pdf``'s heading, parties, table and total, then the
    two signature blocks. Same paper, same bytes."""
    document = paper.document
    sheet = pdf._Sheet(document)
    with i18n.using(document.locale):
        pdf._heading(sheet, document)
        pdf._parties(sheet, document)
        pdf._table(sheet, document)
        pdf._total(sheet, document)
        pdf._notes(sheet, document.notes)
        if document.stamp:
            pdf._stamp(sheet, document.stamp, pdf.MARGIN + pdf.WIDTH / 2, sheet.y + 10)
            sheet.ln(22)
        _draw_signatures(sheet, paper.signatures)
    return bytes(sheet.output())


async def render(paper: Paper) -> bytes:
    return await in_thread(draw, paper)
