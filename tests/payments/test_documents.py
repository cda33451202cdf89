"""Booth-fee documents: what the invoice, the kwitansi, the proof of refund and the credit
note say (read back from the PDF), their stamps, and the signed token of their QR code."""

from __future__ import annotations

import re

import pytest

from expo import pdf
from expo.errors import NotFound
from expo.payments import documents, invoices, service
from expo.payments.documents import Verifier
from expo.payments.models import FeePolicy, Invoice, InvoiceStatus, LineKind, Method, Payment
from expo.words import rupiah_in_words
from tests.conftest import TEST_SECRET
from tests.factories import make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice
from tests.payments.test_pdf import _text

pytestmark = pytest.mark.usefixtures("db")

VERIFIER = Verifier("http://testserver", (TEST_SECRET,))


def text_of(data: bytes) -> str:
    """Every string the PDF shows, one space between them (wrapped lines joined again)."""
    return re.sub(r"\s+", " ", " ".join(_text(data)))


async def _paid(invoice: Invoice, method: Method = Method.TRANSFER) -> Payment:
    return await service.record(invoice=invoice, method=method, amount=invoice.balance,
                                paid_on=invoices.today(await invoice.event),
                                reference="BRI 0042", by=await make_user())


async def test_invoice_pdf_has_number_lines_words_and_how_to_pay() -> None:
    event = await fee_event()
    stand = await held_stand(event)
    invoice = await issued_invoice(stand)
    data = await documents.invoice_pdf(invoice, verifier=VERIFIER, locale="id")
    assert data.startswith(b"%PDF")
    text = text_of(data)
    assert "INVOICE" in text and "INV/HKN2027/0001" in text
    assert stand.booth.code in text and LineKind.CODE.label in text
    assert rupiah_in_words(invoice.total) in text and "Terbilang:" in text
    assert "Bankaltimtara" in text and "0011223344" in text
    amount = f"Rp {invoice.total:,}".replace(",", ".")
    assert f"Transfer tepat {amount}" in text
    assert f"Panitia {event.name}" in text and invoice.buyer_name in text
    assert "LUNAS" not in text
    assert await documents.invoice_pdf(invoice, verifier=VERIFIER, locale="id") == data


async def test_invoice_stamps_follow_the_status_in_the_readers_language() -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    await _paid(invoice)
    invoice = await Invoice.get(id=invoice.id)
    assert "LUNAS" in text_of(await documents.invoice_pdf(invoice, verifier=VERIFIER,
                                                          locale="id"))
    english = text_of(await documents.invoice_pdf(invoice, verifier=VERIFIER, locale="en"))
    assert "PAID" in english and rupiah_in_words(invoice.total, "en") in english
    cancelled = await issued_invoice(await held_stand(event, code="B"))
    cancelled = await invoices.cancel(invoice=cancelled, reason="Batal ikut",
                                      by=await make_user())
    assert "BATAL" in text_of(await documents.invoice_pdf(cancelled, verifier=VERIFIER,
                                                          locale="id"))


async def test_free_invoice_is_stamped_free_with_nothing_to_pay() -> None:
    event = await fee_event(free_max_area=9)
    invoice = await issued_invoice(await held_stand(event))
    assert invoice.status == InvoiceStatus.FREE
    text = text_of(await documents.invoice_pdf(invoice, verifier=VERIFIER, locale="id"))
    assert "GRATIS" in text and "Transfer tepat" not in text


async def test_draft_preview_is_stamped_draft_without_a_qr_code() -> None:
    event = await fee_event(auto_issue=False)
    invoice = await issued_invoice(await held_stand(event))
    assert invoice.status == InvoiceStatus.DRAFT
    document = await documents.invoice_document(invoice, verifier=VERIFIER, locale="id")
    assert document.stamp == "DRAF" and document.qr_payload == ""
    assert "DRAF" in text_of(pdf.render(document))


async def test_receipt_is_a_kwitansi_in_words_signed_by_the_treasurer() -> None:
    event = await fee_event()
    await FeePolicy.filter(event_id=event.id).update(treasurer="Hj. Siti Aminah")
    stand = await held_stand(event)
    invoice = await issued_invoice(stand)
    payment = await _paid(invoice)
    text = text_of(await documents.receipt_pdf(payment, verifier=VERIFIER, locale="id"))
    words = rupiah_in_words(payment.amount)
    assert "KWITANSI" in text and "KW/HKN2027/0001" in text
    assert (f"Telah terima dari {invoice.buyer_name} uang sejumlah {words} untuk pembayaran "
            f"invoice INV/HKN2027/0001, stan {stand.booth.code}") in text
    assert "Hj. Siti Aminah" in text and "BRI 0042" in text and Method.TRANSFER.label in text


