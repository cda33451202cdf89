"""The Invoices and Payments sheets of the event workbook, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from expo import i18n
from expo.payments import invoices, service
from expo.payments.models import Invoice, Method
from expo.reports.workbook import build_event_workbook
from tests.factories import make_event, make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(autouse=True)
def _english() -> Any:
    token = i18n.set_locale("en")
    yield
    i18n.reset_locale(token)


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def test_invoices_and_payments_sheets(tmp_path: Path) -> None:
    event = await fee_event()
    committee = await make_user(name="Bu Bendahara")
    paid = await issued_invoice(await held_stand(event))
    late = await issued_invoice(await held_stand(event, code="B"))
    await Invoice.filter(id=late.id).update(due_on=invoices.today(event) - dt.timedelta(days=3))
    receipt = await service.record(invoice=paid, method=Method.QRIS, amount=paid.total,
                                   paid_on=invoices.today(event), reference="QR-77",
                                   by=committee)
    await service.refund(invoice=await Invoice.get(id=paid.id), amount=50_000,
                         method=Method.TRANSFER, reference="TRF-1", reason="Stan digeser",
                         by=committee)
    path = tmp_path / "report.xlsx"
    written = await build_event_workbook(event=event, target=path)
    wb = load_workbook(path)
    assert wb.sheetnames[-2:] == ["Invoices", "Payments"]

    rows = _rows(wb["Invoices"])
    assert rows[0] == ["Invoice no.", "Status", "Exhibitor", "Kabupaten/kota", "Issued", "Due",
                       "Subtotal (IDR)", "Unique code", "Total (IDR)", "Credited (IDR)",
                       "Paid (IDR)", "Refunded (IDR)", "Balance (IDR)", "Overdue"]
    first, second = rows[1], rows[2]
    assert first[:3] == ["INV/HKN2027/0001", "Paid", paid.buyer_name]
    assert first[3] == "Samarinda" and isinstance(first[4], dt.datetime)
    assert first[8:13] == [paid.total, 50_000, paid.total - 50_000, 50_000, 0]
    assert first[13] == "no"
    assert second[:2] == ["INV/HKN2027/0002", "Awaiting payment"]
    assert second[12] == late.total and second[13] == "yes"

    payments = _rows(wb["Payments"])
    assert payments[0] == ["Receipt no.", "Invoice no.", "Exhibitor", "Kind", "Method", "State",
                           "Amount (IDR)", "Date paid", "Reference", "Decided by",
                           "Decided at"]
    money_in, money_out = payments[1], payments[2]
    assert money_in[:8] == [receipt.receipt_number, "INV/HKN2027/0001", paid.buyer_name,
                            "Payment", "QRIS", "Confirmed", paid.total,
                            dt.datetime.combine(invoices.today(event), dt.time())]
    assert money_in[8:10] == ["QR-77", "Bu Bendahara"] and isinstance(money_in[10], dt.datetime)
    assert money_out[3:7] == ["Refund", "Bank transfer", "Confirmed", 50_000]
    assert wb["Payments"]["G2"].number_format == '"Rp" #,##0'
    assert written == 2 + 2 + 2 + 2  # exhibitors, booths, invoices, payments


async def test_an_event_without_invoices_has_no_payment_sheets(tmp_path: Path) -> None:
    event = await make_event()
    path = tmp_path / "report.xlsx"
    await build_event_workbook(event=event, target=path)
    assert "Invoices" not in load_workbook(path).sheetnames
