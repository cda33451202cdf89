"""The demo has sales reports, a seller login, and builds a workbook."""

from __future__ import annotations

from openpyxl import load_workbook

from expo.accounts.models import User
from expo.demo import load_demo
from expo.reports import service
from expo.reports.demo import SELLER_EMAIL
from expo.reports.models import SalesReport
from expo.reports.workbook import build_event_workbook


async def test_demo_sales_and_workbook(db, tmp_path):  # type: ignore[no-untyped-def]
    ctx = await load_demo()
    assert await SalesReport.filter(event=ctx.event).count() > 5
    result = await service.overview(event=ctx.event, day=ctx.event.starts_on)
    assert result.missing, "some producers have not reported: the reminder has work"
    seller = await User.get(email=SELLER_EMAIL)
    app = await service.exhibitor_application(user=seller, event=ctx.event)
    assert app.producer_id in [p.id for p in result.missing]
    path = tmp_path / "demo.xlsx"
    rows = await build_event_workbook(event=ctx.event, target=path)
    assert rows > 500
    assert len(load_workbook(path, read_only=True).sheetnames) == 7
