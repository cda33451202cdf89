"""Excel export of an event's applications with scores and decisions.

The rows are read with a handful of queries (the scores of every application at once, not a
breakdown per application) and the workbook is written in a worker process
(``expo.offload.in_process``): openpyxl builds an element per cell, which on the event loop
(or in a thread, holding the GIL) would slow the gate's scans.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from expo import regions
from expo.events.models import Event
from expo.exhibitors import curation
from expo.exhibitors.models import (
    Application,
    AppStatus,
    BoothType,
    Category,
    Criterion,
    CriterionSource,
    Score,
)
from expo.i18n import gettext as _
from expo.offload import in_process
from expo.xlsx import Column, Sheet, workbook_bytes


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


class _Scores:
    """Every curator's scores of the event's applications, as ``curation.breakdown`` reads
    them one application at a time."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.matrix: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
        self.names: dict[int, str] = {}
        for application_id, criterion_id, curator_id, value, name in rows:
            self.matrix[application_id][curator_id][criterion_id] = value
            self.names.setdefault(curator_id, str(name))

    def curators(self, application_id: int) -> list[int]:
        """The application's curators by name (as the breakdown lists them)."""
        return sorted(self.matrix.get(application_id, {}), key=lambda c: self.names[c])

    def values(self, a: Application, criteria: list[Criterion]) -> list[float | None]:
        matrix = self.matrix.get(a.id, {})
        values: list[float | None] = []
        for c in criteria:
            if c.source == CriterionSource.MANUAL:
                given = [m[c.id] for m in matrix.values() if c.id in m]
                values.append(round(sum(given) / len(given), 2) if given else None)
            else:
                values.append(float(curation.auto_score(c.source, a, a.producer)))
        return values


async def _scores(applications: list[Application]) -> _Scores:
    rows = await Score.filter(application_id__in=[a.id for a in applications]).order_by(
        "id").values_list("application_id", "criterion_id", "curator_id", "value",
                          "curator__name")
    return _Scores(list(rows))


def _columns(criteria: list[Criterion]) -> tuple[list[Column], list[Column]]:
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
    return columns, per_curator


async def applications_xlsx(event: Event) -> bytes:
    applications = await Application.filter(event=event).exclude(
        status=AppStatus.DRAFT).prefetch_related("producer", "decided_by").order_by("id")
    criteria = await curation.criteria_of(event)
    scores = await _scores(applications)
    tz = ZoneInfo(event.timezone)
    summary: list[list[Any]] = []
    details: list[list[Any]] = []
    for a in applications:
        p, curators = a.producer, scores.curators(a.id)
        summary.append([
            a.id, p.business_name, p.owner_name, p.phone, p.email, regions.label(p.kabupaten),
            Category.label_of(p.category), p.cluster, AppStatus.label_of(a.status),
            BoothType.label_of(a.booth_type), a.booths_needed, a.power_watts, _yes(a.needs_water),
            _yes(a.first_time), p.smk_workers, p.smk_interns, _yes(p.is_micro),
            p.legality_status().label, a.submitted_at.astimezone(tz) if a.submitted_at
            else None, a.total_score, *scores.values(a, criteria), len(curators),
            a.decision_message, a.decided_by.name if a.decided_by else ""])
        for curator in curators:
            given = scores.matrix[a.id][curator]
            details.append([a.id, p.business_name, scores.names[curator],
                             *[given.get(c.id) for c in criteria]])
    columns, per_curator = _columns(criteria)
    return await in_process(workbook_bytes, [Sheet(_("Applications"), columns, summary),
                                             Sheet(_("Scores per curator"), per_curator, details)])
