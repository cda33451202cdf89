"""PDF documents (invoices, kwitansi, credit notes, later orders and handover reports).

A caller describes the document in plain, already translated data (``Document``) and gets PDF
bytes back from ``render``: the drawing knows nothing of payments, and a document can be
rendered again from the same description to the same bytes (the creation date comes from
``Document.created``, the PDF's /ID is a digest of its content).

Drawn with fpdf2 (pure Python, LGPL-3.0) in DejaVu Sans, vendored in ``static/fonts``: the
core PDF fonts are latin-1 only, and producers' names carry ’ “ ” é and other scripts. fpdf2
embeds only the glyphs a document uses, but it parses and subsets the whole font for every
document: a one-page invoice took 55 ms with DejaVu's 6,000 glyphs. So each process cuts,
once (0.2 s), a smaller *common* font out of each file (Latin-1, Latin Extended-A,
punctuation, €, №, ™: some 390 glyphs, no hinting) and documents whose text fits it, nearly
all, are drawn with that: 22 ms for the same invoice. Any other character brings in the whole
files (about 70 ms). Loading the
common font hands fpdf2's ``TTFFont`` an in-memory file instead of a path, the one place that
leans on fpdf2 beyond its documented API: ``tests/payments/test_pdf.py`` covers both paths.

``render`` is CPU-bound and keeps no shared mutable state (a fresh ``FPDF`` each call, the
cached common fonts are bytes): run it through ``expo.offload.in_thread``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fontTools import subset as ftsubset  # type: ignore[import-untyped]
from fontTools import ttLib
from fpdf import FPDF
from fpdf.drawing import PaintedPath
from fpdf.enums import Align, PathPaintRule, XPos, YPos
from fpdf.fonts import TTFFont

from expo import i18n, qr
from expo.paths import STATIC_DIR

FONT_DIR = STATIC_DIR / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # fpdf2 style -> file
FAMILY = "dejavu"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # creation date of a document without one

# The common font's code points: what Indonesian, English and the names of producers nearly
# always need. Everything else (Greek, Cyrillic, Arabic, Vietnamese...) takes the full files.
COMMON_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2010, 0x2027), (0x2030, 0x203A),
                 (0x20AC, 0x20AC), (0x2116, 0x2116), (0x2122, 0x2122), (0x2212, 0x2212))

# Layout, in millimetres (A4 portrait).
MARGIN = 15.0
BOTTOM = 20.0  # bottom margin: the footer sits inside it
WIDTH = 210.0 - 2 * MARGIN
HALF = WIDTH / 2 + MARGIN  # left edge of the right-hand column
COLUMN_WIDTHS = (WIDTH - 16 - 34 - 36, 16.0, 34.0, 36.0)  # description, qty, unit, amount
LINE = 4.6  # height of a table line
MAX_ROW_LINES = 40  # a description longer than this is cut: a row must fit on one page
QR_SIZE = 32.0  # quiet zone included
SIGNATURE_WIDTH = 60.0
STAMP_WIDTH = 60.0  # at most: a longer status is set smaller

INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (190, 195, 200)
SHADE = (236, 239, 242)
STAMP_INK = (176, 32, 48)


@dataclass(frozen=True)
class Party:
    """Who sends or receives the document: a name, then lines (address, phone, NIB...)."""

    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One line of the table, in whole rupiah; ``quantity`` None for a plain line (a fee)."""

    description: str
    quantity: int | None
    unit_price: int | None
    amount: int


@dataclass(frozen=True)
class Document:
    """Everything a document shows, already translated: render draws, it does not decide."""

    title: str  # "INVOICE", "KWITANSI", "NOTA KREDIT"
    number: str  # INV/HKN2027/0001
    facts: tuple[tuple[str, str], ...]  # label, value under the title: ("Tanggal", "1 Des 2026")
    seller: Party
    buyer: Party
    seller_label: str  # "Dari"
    buyer_label: str  # "Kepada"
    columns: tuple[str, str, str, str]  # description, quantity, unit price, amount headings
    rows: tuple[Row, ...]
    total_label: str
    total: int
    words: str = ""  # "Terbilang: ..." (expo.words.rupiah_in_words)
    notes: tuple[str, ...] = ()  # paragraphs: payment instructions, terms
    stamp: str = ""  # big status text: "LUNAS", "PAID", "VOID"
    qr_payload: str = ""  # drawn as a QR code, qr_caption under it
    qr_caption: str = ""
    signature_label: str = ""  # "Bendahara Panitia": a space to sign under it
    footer: str = ""  # small print at the foot of every page
    locale: str = "id"  # money and quantities are formatted in this language
    created: dt.datetime | None = None  # the PDF's creation date: the epoch when None, UTC
    # when naive (never the machine's zone: the same document gives the same bytes anywhere)


