"""Excel export of an event's applications with scores and decisions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from expo.events.models import Event
from expo.exhibitors import curation
from expo.exhibitors.models import CATEGORY_LABELS, STATUS_LABELS, Application, AppStatus
from expo.i18n import gettext as _
from expo.xlsx import Column, Sheet, workbook_bytes


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


async def applications_xlsx(event: Event) -> bytes:
    applications = await Application.filter(event=event).exclude(
        status=AppStatus.DRAFT).prefetch_related("producer", "decided_by").order_by("id")
    criteria = await curation.criteria_of(event)
    tz = ZoneInfo(event.timezone)
    summary: list[list[Any]] = []
    details: list[list[Any]] = []
    for a in applications:
        result = await curation.breakdown(a)
        p = a.producer
        summary.append([
            a.id, p.business_name, p.owner_name, p.phone, p.email, p.kabupaten,
            str(CATEGORY_LABELS[p.category]), p.cluster, str(STATUS_LABELS[a.status]),
            a.booth_type.value, a.booths_needed, a.power_watts, _yes(a.needs_water),
            _yes(a.first_time), p.smk_workers, p.smk_interns, _yes(p.is_micro),
            str(p.legality_status().value), a.submitted_at.astimezone(tz) if a.submitted_at
            else None, a.total_score, *[result.values.get(c.id) for c in criteria],
            len(result.curators), a.decision_message,
            a.decided_by.name if a.decided_by else ""])
        for curator in result.curators:
            details.append([a.id, p.business_name, curator.name,
                            *[result.matrix[curator.id].get(c.id) for c in criteria]])
    columns = [Column(_("No."), "int", 6), Column(_("Business"), width=28),
               Column(_("Owner"), width=22), Column(_("WhatsApp"), width=16),
               Column(_("Email"), width=26), Column(_("Kabupaten/Kota"), width=24),
               Column(_("Category"), width=20), Column(_("Cluster")), Column(_("Status")),
               Column(_("Booth type")), Column(_("Booths"), "int"), Column(_("Watts"), "int"),
               Column(_("Water")), Column(_("First time")), Column(_("SMK workers"), "int"),
               Column(_("SMK interns"), "int"), Column(_("Micro")), Column(_("Legality")),
               Column(_("Submitted"), "datetime", 18), Column(_("Total score"), "decimal"),
               *[Column(c.name, "decimal") for c in criteria], Column(_("Curators"), "int"),
               Column(_("Message"), width=40), Column(_("Decided by"), width=22)]
    per_curator = [Column(_("No."), "int", 6), Column(_("Business"), width=28),
                   Column(_("Curator"), width=22), *[Column(c.name, "int") for c in criteria]]

    def rows(items: list[list[Any]]) -> Iterator[list[Any]]:
        yield from items

    return workbook_bytes([Sheet(_("Applications"), columns, rows(summary)),
                           Sheet(_("Scores per curator"), per_curator, rows(details))])
