"""Procurement, end to end on the demo: an agency officer searches the catalogue for 2,000
jars of nastar by a date and asks for a seminar-kit bundle; the producers expo proposes get a
link by WhatsApp and quote on a phone; the officer orders, receives a partial delivery and then
the rest, prints the BAST and records the payment; the trade office's report shows the spend.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.conftest import LiveServer, login, wait_for_messages
from tests.shared.loopback_http import LoopbackHTTP

T = 10_000
PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
OFFICER = "bapenda@expo.test"  # Bapenda Kota Balikpapan: its orders need no approval
OFFICE = "panitia@expo.test"
LINK = re.compile(r"https?://\S+/q/[A-Za-z0-9_-]+")
ORDER_NUMBER = re.compile(r"SP/\d{4}/\d{4}")


def _context(browser: Browser, live_server: LiveServer, viewport: ViewportSize) -> BrowserContext:
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    context.set_default_timeout(T)
    return context


def _no_sideways_scroll(page: Page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways on a phone: {scroll} > {inner} px"


def _spend(page: Page) -> int:
    page.goto("/procurement/office/reports")
    return int(page.locator("[data-testid=spend]").get_attribute("data-value") or 0)


def _quote_on_phone(phone: BrowserContext, link: str, delivery_on: dt.date) -> None:
    producer = phone.new_page()
    producer.goto(link)
    expect(producer.locator("#ask")).to_be_visible()
    _no_sideways_scroll(producer)
    asked = int(producer.locator("#f-quantity").input_value())
    assert asked > 0
    price = producer.locator("#f-unit_price")
    price.fill("Rp " + f"{int(price.input_value() or 50_000):,}".replace(",", "."))
    producer.fill("#f-delivery_on", delivery_on.isoformat())
    producer.locator("#answer button[type=submit]").click()
    expect(producer.locator("#thanks")).to_be_visible()
    producer.close()


def _receive(officer: Page, share: float) -> None:
    """Record a delivery of ``share`` of what each line still owes (the rest when 1)."""
    officer.locator("#receive-link").click()
    officer.wait_for_url("**/receive**")
    officer.fill("#f-receiver_name", "Andi, staf umum Bapenda")
    for fieldset in officer.locator("fieldset.receive-line").all():
        line = fieldset.get_attribute("data-line")
        owed = int(re.sub(r"\D", "", fieldset.locator("legend").inner_text().split("·")[1]
                          .split()[0]))
        officer.fill(f"#f-received_{line}", str(max(int(owed * share), 1)))
    officer.locator("#receive-form button[type=submit]").click()
    officer.wait_for_url(re.compile(r".*/procurement/orders/\d+$"))


def test_agency_buys_a_seminar_kit_from_local_producers(
        browser: Browser, live_server: LiveServer, gateway: LoopbackHTTP) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Makassar")).date()
    needed_by = today + dt.timedelta(days=60)
    laptop = _context(browser, live_server, LAPTOP)
    office_context = _context(browser, live_server, LAPTOP)
    phone = _context(browser, live_server, PHONE)
    try:
        office = office_context.new_page()
        login(office, OFFICE)
        spend_before = _spend(office)

        # The officer searches the catalogue: who can deliver 2,000 jars of nastar by then?
        officer = laptop.new_page()
        login(officer, OFFICER)
        officer.goto(f"/katalog?q=nastar&quantity=2000&needed_by={needed_by.isoformat()}")
        hits = officer.locator(".cat-item")
        expect(hits.first).to_be_visible()
        expect(hits.first.locator(".cat-spare")).to_be_visible()
        first = hits.first
        first.locator(".button-row a").first.click()  # "Ask for a quote"
        officer.wait_for_url("**/procurement/requests/new**")
        expect(officer.locator("#f-quantity_0")).to_have_value("2000")
        expect(officer.locator("#f-needed_by_0")).to_have_value(needed_by.isoformat())

        # ... and makes it a seminar kit: the nastar, and 300 batik tote bags.
        officer.fill("#f-title", "Paket seminar UMKM Balikpapan")
        officer.fill("#f-delivery_address", "Kantor Bapenda, Jl. Jenderal Sudirman, Balikpapan")
        officer.fill("#f-name_1", "Tas jinjing batik")
        officer.fill("#f-quantity_1", "300")
        officer.fill("#f-unit_1", "buah")
        officer.fill("#f-needed_by_1", needed_by.isoformat())
        officer.locator("#request-form button[type=submit]:not([name=more])").click()
        officer.wait_for_url(re.compile(r".*/procurement/requests/\d+$"))
        request_url = officer.url
        proposed = officer.locator("table.req-split tr[data-quote]")
        expect(proposed.first).to_be_visible()
        officer.locator("#send").click()
        number = officer.locator("#request-number").inner_text().strip()
        assert number.startswith("RFQ/")

        # Each proposed producer gets the link by WhatsApp; two of them quote on a phone.
        invited = proposed.count()
        messages = wait_for_messages(
            gateway, lambda r: number in r.form.get("message", "") and "/q/" in
            r.form.get("message", ""), count=min(invited, 2))
        links = list(dict.fromkeys(LINK.search(m.form["message"]).group(0)  # type: ignore[union-attr]
                                   for m in messages))
        assert len(links) >= 2, links
        for link in links[:2]:
            _quote_on_phone(phone, link, needed_by - dt.timedelta(days=3))

        # The officer orders the quoted quantities: one Surat Pesanan per producer.
        officer.goto(request_url)
        award = officer.locator("#award")
        expect(award).to_be_visible()
        award.locator("button[type=submit]").click()
        officer.goto(request_url)
        orders = officer.locator("#request-orders li[data-order]")
        expect(orders).to_have_count(2)
        expect(orders.first).to_contain_text(ORDER_NUMBER)
        totals = 0
        for row in orders.all():
            totals += int(re.sub(r"\D", "", row.inner_text().rsplit("·", 1)[1]))
        orders.first.locator("a").click()
        officer.wait_for_url(re.compile(r".*/procurement/orders/\d+$"))
        head = officer.locator("#order")
        expect(head).to_have_attribute("data-status", "issued")
        expect(head).to_have_attribute("data-number", ORDER_NUMBER)

        # A partial delivery, then the rest; each has its BAST.
        _receive(officer, 0.5)
        expect(head).to_have_attribute("data-status", "partial")
        _receive(officer, 1)
        expect(head).to_have_attribute("data-status", "delivered")
        deliveries = officer.locator("#deliveries article.delivery[data-status=received]")
        expect(deliveries).to_have_count(2)
        officer.locator("#deliveries a", has_text=re.compile("BAST", re.I)).nth(1).click()
        expect(officer.locator("body")).to_contain_text(re.compile(r"BAST/\d{4}/\d{4}"))
        expect(officer.locator("body")).to_contain_text("PIHAK PERTAMA", ignore_case=True)
        officer.go_back()

        # The producer's invoice and the agency's payment.
        billing = officer.locator("#billing")
        billing.locator("summary").first.click()
        invoiceable = billing.locator("#invoice-form .help").first.inner_text()
        amount = int(re.sub(r"\D", "", invoiceable.split(",")[0]))
        assert amount > 0
        officer.fill("#invoice-form #f-number", "INV/NSTR/2026/017")
        officer.fill("#invoice-form #f-amount", f"Rp {amount:,}".replace(",", "."))
        officer.fill("#invoice-form #f-issued_on", today.isoformat())
        officer.locator("#invoice-form button[type=submit]").click()
        expect(officer.locator("#invoices")).to_contain_text("INV/NSTR/2026/017")
        expect(officer.locator("[data-testid=balance]")).to_contain_text(
            f"{amount:,}".replace(",", "."))
        officer.locator("#billing summary").last.click()
        officer.fill("#payment-form #f-amount", str(amount))
        officer.select_option("#payment-form #f-method", "transfer")
        officer.fill("#payment-form #f-paid_on", today.isoformat())
        officer.fill("#payment-form #f-reference", "SP2D 00123/BPD/2026")
        officer.locator("#payment-form button[type=submit]").click()
        expect(officer.locator("[data-testid=paid]")).to_contain_text(
            f"{amount:,}".replace(",", "."))
        expect(officer.locator("#payments")).to_contain_text("SP2D 00123/BPD/2026")

        # The trade office's report counts what Bapenda ordered from local producers.
        assert _spend(office) - spend_before == totals
        expect(office.locator("#per-organisation")).to_contain_text("Kota Balikpapan")
    finally:
        laptop.close()
        office_context.close()
        phone.close()
