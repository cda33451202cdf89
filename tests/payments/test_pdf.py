"""PDF documents: the text a reader extracts, pages, fonts, the QR code, same bytes twice.

No PDF reader is installed, so ``_text`` reads the PDF the way a viewer would, in little: it
inflates the streams, maps each font's codes back to characters through its ToUnicode map and
collects the strings the pages show, one per line.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from expo import qr
from expo.pdf import Document, Party, Row, render
from expo.words import rupiah_in_words

BUYER = "Kue Talam Bu Ani’s — Samarinda"


def make_document(rows: int = 3, **changes: object) -> Document:
    lines = tuple(Row(f"Sewa stan B-{i:02d} (3 × 3 m), area kuliner", 1 + i % 3, 750_000,
                      750_000 * (1 + i % 3)) for i in range(rows))
    total = sum(row.amount for row in lines)
    document = Document(
        title="INVOICE", number="INV/HKN2027/0001",
        facts=(("Tanggal", "1 Desember 2026"), ("Jatuh tempo", "15 Desember 2026")),
        seller=Party("Panitia Hari Kreatif Nusantara 2027", ("Jl. Juanda No. 12, Samarinda",)),
        buyer=Party(BUYER, ("NIB 9120001234567",)),
        seller_label="Dari", buyer_label="Kepada",
        columns=("Uraian", "Jml", "Harga satuan", "Jumlah"), rows=lines,
        total_label="Total", total=total, words="Terbilang: " + rupiah_in_words(total),
        notes=("Transfer ke BNI 0123456789 a.n. Panitia HKN 2027.",),
        stamp="LUNAS", qr_payload="https://expo.example/p/INV-HKN2027-0001",
        qr_caption="Pindai untuk membayar", signature_label="Bendahara Panitia",
        footer="Dokumen ini dibuat oleh expo", locale="id",
        created=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    return replace(document, **changes)  # type: ignore[arg-type]


# ---- a small PDF reader ---------------------------------------------------------------------

def _objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (its dictionary, its stream inflated), walking the file in order."""
    objects: dict[int, tuple[bytes, bytes]] = {}
    position = 0
    while match := re.compile(rb"(\d+) 0 obj").search(data, position):
        end = data.index(b"endobj", match.end())
        stream = data.find(b"stream", match.end(), end)
        if stream < 0:
            objects[int(match[1])] = (data[match.end():end], b"")
            position = end
            continue
        head = data[match.end():stream]
        start = stream + len(b"stream") + (2 if data[stream + 6:stream + 8] == b"\r\n" else 1)
        body = data[start:start + int(re.findall(rb"/Length (\d+)", head)[-1])]
        objects[int(match[1])] = (head, zlib.decompress(body) if b"/FlateDecode" in head
                                  else body)
        position = data.index(b"endobj", start + len(body))
    return objects


def _to_unicode(cmap: bytes) -> dict[bytes, str]:
    mapping: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode(
                "utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, text in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start, width = int(first, 16), len(first) // 2
            for offset in range(int(last, 16) - start + 1):
                mapping[(start + offset).to_bytes(width, "big")] = chr(
                    int(text, 16) + offset)
    return mapping


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: (
        bytes([int(m[1], 8)]) if m[1][:1].isdigit() else _ESCAPES.get(m[1], m[1])),
        literal, flags=re.S)


def _pages(data: bytes) -> list[list[str]]:
    """The strings each page shows, in drawing order."""
    objects = _objects(data)
    maps = {number: _to_unicode(objects[int(cmap)][1]) for number, (head, _) in objects.items()
            for cmap in re.findall(rb"/ToUnicode (\d+) 0 R", head)}
    fonts = {name: maps[int(number)] for head, _ in objects.values()
             for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head)
             if int(number) in maps}
    pages = []
    for head, _ in objects.values():
        for contents in re.findall(rb"/Contents (\d+) 0 R", head):
            font: dict[bytes, str] = {}
            shown = []
            for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)",
                                     objects[int(contents)][1], re.S):
                if match[1]:
                    font = fonts[match[1]]
                else:
                    codes = _unescape(match[2])
                    shown.append("".join(font[codes[i:i + 2]] for i in range(0, len(codes), 2)))
            pages.append(shown)
    return pages


def _text(data: bytes) -> list[str]:
    return [line for page in _pages(data) for line in page]


def _rectangles(data: bytes) -> int:
    return sum(stream.count(b" re") for _, stream in _objects(data).values())


# ---- the tests ------------------------------------------------------------------------------

def test_render_is_a_pdf_with_the_number_the_buyer_and_the_total() -> None:
    data = render(make_document())
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    shown = _text(data)
    assert "INVOICE" in shown and "INV/HKN2027/0001" in shown
    assert BUYER in shown  # ’ and — are not latin-1: the Unicode font draws them
    assert "Rp 4.500.000" in shown
    assert "Terbilang: empat juta lima ratus ribu rupiah" in shown
    assert "Rp 750.000" in shown and "LUNAS" in shown
    assert len(_pages(data)) == 1
    assert len(data) < 40_000  # only the glyphs used are embedded


