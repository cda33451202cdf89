"""Rehearsal mode (issue 16, item 2): the gates, the marks, the exclusions and the clearing."""

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.events import rehearsal
from expo.events.models import Event
from expo.leads import service as leads
from expo.leads.models import Lead
from expo.reports import dashboard, draws, leads_source, summary
from expo.reports import service as sales
from expo.reports.models import SalesReport
from expo.visitors import checkin, service
from expo.visitors import rehearsal as test_tickets
from expo.visitors.checkin import Refusal, ScanInput
from expo.visitors.models import Direction, Scan, Visitor
from tests import factories
from tests.leads.helpers import make_stand
from tests.visitors import conftest as scan_stores
from tests.visitors.helpers import SIGNER, START, code_of, local, make_visitor

scan_db = scan_stores.scan_db  # each database the scan store drives (a SQLite file too)

NIGHT = local(START, "03:00")  # hours after closing: only a rehearsal admits then
OPEN = local(START, "10:00")


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    yield
    checkin.forget_event()


async def make_event() -> Event:
    return await factories.make_event(starts_on=START, days=1, opens="09:00", closes="17:00")


async def scan(event: Event, visitor: Visitor, at: dt.datetime = OPEN, **kw: object):
    ctx = await checkin.gate_context(event=event)
    assert ctx is not None
    return await checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(visitor), **kw),
                                     signer=SIGNER, now=at)


async def rehearsing(event: Event) -> tuple[Visitor, Visitor]:
    """The event in rehearsal, with one real ticket and one test ticket."""
    real = await make_visitor(event, name="Siti")
    [test] = await test_tickets.issue_test_tickets(event=event, count=1, by=None)
    await rehearsal.set_rehearsal(event=event, on=True, by=None)
    return real, test


# ---- the gates ---------------------------------------------------------------------------

async def test_rehearsal_gates_admit_test_tickets_at_any_hour_and_mark_the_scans(scan_db):
    event = await make_event()
    real, test = await rehearsing(event)
    entered = await scan(event, test, NIGHT, nonce="t-in")
    assert entered.ok and entered.rehearsal
    left = await scan(event, test, NIGHT, nonce="t-out", direction=Direction.OUT)
    assert left.ok
    rows = await Scan.filter(event=event).order_by("id")
    assert [(s.ok, s.rehearsal) for s in rows] == [(True, True), (True, True)]


async def test_rehearsal_refuses_a_real_ticket_with_its_reason(scan_db):
    event = await make_event()
    real, _test = await rehearsing(event)
    refused = await scan(event, real, OPEN, nonce="r")
    assert not refused.ok and refused.reason == Refusal.REHEARSAL_ONLY
    assert checkin.message_for(refused, "Asia/Makassar") == "gladi: hanya tiket uji yang diterima"
    await real.refresh_from_db()
    assert not real.inside and real.entries == 0
    row = await Scan.get(event=event, nonce="r")
    assert row.reason == "rehearsal_only" and row.rehearsal  # cleared with the rehearsal


async def test_a_test_ticket_is_refused_once_rehearsal_is_off(scan_db):
    event = await make_event()
    real, test = await rehearsing(event)
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    refused = await scan(event, test, OPEN, nonce="t")
    assert not refused.ok and refused.reason == Refusal.TEST_TICKET
    admitted = await scan(event, real, OPEN, nonce="r")
    assert admitted.ok and not admitted.rehearsal
    closed = await scan(event, await make_visitor(event, name="Budi", phone="+6281299990000"),
                        NIGHT, nonce="late")
    assert closed.reason == Refusal.CLOSED  # the opening hours are back
    assert {s.nonce: s.rehearsal for s in await Scan.filter(event=event)} == {
        "t": True, "r": False, "late": False}


async def test_offline_scans_of_a_rehearsal_are_marked_never_forced(scan_db):
    event = await make_event()
    real, test = await rehearsing(event)
    refused = await scan(event, real, OPEN, nonce="off-real", offline=True)
    assert refused.reason == Refusal.REHEARSAL_ONLY and not refused.forced
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    late = await scan(event, test, OPEN, nonce="off-test", offline=True,
                      scanned_at=OPEN - dt.timedelta(minutes=5))
    assert late.reason == Refusal.TEST_TICKET and not late.forced
    assert all(s.rehearsal for s in await Scan.filter(event=event))
    assert not await AuditEntry.filter(action="expo.visitor.forced_entry").exists()


