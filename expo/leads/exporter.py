"""The exhibitor's own leads and inquiries as an Excel workbook (consented contacts only).

The rows are plain values; the workbook is written in a worker process
(``expo.offload.in_process``), not on the event loop the gate's scans share.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from expo.events.models import Event
from expo.exhibitors.models import Application
from expo.i18n import gettext as _
from expo.offload import in_process
from expo.visitors.models import VisitorType
from expo.xlsx import Column, Sheet, workbook_bytes

from .models import LeadSource, LeadStatus, Rating
from .service import inbox, visible_inquiries


async def leads_workbook(*, event: Event, application: Application) -> bytes:
    tz = ZoneInfo(event.timezone)
    box = await inbox(application=application)
    lead_rows = [[
        lead.visitor.name, lead.visitor.phone, lead.visitor.email,
        VisitorType.label_of(lead.visitor.type),
        lead.visitor.agency or lead.visitor.organisation,
        LeadSource.label_of(lead.source), Rating.label_of(lead.rating),
        LeadStatus.label_of(lead.status), lead.value, lead.tags, lead.notes, lead.scans,
        lead.first_at.astimezone(tz), lead.last_at.astimezone(tz),
    ] for lead in box.leads if not lead.rehearsal]  # a rehearsal's leads are no contacts
    leads = Sheet(_("Leads"), [
        Column(_("Name"), width=24), Column(_("WhatsApp"), width=16), Column(_("Email"), width=24),
        Column(_("Visitor type")), Column(_("Agency or organisation"), width=24),
        Column(_("Source")), Column(_("Rating")), Column(_("Status")),
        Column(_("Value"), "idr"), Column(_("Tags")), Column(_("Notes"), width=30),
        Column(_("Scans"), "int"), Column(_("First contact"), "datetime"),
        Column(_("Last contact"), "datetime"),
    ], lead_rows, notes=[_("%(n)s other leads did not share their contact.", n=box.hidden)]
        if box.hidden else [])
    inquiry_rows = [[
        i.lead.visitor.name, i.lead.visitor.phone, i.agency, i.product_name, i.quantity, i.unit,
        i.needed_by, i.budget, i.note, i.created_at.astimezone(tz),
    ] for i in await visible_inquiries(application=application) if not i.lead.rehearsal]
    inquiries = Sheet(_("Inquiries"), [
        Column(_("Name"), width=24), Column(_("WhatsApp"), width=16),
        Column(_("Agency or organisation"), width=24), Column(_("Product"), width=24),
        Column(_("Quantity"), "int"), Column(_("Unit")), Column(_("Needed by"), "date"),
        Column(_("Budget"), "idr"), Column(_("Note"), width=30), Column(_("Sent"), "datetime"),
    ], inquiry_rows)
    return await in_process(workbook_bytes, [leads, inquiries])
