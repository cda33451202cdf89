"""Bank statement import: reading exports, parsing credits, proposing matches (pure, no DB)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
from typing import Any

import pytest
from openpyxl import Workbook

from expo import i18n
from expo.errors import DomainError
from expo.payments.statements import (
    Line,
    Mapping,
    OpenInvoice,
    Table,
    guess_mapping,
    parse_lines,
    propose,
    read_csv,
    read_table,
)
from expo.xlsx import MAX_IMPORT_BYTES

BCA_CSV = (
    "No. Rekening,=,'0202405914\n"
    "Nama,=,PANITIA HKN 2027\n"
    "Periode,=,01/12/2026 - 31/12/2026\n"
    "Mata Uang,=,IDR\n"
    "\n"
    "Tanggal,Keterangan,Cabang,Jumlah,,Saldo\n"
    "'01/12,TRSF E-BANKING CR 0112/FTSCY/WS95031 350127.00 BUDI SANTOSO,'0000,350127.00,CR,"
    "1350127.00\n"
    "'02/12,BIAYA ADM,'0000,10000.00,DB,1340127.00\n"
    "'03/12,SETORAN TUNAI INV/HKN2027/0002,'0998,\"1,250,064.00\",CR,2590191.00\n"
    "PEND,TRSF E-BANKING CR 0412/FTSCY/WS95031 500000.00 SITI,'0000,500000.00,CR,3090191.00\n"
    "\n"
    "Saldo Awal,=,1000000.00\n"
    "Mutasi Kredit,=,1600191.00\n"
    "Mutasi Debet,=,10000.00\n"
    "Saldo Akhir,=,2590191.00\n"
)

BCA_BISNIS_CSV = (
    '"Informasi Rekening - Mutasi Rekening"," "," "," "," ",\n'
    '"No. rekening : 0552372610"\n'
    '"Nama : PANITIA HKN"\n'
    '"Periode : 08/09/2026 - 08/09/2026"\n'
    '"Kode Mata Uang : Rp"\n'
    '"Tanggal Transaksi","Keterangan","Cabang","Jumlah","Saldo"\n'
    '"PEND","TRSF E-BANKING CR 0809/FTSCY/WS95031 100.00  NABILA","0000","100.00 CR",'
    '"154,376,421.00"\n'
    '"\'08/09/2026","TRSF E-BANKING CR 0809/FTSCY/WS95271 8520000.00  AGUS","0000",'
    '"8,520,000.00 CR","162,896,421.00"\n'
    '"\'08/09/2026","BI-FAST TRSF DB 0809/TO_MANDIRI","0000","50,000.00 DB","162,846,421.00"\n'
    '"Saldo Awal : 154,376,321.00"\n'
    '"Mutasi Debet : 50,000.00","1"\n'
    '"Mutasi Kredit : 8,520,100.00","2"\n'
    '"Saldo Akhir : 162,846,421.00"\n'
)

MANDIRI_CSV = (
    "Account No;Date;Val. Date;Transaction Code;Description;Reference No.;Debit;Credit;\n"
    "1480012345678;01/12/2026;01/12/2026;8888;TRANSFER DARI BUDI INV-HKN2027-0001;"
    "REF001;0,00;350.127,00;\n"
    "1480012345678;02/12/2026;02/12/2026;7777;BIAYA ADMIN;REF002;12.500,00;0,00;\n"
    "1480012345678;03/12/2026;03/12/2026;8888;TRANSFER DARI SITI;REF003;;Rp 1.250.064,00;\n"
)


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table(headers: list[str], *rows: list[Any], first_row: int = 2) -> Table:
    return Table(headers=headers, rows=[list(r) for r in rows], first_row=first_row)


def english() -> Any:
    return i18n.using("en")


# ---- reading ------------------------------------------------------------------------------

def test_read_csv_bca_finds_the_header_below_the_preamble_and_drops_the_footer() -> None:
    t = read_csv(csv_bytes(BCA_CSV), max_rows=100)
    assert t.headers == ["Tanggal", "Keterangan", "Cabang", "Jumlah", "(E)", "Saldo"]
    assert t.first_row == 7
    assert [r[0] for r in t.rows] == ["01/12", "02/12", "03/12", "PEND"]  # ' marker gone
    assert t.rows[0][2] == "0000"
    assert [t.row_number(i) for i in range(4)] == [7, 8, 9, 10]


def test_read_csv_keeps_spreadsheet_row_numbers_across_blank_lines() -> None:
    text = "Tanggal,Keterangan,Kredit\n01/12/2026,A,100\n\n\n02/12/2026,B,200\n"
    t = read_csv(csv_bytes(text), max_rows=10)
    assert [t.row_number(i) for i in range(len(t.rows))] == [2, 5]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_csv_sniffs_the_delimiter(delimiter: str) -> None:
    text = delimiter.join(["Tanggal", "Keterangan", "Debet", "Kredit"]) + "\n"
    text += delimiter.join(["01/12/2026", "TRANSFER, BUDI", "", "350.127"]) + "\n"
    if delimiter == ",":
        text = text.replace("TRANSFER, BUDI", '"TRANSFER, BUDI"')
    t = read_csv(csv_bytes(text), max_rows=10)
    assert t.headers == ["Tanggal", "Keterangan", "Debet", "Kredit"]
    assert t.rows == [["01/12/2026", "TRANSFER, BUDI", "", "350.127"]]


def test_read_csv_reads_windows_1252_and_utf16_and_a_bom() -> None:
    text = "Tanggal;Keterangan;Kredit\n01/12/2026;CAFÉ ’SANTOSO’;350.127\n"
    for data in (text.encode("cp1252"), text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        t = read_csv(data, max_rows=10)
        assert t.headers[0] == "Tanggal"
        assert t.rows[0][1] == "CAFÉ ’SANTOSO’"


def test_read_table_dispatches_on_the_extension() -> None:
    assert read_table(csv_bytes(BCA_CSV), "Mutasi.CSV").headers[0] == "Tanggal"
    data = xlsx_bytes([["Tanggal", "Keterangan", "Kredit"], [dt.datetime(2026, 12, 1), "A", 5]])
    assert read_table(data, "mutasi.xlsx").rows == [[dt.datetime(2026, 12, 1), "A", 5]]
    assert read_table(data, "renamed-by-hand.csv").headers == ["Tanggal", "Keterangan", "Kredit"]


@pytest.mark.parametrize("name", ["mutasi.pdf", "mutasi.xls", "mutasi", "foto.png"])
def test_read_table_refuses_other_formats_saying_which_it_takes(name: str) -> None:
    with english(), pytest.raises(DomainError) as caught:
        read_table(b"%PDF-1.4 whatever", name)
    assert caught.value.code == "unsupported_format"
    assert ".csv or .xlsx" in caught.value.message


def test_read_table_xlsx_with_preamble_re_splits_at_the_header() -> None:
    data = xlsx_bytes([
        ["e-Statement"],
        ["Nama/Name", ":", "PANITIA HKN", "Periode/Period", ":", "01 Des 2026"],
        ["Nomor Rekening/Account Number", ":", "1550015493524"],
        ["No", "Tanggal", "Keterangan", "Dana Masuk (IDR)", "Dana Keluar (IDR)", "Saldo (IDR)"],
        [1, "01 Des 2026", "TRANSFER DARI BUDI", "350.127,00", "", "1.350.127,00"],
        [2, dt.datetime(2026, 12, 2, 9, 30), "BIAYA", None, 10000, 1340127],
        [3, "3 Desember 2026", "TRANSFER DARI SITI", 1250064.0, None, 2590191],
        ["Saldo Akhir", None, None, None, None, 2590191],
    ])
    t = read_table(data, "estatement.xlsx")
    assert t.headers[1:4] == ["Tanggal", "Keterangan", "Dana Masuk (IDR)"]
    assert t.first_row == 5 and len(t.rows) == 3
    mapping = guess_mapping(t.headers)
    assert mapping == Mapping(date="Tanggal", description="Keterangan",
                              credit="Dana Masuk (IDR)", debit="Dana Keluar (IDR)")
    lines, errors = parse_lines(t, mapping)
    assert errors == []
    assert [(x.row, x.date, x.amount) for x in lines] == [
        (5, dt.date(2026, 12, 1), 350127), (7, dt.date(2026, 12, 3), 1250064)]


def test_read_table_refuses_a_file_over_the_size_limit() -> None:
    big = b"Tanggal,Keterangan,Kredit\n" + b"x" * MAX_IMPORT_BYTES
    for name in ("big.csv", "big.xlsx"):
        with pytest.raises(DomainError) as caught:
            read_table(big if name.endswith("csv") else b"PK" + big, name)
        assert (caught.value.code, caught.value.status_code) == ("file_too_large", 413)


def test_read_table_refuses_too_many_rows() -> None:
    text = "Tanggal,Keterangan,Kredit\n" + "01/12/2026,A,1\n" * 11
    with pytest.raises(DomainError) as caught:
        read_table(csv_bytes(text), "m.csv", max_rows=10)
    assert caught.value.code == "too_many_rows"
    data = xlsx_bytes([["Tanggal", "Keterangan", "Kredit"], *[["01/12/2026", "A", 1]] * 11])
    with english(), pytest.raises(DomainError, match="At most 10 rows") as caught:
        read_table(data, "m.xlsx", max_rows=10)
    assert read_table(data, "m.xlsx", max_rows=11).rows[-1] == ["01/12/2026", "A", 1]


@pytest.mark.parametrize("data", [
    b"nama,email,telepon\nBudi,budi@example.com,0812\n",  # a list of people
    b"Laporan\nTidak ada data\n",
    b"",
    b"\x00\x01\x02binary\x00",
])
def test_read_table_refuses_a_file_that_is_not_a_statement(data: bytes) -> None:
    with english(), pytest.raises(DomainError) as caught:
        read_table(data, "statement.csv")
    assert caught.value.code == "not_a_statement"


def test_read_table_refuses_a_broken_workbook() -> None:
    with pytest.raises(DomainError) as caught:
        read_table(b"PK\x03\x04 not really a zip", "m.xlsx")
    assert caught.value.code == "not_xlsx"


def test_read_table_is_picklable_for_a_worker_process() -> None:
    assert pickle.loads(pickle.dumps(read_table)) is read_table  # noqa: S301 (our own bytes)
    t = read_csv(csv_bytes(BCA_CSV), max_rows=100)
    assert pickle.loads(pickle.dumps(t)) == t  # noqa: S301


# ---- guessing the mapping -----------------------------------------------------------------

@pytest.mark.parametrize(("headers", "expected"), [
    (["Tanggal", "Keterangan", "Cabang", "Jumlah", "(E)", "Saldo"],  # KlikBCA
     Mapping(date="Tanggal", description="Keterangan", amount="Jumlah", kind="(E)")),
    (["Tanggal Transaksi", "Keterangan", "Cabang", "Jumlah", "Saldo"],  # KlikBCA Bisnis
     Mapping(date="Tanggal Transaksi", description="Keterangan", amount="Jumlah")),
    (["Account No", "Date", "Val. Date", "Transaction Code", "Description", "Reference No.",
      "Debit", "Credit", "(I)"],  # Mandiri CSV
     Mapping(date="Date", description="Description", credit="Credit", debit="Debit",
             reference="Reference No.")),
    (["Tgl.", "Tgl. Val.", "Rincian Transaksi", "No. Referensi", "Debit", "Kredit", "Saldo"],
     Mapping(date="Tgl.", description="Rincian Transaksi", credit="Kredit", debit="Debit",
             reference="No. Referensi")),  # Mandiri MCM
    (["Posting Date", "Effective Date", "Branch", "Journal", "Transaction Description",
      "Amount", "DB/CR", "Balance"],  # BNI
     Mapping(date="Posting Date", description="Transaction Description", amount="Amount",
             kind="DB/CR", reference="Journal")),
    (["ID", "NOREK", "TGL_TRAN", "TGL_EFEKTIF", "JAM_TRAN", "SEQ", "DESK_TRAN",
      "SALDO_AWAL_MUTASI", "MUTASI_DEBET", "MUTASI_KREDIT", "SALDO_AKHIR_MUTASI", "GLSIGN"],
     Mapping(date="TGL_TRAN", description="DESK_TRAN", credit="MUTASI_KREDIT",
             debit="MUTASI_DEBET")),  # BRI
    (["TrxId", "Tanggal", "Trx Time", "D/K", "Mutasi", "Saldo", "Keterangan"],  # BSI
     Mapping(date="Tanggal", description="Keterangan", amount="Mutasi", kind="D/K",
             reference="TrxId")),
    (["Tanggal", "Uraian", "Debet", "Kredit", "Saldo"],  # Bank Kaltimtara (assumed)
     Mapping(date="Tanggal", description="Uraian", credit="Kredit", debit="Debet")),
    (["Post Date", "Effective Date", "Account", "Name", "Description", "Currency", "Debit",
      "Credit", "Balance", "Reference No"],
     Mapping(date="Post Date", description="Description", credit="Credit", debit="Debit",
             reference="Reference No")),
    (["No.", "Tanggal Kirim", "Cabang", "Journal No.", "Deskripsi", "Amount", "Db/ Cr"],
     Mapping(date="Tanggal Kirim", description="Deskripsi", amount="Amount", kind="Db/ Cr",
             reference="Journal No.")),
    (["Tgl. Transaksi", "Remark", "Nominal", "CR/DB"],
     Mapping(date="Tgl. Transaksi", description="Remark", amount="Nominal", kind="CR/DB")),
])
def test_guess_mapping_knows_the_banks_layouts(headers: list[str], expected: Mapping) -> None:
    assert guess_mapping(headers) == expected


@pytest.mark.parametrize("headers", [
    ["nama", "email", "telepon"],
    ["Tanggal", "Saldo", "Cabang"],  # no description, no money
    ["Tanggal", "Keterangan", "Saldo"],  # no money column
    [],
])
def test_guess_mapping_gives_up_on_unknown_layouts(headers: list[str]) -> None:
    assert guess_mapping(headers) is None


# ---- parsing ------------------------------------------------------------------------------

def test_parse_lines_bca_takes_credits_skips_debits_and_pending_lines() -> None:
    t = read_table(csv_bytes(BCA_CSV), "mutasi.csv")
    mapping = guess_mapping(t.headers)
    assert mapping is not None
    lines, errors = parse_lines(t, mapping, default_year=2026)
    assert errors == []
    assert [(x.row, x.date, x.amount) for x in lines] == [
        (7, dt.date(2026, 12, 1), 350127), (9, dt.date(2026, 12, 3), 1250064)]
    assert lines[0].description == "TRSF E-BANKING CR 0112/FTSCY/WS95031 350127.00 BUDI SANTOSO"


def test_parse_lines_bca_without_a_year_asks_for_it() -> None:
    t = read_table(csv_bytes(BCA_CSV), "mutasi.csv")
    mapping = guess_mapping(t.headers)
    assert mapping is not None
    with english():
        lines, errors = parse_lines(t, mapping)
    assert lines == []
    assert [(e.row, e.column) for e in errors] == [(7, "Tanggal"), (9, "Tanggal")]
    assert "has no year" in errors[0].message


def test_parse_lines_bca_bisnis_reads_the_marker_in_the_amount_cell() -> None:
    t = read_table(csv_bytes(BCA_BISNIS_CSV), "mutasi.csv")
    mapping = guess_mapping(t.headers)
    assert mapping == Mapping(date="Tanggal Transaksi", description="Keterangan",
                              amount="Jumlah")
    lines, errors = parse_lines(t, mapping)
    assert errors == []
    assert [(x.row, x.date, x.amount) for x in lines] == [(8, dt.date(2026, 9, 8), 8520000)]


def test_parse_lines_mandiri_semicolons_and_separate_debit_credit() -> None:
    t = read_table(csv_bytes(MANDIRI_CSV), "mandiri.csv")
    mapping = guess_mapping(t.headers)
    assert mapping is not None and mapping.credit == "Credit"
    lines, errors = parse_lines(t, mapping)
    assert errors == []
    assert [(x.row, x.amount, x.reference) for x in lines] == [
        (2, 350127, "REF001"), (4, 1250064, "REF003")]


def test_parse_lines_reads_text_amounts_as_people_write_them() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"],
              ["01/12/2026", "A", "Rp 350.127,00"], ["01/12/2026", "B", "Rp1.500.000,-"],
              ["01/12/2026", "C", "IDR 250,064.00"], ["01/12/2026", "D", 99000.0],
              ["01/12/2026", "E", ""], ["01/12/2026", "F", "0"], ["01/12/2026", "G", None])
    lines, errors = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                           credit="Kredit"))
    assert errors == []
    assert [x.amount for x in lines] == [350127, 1500000, 250064, 99000]


def test_parse_lines_signed_amount_negative_is_a_debit() -> None:
    t = table(["Date", "Description", "Amount"],
              ["2026-12-01", "IN", "350.127"], ["2026-12-01", "OUT", "-350.127"],
              ["2026-12-01", "FEE", "(5.000)"], ["2026-12-01", "NOTHING", 0])
    lines, errors = parse_lines(t, Mapping(date="Date", description="Description",
                                           amount="Amount"))
    assert errors == [] and [x.description for x in lines] == ["IN"]


def test_parse_lines_kind_column_k_d_and_kredit_debit() -> None:
    t = table(["Tanggal", "Keterangan", "Mutasi", "D/K"],
              ["01/12/2026", "A", "350.127", "K"], ["01/12/2026", "B", "10.000", "D"],
              ["01/12/2026", "C", "20.000", "Kredit"], ["01/12/2026", "D", "30.000", "Debet"],
              ["01/12/2026", "E", "40.000", "cr"], ["01/12/2026", "F", "50.000 CR", ""])
    mapping = Mapping(date="Tanggal", description="Keterangan", amount="Mutasi", kind="D/K")
    lines, errors = parse_lines(t, mapping)
    assert errors == []
    assert [(x.description, x.amount) for x in lines] == [
        ("A", 350127), ("C", 20000), ("E", 40000), ("F", 50000)]


def test_parse_lines_refuses_an_unknown_kind() -> None:
    t = table(["Tanggal", "Keterangan", "Mutasi", "D/K"], ["01/12/2026", "A", "350.127", "X"])
    with english():
        lines, errors = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                               amount="Mutasi", kind="D/K"))
    assert lines == [] and errors[0].column == "D/K"
    assert "neither credit nor debit" in errors[0].message


@pytest.mark.parametrize(("value", "expected"), [
    ("01/12/2026", dt.date(2026, 12, 1)),
    ("01-12-2026", dt.date(2026, 12, 1)),
    ("1.12.2026", dt.date(2026, 12, 1)),
    ("01/12/26", dt.date(2026, 12, 1)),
    ("2026-12-01", dt.date(2026, 12, 1)),
    ("2026/12/01", dt.date(2026, 12, 1)),
    ("20261201", dt.date(2026, 12, 1)),
    ("2026-06-27 00:04:26", dt.date(2026, 6, 27)),
    ("27/06/2026 10:11:12", dt.date(2026, 6, 27)),
    ("01/12", dt.date(2025, 12, 1)),  # the default year
    ("1 Des 2026", dt.date(2026, 12, 1)),
    ("1 Desember 2026", dt.date(2026, 12, 1)),
    ("01 Dec 2026", dt.date(2026, 12, 1)),
    ("01-Dec-26", dt.date(2026, 12, 1)),
    ("17 Agustus 2026", dt.date(2026, 8, 17)),
    ("5 Mei 2026", dt.date(2026, 5, 5)),
    ("3 Okt", dt.date(2025, 10, 3)),
    ("Dec 1, 2026", dt.date(2026, 12, 1)),
    (dt.datetime(2026, 12, 1, 23, 59), dt.date(2026, 12, 1)),
    (dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
])
def test_parse_lines_reads_dates_as_banks_write_them(value: Any, expected: dt.date) -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"], [value, "A", "350.127"])
    lines, errors = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                           credit="Kredit"), default_year=2025)
    assert errors == [] and lines[0].date == expected


def test_parse_lines_month_first_when_asked() -> None:
    t = table(["Date", "Description", "Credit"], ["12/01/2026", "A", "350,127.00"])
    lines, _ = parse_lines(t, Mapping(date="Date", description="Description", credit="Credit",
                                      day_first=False))
    assert lines[0].date == dt.date(2026, 12, 1)


@pytest.mark.parametrize("value", ["31/02/2026", "tomorrow", "13/13/2026", "1 Foo 2026", "",
                                   "2026-12-01x", "1/2/3/4"])
def test_parse_lines_bad_date_is_a_row_error(value: str) -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"], [value, "A", "350.127"])
    with english():
        lines, errors = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                               credit="Kredit"))
    assert lines == [] and [(e.row, e.column) for e in errors] == [(2, "Tanggal")]
    assert errors[0].message.startswith("Row 2, Tanggal: ")
    assert "date" in errors[0].message


def test_parse_lines_is_all_or_nothing_with_an_actionable_message() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"],
              ["01/12/2026", "A", "350.127"], ["02/12/2026", "B", "Rp 35O.127"],
              ["03/12/2026", "C", "350.127,50"], ["04/12/2026", "D", "100.000"],
              first_row=5)
    mapping = Mapping(date="Tanggal", description="Keterangan", credit="Kredit")
    with english():
        lines, errors = parse_lines(t, mapping)
    assert lines == []
    assert [(e.row, e.column) for e in errors] == [(6, "Kredit"), (7, "Kredit")]
    assert errors[0].message == ("Row 6, Kredit: “Rp 35O.127” is not an amount. "
                                 "Write it like 350.127.")
    assert "has sen" in errors[1].message
    with i18n.using("id"):
        _, errors = parse_lines(t, mapping)
    assert errors[0].message.startswith("Baris 6, Kredit: “Rp 35O.127” bukan jumlah uang.")


def test_parse_lines_unknown_columns_one_error_each() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"], ["01/12/2026", "A", "350.127"])
    mapping = Mapping(date="Tgl", description="Keterangan", credit="Credit", debit="Debet",
                      reference="Ref")
    with english():
        lines, errors = parse_lines(t, mapping)
    assert lines == []
    assert [(e.row, e.column) for e in errors] == [(0, "Tgl"), (0, "Ref"), (0, "Credit"),
                                                    (0, "Debet")]
    assert errors[0].message == ("The column “Tgl” is not in the file; choose the column that "
                                 "holds the date.")


def test_parse_lines_column_names_are_forgiving_about_case_and_spaces() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"], ["01/12/2026", "A", "350.127"])
    lines, errors = parse_lines(t, Mapping(date=" tanggal", description="KETERANGAN",
                                           credit="kredit "))
    assert errors == [] and lines[0].amount == 350127


@pytest.mark.parametrize("mapping", [
    Mapping(date="Tanggal", description="Keterangan"),  # no money column
    Mapping(date="Tanggal", description="Keterangan", amount="Kredit", credit="Kredit"),
    Mapping(date="", description="Keterangan", credit="Kredit"),
])
def test_parse_lines_refuses_an_incomplete_mapping(mapping: Mapping) -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"], ["01/12/2026", "A", "350.127"])
    with english():
        lines, errors = parse_lines(t, mapping)
    assert lines == [] and len(errors) == 1 and errors[0].row == 0
    assert "column" in errors[0].message


def test_parse_lines_duplicate_rows_error_on_the_second() -> None:
    rows = [["01/12/2026", f"ROW {n}", "100.000", f"R{n}"] for n in range(2, 9)]
    rows.append(["04/12/2026", " row  4 ", "100.000", "R4"])  # row 9: like row 4, but...
    rows[2] = ["04/12/2026", "ROW 4", "100.000", "R4"]
    t = table(["Tanggal", "Keterangan", "Kredit", "Referensi"], *rows)
    with english():
        lines, errors = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                               credit="Kredit", reference="Referensi"))
    assert lines == []
    assert [(e.row, e.column) for e in errors] == [(9, "")]
    assert errors[0].message.startswith("Row 9 repeats row 4")


def test_parse_lines_skips_empty_and_description_only_rows() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit"], ["01/12/2026", "A", "350.127"],
              [None, None, None], ["", "…continued description", ""])
    lines, errors = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                           credit="Kredit"))
    assert errors == [] and len(lines) == 1


def test_parse_lines_fingerprint_is_the_normalised_line() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit", "Ref"],
              ["01/12/2026", "  TRSF   Budi ", "350.127", 12345.0])
    lines, _ = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                      credit="Kredit", reference="Ref"))
    expected = hashlib.sha256(b"2026-12-01|350127|trsf budi|12345").hexdigest()
    assert lines[0] == Line(row=2, date=dt.date(2026, 12, 1), amount=350127,
                            description="TRSF Budi", reference="12345", fingerprint=expected)


def test_parse_lines_cuts_long_texts_to_what_is_stored() -> None:
    t = table(["Tanggal", "Keterangan", "Kredit", "Ref"],
              ["01/12/2026", "X" * 500, "350.127", "R" * 150])
    lines, _ = parse_lines(t, Mapping(date="Tanggal", description="Keterangan",
                                      credit="Kredit", reference="Ref"))
    assert (len(lines[0].description), len(lines[0].reference)) == (300, 100)


# ---- proposing ----------------------------------------------------------------------------

def line(row: int, amount: int, day: dt.date, description: str = "TRSF") -> Line:
    return Line(row=row, date=day, amount=amount, description=description, reference="",
                fingerprint=f"fp{row}")


ISSUED, DUE = dt.date(2026, 12, 1), dt.date(2026, 12, 15)
INV1 = OpenInvoice(id=1, number="INV/HKN2027/0001", amount_due=350127, issued_on=ISSUED,
                   due_on=DUE)
INV2 = OpenInvoice(id=2, number="INV/HKN2027/0002", amount_due=350245, issued_on=ISSUED,
                   due_on=DUE)


def test_propose_matches_by_unique_amount_within_the_dates() -> None:
    lines = [line(7, 350245, dt.date(2026, 12, 3)), line(8, 350127, dt.date(2026, 12, 4)),
             line(9, 999999, dt.date(2026, 12, 4))]
    with english():
        proposals = propose(lines, [INV1, INV2])
    assert [(p.line.row, p.invoice_id, p.confidence) for p in proposals] == [
        (7, 2, "exact"), (8, 1, "exact"), (9, None, "none")]
    assert proposals[0].note == "Invoice INV/HKN2027/0002: amount and date match."
    assert proposals[2].note == "No open invoice asks for Rp 999,999."


@pytest.mark.parametrize(("day", "confidence"), [
    (ISSUED - dt.timedelta(days=3), "exact"),
    (ISSUED - dt.timedelta(days=4), "none"),
    (DUE + dt.timedelta(days=30), "exact"),
    (DUE + dt.timedelta(days=31), "none"),
])
def test_propose_date_window(day: dt.date, confidence: str) -> None:
    with english():
        (proposal,) = propose([line(2, 350127, day)], [INV1])
    assert proposal.confidence == confidence
    if confidence == "none":
        assert proposal.invoice_id is None and "outside" in proposal.note


def test_propose_grace_days_is_a_parameter() -> None:
    late = line(2, 350127, DUE + dt.timedelta(days=5))
    assert propose([late], [INV1], grace_days=4)[0].confidence == "none"
    assert propose([late], [INV1], grace_days=5)[0].confidence == "exact"


@pytest.mark.parametrize("description", [
    "TRSF E-BANKING CR 0112/FTSCY/WS95031 350127.00 INV/HKN2027/0001 BUDI",
    "TRANSFER INV-HKN2027-0001",
    "BAYAR inv hkn2027 0001",
    "TRSF INV/HKN20 27/0001 BUDI",  # BCA cuts descriptions at fixed widths
])
def test_propose_invoice_number_wins_even_outside_the_dates(description: str) -> None:
    late = line(2, 350127, DUE + dt.timedelta(days=90), description)
    with english():
        (proposal,) = propose([late], [INV1])
    assert (proposal.invoice_id, proposal.confidence) == (1, "exact")
    assert proposal.note == "Invoice INV/HKN2027/0001: number and amount match."


@pytest.mark.parametrize("description", ["HKN2027/0001", "0001", "INV/HKN2027/00012",
                                         "INV/HKN2027/000"])
def test_propose_only_the_full_number_counts(description: str) -> None:
    outside = line(2, 350127, DUE + dt.timedelta(days=90), description)
    assert propose([outside], [INV1])[0].confidence == "none"


def test_propose_named_invoice_with_another_amount_is_none_with_a_note() -> None:
    paid = line(2, 350245, dt.date(2026, 12, 3), "PEMBAYARAN INV/HKN2027/0001")
    with english():
        (proposal,) = propose([paid], [INV1, INV2])  # the amount fits INV2: the name wins
    assert (proposal.invoice_id, proposal.confidence) == (None, "none")
    assert proposal.note == ("Invoice INV/HKN2027/0001 is named, but the amount differs: "
                             "paid Rp 350,245, due Rp 350,127.")


def test_propose_two_lines_for_one_invoice_the_earliest_gets_it() -> None:
    first, again = line(5, 350127, dt.date(2026, 12, 2)), line(3, 350127, dt.date(2026, 12, 6))
    with english():
        proposals = propose([again, first], [INV1])
    assert [(p.line.row, p.invoice_id, p.confidence) for p in proposals] == [
        (3, None, "ambiguous"), (5, 1, "exact")]  # order of the lines kept
    assert proposals[0].note == "Invoice INV/HKN2027/0001 is already matched to row 5."


def test_propose_a_line_naming_the_invoice_beats_an_earlier_amount_match() -> None:
    earlier = line(2, 350127, dt.date(2026, 12, 2))
    named = line(3, 350127, dt.date(2026, 12, 6), "TRSF INV/HKN2027/0001")
    proposals = propose([earlier, named], [INV1])
    assert [(p.invoice_id, p.confidence) for p in proposals] == [(None, "ambiguous"),
                                                                  (1, "exact")]


def test_propose_one_line_two_invoices_of_the_same_amount_is_ambiguous() -> None:
    other_event = OpenInvoice(id=9, number="INV/PMR2027/0044", amount_due=350127,
                              issued_on=ISSUED, due_on=DUE)
    with english():
        (proposal,) = propose([line(2, 350127, dt.date(2026, 12, 3))], [INV1, other_event])
    assert (proposal.invoice_id, proposal.confidence) == (None, "ambiguous")
    assert proposal.note == ("The amount matches 2 invoices (INV/HKN2027/0001, "
                             "INV/PMR2027/0044): choose one.")
    named = line(3, 350127, dt.date(2026, 12, 3), "INV/PMR2027/0044")
    assert propose([named], [INV1, other_event])[0].invoice_id == 9


def test_propose_notes_are_translated_and_short() -> None:
    many = [OpenInvoice(id=n, number=f"INV/HKN2027/{n:04d}", amount_due=350127,
                        issued_on=ISSUED, due_on=DUE) for n in range(1, 30)]
    with i18n.using("id"):
        (proposal,) = propose([line(2, 350127, dt.date(2026, 12, 3))], many)
        (unknown,) = propose([line(3, 1500000, dt.date(2026, 12, 3))], many)
    assert proposal.note.startswith("Jumlahnya cocok dengan 29 tagihan") and "…" in proposal.note
    assert len(proposal.note) <= 200
    assert unknown.note == "Tidak ada tagihan terbuka sebesar Rp 1.500.000."


def test_propose_nothing_in_nothing_out() -> None:
    assert propose([], [INV1]) == []
    assert propose([line(2, 350127, ISSUED)], [])[0].confidence == "none"


def test_statement_end_to_end_bca_to_proposals() -> None:
    t = read_table(csv_bytes(BCA_CSV), "mutasi.csv")
    mapping = guess_mapping(t.headers)
    assert mapping is not None
    lines, errors = parse_lines(t, mapping, default_year=2026)
    inv = OpenInvoice(id=2, number="INV/HKN2027/0002", amount_due=1250064,
                      issued_on=dt.date(2026, 11, 20), due_on=dt.date(2026, 11, 30))
    proposals = propose(lines, [INV1, inv])
    assert [(p.line.row, p.invoice_id, p.confidence) for p in proposals] == [
        (7, 1, "exact"), (9, 2, "exact")]