def render(document: Document) -> bytes:
    """The document as an A4 PDF: long tables go on over further pages under their heading
    again, long names wrap, amounts are right-aligned. Same document, same bytes."""
    pdf = _Sheet(document)
    with i18n.using(document.locale):
        _heading(pdf, document)
        _parties(pdf, document)
        _table(pdf, document)
        _total(pdf, document)
        _notes(pdf, document.notes)
        _closing(pdf, document)
    return bytes(pdf.output())


# ---- the sheet and its fonts ------------------------------------------------------------

class _Sheet(FPDF):
    """An A4 page with the document's number on continuation pages and a footer."""

    def __init__(self, document: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        created = document.created or EPOCH
        self.set_creation_date(created if created.tzinfo else created.replace(tzinfo=dt.UTC))
        self.set_title(f"{document.title} {document.number}")
        self.set_author(document.seller.name)
        self.set_creator("expo")
        self.set_lang(document.locale)
        _add_fonts(self, _texts(document))
        self.set_text_color(*INK)
        self.add_page()

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FAMILY, "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, f"{self.document.title} {self.document.number}", align=Align.R,
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(3)
            self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-BOTTOM + 6)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*MUTED)
        self.multi_cell(WIDTH - 20, 3.4, self.document.footer, align=Align.L,
                        new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_xy(MARGIN + WIDTH - 20, -BOTTOM + 6)
        self.cell(20, 3.4, f"{self.page_no()}/{{nb}}", align=Align.R)
        self.set_text_color(*INK)


def _texts(document: Document) -> Iterator[str]:
    """Every string the document draws, to choose fonts that hold all their characters."""
    yield from (document.title, document.number, document.seller_label, document.buyer_label,
                document.total_label, document.words, document.stamp, document.qr_caption,
                document.signature_label, document.footer, *document.columns, *document.notes)
    for party in (document.seller, document.buyer):
        yield party.name
        yield from party.lines
    for label, value in document.facts:
        yield label
        yield value
    for row in document.rows:
        yield row.description
    yield "0123456789Rp.,-/…"  # amounts, quantities, page numbers


_common: dict[str, tuple[bytes, frozenset[int]]] = {}
_common_lock = threading.Lock()


def _common_font(style: str) -> tuple[bytes, frozenset[int]]:
    """The common cut of one style's font file (TrueType bytes) and the code points it holds,
    made once per process."""
    with _common_lock:
        if style not in _common:
            _common[style] = _cut_common(FONT_DIR / FONT_FILES[style])
        return _common[style]


def _cut_common(path: Path) -> tuple[bytes, frozenset[int]]:
    font = ttLib.TTFont(path, recalcTimestamp=False)
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, hinting=False,
                               glyph_names=True, name_IDs=["*"], name_languages=["*"],
                               layout_features=[])
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "hdmx", "MATH"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=[code for first, last in COMMON_RANGES
                                 for code in range(first, last + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), frozenset(font.getBestCmap())


def _add_fonts(pdf: FPDF, texts: Iterator[str]) -> None:
    """Regular and bold: the common cut when it holds every character, else the full files."""
    needed = {ord(char) for text in texts for char in text if not char.isspace()}
    cuts = {style: _common_font(style) for style in FONT_FILES}
    if all(needed <= covered for _, covered in cuts.values()):
        for style, (data, _) in cuts.items():
            # TTFFont reads any file fontTools can; add_font would want a path on disk.
            font = TTFFont(pdf, cast(Path, io.BytesIO(data)), f"{FAMILY}{style}", style)
            # The cut's bounding boxes are right already: recomputing them would unpack and
            # pack again every glyph the document uses, a third of the render time.
            font.ttfont.recalcBBoxes = False
            pdf.fonts[font.fontkey] = font
    else:
        for style, name in FONT_FILES.items():
            pdf.add_font(FAMILY, style, FONT_DIR / name)
            added = pdf.fonts[f"{FAMILY}{style}"]
            if isinstance(added, TTFFont):
                added.ttfont.recalcBBoxes = False  # right as shipped too


# ---- the parts of the document -----------------------------------------------------------

def _heading(pdf: FPDF, document: Document) -> None:
    """Title and number on the left, the facts (dates, due date...) on the right."""
    top = pdf.y
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(HALF - MARGIN - 5, 8, document.title, align=Align.L, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(HALF - MARGIN - 5, 5.5, document.number, align=Align.L,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.y
    pdf.set_y(top + 1)
    for label, value in document.facts:
        pdf.set_x(HALF)
        pdf.set_font(FAMILY, "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(32, 4.8, label)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.multi_cell(WIDTH / 2 - 32, 4.8, value, align=Align.R, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.y) + 6)


def _parties(pdf: FPDF, document: Document) -> None:
    """Seller and buyer side by side, each under its heading."""
    top = pdf.y
    bottoms = []
    for x, label, party in ((MARGIN, document.seller_label, document.seller),
                            (HALF, document.buyer_label, document.buyer)):
        pdf.set_xy(x, top)
        _party(pdf, x, label, party)
        bottoms.append(pdf.y)
    pdf.set_y(max(bottoms) + 6)


def _party(pdf: FPDF, x: float, label: str, party: Party) -> None:
    width = WIDTH / 2 - 5
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width, 4.2, label, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.multi_cell(width, 5.2, party.name, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 8.5)
    for line in party.lines:
        pdf.multi_cell(width, 4.2, line, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _table(pdf: FPDF, document: Document) -> None:
    """The rows; a row that does not fit goes to a new page under the heading again."""
    _table_heading(pdf, document.columns)
    pdf.set_auto_page_break(False, margin=BOTTOM)  # rows break by themselves, whole
    for row in document.rows:
        pdf.set_font(FAMILY, "", 9)
        lines = _lines(pdf, COLUMN_WIDTHS[0], row.description)
        if len(lines) > MAX_ROW_LINES:
            lines = [*lines[:MAX_ROW_LINES - 1], lines[MAX_ROW_LINES - 1].rstrip() + " …"]
        height = len(lines) * LINE + 2
        if pdf.y + height > pdf.page_break_trigger:
            pdf.add_page()
            _table_heading(pdf, document.columns)
            pdf.set_font(FAMILY, "", 9)
        _row(pdf, row, lines, height)
    pdf.set_auto_page_break(True, margin=BOTTOM)


def _table_heading(pdf: FPDF, columns: tuple[str, str, str, str]) -> None:
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.set_fill_color(*SHADE)
    for index, (width, heading) in enumerate(zip(COLUMN_WIDTHS, columns, strict=True)):
        _fitted_cell(pdf, width, 7, heading, align=Align.L if index == 0 else Align.R,
                     fill=True)
    pdf.ln(7)


def _row(pdf: FPDF, row: Row, lines: list[str], height: float) -> None:
    top = pdf.y
    pdf.set_y(top + 1)
    for line in lines:
        pdf.cell(COLUMN_WIDTHS[0], LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(MARGIN + COLUMN_WIDTHS[0], top + 1)
    quantity = "" if row.quantity is None else i18n.format_number(row.quantity)
    unit = "" if row.unit_price is None else i18n.format_idr(row.unit_price)
    for width, text in zip(COLUMN_WIDTHS[1:], (quantity, unit, i18n.format_idr(row.amount)),
                           strict=True):
        _fitted_cell(pdf, width, LINE, text, align=Align.R)
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, top + height, MARGIN + WIDTH, top + height)
    pdf.set_xy(MARGIN, top + height)


def _total(pdf: FPDF, document: Document) -> None:
    """The total under the amounts, then the amount in words."""
    if pdf.y + 22 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(FAMILY, "B", 10.5)
    _fitted_cell(pdf, WIDTH - COLUMN_WIDTHS[3], 7, document.total_label, align=Align.R)
    _fitted_cell(pdf, COLUMN_WIDTHS[3], 7, i18n.format_idr(document.total), align=Align.R,
                 fill=True)
    pdf.ln(9)
    if document.words:
        pdf.set_font(FAMILY, "", 9)
        pdf.set_fill_color(*SHADE)
        pdf.multi_cell(WIDTH, 5, document.words, align=Align.L, fill=True, padding=(1, 2),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def _notes(pdf: FPDF, notes: tuple[str, ...]) -> None:
    pdf.set_font(FAMILY, "", 8.5)
    for note in notes:
        pdf.multi_cell(WIDTH, 4.3, note, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)


def _closing(pdf: FPDF, document: Document) -> None:
    """The bottom band: QR code on the left, the stamp in the middle, the signature right."""
    if not (document.qr_payload or document.stamp or document.signature_label):
        return
    if pdf.y + QR_SIZE + 12 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.y + 3
    if document.qr_payload:
        _qr(pdf, document.qr_payload, MARGIN, top)
        pdf.set_font(FAMILY, "", 7.5)
        pdf.set_xy(MARGIN, top + QR_SIZE)
        pdf.multi_cell(QR_SIZE + 20, 3.4, document.qr_caption, align=Align.L)
    if document.stamp:
        # centred between the QR code and its caption (left) and the signature (right)
        _stamp(pdf, document.stamp, (MARGIN + QR_SIZE + 20 + MARGIN + WIDTH - SIGNATURE_WIDTH) / 2,
               top + QR_SIZE / 2)
    if document.signature_label:
        _signature(pdf, document, MARGIN + WIDTH - SIGNATURE_WIDTH, top)


def _qr(pdf: FPDF, payload: str, x: float, y: float) -> None:
    """The code as one filled path of rectangles, a run of dark modules each: vector and
    crisp when printed, and no hairlines between rows (one fill, not one per module). The
    mask is fixed (``fast``): segno would spend more time choosing one than the whole page."""
    matrix = qr.make(payload, fast=True).matrix
    module = QR_SIZE / (len(matrix) + 2 * qr.QUIET_ZONE)
    left, top = x + qr.QUIET_ZONE * module, y + qr.QUIET_ZONE * module
    path = PaintedPath()
    path.style.paint_rule = PathPaintRule.FILL_NONZERO
    path.style.fill_color = qr.DARK
    for row_index, row in enumerate(matrix):
        column = 0
        for dark, run in itertools.groupby(row):
            width = len(list(run))
            if dark:
                path.rectangle(left + column * module, top + row_index * module,
                               width * module, module)
            column += width
    with pdf.drawing_context() as context:
        context.add_item(path, clone=False)  # built here, never changed again: no copy


def _stamp(pdf: FPDF, text: str, x: float, y: float) -> None:
    """A rubber stamp: the status in a box, tilted, in red ink."""
    pdf.set_font(FAMILY, "B", 22)
    width = min(pdf.get_string_width(text) + 10, STAMP_WIDTH)
    with pdf.rotation(12, x, y), pdf.local_context(fill_opacity=0.85, stroke_opacity=0.85):
        pdf.set_draw_color(*STAMP_INK)
        pdf.set_text_color(*STAMP_INK)
        pdf.set_line_width(0.9)
        pdf.rect(x - width / 2, y - 7, width, 14, style="D", round_corners=True,
                 corner_radius=2)
        pdf.set_xy(x - width / 2, y - 7)
        _fitted_cell(pdf, width, 14, text, align=Align.C)
    pdf.set_text_color(*INK)
    pdf.set_line_width(0.2)


def _signature(pdf: FPDF, document: Document, x: float, y: float) -> None:
    pdf.set_xy(x, y)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.multi_cell(SIGNATURE_WIDTH, 4.3, document.signature_label, align=Align.C,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    line_y = pdf.y + 20
    pdf.set_draw_color(*INK)
    pdf.line(x + 4, line_y, x + SIGNATURE_WIDTH - 4, line_y)
    pdf.set_xy(x, line_y + 1)
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.multi_cell(SIGNATURE_WIDTH, 4.3, document.seller.name, align=Align.C)


# ---- helpers --------------------------------------------------------------------------------

def _lines(pdf: FPDF, width: float, text: str) -> list[str]:
    """``text`` wrapped to ``width`` in the current font (words longer than a line break)."""
    lines = pdf.multi_cell(width, LINE, text, align=Align.L, dry_run=True, output="LINES")
    return cast(list[str], lines) or [""]


def _fitted_cell(pdf: FPDF, width: float, height: float, text: str, **kwargs: Any) -> None:
    """One line in ``width``, the font made smaller when the text would overflow (a total
    of trillions, a long heading) rather than running into the next column."""
    size = original = pdf.font_size_pt
    room = width - 2 * pdf.c_margin
    while size > 5 and pdf.get_string_width(text) > room:
        size -= 0.5
        pdf.set_font_size(size)
    pdf.cell(width, height, text, **kwargs)
    if size != original:
        pdf.set_font_size(original)
