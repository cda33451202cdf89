"""The summary sheet: the figures the funding office asks for, one section after another."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from expo import regions
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Category
from expo.i18n import gettext as _
from expo.reports import leads_source
from expo.reports.models import SalesReport
from expo.visitors.models import Scan, Visitor, VisitorType
from expo.xlsx import Column, Sheet


async def visitors_by_type_and_day(event: Event) -> Counter[tuple[dt.date, str]]:
    """Distinct visitors checked in, per day and visitor type."""
    rows = await Scan.filter(event=event, ok=True, direction="in",
                             rehearsal=False).distinct().values_list(
        "day", "visitor_id", "visitor__type")
    return Counter((d, str(t)) for d, _v, t in rows)  # type: ignore[misc]


async def accepted_producers_facts(event: Event) -> list[tuple[str, str, bool]]:
    """(category, kabupaten, employs or hosts SMK students) per accepted exhibitor."""
    rows = await Application.filter(event=event, status=AppStatus.ACCEPTED).values_list(
        "producer__category", "producer__kabupaten", "producer__smk_workers",
        "producer__smk_interns")
    return [(str(c), str(k), (w or 0) > 0 or (i or 0) > 0) for c, k, w, i in rows]


async def _rows(event: Event) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    sec = _("Visitors by type and day")
    for (day, kind), n in sorted((await visitors_by_type_and_day(event)).items()):
        rows.append((sec, VisitorType.label_of(kind), day, n, None))
    rows.append((_("Visitors"), _("Registered"), None,
                 await Visitor.filter(event=event, rehearsal=False).count(), None))
    facts = await accepted_producers_facts(event)
    sec = _("Exhibitors by category")
    for cat, n in sorted(Counter(c for c, _k, _s in facts).items()):
        rows.append((sec, Category.label_of(cat), None, n, None))
    sec = _("Exhibitors by kabupaten/kota")
    for kab, n in sorted(Counter(regions.canonical(k) or k for _c, k, _s in facts).items()):
        rows.append((sec, regions.label(kab), None, n, None))
    rows.append((_("Exhibitors"), _("Accepted exhibitors"), None, len(facts), None))
    rows.append((_("Exhibitors"), _("Employing or hosting SMK students"), None,
                 sum(1 for f in facts if f[2]), None))
    reports = await SalesReport.filter(event=event, rehearsal=False).values_list(
        "day", "omzet", "units")
    sec = _("Sales")
    for day in sorted({d for d, _o, _u in reports}):
        rows.append((sec, _("Omzet of the day (reports)"), day,
                     sum(1 for d, _o, _u in reports if d == day),
                     sum(o for d, o, _u in reports if d == day)))
    rows.append((sec, _("Total sales (reports)"), None, len(reports),
                 sum(o for _d, o, _u in reports)))
    rows.append((sec, _("Units sold"), None, sum(u for _d, _o, u in reports), None))
    rows.append((_("Leads"), _("Leads captured"), None, await leads_source.count(event=event),
                 None))
    sec = _("Procurement inquiries by agency")
    for item in await leads_source.inquiries_by_agency(event=event):
        rows.append((sec, item.agency, None, item.count, item.value))
    return rows


async def summary_sheet(event: Event) -> Sheet:
    columns = [Column(_("Section"), "text", 34), Column(_("Item"), "text", 40),
               Column(_("Day"), "date", 12), Column(_("Count"), "int", 12),
               Column(_("Amount (IDR)"), "idr", 18)]
    return Sheet(_("Summary"), columns, await _rows(event),
                 notes=[_("%(event)s, %(venue)s, %(start)s to %(end)s", event=event.name,
                          venue=event.venue, start=event.starts_on.strftime("%d/%m/%Y"),
                          end=event.ends_on.strftime("%d/%m/%Y"))])
