"""The statement import service: storing a statement's credits with proposals, refusing lines
imported before, all or nothing on row errors, and confirmations that land line by line."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.payments import invoices, service, statements
from expo.payments import statement_service as imports
from expo.payments.models import (
    FeePolicy,
    Invoice,
    InvoiceStatus,
    LineState,
    Method,
    Payment,
    StatementImport,
    StatementLine,
)
from expo.payments.statements import Mapping
from tests.factories import make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice

pytestmark = pytest.mark.usefixtures("db")

BCA_HEAD = ("No. Rekening,=,'0202405914\nNama,=,PANITIA HKN 2027\n\n"
            "Tanggal,Keterangan,Cabang,Jumlah,,Saldo\n")
MANDIRI_HEAD = ("Account No;Date;Val. Date;Transaction Code;Description;Reference No.;"
                "Debit;Credit;\n")


def bca(*rows: tuple[dt.date, str, int | str, str]) -> bytes:
    """A KlikBCA-like export: date, description, amount, CR/DB."""
    body = "".join(f"'{day:%d/%m/%Y},{text},'0000,{amount},{kind},0.00\n"
                   for day, text, amount, kind in rows)
    return (BCA_HEAD + body + "\nSaldo Awal,=,0.00\n").encode()


def mandiri(*rows: tuple[dt.date, str, str, str]) -> bytes:
    """A Mandiri-like export (semicolons): date, description, reference, credit."""
    body = "".join(f"1480012345678;{day:%d/%m/%Y};{day:%d/%m/%Y};8888;{text};{ref};0,00;"
                   f"{credit};\n" for day, text, ref, credit in rows)
    return (MANDIRI_HEAD + body).encode()


async def upload(event, data: bytes, *, mapping: Mapping | None = None,  # type: ignore[no-untyped-def]
                 by=None, name: str = "mutasi.csv") -> StatementImport:
    table = statements.read_table(data, name)  # in this process: the tests stay fast
    chosen = mapping or statements.guess_mapping(table.headers)
    assert chosen is not None
    return await imports.start_import(event=event, filename=name, table=table, mapping=chosen,
                                      default_year=None, by=by or await make_user())


async def world(n: int = 1, prefix: str = "HKN2027"):  # type: ignore[no-untyped-def]
    event = await fee_event()
    await FeePolicy.filter(event_id=event.id).update(prefix=prefix)  # numbers are unique
    bills = [await issued_invoice(await held_stand(event, code=chr(65 + i))) for i in range(n)]
    return event, bills, invoices.today(event)


async def test_exact_match_is_ticked_and_recorded_with_a_receipt() -> None:
    event, (bill,), today = await world()
    committee = await make_user()
    statement = await upload(event, bca((today, "TRSF E-BANKING CR BUDI", f"{bill.total}.00",
                                         "CR"), (today, "BIAYA ADM", "10000.00", "DB")),
                             by=committee)
    view = await imports.proposals_of(statement)
    assert [(v.line.amount, v.invoice and v.invoice.id, v.ticked) for v in view.lines] == [
        (bill.total, bill.id, True)]
    assert view.lines[0].line.confidence == statements.EXACT
    assert [i.id for i in view.open_invoices] == [bill.id]
    line = view.lines[0].line
    result = await imports.confirm(statement=statement, choices={line.id: None}, by=committee)
    assert result.failed == []
    (done,) = result.recorded
    assert done.invoice.status == InvoiceStatus.PAID
    assert done.payment.receipt_number == "KW/HKN2027/0001"
    payment = await Payment.get(id=done.payment.id)
    assert (payment.method, payment.amount, payment.paid_on, payment.statement_line_id) == (
        Method.TRANSFER, bill.total, today, line.id)
    assert payment.reference == "TRSF E-BANKING CR BUDI"
    assert (await StatementLine.get(id=line.id)).state == LineState.CONFIRMED
    after = await imports.proposals_of(statement)
    assert after.lines[0].payment is not None and not after.lines[0].ticked
    assert after.open_invoices == []
    assert await AuditEntry.filter(action="expo.statement.imported").count() == 1


async def test_nothing_is_paid_until_confirmed() -> None:
    event, (bill,), today = await world()
    await upload(event, bca((today, "TRSF", f"{bill.total}.00", "CR")))
    assert (await Invoice.get(id=bill.id)).status == InvoiceStatus.ISSUED
    assert await Payment.all().count() == 0


async def test_ambiguous_line_is_not_ticked() -> None:
    event, (bill,), today = await world()
    statement = await upload(event, bca((today, "TRSF BUDI", f"{bill.total}.00", "CR"),
                                        (today, "TRSF SITI", f"{bill.total}.00", "CR")))
    first, second = (await imports.proposals_of(statement)).lines
    assert first.ticked and first.invoice is not None
    assert (second.line.confidence, second.invoice, second.ticked) == (
        statements.AMBIGUOUS, None, False)
    assert "already matched" in second.line.note or "sudah" in second.line.note


async def test_manual_match_records_a_partial_payment() -> None:
    event, (bill,), today = await world()
    statement = await upload(event, mandiri((today, "TRANSFER DARI BUDI", "REF9",
                                             "350.000,00")))
    (view,) = (await imports.proposals_of(statement)).lines
    assert view.line.confidence == statements.NONE and not view.ticked
    assert view.line.reference == "REF9"
    result = await imports.confirm(statement=statement, choices={view.line.id: bill.id},
                                   by=await make_user())
    (done,) = result.recorded
    assert done.payment.reference == "REF9"
    assert done.invoice.status == InvoiceStatus.ISSUED
    assert done.invoice.balance == bill.unique_code


async def test_a_line_without_invoice_fails_and_one_over_the_balance_too() -> None:
    event, (bill,), today = await world()
    statement = await upload(event, mandiri((today, "DONASI", "R1", "5.000.000,00"),
                                            (today, "TRANSFER", "R2", "350.000,00")))
    big, small = (await imports.proposals_of(statement)).lines
    result = await imports.confirm(statement=statement,
                                   choices={big.line.id: None, small.line.id: None},
                                   by=await make_user())
    assert result.recorded == []
    assert [f.code for f in result.failed] == ["invoice_missing", "invoice_missing"]
    result = await imports.confirm(statement=statement, choices={big.line.id: bill.id},
                                   by=await make_user())
    assert [f.code for f in result.failed] == ["amount_exceeds"]
    assert (await StatementLine.get(id=big.line.id)).state == LineState.PROPOSED


async def test_lines_imported_before_are_skipped_and_listed() -> None:
    event, (one, two), today = await world(2)
    first = bca((today, "TRSF BUDI", f"{one.total}.00", "CR"))
    await upload(event, first)
    both = bca((today, "TRSF BUDI", f"{one.total}.00", "CR"),
               (today, "TRSF SITI", f"{two.total}.00", "CR"))
    second = await upload(event, both)
    assert second.lines_count == 1
    view = await imports.proposals_of(second)
    assert [v.invoice and v.invoice.id for v in view.lines] == [two.id]
    assert view.already_count == 1 and view.already_imported[0]["amount"] == one.total
    with pytest.raises(DomainError) as refused:
        await upload(event, first)
    assert refused.value.code == "nothing_new" and len(refused.value.data["already"]) == 1
    assert await StatementImport.filter(event_id=event.id).count() == 2
    other = await fee_event()  # fingerprints are unique per event, not across events
    assert (await upload(other, first)).lines_count == 1


async def test_row_errors_store_nothing_and_list_every_row() -> None:
    event, (bill,), today = await world()
    text_amounts = mandiri((today, "A", "R1", "Rp 350.127,00"), (today, "B", "R2", "Rp 35O.127"),
                           (today, "C", "R3", "12,5,0"))
    with pytest.raises(DomainError) as bad:
        await upload(event, text_amounts)
    errors = bad.value.data["errors"]
    assert bad.value.code == "statement_rows"
    assert [e.row for e in errors] == [3, 4] and all(e.column == "Credit" for e in errors)
    assert await StatementImport.all().count() == 0 and await StatementLine.all().count() == 0
    good = await upload(event, mandiri((today, "A", "R1", "Rp 350.127,00")))
    assert (await StatementLine.get(statement_id=good.id)).amount == 350_127


async def test_unknown_column_and_duplicates_in_the_file_are_row_errors() -> None:
    event, (bill,), today = await world()
    data = bca((today, "TRSF", f"{bill.total}.00", "CR"))
    with pytest.raises(DomainError) as unknown:
        await upload(event, data, mapping=Mapping(date="Tanggal", description="Berita",
                                                  amount="Jumlah"))
    (error,) = unknown.value.data["errors"]
    assert (error.row, error.column) == (0, "Berita")
    twice = bca((today, "TRSF", f"{bill.total}.00", "CR"), (today, "TRSF", f"{bill.total}.00",
                                                            "CR"))
    with pytest.raises(DomainError) as repeated:
        await upload(event, twice)
    (error,) = repeated.value.data["errors"]
    assert error.row == 6 and "5" in error.message
    assert await StatementImport.all().count() == 0


async def test_a_file_without_credits_is_refused() -> None:
    event, _bills, today = await world()
    with pytest.raises(DomainError) as refused:
        await upload(event, bca((today, "BIAYA ADM", "10000.00", "DB")))
    assert refused.value.code == "no_credits"


async def test_two_confirmations_of_one_line_at_once_record_one_payment() -> None:
    event, (bill,), today = await world()
    statement = await upload(event, bca((today, "TRSF", f"{bill.total}.00", "CR")))
    (view,) = (await imports.proposals_of(statement)).lines
    alice, bob = await make_user(), await make_user()
    results = await asyncio.gather(
        imports.confirm(statement=statement, choices={view.line.id: None}, by=alice),
        imports.confirm(statement=statement, choices={view.line.id: None}, by=bob))
    assert sum(len(r.recorded) for r in results) == 1
    (failed,) = [f for r in results for f in r.failed]
    assert failed.code == "line_confirmed"
    assert await Payment.filter(invoice_id=bill.id).count() == 1
    assert (await Invoice.get(id=bill.id)).paid == bill.total


async def test_a_line_whose_invoice_was_paid_meanwhile_fails_alone() -> None:
    event, (one, two), today = await world(2)
    statement = await upload(event, bca((today, "TRSF BUDI", f"{one.total}.00", "CR"),
                                        (today, "TRSF SITI", f"{two.total}.00", "CR")))
    lines = (await imports.proposals_of(statement)).lines
    assert all(v.ticked for v in lines)
    await service.record(invoice=one, method=Method.CASH, amount=one.total, paid_on=today,
                         reference="cash desk", by=None)
    again = await imports.proposals_of(statement)
    assert not again.lines[0].ticked and again.lines[0].warning
    result = await imports.confirm(statement=statement,
                                   choices={v.line.id: None for v in lines},
                                   by=await make_user())
    assert [r.invoice.id for r in result.recorded] == [two.id]
    (failed,) = result.failed
    assert (failed.line.id, failed.code) == (lines[0].line.id, "not_open")
    assert failed.invoice is not None and failed.invoice.id == one.id
    assert (await StatementLine.get(id=lines[0].line.id)).state == LineState.PROPOSED
    assert await Payment.filter(statement_line_id=lines[0].line.id).count() == 0


async def test_ignored_lines_are_not_recorded_until_restored() -> None:
    event, (bill,), today = await world()
    statement = await upload(event, bca((today, "TRSF", f"{bill.total}.00", "CR")))
    (view,) = (await imports.proposals_of(statement)).lines
    committee = await make_user()
    assert await imports.ignore(statement=statement, line_ids=[view.line.id], by=committee) == 1
    result = await imports.confirm(statement=statement, choices={view.line.id: None},
                                   by=committee)
    assert [f.code for f in result.failed] == ["line_ignored"]
    assert await imports.restore(statement=statement, line_ids=[view.line.id],
                                 by=committee) == 1
    assert (await imports.confirm(statement=statement, choices={view.line.id: None},
                                  by=committee)).recorded
    with pytest.raises(DomainError):
        await imports.ignore(statement=statement, line_ids=[], by=committee)


async def test_confirm_of_another_statements_line_or_invoice_does_nothing() -> None:
    event, (bill,), today = await world()
    statement = await upload(event, bca((today, "TRSF", f"{bill.total}.00", "CR")))
    other_event, (other_bill,), _today = await world(prefix="PKB2027")
    other = await upload(other_event, bca((today, "TRSF", f"{other_bill.total}.00", "CR")))
    (theirs,) = (await imports.proposals_of(other)).lines
    result = await imports.confirm(statement=statement, choices={theirs.line.id: None},
                                   by=await make_user())
    assert result.recorded == [] and result.failed == []
    (mine,) = (await imports.proposals_of(statement)).lines
    result = await imports.confirm(statement=statement, choices={mine.line.id: other_bill.id},
                                   by=await make_user())
    assert [f.code for f in result.failed] == ["not_found"]
    with pytest.raises(DomainError) as missing:
        await imports.get_statement(event=event, statement_id=other.id)
    assert missing.value.status_code == 404


async def test_the_mapping_is_remembered_for_the_same_headers() -> None:
    event, (bill,), today = await world()
    data = mandiri((today, "TRANSFER", "R1", f"{bill.total},00"))
    headers = statements.read_table(data, "m.csv").headers
    guess = await imports.mapping_for(event=event, headers=headers)
    assert guess.mapping is not None and not guess.remembered
    assert guess.mapping.reference == "Reference No."
    chosen = Mapping(date="Val. Date", description="Description", credit="Credit",
                     debit="Debit", reference="Transaction Code")
    statement = await upload(event, data, mapping=chosen)
    remembered = await imports.mapping_for(event=event, headers=headers)
    assert remembered.remembered and remembered.mapping == chosen
    assert statement.mapping["headers"] == headers
    assert (await imports.mapping_for(event=event, headers=headers[:-1])).remembered is False


async def test_history_counts_each_imports_lines() -> None:
    event, (one, two), today = await world(2)
    statement = await upload(event, bca((today, "TRSF BUDI", f"{one.total}.00", "CR"),
                                        (today, "SPONSOR", "5000000.00", "CR")))
    lines = (await imports.proposals_of(statement)).lines
    committee = await make_user()
    await imports.confirm(statement=statement, choices={lines[0].line.id: None}, by=committee)
    await imports.ignore(statement=statement, line_ids=[lines[1].line.id], by=committee)
    (summary,) = await imports.history(event=event)
    assert (summary.proposed, summary.confirmed, summary.ignored) == (0, 1, 1)


async def test_read_upload_runs_in_a_worker_process_and_checks_the_size() -> None:
    table = await imports.read_upload(bca((dt.date(2026, 12, 1), "TRSF", "1.00", "CR")),
                                      "mutasi.csv")
    assert table.headers[:2] == ["Tanggal", "Keterangan"]
    with pytest.raises(DomainError) as large:
        await imports.read_upload(b"x" * (5 * 2**20 + 1), "big.csv")
    assert large.value.status_code == 413
    with pytest.raises(DomainError) as wrong:
        await imports.read_upload(b"hello", "notes.txt")
    assert wrong.value.code == "unsupported_format"


async def test_staged_uploads_are_per_event_and_expire(tmp_path: Path) -> None:
    event, _bills, _today = await world()
    other = await fee_event()
    token = await imports.stage(data_dir=tmp_path, event=event, data=b"abc", filename="x.XLSX")
    assert await imports.staged(data_dir=tmp_path, event=event, token=token) == (
        b"abc", "statement.xlsx")
    for wrong_event, wrong_token in ((other, token), (event, "../../etc/passwd"),
                                     (event, token[:-1])):
        with pytest.raises(DomainError) as gone:
            await imports.staged(data_dir=tmp_path, event=wrong_event, token=wrong_token)
        assert gone.value.code == "upload_expired"
    (path,) = (tmp_path / "statements").iterdir()
    old = path.stat().st_mtime - imports.STAGE_TTL - 1
    import os

    os.utime(path, (old, old))
    with pytest.raises(DomainError):
        await imports.staged(data_dir=tmp_path, event=event, token=token)
    await imports.stage(data_dir=tmp_path, event=event, data=b"new", filename="y.csv")
    assert not path.exists()  # swept by the next upload
    fresh = await imports.stage(data_dir=tmp_path, event=event, data=b"z", filename="z.csv")
    await imports.unstage(data_dir=tmp_path, event=event, token=fresh)
    with pytest.raises(DomainError):
        await imports.staged(data_dir=tmp_path, event=event, token=fresh)