async def test_turning_rehearsal_on_reaches_the_gates_at_once_and_is_audited(db):
    event = await make_event()
    assert not (await checkin.gate_context(event=event)).rehearsal  # cached now
    await rehearsal.set_rehearsal(event=event, on=True, by=None)
    assert (await checkin.gate_context(event=event)).rehearsal
    assert (await Event.get(id=event.id)).rehearsal
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    assert not (await checkin.gate_context(event=event)).rehearsal
    actions = await AuditEntry.filter(event=event).order_by("id").values_list("action", flat=True)
    assert actions == ["expo.event.rehearsal_on", "expo.event.rehearsal_off"]


async def test_offline_bundle_follows_the_rehearsal(db):
    event = await make_event()
    _real, test = await rehearsing(event)
    bundle = await service.offline_bundle(event=event, signer=SIGNER)
    assert bundle["rehearsal"] is True and bundle["enforce_hours"] is False
    assert bundle["test_tickets"] == [test.ticket_key]  # the only ones the scanner admits
    assert test.ticket_key not in bundle["revoked"]
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    bundle = await service.offline_bundle(event=event, signer=SIGNER)
    assert bundle["rehearsal"] is False and bundle["enforce_hours"] is True
    assert test.ticket_key in bundle["revoked"]  # refused offline too


async def test_gate_counters_count_the_mode_they_are_in(db):
    event = await make_event()
    real, test = await rehearsing(event)
    await scan(event, test, OPEN, nonce="t")
    counters = await service.counters(event=event, now=OPEN)
    assert (counters.checked_in, counters.inside, counters.scans) == (1, 1, 1)
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    await scan(event, real, OPEN, nonce="r")
    counters = await service.counters(event=event, now=OPEN)
    assert (counters.checked_in, counters.scans) == (1, 1)  # the real entry only


# ---- test tickets --------------------------------------------------------------------------

async def test_test_tickets_are_numbered_and_capped(db):
    event = await make_event()
    made = await test_tickets.issue_test_tickets(event=event, count=3, by=None)
    more = await test_tickets.issue_test_tickets(event=event, count=2, by=None)
    assert all(v.rehearsal for v in made + more)
    assert [v.name for v in await test_tickets.test_tickets(event=event)][-1].endswith("5")
    with pytest.raises(DomainError) as refused:
        await test_tickets.issue_test_tickets(event=event, count=test_tickets.MAX_TEST_TICKETS,
                                              by=None)
    assert refused.value.code == "rehearsal_tickets"
    with pytest.raises(DomainError):
        await test_tickets.issue_test_tickets(event=event, count=0, by=None)
    assert await Visitor.filter(event=event, rehearsal=True).count() == 5


# ---- leads and sales in a rehearsal --------------------------------------------------------

async def test_lead_scanner_follows_the_rehearsal(db):
    event = await make_event()
    stand = await make_stand(event)
    real, test = await rehearsing(event)
    with pytest.raises(DomainError) as refused:
        await leads.record_scan(event=event, application=stand.application, code=code_of(real),
                                signer=SIGNER, by=stand.user)
    assert refused.value.code == "rehearsal_only"
    done = await leads.record_scan(event=event, application=stand.application,
                                   code=code_of(test), signer=SIGNER, by=stand.user)
    assert done.lead.rehearsal
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    with pytest.raises(DomainError) as late:
        await leads.record_scan(event=event, application=stand.application, code=code_of(test),
                                signer=SIGNER, by=stand.user)
    assert late.value.code == "test_ticket"
    real_lead = await leads.record_scan(event=event, application=stand.application,
                                        code=code_of(real), signer=SIGNER, by=stand.user)
    assert not real_lead.lead.rehearsal
    assert await leads_source.count(event=event) == 1


