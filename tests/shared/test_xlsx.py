import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from expo.errors import DomainError
from expo.xlsx import Column, Sheet, read_rows, workbook_bytes


def test_write_workbook_types_header_filter_and_freeze():
    data = workbook_bytes([Sheet("Penjualan", [Column("Nama"), Column("Omzet", "idr"),
                                               Column("Tanggal", "date")],
                                 [("Amplang Aminah", 1500000, dt.date(2027, 4, 20)),
                                  ("Kue Talam", None, dt.date(2027, 4, 21))])])
    ws = load_workbook(io.BytesIO(data))["Penjualan"]
    assert [c.value for c in ws[1]] == ["Nama", "Omzet", "Tanggal"]
    assert ws["B2"].value == 1500000 and ws["B2"].number_format == '"Rp" #,##0'
    assert ws["C2"].is_date
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3"


def _xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_read_rows_skips_blank_rows():
    header, rows = read_rows(_xlsx([["a", "b"], [1, 2], [None, None], ["", " "], [3, 4]]))
    assert header == ["a", "b"] and rows == [[1, 2], [3, 4]]


@pytest.mark.parametrize("data", [b"not a zip at all", b"PK\x03\x04garbage"])
def test_read_rows_refuses_non_xlsx(data):
    with pytest.raises(DomainError) as err:
        read_rows(data)
    assert err.value.code == "not_xlsx"


def test_read_rows_limits_rows():
    with pytest.raises(DomainError) as err:
        read_rows(_xlsx([["a"]] + [[i] for i in range(12)]), max_rows=10)
    assert err.value.code == "too_many_rows"
