"""The event workbook read back with openpyxl: sheets, headers, cell types, totals."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from expo import i18n
from expo.booths.models import Booth, Hall
from expo.errors import DomainError
from expo.exhibitors.models import Application, Category
from expo.leads.models import Inquiry, Lead
from expo.reports import jobs, service
from expo.reports.models import ExportJob, JobStatus
from expo.reports.service import SalesInput
from expo.reports.workbook import build_event_workbook
from expo.visitors.models import Scan, VisitorType
from tests.factories import make_event
from tests.reports.factories import make_checked_in, make_exhibitor, make_gate


@pytest.fixture(autouse=True)
def _english():
    token = i18n.set_locale("en")
    yield
    i18n.reset_locale(token)


SHEETS = ["Summary", "Exhibitors", "Booths", "Visitors", "Check-ins", "Leads", "Sales"]


async def _event_with_data():
    event = await make_event(days=2)
    gate = await make_gate(event)
    u1, p1 = await make_exhibitor(event, smk_workers=2)
    u2, p2 = await make_exhibitor(event, category=Category.KRIYA, kabupaten="Kota Balikpapan")
    hall = await Hall.create(event=event, name="Hall A")
    app1 = await Application.get(producer=p1)
    await Booth.create(event=event, hall=hall, code="A-01", x=0, y=0, price=750000,
                       holder=app1, status="assigned")
    await Booth.create(event=event, hall=hall, code="A-02", x=3, y=0)
    await make_checked_in(event, gate=gate, consent=True, name="Siti Setuju")
    await make_checked_in(event, gate=gate, consent=False, name="Budi Rahasia")
    student = await make_checked_in(event, gate=gate, type=VisitorType.PELAJAR, day=event.ends_on)
    official = await make_checked_in(event, gate=gate, type=VisitorType.INSTANSI,
                                     day=event.ends_on)
    lead = await Lead.create(event=event, application=app1, visitor=official, rating="hot",
                             value=2_000_000)
    await Lead.create(event=event, application=app1, visitor=student)
    await Inquiry.create(event=event, application=app1, lead=lead, product_name="Amplang",
                         quantity=500, budget=12_500_000, buyer_type="instansi",
                         agency="Disperindagkop Kaltim")
    await service.save_report(event=event, producer=p1, by=u1,
                              data=SalesInput(day=event.starts_on, omzet=1_200_000, units=40))
    await service.save_report(event=event, producer=p2, by=u2,
                              data=SalesInput(day=event.ends_on, omzet=800_000, units=8))
    return event


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def test_workbook_sheets_headers_types_and_totals(db, tmp_path):
    event = await _event_with_data()
    path = tmp_path / "report.xlsx"
    calls = []

    async def progress(done, total, stage):
        calls.append((done, total, stage))

    written = await build_event_workbook(event=event, target=path, progress=progress)
    assert written == 2 + 2 + 4 + 4 + 2 + 2
    assert calls and calls[-1][0] == calls[-1][1] == written
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    for name in SHEETS:
        assert wb[name].freeze_panes == "A2"
    summary = _rows(wb["Summary"])
    assert summary[0] == ["Section", "Item", "Day", "Count", "Amount (IDR)"]
    total = next(r for r in summary if r[1] == "Total sales (reports)")
    assert total[3] == 2 and total[4] == 2_000_000
    smk = next(r for r in summary if r[1] == "Employing or hosting SMK students")
    assert smk[3] == 1
    by_type = [r for r in summary if r[0] == "Visitors by type and day"]
    assert [(r[1], r[2].date(), r[3]) for r in by_type] == [
        ("General public", event.starts_on, 2), ("Government agency (OPD)", event.ends_on, 1),
        ("Student", event.ends_on, 1)]
    leads = next(r for r in summary if r[1] == "Leads captured")
    assert leads[3] == 2
    agency = next(r for r in summary if r[0] == "Procurement inquiries by agency")
    assert agency[1:] == ["Disperindagkop Kaltim", None, 1, 12_500_000]
    lead_rows = _rows(wb["Leads"])
    assert lead_rows[0][:3] == ["First contact", "Last contact", "Exhibitor"]
    assert sorted(r[8] for r in lead_rows[1:]) == [0, 2_000_000]
    assert all(isinstance(r[0], dt.datetime) for r in lead_rows[1:])
    ws = wb["Sales"]
    assert _rows(ws)[0][:6] == ["Day", "Business", "Category", "Kabupaten/kota",
                                "Omzet (IDR)", "Units sold"]
    assert ws["E2"].number_format == '"Rp" #,##0' and isinstance(ws["E2"].value, int)
    assert isinstance(ws["A2"].value, dt.datetime) and ws["A2"].is_date
    assert sum(r[4] for r in _rows(ws)[1:] if r[4]) == 2_000_000
    exhibitors = _rows(wb["Exhibitors"])
    assert exhibitors[0][0] == "Application no." and exhibitors[0][-1] == "Sales (IDR)"
    assert sorted(r[-1] for r in exhibitors[1:]) == [800_000, 1_200_000]
    assert any(r[-2] == "A-01" for r in exhibitors[1:])
    booths = _rows(wb["Booths"])
    assert booths[1][1] == "A-01" and booths[1][5] == 750000 and booths[1][-1] is not None
    checkins = wb["Check-ins"]
    assert checkins.auto_filter.ref == "A1:E5"
    assert await Scan.filter(event=event, ok=True, direction="in").count() == 4
    assert checkins["A2"].is_date and checkins["D2"].data_type == "n"


async def test_workbook_visitors_sheet_respects_consent(db, tmp_path):
    event = await _event_with_data()
    path = tmp_path / "report.xlsx"
    await build_event_workbook(event=event, target=path)
    rows = _rows(load_workbook(path)["Visitors"])
    header = rows[0]
    phone, email = header.index("Phone"), header.index("Email")
    agreed = next(r for r in rows if r[1] == "Siti Setuju")
    refused = next(r for r in rows if r[1] == "Budi Rahasia")
    assert agreed[phone].startswith("+62") and "@" in agreed[email]
    assert refused[phone] is None and refused[email] is None
    assert not any(isinstance(c, str) and c.startswith("+62813") for r in rows
                   if r[1] == "Budi Rahasia" for c in r)


async def test_export_job_runs_in_background(db, tmp_path):
    event = await _event_with_data()
    job = await jobs.start_export(event=event, data_dir=tmp_path, by=None)
    job = await jobs.wait_for(job.id)
    assert job.status == JobStatus.DONE and job.progress == 100 and job.rows_written == 16
    path = jobs.job_file(job, tmp_path)
    assert load_workbook(path).sheetnames == SHEETS
    assert not list((tmp_path / "exports").glob("*.part"))
    assert await ExportJob.filter(event=event).count() == 1


async def test_export_refuses_a_second_job_but_not_a_stale_one(db, tmp_path):
    event = await _event_with_data()
    stuck = await ExportJob.create(event=event, status=JobStatus.RUNNING, file_name="a.xlsx")
    with pytest.raises(DomainError) as err:
        await jobs.start_export(event=event, data_dir=tmp_path, by=None)
    assert err.value.code == "export_running"
    await ExportJob.filter(id=stuck.id).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    job = await jobs.start_export(event=event, data_dir=tmp_path, by=None)
    assert (await jobs.wait_for(job.id)).status == JobStatus.DONE
    assert (await ExportJob.get(id=stuck.id)).status == JobStatus.FAILED