async def test_receipt_signature_defaults_to_the_committee_treasurer() -> None:
    event = await fee_event()
    payment = await _paid(await issued_invoice(await held_stand(event)), Method.CASH)
    document = await documents.receipt_document(payment, verifier=VERIFIER, locale="id")
    assert document.signature_label == "Bendahara Panitia"
    assert document.created == payment.decided_at


async def test_refund_and_credit_note_documents() -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    await _paid(invoice)
    refund = await service.refund(invoice=await Invoice.get(id=invoice.id), amount=100_000,
                                  method=Method.TRANSFER, reference="TRF-9",
                                  reason="Stan digeser", by=await make_user())
    text = text_of(await documents.receipt_pdf(refund, verifier=VERIFIER, locale="id"))
    assert "BUKTI PENGEMBALIAN DANA" in text and "NK/HKN2027/0001" in text
    assert "Alasan: Stan digeser" in text and rupiah_in_words(100_000) in text
    note = await (await Invoice.get(id=invoice.id)).credit_notes.all().first()
    assert note is not None
    text = text_of(await documents.credit_pdf(note, verifier=VERIFIER, locale="id"))
    assert "NOTA KREDIT" in text and note.number in text and "Stan digeser" in text
    assert "INV/HKN2027/0001" in text and rupiah_in_words(100_000) in text


def test_token_round_trip_and_forgeries_refused() -> None:
    token = VERIFIER.token(documents.INVOICE, 12)
    assert VERIFIER.read(token) == documents.DocumentRef("inv", 12)
    payload, signature = token.rsplit(".", 1)
    forged_payload = VERIFIER.token(documents.INVOICE, 13).rsplit(".", 1)[0]
    assert VERIFIER.read(f"{forged_payload}.{signature}") is None
    assert VERIFIER.read(f"{payload}.{signature[:-2]}xx") is None
    assert VERIFIER.read("nonsense") is None and VERIFIER.read("") is None
    assert VERIFIER.read("a" * 500) is None
    other = Verifier("http://testserver", ("another-secret-of-someone-else-entirely",))
    assert other.read(token) is None and VERIFIER.read(other.token("kw", 1)) is None
    rotated = Verifier("http://testserver", ("the-new-secret-after-rotation-0123456789",
                                             TEST_SECRET))
    assert rotated.read(token) == documents.DocumentRef("inv", 12)
    with pytest.raises(ValueError):
        VERIFIER.token("xx", 1)


async def test_qr_code_opens_the_check_of_that_document_only() -> None:
    event = await fee_event()
    invoice = await issued_invoice(await held_stand(event))
    document = await documents.invoice_document(invoice, verifier=VERIFIER, locale="id")
    prefix = f"http://testserver/e/{event.slug}/cek/"
    assert document.qr_payload.startswith(prefix)
    token = document.qr_payload.removeprefix(prefix)
    checked = await documents.check(slug=event.slug, token=token, verifier=VERIFIER)
    assert (checked.number, checked.amount, checked.buyer) == (
        "INV/HKN2027/0001", invoice.total, invoice.buyer_name)
    other = await fee_event()
    with pytest.raises(NotFound):
        await documents.check(slug=other.slug, token=token, verifier=VERIFIER)
    with pytest.raises(NotFound):
        await documents.check(slug=event.slug, token=VERIFIER.token("inv", 999),
                              verifier=VERIFIER)
    with pytest.raises(NotFound):
        await documents.check(slug=event.slug, token=token[:-1] + ("B" if token.endswith("A") else "A"),
                              verifier=VERIFIER)


def test_file_name_keeps_only_safe_characters() -> None:
    document = pdf.Document(title="INVOICE", number="INV/HKN2027/0001", facts=(),
                            seller=pdf.Party("a"), buyer=pdf.Party("b"), seller_label="",
                            buyer_label="", columns=("", "", "", ""), rows=(), total_label="",
                            total=0)
    assert documents.file_name(document, "x") == "INV-HKN2027-0001.pdf"
