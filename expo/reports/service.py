"""Sales reports by producers: entry by the exhibitor, totals and reminders for the committee."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError
from expo.events.models import Event, EventDay
from expo.exhibitors.models import (
    Application,
    AppStatus,
    InboxMessage,
    Producer,
    Product,
)
from expo.i18n import gettext as _
from expo.reports import reminders
from expo.reports.models import SalesLine, SalesReport
from expo.settings import Settings

MAX_OMZET = 10_000_000_000  # Rp 10 billion a day is a typo, not a sale
MAX_UNITS = 1_000_000


@dataclass
class LineInput:
    product_id: int
    omzet: int
    units: int


@dataclass
class SalesInput:
    day: dt.date
    omzet: int
    units: int
    note: str = ""
    lines: list[LineInput] = field(default_factory=list)


async def event_days(event: Event) -> list[dt.date]:
    days = await EventDay.filter(event=event).order_by("date").values_list("date", flat=True)
    return list(days)  # type: ignore[arg-type]


async def report_for(*, event: Event, producer: Producer, day: dt.date) -> SalesReport | None:
    return await SalesReport.get_or_none(event=event, producer=producer, day=day)


async def lines_of(report: SalesReport | None) -> dict[int, SalesLine]:
    if report is None:
        return {}
    return {line.product_id: line for line in await SalesLine.filter(report=report)}  # type: ignore[attr-defined]


async def reports_of(*, event: Event, producer: Producer) -> list[SalesReport]:
    return await SalesReport.filter(event=event, producer=producer).order_by("day")


async def _check_input(*, event: Event, producer: Producer, data: SalesInput) -> None:
    if data.day not in await event_days(event):
        raise DomainError(_("Choose one of the event's days."), "day_not_in_event",
                          status_code=422)
    if data.lines:
        own = set(await Product.filter(producer=producer).values_list("id", flat=True))
        if any(line.product_id not in own for line in data.lines):
            raise DomainError(_("That product is not one of yours. Reload the page."),
                              "product_not_yours", status_code=422)


async def save_report(*, event: Event, producer: Producer, data: SalesInput,
                      by: User | None) -> SalesReport:
    """Create or replace the producer's report for ``data.day``.

    With per-product lines, the report's omzet and units are the lines' sums. The input is
    checked, the report written and audited in one transaction.
    """
    try:
        return await _upsert(event=event, producer=producer, data=data, by=by)
    except IntegrityError:  # two phones saved the same day at once: the second one updates
        return await _upsert(event=event, producer=producer, data=data, by=by)


async def _upsert(*, event: Event, producer: Producer, data: SalesInput,
                  by: User | None) -> SalesReport:
    lines = [line for line in data.lines if line.omzet or line.units]
    omzet = sum(line.omzet for line in lines) if data.lines else data.omzet
    units = sum(line.units for line in lines) if data.lines else data.units
    # A report sent in a rehearsal is the rehearsal's (cleared with it); sent again after, it
    # is a real one. A rehearsal never overwrites a real report.
    values: dict[str, Any] = {"omzet": omzet, "units": units, "note": data.note,
                              "reported_by": by, "per_product": bool(data.lines),
                              "rehearsal": event.rehearsal}
    async with atomic():
        await _check_input(event=event, producer=producer, data=data)
        report = await SalesReport.filter(
            event=event, producer=producer, day=data.day).select_for_update().first()
        if report is None:
            report = await SalesReport.create(event=event, producer=producer, day=data.day,
                                              **values)
        elif event.rehearsal and not report.rehearsal:
            raise DomainError(_("This day already has a real sales report: a rehearsal cannot "
                                "change it. Practise with another day."), "rehearsal_real_report",
                              status_code=422)
        else:
            await report.update_from_dict(values).save()
            await SalesLine.filter(report=report).delete()
        if lines:
            await SalesLine.bulk_create([
                SalesLine(report=report, product_id=line.product_id, omzet=line.omzet,
                          units=line.units) for line in lines])
        await log_action(action="expo.sales.reported", actor=by, event=event, obj=report,
                         summary=f"{producer.business_name} {data.day.isoformat()}: Rp {omzet:,}",
                         data={"day": data.day.isoformat(), "omzet": omzet, "units": units})
    return report


# ---- the committee's view ---------------------------------------------------------------------

@dataclass
class ProducerSales:
    producer_id: int
    name: str
    kabupaten: str
    category: str
    by_day: dict[dt.date, int] = field(default_factory=dict)
    omzet: int = 0
    units: int = 0


@dataclass
class SalesOverview:
    days: list[dt.date]
    day: dt.date | None
    rows: list[ProducerSales]
    totals_by_day: dict[dt.date, tuple[int, int, int]]  # omzet, units, reports
    omzet: int
    units: int
    missing: list[Producer]


async def accepted_producers(event: Event) -> list[Producer]:
    ids = await Application.filter(event=event, status=AppStatus.ACCEPTED).values_list(
        "producer_id", flat=True)
    return await Producer.filter(id__in=list(ids)).order_by("business_name", "id")


async def overview(*, event: Event, day: dt.date | None = None) -> SalesOverview:
    days = await event_days(event)
    if day is None or day not in days:
        today = dt.date.today()
        day = today if today in days else (days[0] if days else None)
    producers = await accepted_producers(event)
    rows = {p.id: ProducerSales(p.id, p.business_name, p.kabupaten, str(p.category))
            for p in producers}
    totals: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    reported: dict[dt.date, set[int]] = defaultdict(set)
    for producer_id, rday, omzet, units in await SalesReport.filter(
            event=event, rehearsal=False).values_list("producer_id", "day", "omzet", "units"):
        reported[rday].add(producer_id)  # type: ignore[index]
        totals[rday][0] += omzet  # type: ignore[index]
        totals[rday][1] += units  # type: ignore[index]
        totals[rday][2] += 1  # type: ignore[index]
        row = rows.get(producer_id)  # type: ignore[arg-type]
        if row is None:  # reported, then withdrawn: still counted in the totals
            continue
        row.by_day[rday] = row.by_day.get(rday, 0) + omzet  # type: ignore[index]
        row.omzet += omzet  # type: ignore[operator]
        row.units += units  # type: ignore[operator]
    missing = [p for p in producers if day is not None and p.id not in reported[day]]
    return SalesOverview(
        days=days, day=day, rows=sorted(rows.values(), key=lambda r: (-r.omzet, r.name)),
        totals_by_day={d: (t[0], t[1], t[2]) for d, t in totals.items()},
        omzet=sum(t[0] for t in totals.values()), units=sum(t[1] for t in totals.values()),
        missing=missing)


async def send_reminders(*, event: Event, day: dt.date, settings: Settings | None,
                         by: User | None) -> int:
    """Remind every accepted producer without a report for ``day``: in their inbox, and by
    WhatsApp and email (``reminders.remind``, the hourly job's message: the same key, so the
    job does not remind them again that day).

    Who is missing, their inbox messages, the queued messages and the audit entry are one
    transaction; the job worker sends the messages after it commits. (``settings`` is kept
    for the callers; the messages need none.)
    """
    del settings
    subject = _("Please report your sales of %(day)s", day=day.strftime("%d/%m/%Y"))
    body = _("The committee of %(event)s asks every exhibitor to report the day's sales "
             "(omzet and units sold). It takes a minute on your phone: open the My sales tab "
             "of the event.", event=event.name)
    async with atomic():
        if day not in await event_days(event):
            raise DomainError(_("Choose one of the event's days."), "day_not_in_event",
                              status_code=422)
        missing = (await overview(event=event, day=day)).missing
        for producer in missing:
            await InboxMessage.create(producer=producer, event=event, subject=subject, body=body)
            await reminders.remind(event=event, producer=producer, day=day)
        await log_action(action="expo.sales.reminded", actor=by, event=event,
                         summary=f"{len(missing)} reminders for {day.isoformat()}",
                         data={"day": day.isoformat(), "producers": [p.id for p in missing]})
    return len(missing)


async def products_of(application: Any) -> list[Any]:
    """The products of the producer behind an application, oldest first."""
    return await Product.filter(producer_id=application.producer_id).order_by("id")
