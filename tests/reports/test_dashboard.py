"""Dashboard figures: registrations, check-ins per hour and gate, inside now, leads, statuses."""

from __future__ import annotations

import datetime as dt

from expo.exhibitors.models import Application, AppStatus, Category
from expo.leads.models import Lead
from expo.reports import dashboard
from tests.factories import make_event
from tests.reports.factories import make_checked_in, make_exhibitor, make_gate


def test_pick_day_prefers_request_then_today_then_last_day():
    days = [dt.date(2027, 4, 20), dt.date(2027, 4, 21)]
    assert dashboard.pick_day(days, days[1], dt.date(2027, 4, 20)) == days[1]
    assert dashboard.pick_day(days, None, dt.date(2027, 4, 20)) == days[0]
    assert dashboard.pick_day(days, None, dt.date(2027, 5, 1)) == days[1]
    assert dashboard.pick_day(days, dt.date(1999, 1, 1), dt.date(2026, 1, 1)) == days[0]
    assert dashboard.pick_day([], None, dt.date(2026, 1, 1)) is None


async def test_dashboard_counts(db):
    event = await make_event(timezone="UTC")
    main, east = await make_gate(event, "Utama"), await make_gate(event, "Timur")
    v1 = await make_checked_in(event, gate=main, hour=9)
    v2 = await make_checked_in(event, gate=main, hour=10)
    await make_checked_in(event, gate=east, hour=10)
    v2.inside = False
    await v2.save()
    _u, p1 = await make_exhibitor(event)
    await make_exhibitor(event, category=Category.KRIYA, kabupaten="Kota Bontang")
    await make_exhibitor(event, status=AppStatus.SUBMITTED)
    app = await Application.get(producer=p1)
    await Lead.create(event=event, application=app, visitor=v1)
    await Lead.create(event=event, application=app, visitor=v2)
    board = await dashboard.build(event=event, day=event.starts_on)
    assert (board.registrations, board.checked_in, board.inside) == (3, 3, 2)
    assert dict(board.per_hour)["09"] == 1 and dict(board.per_hour)["10"] == 2
    assert board.per_gate == [("Timur", 1), ("Utama", 2)]
    assert board.leads == 2 and board.top_stands == [(p1.business_name, 2)]
    assert sorted(n for _label, n in board.by_status) == [1, 2]
    assert dict(board.by_kabupaten) == {"Kota Samarinda": 1, "Kota Bontang": 1}
