"""The procurement report as an Excel workbook: a summary sheet, then one sheet per grouping
and the on-time sheet. Headers and labels in the reader's language, rupiah as integers with
the Rupiah number format, shares as percentages.

The figures are aggregates (a few hundred rows at most): the workbook is written in a thread
by the streaming writer, off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from expo.i18n import gettext as _
from expo.offload import in_thread
from expo.xlsx import Column, Sheet, workbook_bytes

from .models import BuyerKind
from .reports import Group, Report


def _summary(report: Report) -> Sheet:
    t, smk = report.totals, report.smk
    kind = BuyerKind.label_of(report.kind) if report.kind else _("All buyers")
    rows: list[Sequence[Any]] = [
        (_("Period"), f"{report.period.start.isoformat()} – {report.period.end.isoformat()}",
         None, None),
        (_("Buyers"), kind, None, None),
        (_("Orders"), None, t.orders, None),
        (_("Producers"), None, t.producers, None),
        (_("Buyer organisations"), None, t.organisations, None),
        (_("Spend (ordered)"), None, None, t.spend),
        (_("Received in good condition"), None, None, t.received),
        (_("Paid"), None, None, t.paid),
        (_("Invoiced"), None, None, t.invoiced),
        (_("Unpaid"), None, None, t.unpaid),
        (_("Overdue"), None, None, t.overdue),
        (_("Spend with SMK-employing workshops"), None, None, smk.spend),
        (_("Orders to SMK-employing workshops"), None, smk.orders, None),
    ]
    return Sheet(_("Summary"), [Column(_("Figure"), width=36), Column(_("Value"), width=28),
                                Column(_("Count"), "int", 12),
                                Column(_("Amount (IDR)"), "idr", 18)], rows, notes=[
        _("Spend counts orders issued in the period (issued, partly delivered, delivered).")])


def _grouped(title: str, first: str, groups: list[Group], *, by_key: bool = False) -> Sheet:
    """A grouping's sheet; ``by_key``: the first column is the key (``2027-03``, sortable)."""
    return Sheet(title, [
        Column(first, width=36), Column(_("Orders"), "int", 10),
        Column(_("Producers"), "int", 11), Column(_("Spend (IDR)"), "idr", 18),
        Column(_("Received (IDR)"), "idr", 18), Column(_("Paid (IDR)"), "idr", 18),
        Column(_("Share of spend"), "percent", 14)],
        [(g.key if by_key else g.label, g.orders, g.producers, g.spend, g.received, g.paid, g.share)
         for g in groups])


def _on_time(report: Report) -> Sheet:
    return Sheet(_("On-time delivery"), [
        Column(_("Producer"), width=32), Column(_("Kabupaten/kota"), width=22),
        Column(_("Lines"), "int", 8), Column(_("On time"), "int", 9),
        Column(_("Late"), "int", 8), Column(_("On-time share"), "percent", 13),
        Column(_("Average days late"), "decimal", 16)],
        [(r.name, r.kabupaten, r.lines, r.on_time, r.late, r.share, r.days_late)
         for r in report.on_time], notes=[
        _("A line is on time when the delivery that completed it came on or before its "
          "date; a line still short after its date is late.")])


_NOT_IN_TITLES = str.maketrans({c: "-" for c in "/\\?*[]:"})


def sheets(report: Report) -> list[Sheet]:
    out = [
        _summary(report),
        _grouped(_("Per buyer"), _("Buyer"), report.per_organisation),
        _grouped(_("Per buyer kabupaten"), _("Kabupaten/kota of the buyer"),
                 report.per_buyer_kabupaten),
        _grouped(_("Per producer kabupaten"), _("Kabupaten/kota of the producer"),
                 report.per_producer_kabupaten),
        _grouped(_("Per category"), _("Category"), report.per_category),
        _grouped(_("Per cluster"), _("Cluster"), report.per_cluster),
        _grouped(_("Per month"), _("Month"), report.per_month, by_key=True),
        _on_time(report),
    ]
    for sheet in out:  # Excel refuses these characters in a sheet's name
        sheet.title = sheet.title.translate(_NOT_IN_TITLES)[:31]
    return out


async def workbook(report: Report) -> bytes:
    """The .xlsx bytes of ``report`` (texts translated here, written in a thread)."""
    return await in_thread(workbook_bytes, sheets(report),
                           title=_("Procurement from local producers %(period)s",
                                   period=report.period.label))
