"""A visitor registers on a phone and gets the ticket by WhatsApp: the live server runs with a
WhatsApp gateway configured (a loopback HTTP server standing in for the rented gateway) and
its job worker in-process; the gateway receives the ticket message, and the link in it opens
the ticket with its QR code."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_messages
from tests.browser.test_visitors_journey import SLUG, _open_visitor_registration

LINK = re.compile(r"https?://\S+/t/[A-Za-z0-9_-]+")


def test_visitor_gets_the_ticket_by_whatsapp_and_opens_it(browser, live_server, gateway):  # type: ignore[no-untyped-def]
    _open_visitor_registration(browser, live_server)
    phone = browser.new_context(viewport={"width": 390, "height": 800},
                                base_url=live_server.url)
    phone.set_default_timeout(10_000)
    page = phone.new_page()
    try:
        page.goto(f"/e/{SLUG}/register")
        page.fill("#f-name", "Rina Wulandari")
        page.fill("#f-phone", "0812 5550 9911")
        page.select_option("#f-type", "umum")
        page.select_option("#f-kabupaten", "Kota Balikpapan")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/t/*")
        expect(page.get_by_test_id("ticket-delivery")).to_contain_text(
            "sudah kami kirim ke WhatsApp Anda")
        expect(page.get_by_test_id("whatsapp-not-set-up")).to_have_count(0)

        [message] = wait_for_messages(gateway, lambda r: r.form.get("target") == "6281255509911")
        assert message.path == "/send"
        text = message.form["message"]
        assert "Rina Wulandari" in text and "No. pengunjung" in text
        found = LINK.search(text)
        assert found, text
        link = found.group(0)
        assert link == page.url  # the ticket page the visitor was sent to

        # Later, on the phone: the link from WhatsApp opens the ticket and its QR code.
        phone.clear_cookies()
        page.goto(link)
        expect(page.locator(".ticket-name")).to_have_text("Rina Wulandari")
        expect(page.locator(".ticket-qr svg")).to_be_visible()
        assert page.request.get(link + "/qr.png").headers["content-type"] == "image/png"
    finally:
        phone.close()
