"""A committee member writes to every accepted exhibitor: opens the broadcast page from the
event's tabs, previews the group, sends, and sees the broadcast listed with its recipients;
the live server's job worker fans it out and the WhatsApp gateway (a loopback server) receives
one message per exhibitor, with the opt-out link, and the page counts them sent.
"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.conftest import login, wait_for_messages

T = 15_000
EVENT = "/manage/e/hkn2027"
SUBJECT = "Jadwal loading barang"
TEXT = "Stan bisa diisi mulai Senin pukul 07.00. Bawa kartu peserta Anda."


def test_committee_broadcasts_to_all_exhibitors(browser, live_server, gateway) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url)
    context.set_default_timeout(T)
    page = context.new_page()
    try:
        login(page, "panitia@expo.test")
        page.goto(EVENT)
        page.click("nav.tabs .phases a:has-text('Masa pendaftaran')")  # the registration phase's tabs
        page.click(f"nav.tabs a[href='{EVENT}/broadcast']")
        page.wait_for_url(f"**{EVENT}/broadcast")
        expect(page.locator("#f-status")).to_have_value("accepted")  # all accepted exhibitors
        page.fill("#f-subject", SUBJECT)
        page.fill("#f-text", TEXT)
        page.click("button[value=preview]")
        preview = page.locator("[data-testid=preview]")
        expect(preview.locator(".message-sample")).to_contain_text(TEXT)
        count = int(preview.get_attribute("data-count") or 0)
        on_whatsapp = int(preview.get_attribute("data-whatsapp") or 0)
        by_email = int(preview.get_attribute("data-email") or 0)
        assert count >= 5 and on_whatsapp == count and by_email == count  # the demo's exhibitors
        expect(page.locator("#f-text")).to_have_value(TEXT)  # the draft is kept

        page.click("[data-testid=send]")
        expect(page.locator(".flash-success")).to_contain_text(str(count))
        row = page.locator("[data-testid=broadcasts] tbody tr", has_text=SUBJECT)
        expect(row.locator("[data-testid=recipients]")).to_have_text(str(count))

        # The worker (in the server) fans the broadcast out and sends each message.
        ours = wait_for_messages(gateway, lambda r: SUBJECT in r.form.get("message", ""),
                                 count=on_whatsapp)
        assert len(ours) == on_whatsapp
        assert len({r.form.get("target") for r in ours}) == on_whatsapp  # one per exhibitor
        assert all(TEXT in r.form.get("message", "") for r in ours)
        assert all("/berhenti/" in r.form.get("message", "") for r in ours)  # the opt-out link

        row = page.locator("[data-testid=broadcasts] tbody tr", has_text=SUBJECT)
        deadline = time.monotonic() + 15
        while True:  # the last answers are recorded a moment after the gateway got them
            page.reload()
            if (row.locator("[data-testid=sent]").inner_text() == str(on_whatsapp)
                    or time.monotonic() > deadline):
                break
            time.sleep(0.1)
        expect(row.locator("[data-testid=sent]")).to_have_text(str(on_whatsapp))
        expect(row.locator("[data-testid=held]")).to_have_text(str(by_email))  # no SMTP here
        expect(row.locator("[data-testid=failed]")).to_have_text("0")
        row.locator("a", has_text=SUBJECT).click()
        expect(page.locator("[data-testid=messages] tbody tr")).to_have_count(count)
    finally:
        context.close()