def test_render_formats_money_in_the_documents_language() -> None:
    words = "In words: " + rupiah_in_words(4_500_000, "en")
    shown = _text(render(make_document(locale="en", words=words)))
    assert "Rp 4,500,000" in shown and "Rp 750,000" in shown
    assert "In words: four million five hundred thousand rupiah" in shown


def test_render_twice_gives_the_same_bytes() -> None:
    document = make_document()
    assert render(document) == render(document)
    assert render(document) != render(replace(document, number="INV/HKN2027/0002"))
    assert b"D:20261201090000Z" in render(document)  # the creation date is the document's


def test_render_in_threads_gives_what_it_gives_alone() -> None:
    documents = [make_document(rows=n, number=f"INV/T/{n}") for n in (1, 2, 3, 4)]
    alone = [render(document) for document in documents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render, documents * 2)) == alone * 2


def test_render_long_table_flows_over_pages_under_its_heading() -> None:
    pages = _pages(render(make_document(rows=120)))
    assert len(pages) >= 3
    for number, shown in enumerate(pages, start=1):
        first = next((i for i, line in enumerate(shown) if line.startswith("Sewa stan B-")), None)
        if first is not None:  # every page with rows has the heading above them
            assert "Harga satuan" in shown[:first]
        if number > 1:  # and says which document it continues
            assert shown[0] == "INVOICE INV/HKN2027/0001"
        assert shown[-2:] == [f"{number}/", str(len(pages))]  # page numbers in the footer
    rows = [line for shown in pages for line in shown if line.startswith("Sewa stan B-")]
    assert rows == [f"Sewa stan B-{i:02d} (3 × 3 m), area kuliner" for i in range(120)]
    assert "Rp 180.000.000" in pages[-1]


def test_render_wraps_long_names_and_descriptions() -> None:
    name = "Koperasi Produsen Kerajinan Rotan dan Anyaman Purun Kutai Kartanegara Sejahtera"
    shown = _text(render(make_document(buyer=Party(name))))
    assert name not in shown and name in " ".join(shown)  # on consecutive lines
    description = " ".join(["Sewa stan sudut dengan listrik dan meja tambahan"] * 4)
    shown = _text(render(replace(make_document(), rows=(Row(description, None, None, 1_000),),
                                 total=1_000)))
    assert description not in shown and description in " ".join(shown)


def test_render_draws_the_qr_code_as_one_rectangle_per_run_of_dark_modules() -> None:
    document = make_document()
    runs = sum(1 for row in qr.make(document.qr_payload, fast=True).matrix
               for dark, _ in itertools.groupby(row) if dark)
    with_code = _rectangles(render(document))
    without = _rectangles(render(replace(document, qr_payload="", qr_caption="")))
    assert with_code - without == runs
    assert "Pindai untuk membayar" in _text(render(document))


def test_render_takes_the_full_font_for_characters_beyond_the_common_cut() -> None:
    common = render(make_document())
    buyer = "Ανδρέας Пётр — Toko Ẩm thực"
    full = render(make_document(buyer=Party(buyer)))
    assert buyer in _text(full)
    assert render(make_document(buyer=Party(buyer))) == full
    assert len(full) > len(common)


def test_render_without_optional_parts() -> None:
    document = replace(make_document(), words="", notes=(), stamp="", qr_payload="",
                       qr_caption="", signature_label="", footer="", created=None,
                       rows=(Row("Biaya pendaftaran", None, None, 0),), total=0)
    data = render(document)
    shown = _text(data)
    assert "Biaya pendaftaran" in shown and "Rp 0" in shown and "LUNAS" not in shown
    assert b"D:19700101000000Z" in data


def test_render_shrinks_an_amount_too_wide_for_its_column() -> None:
    big = 999_999_999_999_999
    shown = _text(render(replace(make_document(), rows=(Row("Semua", 1, big, big),),
                                 total=big, stamp="")))
    assert shown.count("Rp 999.999.999.999.999") == 3


def test_render_cuts_a_description_longer_than_a_page() -> None:
    description = " ".join(f"kata{i}" for i in range(1500))
    pages = _pages(render(replace(make_document(), rows=(Row(description, None, None, 1),),
                                  total=1)))
    lines = [line for line in pages[0] if line.startswith("kata")]
    assert len(lines) == 40 and lines[-1].endswith(" …")


def test_render_reads_a_naive_creation_date_as_utc() -> None:
    data = render(make_document(created=dt.datetime(2026, 12, 2, 8, 30)))
    assert b"D:20261202083000Z" in data
