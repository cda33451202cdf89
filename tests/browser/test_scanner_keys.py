"""The gate scanner and per-event ticket keys, in Chromium: the committee rotates the key on
the Gate setup page; offline, the scanner checks tickets signed with the old key, the new one
(once its bundle has it) and the legacy key, each picked by the key id the code carries."""

from __future__ import annotations

import base64

from expo.visitors import codes
from tests.browser.conftest import login
from tests.browser.test_visitors_scanner import (
    SLUG,
    api,
    forge,
    kiosk_token,
    new_tickets,
    open_scanner,
    scan,
    scanner_messages,
)


def legacy_code(live_server, token: str, code: str) -> str:  # type: ignore[no-untyped-def]
    """The same ticket in the format made before per-event keys: signed with the legacy key
    (derived from the server's secret). Its ticket key is read as a scanner reads a code."""
    event_id, key_id = codes.header(code)
    public = next(k["public_key"] for k in api(live_server, token, "/offline")["keys"]
                  if k["id"] == key_id)
    ticket = codes.verify_with_public_key(public_raw=base64.b64decode(public), code=code)
    return codes.make_code(signer=codes.signer_for(live_server.env["EXPO_SECRET_KEY"]),
                           event_id=event_id, key=ticket.key)


def rotate(browser, live_server) -> str:  # type: ignore[no-untyped-def]
    """The committee rotates the key on the Gate setup page; the new key's id."""
    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "panitia@expo.test")
        page.goto(f"/manage/e/{SLUG}/gates")
        page.check("#ticket-key-rotate input[name=confirm_rotation]")
        with page.expect_navigation():
            page.click("#ticket-key-rotate button[type=submit]")
        return str(page.locator("#ticket-keys tr:has(.badge-ok)").get_attribute("data-key"))
    finally:
        context.close()


def test_scanner_checks_old_new_and_legacy_keys_offline(page, browser, live_server):
    kiosk = kiosk_token(live_server)
    before, legacy_source = new_tickets(live_server, kiosk, "Kunci Lama", "Kunci Warisan")
    legacy = legacy_code(live_server, kiosk, legacy_source)
    assert len(legacy) == codes.LEGACY_CODE_LENGTH
    open_scanner(page, live_server)
    messages = scanner_messages(page)
    accepted = ("offline", f"{messages['offline_ok']} · {messages['queued']}")
    page.wait_for_function("document.body.dataset.offlineReady === '1'")

    new_key = rotate(browser, live_server)
    after, later = new_tickets(live_server, kiosk, "Kunci Baru", "Kunci Baru Lagi")
    assert codes.header(after)[1] == new_key != codes.header(before)[1]

    # This scanner's bundle is from before the rotation: it does not know the new key yet.
    page.context.set_offline(True)
    assert scan(page, after) == ("bad", messages["invalid"])
    assert scan(page, before) == accepted
    assert page.locator("#answer").get_attribute("data-check") == "verified"
    assert scan(page, legacy) == accepted

    # Online again, it re-reads the bundle at once: now the new key verifies offline too.
    bundle_at = page.evaluate("document.body.dataset.bundleAt || ''")
    page.context.set_offline(False)
    page.wait_for_function("before => (document.body.dataset.bundleAt || '') > before",
                           arg=bundle_at)
    page.context.set_offline(True)
    assert scan(page, later) == accepted
    assert page.locator("#answer").get_attribute("data-check") == "verified"
    assert scan(page, forge(after)) == ("bad", messages["invalid"])
