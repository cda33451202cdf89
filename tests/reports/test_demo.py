"""The demo has sales reports, a seller login, leads on the dashboard, and builds a
workbook."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from expo.accounts.models import User
from expo.demo import load_demo
from expo.exhibitors import service as exhibitors_service
from expo.reports import dashboard, service
from expo.reports.demo import SELLER_EMAIL
from expo.reports.models import SalesReport
from expo.reports.workbook import build_event_workbook


async def test_demo_sales_and_workbook(db, tmp_path):  # type: ignore[no-untyped-def]
    ctx = await load_demo()
    assert await SalesReport.filter(event=ctx.event).count() > 5
    result = await service.overview(event=ctx.event, day=ctx.event.starts_on)
    assert result.missing, "some producers have not reported: the reminder has work"
    seller = await User.get(email=SELLER_EMAIL)
    app = await exhibitors_service.accepted_application(user=seller, event=ctx.event)
    assert app.producer_id in [p.id for p in result.missing]
    path = tmp_path / "demo.xlsx"
    rows = await build_event_workbook(event=ctx.event, target=path)
    assert rows > 500
    assert len(load_workbook(path, read_only=True).sheetnames) == 9  # invoices, payments


async def test_demo_dashboard_shows_leads_per_hour_on_event_days(db):  # type: ignore[no-untyped-def]
    ctx = await load_demo()
    event = ctx.event
    per_day = {}
    for day in await service.event_days(event):
        board = await dashboard.build(event=event, day=day)
        per_day[day] = dict(board.leads_per_hour)
    opening = per_day[event.starts_on]
    assert sum(opening.values()) > 0, "the opening day's leads-per-hour chart has bars"
    assert all(n == 0 for hour, n in opening.items() if not 9 <= int(hour) < 21)
    assert sum(sum(hours.values()) for hours in per_day.values()) == board.leads
    # the committee opens the dashboard before the fair: it shows the opening day
    before = dt.datetime.combine(event.starts_on, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=9)
    assert dict((await dashboard.build(event=event, now=before)).leads_per_hour) == opening


async def test_demo_has_a_verifiable_opening_draw(db):
    from expo.demo import load_demo
    from expo.reports import draws

    ctx = await load_demo()
    [(run, winners)] = await draws.published(event=ctx.event)
    assert run.seed == "hkn2027-pembukaan" and len(winners) == 5
    assert await draws.verify(run)
