"""The demo has sales reports, a seller login, leads on the dashboard, and builds a
workbook. Checks run on the demo load every domain shares (tests/test_live_demo.py)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from expo.accounts.models import User
from expo.events.demo import DemoContext
from expo.exhibitors import service as exhibitors_service
from expo.reports import dashboard, draws, service
from expo.reports.demo import SELLER_EMAIL
from expo.reports.models import SalesReport
from expo.reports.workbook import build_event_workbook


async def check_sales_and_workbook(ctx: DemoContext) -> None:
    assert await SalesReport.filter(event=ctx.event).count() > 5
    result = await service.overview(event=ctx.event, day=ctx.event.starts_on)
    assert result.missing, "some producers have not reported: the reminder has work"
    seller = await User.get(email=SELLER_EMAIL)
    app = await exhibitors_service.accepted_application(user=seller, event=ctx.event)
    assert app.producer_id in [p.id for p in result.missing]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.xlsx"
        rows = await build_event_workbook(event=ctx.event, target=path)
        assert rows > 500
        assert len(load_workbook(path, read_only=True).sheetnames) == 9  # invoices, payments


async def check_dashboard_shows_leads_per_hour_on_event_days(ctx: DemoContext) -> None:
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


async def check_a_verifiable_opening_draw(ctx: DemoContext) -> None:
    [(run, winners)] = await draws.published(event=ctx.event)
    assert run.seed == "hkn2027-pembukaan" and len(winners) == 5
    assert await draws.verify(run)


CHECKS = [check_sales_and_workbook, check_dashboard_shows_leads_per_hour_on_event_days,
          check_a_verifiable_opening_draw]
