"""The booth fee, paid by bank transfer: a producer confirms its booth on a phone, opens the
invoice it made, transfers the unique amount and sends the proof; the committee imports the
bank's statement, sees expo match the credit to the invoice, records it (a receipt number),
and clears the now redundant proof from its queue; the producer sees the invoice paid and
downloads the receipt as a PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.conftest import LiveServer, login
from tests.browser.payments_fixtures import (
    EVENT,
    bca_statement,
    exhibitor_to_confirm,
    proof_png,
    rupiah,
)

T = 10_000
PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
INVOICE_NUMBER = re.compile(r"INV/HKN2027/\d{4}")
RECEIPT_NUMBER = re.compile(r"^KW/HKN2027/\d{4}$")
BOOTH_AND_DEPOSIT = 350_000 + 100_000  # the demo's booth price and deposit


def _context(browser: Browser, live_server: LiveServer, viewport: ViewportSize) -> BrowserContext:
    context = browser.new_context(viewport=viewport, base_url=live_server.url,
                                  accept_downloads=True)
    context.set_default_timeout(T)
    return context


def _no_sideways_scroll(page: Page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways on a phone: {scroll} > {inner} px"


def test_producer_pays_by_transfer_and_committee_matches_the_statement(
        browser: Browser, live_server: LiveServer, tmp_path: Path) -> None:
    phone = _context(browser, live_server, PHONE)
    laptop = _context(browser, live_server, LAPTOP)
    try:
        producer = phone.new_page()
        exhibitor_to_confirm(producer)  # signed in, on My booth
        business = producer.locator("#business-name").inner_text().strip()
        booth = producer.locator("#my-booth")
        booth.locator("form[action$='/confirm'] button").click()
        expect(booth.locator(".badge-success")).to_be_visible()

        # Confirming made the invoice: My booth says so and leads to it.
        note = producer.locator("#note-invoice")
        expect(note).to_contain_text(INVOICE_NUMBER)
        note_text = note.inner_text()
        found = INVOICE_NUMBER.search(note_text)
        assert found, note_text
        number = found.group(0)
        note.locator("a").click()
        producer.wait_for_url(f"**{EVENT}/invoice")
        invoice = producer.locator("#invoice")
        expect(invoice).to_have_attribute("data-status", "issued")
        expect(invoice).to_have_attribute("data-number", number)
        unique = producer.locator("[data-testid=unique-amount]")
        amount = int(unique.get_attribute("data-amount") or 0)
        assert BOOTH_AND_DEPOSIT < amount < BOOTH_AND_DEPOSIT + 1000  # plus its unique code
        expect(unique).to_have_text(rupiah(amount))
        assert rupiah(amount) in note_text
        expect(producer.locator("[data-testid=bank-account]")).to_contain_text(number)
        _no_sideways_scroll(producer)

        # The producer transferred and sends the photo of the receipt, typing the amount
        # the way it is printed on it.
        producer.set_input_files("#f-proof", str(proof_png(tmp_path / "bukti-transfer.png")))
        producer.fill("#f-amount", rupiah(amount))
        producer.fill("#f-note", "Transfer dari BCA")
        producer.click("#proof-form button[type=submit]")
        expect(producer.locator(".flash-success")).to_be_visible()
        pending = producer.locator("#payments tr[data-state=pending]")
        expect(pending).to_have_count(1)
        expect(pending).to_contain_text(rupiah(amount))
        expect(invoice).to_have_attribute("data-status", "issued")

        # The committee finds the proof waiting, but checks the bank's statement instead.
        committee = laptop.new_page()
        login(committee, "panitia@expo.test")
        committee.goto(EVENT + "/payments")
        proof_row = committee.locator("[data-testid=queue] tbody tr", has_text=number)
        expect(proof_row).to_have_count(1)
        committee.click(f"p.actions a[href='{EVENT}/payments/statements']")
        committee.wait_for_url(f"**{EVENT}/payments/statements")
        today = dt.datetime.now(ZoneInfo("Asia/Makassar")).date()  # the fair's own day
        statement = bca_statement(tmp_path / "mutasi-bca.csv", day=today, amount=amount,
                                  sender=business)
        committee.set_input_files("#f-file", str(statement))
        committee.click("#upload-form button[type=submit]")

        mapping = committee.locator("#mapping-form")  # expo recognised BCA's columns
        expect(mapping.locator("select[name=date]")).to_have_value("Tanggal")
        expect(mapping.locator("select[name=description]")).to_have_value("Keterangan")
        expect(mapping.locator("select[name=amount]")).to_have_value("Jumlah")
        expect(mapping.locator("select[name=kind]")).to_have_value("(E)")
        expect(mapping.locator("input[name=default_year]")).to_have_value(str(today.year))
        preview = committee.locator("[data-testid=preview] tbody tr")
        expect(preview).to_have_count(1)  # the preamble and the balances are not credits
        expect(preview).to_contain_text("TRSF E-BANKING CR")
        mapping.locator("button[type=submit]").click()

        committee.wait_for_url(re.compile(r"/payments/statements/\d+$"))
        line = committee.locator("[data-testid=lines] tbody tr")
        expect(line).to_have_count(1)
        expect(line).to_have_attribute("data-confidence", "exact")
        expect(line.locator("input[type=checkbox]")).to_be_checked()
        expect(line).to_contain_text(number)
        expect(line).to_contain_text(rupiah(amount))
        committee.click("[data-testid=confirm]")
        recorded = committee.locator("#result [data-testid=recorded] tbody tr")
        expect(recorded).to_have_count(1)
        expect(recorded).to_contain_text(number)
        receipt = recorded.locator("[data-testid=receipt]")
        expect(receipt).to_have_text(RECEIPT_NUMBER)
        receipt_number = receipt.inner_text().strip()

        # The proof was the same money: it left the queue when the invoice was paid.
        committee.goto(EVENT + "/payments")
        expect(proof_row).to_have_count(0)
        paid_row = committee.locator("[data-testid=invoices] tbody tr", has_text=number)
        expect(paid_row).to_have_attribute("data-status", "paid")

        # The producer sees the invoice paid and keeps the receipt.
        producer.reload()
        expect(invoice).to_have_attribute("data-status", "paid")
        expect(producer.locator("#pay-transfer")).to_have_count(0)
        expect(producer.locator("#payments tr[data-state=superseded]")).to_contain_text(
            receipt_number)
        link = producer.locator("[data-testid=receipt-pdf]")
        expect(link).to_have_count(1)
        expect(link).to_contain_text(receipt_number)
        _no_sideways_scroll(producer)
        with producer.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == receipt_number.replace("/", "-") + ".pdf"
        assert Path(download.path()).read_bytes().startswith(b"%PDF")
    finally:
        laptop.close()
        phone.close()
