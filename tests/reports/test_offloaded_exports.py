"""The exports owned with the reports (issue 11): same content, written off the event loop.

(They test ``expo.exhibitors.exporter`` and ``expo.leads.exporter``; they live here because
the reports domain made the change.)
"""

from __future__ import annotations

import io

from openpyxl import load_workbook
from tortoise import connections

from expo.accounts.models import Role
from expo.exhibitors import curation, exporter
from expo.leads import exporter as lead_exporter
from expo.leads.models import ContactRequest, Lead
from expo.offload import in_process
from expo.xlsx import workbook_bytes
from tests.exhibitors.factories import make_application, make_producer, make_rubric
from tests.factories import make_event, make_user
from tests.reports.factories import make_visitor


def _spy(monkeypatch, module):  # type: ignore[no-untyped-def]
    calls: list[object] = []

    async def spy(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(fn)
        return await in_process(fn, *args, **kwargs)

    monkeypatch.setattr(module, "in_process", spy)
    return calls


async def test_applications_xlsx_scores_match_the_breakdown_and_are_written_elsewhere(
        db, monkeypatch):
    event = await make_event()
    originality, packaging, smk = await make_rubric(event)
    apps = [await make_application(event=event, producer=await make_producer(smk_workers=n))
            for n in range(3)]
    curators = [await make_user(event=event, role=Role.CURATOR, name=n) for n in ("Yuni", "Adi")]
    await curation.record_scores(application=apps[0], curator=curators[0],
                                 values={originality.id: 4, packaging.id: 3})
    await curation.record_scores(application=apps[0], curator=curators[1],
                                 values={originality.id: 1})
    await curation.record_scores(application=apps[2], curator=curators[1],
                                 values={packaging.id: 5})
    calls = _spy(monkeypatch, exporter)
    book = load_workbook(io.BytesIO(await exporter.applications_xlsx(event)))
    assert calls == [workbook_bytes]
    rows = list(book.worksheets[0].iter_rows(values_only=True))[1:]
    details = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    for app, row in zip(apps, rows, strict=True):
        expected = await curation.breakdown(app)
        assert list(row[20:23]) == [expected.values[c.id] for c in (originality, packaging, smk)]
        assert row[23] == len(expected.curators)
        assert [d[2] for d in details if d[0] == app.id] == [u.name for u in expected.curators]
        for d in (d for d in details if d[0] == app.id):
            curator = next(u for u in expected.curators if u.name == d[2])
            assert list(d[3:]) == [expected.matrix[curator.id].get(c.id)
                                   for c in (originality, packaging, smk)]
    assert [d[2] for d in details if d[0] == apps[0].id] == ["Adi", "Yuni"]


async def test_applications_xlsx_reads_scores_in_one_query(db, monkeypatch):
    event = await make_event()
    await make_rubric(event)
    for _ in range(6):
        await make_application(event=event)
    statements: list[str] = []
    conn = connections.get("default")
    query = conn.execute_query

    async def counted(sql, values=None):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return await query(sql, values)

    monkeypatch.setattr(conn, "execute_query", counted)
    await exporter.applications_xlsx(event)
    assert len(statements) <= 6, statements  # not a breakdown (four queries) per application


async def test_leads_workbook_is_written_elsewhere(db, monkeypatch):
    event = await make_event()
    app = await make_application(event=event)
    visitor = await make_visitor(event)
    await Lead.create(event=event, application=app, visitor=visitor)
    await ContactRequest.create(visitor=visitor, application=app, consent=True)
    calls = _spy(monkeypatch, lead_exporter)
    book = load_workbook(io.BytesIO(await lead_exporter.leads_workbook(event=event,
                                                                       application=app)))
    assert calls == [workbook_bytes]
    assert [r[0] for r in book.worksheets[0].iter_rows(values_only=True)][1:] == [visitor.name]
