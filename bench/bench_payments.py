"""The CPU-bound parts of booth fees, measured: reading and matching a bank statement, and
rendering invoice PDFs.

    python bench/bench_payments.py                       5,000 statement lines, 1,000 invoices
    python bench/bench_payments.py --lines 2000 --invoices 500 --pdfs 50

The statement is a BCA-style CSV (preamble, "CR" markers, amounts written 350,127.00) built
in memory; every tenth line pays an open invoice's unique amount. Printed: seconds to read
the file, to parse its lines, to propose matches, and how many matched; then milliseconds
per one-page invoice PDF (median and 90th percentile, after one warm-up render).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from expo import pdf  # noqa: E402
from expo.payments import statements  # noqa: E402


def statement_csv(lines: int, amounts: list[int], day: dt.date) -> bytes:
    rows = ["No. Rekening,=,'0011223344", "Nama,=,PANITIA HKN", "Mata Uang,=,IDR", "",
            "Tanggal,Keterangan,Cabang,Jumlah,,Saldo"]
    for n in range(lines):
        amount = amounts[(n // 10) % len(amounts)] if n % 10 == 0 else 10_000 + n
        rows.append(f"'{day:%d/%m},TRSF E-BANKING CR {n:05d} PENGIRIM {n},'0000,"
                    f"\"{amount:,}.00\",CR,\"{50_000_000 + n:,}.00\"")
    rows += ["", 'Saldo Awal,=,"12,000,000.00"', 'Saldo Akhir,=,"99,000,000.00"']
    return "\n".join(rows).encode()


def bench_statement(lines: int, invoices: int) -> None:
    day = dt.date(2026, 12, 1)
    open_invoices = [statements.OpenInvoice(id=i, number=f"INV/HKN2027/{i:04d}",
                                            amount_due=350_000 + i, issued_on=day,
                                            due_on=day + dt.timedelta(days=14))
                     for i in range(1, invoices + 1)]
    data = statement_csv(lines, [i.amount_due for i in open_invoices], day)
    start = time.perf_counter()
    table = statements.read_table(data, "mutasi.csv", max_rows=max(lines, 5000))
    read = time.perf_counter() - start
    mapping = statements.guess_mapping(table.headers)
    assert mapping is not None, table.headers
    start = time.perf_counter()
    parsed, errors = statements.parse_lines(table, mapping, default_year=day.year)
    parse = time.perf_counter() - start
    assert not errors, errors[:3]
    start = time.perf_counter()
    proposals = statements.propose(parsed, open_invoices)
    match = time.perf_counter() - start
    exact = sum(1 for p in proposals if p.confidence == "exact")
    print(f"statement: {lines} lines, {invoices} open invoices, {len(data) / 1e6:.2f} MB")
    print(f"  read {read:.3f} s · parse {parse:.3f} s · match {match:.3f} s · "
          f"{exact} exact matches (expected {min(invoices, lines // 10)})")


def invoice_document(n: int) -> pdf.Document:
    return pdf.Document(
        title="INVOICE", number=f"INV/HKN2027/{n:04d}",
        facts=(("Tanggal", "1 Desember 2026"), ("Jatuh tempo", "15 Desember 2026")),
        seller=pdf.Party("Panitia Hari Konsumen Nasional 2027", ("GOR Segiri, Samarinda",)),
        buyer=pdf.Party("Kue Talam Bu Ani’s", ("Jl. Pahlawan 12, Samarinda", "+62 812 555 0101")),
        seller_label="Diterbitkan oleh", buyer_label="Kepada",
        columns=("Uraian", "Jml", "Harga satuan", "Jumlah"),
        rows=(pdf.Row("Stan OL-03 (9 m²)", 1, 350_000, 350_000),
              pdf.Row("Uang jaminan", 1, 100_000, 100_000),
              pdf.Row("Kode unik transfer", 1, 127, 127)),
        total_label="Total", total=450_127,
        words="Terbilang: empat ratus lima puluh ribu seratus dua puluh tujuh rupiah",
        notes=("Transfer tepat Rp 450.127 ke Bank Kaltimtara 0011 2233 4455.",),
        qr_payload=f"https://expo.example/e/hkn2027/cek/{n:08d}", qr_caption="Cek keaslian",
        signature_label="Bendahara Panitia", footer="expo", locale="id",
        created=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


def bench_pdf(count: int) -> None:
    pdf.render(invoice_document(0))  # warm-up: the font cut is made once per process
    times, size = [], 0
    for n in range(1, count + 1):
        start = time.perf_counter()
        size = len(pdf.render(invoice_document(n)))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"invoice PDF: {count} renders · median {statistics.median(times):.1f} ms · "
          f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms · {size / 1024:.1f} KB each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=100)
    args = parser.parse_args()
    bench_statement(min(args.lines, 5000), args.invoices)
    bench_pdf(min(args.pdfs, 1000))


if __name__ == "__main__":
    main()