async def test_sales_of_a_rehearsal_are_marked_and_never_overwrite_a_real_report(db):
    event = await make_event()
    stand = await make_stand(event)
    producer = await stand.application.producer
    real = await sales.save_report(event=event, producer=producer, by=stand.user,
                                   data=sales.SalesInput(day=START, omzet=500_000, units=5))
    assert not real.rehearsal
    await rehearsal.set_rehearsal(event=event, on=True, by=None)
    with pytest.raises(DomainError) as refused:
        await sales.save_report(event=event, producer=producer, by=stand.user,
                                data=sales.SalesInput(day=START, omzet=1, units=1))
    assert refused.value.code == "rehearsal_real_report"
    assert (await SalesReport.get(id=real.id)).omzet == 500_000


# ---- reports leave the rehearsal out ------------------------------------------------------

async def _real_and_rehearsal_activity(event: Event):
    stand = await make_stand(event)
    producer = await stand.application.producer
    real, test = await rehearsing(event)
    await scan(event, test, OPEN, nonce="t")
    await scan(event, real, OPEN, nonce="refused")
    await leads.record_scan(event=event, application=stand.application, code=code_of(test),
                            signer=SIGNER, by=stand.user)
    await sales.save_report(event=event, producer=producer, by=stand.user,
                            data=sales.SalesInput(day=START, omzet=123_000, units=3))
    await rehearsal.set_rehearsal(event=event, on=False, by=None)
    await scan(event, real, OPEN, nonce="r")
    return stand, real, test


async def test_reports_dashboard_and_draws_leave_the_rehearsal_out(db):
    event = await make_event()
    _stand, real, test = await _real_and_rehearsal_activity(event)
    board = await dashboard.build(event=event, day=START, now=OPEN)
    assert (board.registrations, board.checked_in, board.inside) == (1, 1, 1)
    assert sum(n for _h, n in board.per_hour) == 1
    assert (board.leads, board.sales_reports, board.sales_omzet) == (0, 0, 0)
    assert await draws.candidates(event=event, day=None, types=[]) == [real.id]
    by_type = await summary.visitors_by_type_and_day(event)
    assert sum(by_type.values()) == 1
    overview = await sales.overview(event=event, day=START)
    assert sum(row.omzet for row in overview.rows) == overview.omzet == 0


async def test_clearing_deletes_the_rehearsal_and_keeps_the_real(db):
    event = await make_event()
    stand, real, test = await _real_and_rehearsal_activity(event)
    await rehearsal.set_rehearsal(event=event, on=True, by=None)
    before = {c.kind: c.count for c in await rehearsal.counts(event=event)}
    assert before == {"tickets": 1, "scans": 2, "leads": 1, "sales": 1}
    deleted = await rehearsal.clear_rehearsal(event=event, by=None)
    assert deleted == 5
    assert {c.kind: c.count for c in await rehearsal.counts(event=event)} == dict.fromkeys(
        before, 0)
    fresh = await Event.get(id=event.id)
    assert not fresh.rehearsal and fresh.rehearsal_cleared_at is not None
    assert not (await checkin.gate_context(event=event)).rehearsal
    assert not await Visitor.filter(id=test.id).exists()
    assert await Visitor.filter(id=real.id).exists()
    assert [s.nonce for s in await Scan.filter(event=event)] == ["r"]
    assert not await Lead.filter(event=event).exists()
    assert not await SalesReport.filter(event=event).exists()
    entry = await AuditEntry.get(event=event, action="expo.event.rehearsal_cleared")
    assert entry.data == {"deleted": 5}


async def test_counts_filter_the_rehearsal_only_while_test_tickets_exist(db):
    """The dashboard's covering indexes stay whole unless a rehearsal left rows to leave out."""
    event = await make_event()
    assert not (await checkin.gate_context(event=event)).test_tickets  # cached now
    await test_tickets.issue_test_tickets(event=event, count=1, by=None)
    assert (await checkin.gate_context(event=event)).test_tickets  # at once, not in 10 s
    board = await dashboard.build(event=event, day=START, now=OPEN)
    assert board.registrations == 0
    await rehearsal.clear_rehearsal(event=event, by=None)
    assert not (await checkin.gate_context(event=event)).test_tickets
