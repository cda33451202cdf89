"""The document routes through the ASGI app: PDFs and print pages for the exhibitor who owns
the invoice and for the committee, 404 for anyone else's (and for an exhibitor's draft), 403
for gate staff, and the public check page a document's QR code opens.

These routes take no form input: a malformed id does not match the route (404) and a bad
token is the 404 page, so there is no 422 case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role, User
from expo.events.models import Event
from expo.payments import documents, invoices, service
from expo.payments.models import CreditNote, FeePolicy, Invoice, Method, Payment
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_user
from tests.payments.factories import Stand, fee_event, held_stand, issued_invoice
from tests.payments.test_pdf import _text


@dataclass
class World:
    event: Event
    owner: Stand
    stranger: Stand
    committee: User
    gate: User
    invoice: Invoice
    payment: Payment
    note: CreditNote

    @property
    def base(self) -> str:
        return f"/manage/e/{self.event.slug}"


@pytest.fixture
async def world(db: str) -> World:
    event = await fee_event()
    owner, stranger = await held_stand(event), await held_stand(event, code="B")
    committee = await make_user(event=event, role=Role.COMMITTEE)
    gate = await make_user(event=event, role=Role.GATE)
    invoice = await issued_invoice(owner)
    await issued_invoice(stranger)
    note = await invoices.credit(invoice=invoice, amount=10_000, reason="Stan lebih kecil",
                                 by=committee)
    invoice = await Invoice.get(id=invoice.id)
    payment = await service.record(invoice=invoice, method=Method.CASH, amount=invoice.balance,
                                   paid_on=invoices.today(event), reference="Meja panitia",
                                   by=committee)
    return World(event, owner, stranger, committee, gate, await Invoice.get(id=invoice.id),
                 payment, note)


async def _login(client, user: User) -> None:  # type: ignore[no-untyped-def]
    """Sign in as ``user`` (a fresh browser: the last user's cookies are dropped)."""
    client.cookies.clear()
    await client.login(user.email, PASSWORD)


def _pdf_text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(_text(response.content))


async def test_owner_and_committee_download_the_invoice_pdf(client, world: World) -> None:  # type: ignore[no-untyped-def]
    url = f"{world.base}/invoices/{world.invoice.id}.pdf"
    for user in (world.owner.user, world.committee):
        await _login(client, user)
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == (
            'attachment; filename="INV-HKN2027-0001.pdf"')
        assert response.headers["cache-control"] == "private, no-store"
        assert "INV/HKN2027/0001" in _pdf_text(response) and "LUNAS" in _pdf_text(response)


async def test_another_exhibitor_gets_404_and_gate_staff_403(client, world: World) -> None:  # type: ignore[no-untyped-def]
    paths = (f"/invoices/{world.invoice.id}.pdf", f"/invoices/{world.invoice.id}/print",
             f"/receipts/{world.payment.id}.pdf", f"/receipts/{world.payment.id}/print",
             f"/credit-notes/{world.note.id}.pdf")
    await _login(client, world.stranger.user)
    for path in paths:
        assert (await client.get(world.base + path)).status_code == 404, path
    await _login(client, world.gate)
    for path in paths:
        assert (await client.get(world.base + path)).status_code == 403, path


async def test_another_events_documents_are_404_for_its_committee(client, world: World) -> None:  # type: ignore[no-untyped-def]
    other = await fee_event()
    await FeePolicy.filter(event_id=other.id).update(prefix="OTHER")
    other_committee = await make_user(event=other, role=Role.COMMITTEE)
    await _login(client, other_committee)
    base = f"/manage/e/{other.slug}"
    for path in (f"/invoices/{world.invoice.id}.pdf", f"/receipts/{world.payment.id}.pdf",
                 f"/credit-notes/{world.note.id}.pdf", "/invoices/999999.pdf"):
        assert (await client.get(base + path)).status_code == 404, path


async def test_a_draft_is_404_for_the_exhibitor_and_a_preview_for_the_committee(client) -> None:  # type: ignore[no-untyped-def]
    event = await fee_event(auto_issue=False)
    stand = await held_stand(event)
    draft = await issued_invoice(stand)
    committee = await make_user(event=event, role=Role.COMMITTEE)
    url = f"/manage/e/{event.slug}/invoices/{draft.id}.pdf"
    await _login(client, stand.user)
    assert (await client.get(url)).status_code == 404
    await _login(client, committee)
    response = await client.get(url)
    assert response.status_code == 200 and "DRAF" in _pdf_text(response)
    assert f'filename="Draf-{draft.id}.pdf"' in response.headers["content-disposition"]


async def test_receipt_and_credit_note_pdfs(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await _login(client, world.owner.user)
    receipt = await client.get(f"{world.base}/receipts/{world.payment.id}.pdf")
    assert receipt.status_code == 200 and "KWITANSI" in _pdf_text(receipt)
    assert 'filename="KW-HKN2027-0001.pdf"' in receipt.headers["content-disposition"]
    note = await client.get(f"{world.base}/credit-notes/{world.note.id}.pdf")
    assert note.status_code == 200 and "NOTA KREDIT" in _pdf_text(note)
    assert 'filename="NK-HKN2027-0001.pdf"' in note.headers["content-disposition"]


async def test_a_payment_waiting_for_verification_has_no_receipt(client, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    invoice = await Invoice.get(application_id=world.stranger.application.id)
    pending = await service.submit_proof(
        invoice=invoice, data=b"\x89PNG\r\n\x1a\n" + b"\0" * 64, amount=invoice.balance,
        paid_on=invoices.today(world.event), note="", by=world.stranger.user,
        uploads_dir=tmp_path)
    await _login(client, world.committee)
    assert (await client.get(f"{world.base}/receipts/{pending.id}.pdf")).status_code == 404


async def test_print_pages_are_a4_with_a_print_button_and_the_qr_code(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await _login(client, world.owner.user)
    for path, kind in ((f"/invoices/{world.invoice.id}/print", "invoice"),
                       (f"/receipts/{world.payment.id}/print", "receipt")):
        response = await client.get(world.base + path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        page = BeautifulSoup(response.text, "html.parser")
        assert page.select_one(f"article.sheet[data-kind='{kind}']")
        assert page.select_one("svg.qr-code") and page.select_one("button[onclick]")
        assert not page.select_one("nav") and "size: A4" in response.text
    page = BeautifulSoup((await client.get(
        f"{world.base}/receipts/{world.payment.id}/print")).text, "html.parser")
    assert "KW/HKN2027/0001" in page.text and "Bendahara Panitia" in page.text


async def _check_url(world: World) -> str:
    verifier = documents.Verifier("http://testserver", (TEST_SECRET,))
    document = await documents.invoice_document(world.invoice, verifier=verifier)
    return document.qr_payload.removeprefix("http://testserver")


async def test_check_page_shows_the_document_without_personal_data(client, world: World) -> None:  # type: ignore[no-untyped-def]
    url = await _check_url(world)
    response = await client.get(url)
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    fields = {str(dd["data-field"]): dd.text for dd in page.select("dd[data-field]")}
    assert fields["number"] == "INV/HKN2027/0001" and fields["kind"] == "Invoice"
    assert fields["buyer"] == world.invoice.buyer_name and fields["amount"].startswith("Rp ")
    for private in (world.invoice.buyer_phone, world.invoice.buyer_email,
                    world.invoice.buyer_owner):
        assert private and private not in response.text
    assert response.headers["x-robots-tag"] == "noindex"


async def test_a_forged_code_is_the_404_page_in_the_readers_language(client, world: World) -> None:  # type: ignore[no-untyped-def]
    url = await _check_url(world)
    forged = url[:-3] + ("abc" if not url.endswith("abc") else "xyz")
    response = await client.get(forged)
    assert response.status_code == 404 and "Kode ini bukan milik dokumen" in response.text
    client.cookies.set("expo_lang", "en")
    response = await client.get(forged)
    assert response.status_code == 404 and "does not belong to a document" in response.text
    other = await fee_event()
    assert (await client.get(url.replace(world.event.slug, other.slug))).status_code == 404
