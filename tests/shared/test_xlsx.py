import datetime as dt
import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from expo.errors import DomainError
from expo.xlsx import Column, Sheet, read_rows, stream_workbook, workbook_bytes
from tests.shared.bombs import MiB, lying_xlsx, many_members, xlsx_bomb


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


# ---- hostile workbooks: checked before parsing, in bounded memory --------------------------

def _peak_while(fn):  # type: ignore[no-untyped-def]
    """Run ``fn``; return (its DomainError, the peak of Python memory it allocated)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(DomainError) as err:
            fn()
        return err.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_read_rows_refuses_a_zip_bomb_before_unpacking_it():
    bomb = xlsx_bomb()  # 300 MiB of sheet XML in about 300 KB
    assert len(bomb) < MiB
    error, peak = _peak_while(lambda: read_rows(bomb))
    assert (error.code, error.status_code) == ("unpacked_too_large", 413)
    assert "MB" in error.message
    assert peak < 8 * MiB


def test_read_rows_refuses_sizes_that_lie_without_unpacking_the_truth():
    # zipfile stops returning data at the declared size (and the CRC is right for what it
    # returns), but ZipFile.read() inflates the whole member first: openpyxl opens this
    # 300 KB file after allocating 600 MB. Caught here, in bounded memory.
    error, peak = _peak_while(lambda: read_rows(lying_xlsx()))
    assert error.code == "not_xlsx" and error.status_code == 422
    assert peak < 8 * MiB


def test_read_rows_refuses_a_compression_ratio_beyond_100():
    error, _peak = _peak_while(lambda: read_rows(xlsx_bomb(4 * MiB)))  # small, but ~1000x
    assert (error.code, error.status_code) == ("unpacked_too_large", 413)
    # 5,000 identical rows from the streaming writer pack about 85x: still an ordinary file
    rows = [["Hall A", f"A-{i}", 0, 0, 3, 3, "standard", "Kriya", 0, 900, "no", "no"]
            for i in range(5000)]
    buffer = io.BytesIO()
    stream_workbook([Sheet("S", [Column(f"c{i}") for i in range(12)], rows)], buffer)
    header, body = read_rows(buffer.getvalue())
    assert len(header) == 12 and len(body) == 5000


def test_read_rows_refuses_too_many_members():
    error, _peak = _peak_while(lambda: read_rows(many_members(2000)))
    assert (error.code, error.status_code) == ("too_many_parts", 422)


def _two_sheets() -> bytes:
    return workbook_bytes([
        Sheet("Penjualan", [Column("Nama"), Column("Omzet", "idr")], [["Amplang", 350_000]]),
        Sheet("Kunjungan O'Neil", [Column("Hari", "date")], [[dt.date(2027, 4, 20)]] * 3),
    ], title="HKN 2027")


def test_workbook_defines_filter_names_and_document_properties() -> None:
    book = load_workbook(io.BytesIO(_two_sheets()))
    assert book.properties.creator == "expo" and book.properties.title == "HKN 2027"
    assert book.properties.created is not None
    for sheet, ref in zip(book.worksheets, ("A1:B2", "A1:A4"), strict=True):
        assert sheet.auto_filter.ref == ref
    raw = zipfile.ZipFile(io.BytesIO(_two_sheets())).read("xl/workbook.xml").decode()
    assert ('<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            "'Penjualan'!$A$1:$B$2</definedName>") in raw
    assert "'Kunjungan O''Neil'!$A$1:$A$4" in raw


def test_workbook_filters_survive_libreoffice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("soffice not found: CI installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
    source = tmp_path / "laporan.xlsx"
    source.write_bytes(_two_sheets())
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    content = zipfile.ZipFile(tmp_path / "laporan.ods").read("content.xml").decode()
    ranges = re.findall(r"<table:database-range [^>]*>", content)
    assert len(ranges) == 2, content[:2000]
    assert all('table:display-filter-buttons="true"' in r for r in ranges)
    assert "Penjualan.A1:Penjualan.B2" in content.replace("$", "").replace("'", "")
