"""Sales reports: entry, per-product lines, totals, who has not reported, reminders."""

from __future__ import annotations

import pytest

from expo.errors import DomainError
from expo.exhibitors.models import AppStatus, InboxMessage, Product
from expo.outbox import OutboxMessage
from expo.reports import service
from expo.reports.models import SalesLine, SalesReport
from expo.reports.service import LineInput, SalesInput
from tests.factories import make_event
from tests.reports.factories import make_exhibitor


async def test_save_report_creates_then_replaces(db):
    event = await make_event()
    user, producer = await make_exhibitor(event)
    day = event.starts_on
    await service.save_report(event=event, producer=producer, by=user,
                              data=SalesInput(day=day, omzet=1_500_000, units=60))
    await service.save_report(event=event, producer=producer, by=user,
                              data=SalesInput(day=day, omzet=1_750_000, units=70, note="ramai"))
    reports = await SalesReport.filter(event=event)
    assert [(r.omzet, r.units, r.note) for r in reports] == [(1_750_000, 70, "ramai")]


async def test_save_report_per_product_sums_lines(db):
    event = await make_event()
    user, producer = await make_exhibitor(event)
    p1, p2 = await Product.filter(producer=producer).order_by("id")
    report = await service.save_report(
        event=event, producer=producer, by=user,
        data=SalesInput(day=event.starts_on, omzet=999, units=9, lines=[
            LineInput(p1.id, 300_000, 12), LineInput(p2.id, 200_000, 5), LineInput(p2.id, 0, 0)]))
    await report.refresh_from_db()
    assert (report.omzet, report.units, report.per_product) == (500_000, 17, True)
    assert await SalesLine.filter(report=report).count() == 2


async def test_save_report_rejects_day_outside_event(db):
    event = await make_event()
    user, producer = await make_exhibitor(event)
    with pytest.raises(DomainError) as err:
        await service.save_report(event=event, producer=producer, by=user,
                                  data=SalesInput(day=event.ends_on.replace(year=2001), omzet=1,
                                                  units=1))
    assert err.value.code == "day_not_in_event"


async def test_save_report_rejects_other_producers_product(db):
    event = await make_event()
    user, producer = await make_exhibitor(event)
    _other_user, other = await make_exhibitor(event)
    foreign = await Product.filter(producer=other).first()
    with pytest.raises(DomainError) as err:
        await service.save_report(event=event, producer=producer, by=user, data=SalesInput(
            day=event.starts_on, omzet=0, units=0, lines=[LineInput(foreign.id, 10, 1)]))
    assert err.value.code == "product_not_yours"


async def test_overview_totals_and_missing(db):
    event = await make_event(days=2)
    u1, p1 = await make_exhibitor(event)
    u2, p2 = await make_exhibitor(event)
    await make_exhibitor(event, status=AppStatus.REJECTED)
    day1 = event.starts_on
    await service.save_report(event=event, producer=p1, by=u1,
                              data=SalesInput(day=day1, omzet=1_000_000, units=10))
    await service.save_report(event=event, producer=p2, by=u2,
                              data=SalesInput(day=event.ends_on, omzet=250_000, units=4))
    result = await service.overview(event=event, day=day1)
    assert result.omzet == 1_250_000 and result.units == 14
    assert result.totals_by_day[day1] == (1_000_000, 10, 1)
    assert [p.id for p in result.missing] == [p2.id]
    assert [r.producer_id for r in result.rows] == [p1.id, p2.id]


async def test_send_reminders_inbox_and_mail(db, settings):
    event = await make_event()
    u1, p1 = await make_exhibitor(event)
    _u2, p2 = await make_exhibitor(event)
    await service.save_report(event=event, producer=p1, by=u1,
                              data=SalesInput(day=event.starts_on, omzet=5, units=1))
    sent = await service.send_reminders(event=event, day=event.starts_on, settings=settings,
                                        by=u1)
    assert sent == 1
    assert await InboxMessage.filter(producer=p2).count() == 1
    assert await InboxMessage.filter(producer=p1).count() == 0
    assert await OutboxMessage.filter(to=p2.email).count() == 1
