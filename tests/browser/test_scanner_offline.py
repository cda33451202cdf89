"""The gate scanner offline, in Chromium: on a browser whose WebCrypto has no Ed25519 (older
Android WebViews) tickets are still checked, by the vendored verifier; where even that cannot
load, scans are queued unchecked and the scanner says so; and "queued" is said only once the
scan is stored in IndexedDB."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_visitors_scanner import (
    forge,
    kiosk_token,
    new_tickets,
    open_scanner,
    queued,
    scan,
    scanner_messages,
)

# English until expo.visitors.checkin.scanner_messages() has them (static/js/scanner.js).
FALLBACK = {
    "offline_unchecked": "Offline check unavailable",
    "queued_unchecked": "queued, not checked",
    "check_unavailable": "This device cannot check tickets offline: tickets scanned offline "
                         "are queued unchecked and the server decides when they sync.",
}

# WebCrypto as on a browser without Ed25519: importing or using such a key is refused.
NO_ED25519 = """(() => {
  const subtle = crypto.subtle;
  const name = (alg) => String(typeof alg === "string" ? alg : alg && alg.name).toLowerCase();
  for (const [method, at] of [["importKey", 2], ["verify", 0], ["generateKey", 0]]) {
    const original = subtle[method].bind(subtle);
    subtle[method] = (...args) => name(args[at]) === "ed25519"
      ? Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"))
      : original(...args);
  }
})();"""

# IndexedDB that holds back the `complete` event of every read-write transaction until the
# test calls window.__releaseCommits().
HOLD_COMMITS = """(() => {
  const held = [];
  let holding = true;
  window.__heldCommits = () => held.length;
  window.__releaseCommits = () => { holding = false; held.splice(0).forEach((run) => run()); };
  const hold = (tx, fn) => (event) => {
    if (holding) { held.push(() => fn.call(tx, event)); } else { fn.call(tx, event); }
  };
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (...args) {
    const tx = transaction.apply(this, args);
    if (args[1] !== "readwrite") { return tx; }
    const listen = tx.addEventListener.bind(tx);
    tx.addEventListener = (type, fn, options) =>
      listen(type, type === "complete" ? hold(tx, fn) : fn, options);
    let handler = null;
    Object.defineProperty(tx, "oncomplete", { configurable: true, get: () => handler,
      set: (fn) => { handler = fn; listen("complete", hold(tx, fn)); } });
    return tx;
  };
})();"""


def test_scanner_checks_tickets_offline_without_ed25519_in_webcrypto(page, live_server):
    page.add_init_script(NO_ED25519)
    first, second = new_tickets(live_server, kiosk_token(live_server), "Luring Tanpa WebCrypto",
                                "Luring Dibuka Ulang")
    open_scanner(page, live_server)
    messages = scanner_messages(page)
    page.wait_for_function("document.body.dataset.offlineReady === '1'")
    page.context.set_offline(True)

    assert scan(page, first) == ("offline", f"{messages['offline_ok']} · {messages['queued']}")
    assert page.locator("#answer").get_attribute("data-check") == "verified"
    assert scan(page, forge(first)) == ("bad", messages["invalid"])
    assert [item["code"] for item in queued(page)] == [first]
    expect(page.locator("#check-notice")).to_be_hidden()

    # Reopened offline from the service worker's cache, the verifier comes from there too.
    page.reload()
    page.wait_for_function("document.body.dataset.ready === '1'")
    assert scan(page, second) == ("offline", f"{messages['offline_ok']} · {messages['queued']}")
    assert scan(page, forge(second)) == ("bad", messages["invalid"])
    assert [item["code"] for item in queued(page)] == [first, second]


def test_scanner_queues_scans_unchecked_when_no_offline_check_can_load(browser, live_server):
    # No service worker: the blocked verifier must not come from its cache either.
    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url, service_workers="block")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.add_init_script(NO_ED25519)
        page.route("**/static/vendor/noble-ed25519/**", lambda route: route.abort())
        ticket, other = new_tickets(live_server, kiosk_token(live_server), "Luring Tak Terperiksa",
                                    "Luring Dipalsukan")
        open_scanner(page, live_server)
        messages = {**FALLBACK, **scanner_messages(page)}
        notice = page.locator("#check-notice")
        expect(notice).to_be_visible()
        expect(notice).to_have_text(messages["check_unavailable"])
        context.set_offline(True)

        unchecked = f"{messages['offline_unchecked']} · {messages['queued_unchecked']}"
        assert scan(page, ticket) == ("offline", unchecked)
        assert page.locator("#answer").get_attribute("data-check") == "unchecked"
        # A forged code cannot be told apart here either: the server decides when it syncs.
        assert scan(page, forge(other)) == ("offline", unchecked)
        # What is not a ticket code at all is still refused on the spot.
        assert scan(page, "NOT-A-TICKET") == ("bad", messages["invalid"])
        assert [item["code"] for item in queued(page)] == [ticket, forge(other)]
        page.wait_for_function("document.body.dataset.queued === '2'")
    finally:
        context.close()


def test_scanner_says_queued_only_once_the_scan_is_stored(page, live_server):
    page.add_init_script(HOLD_COMMITS)
    (ticket,) = new_tickets(live_server, kiosk_token(live_server), "Luring Tersimpan")
    open_scanner(page, live_server)
    messages = scanner_messages(page)
    page.context.set_offline(True)
    page.fill("#manual-code", ticket)
    page.press("#manual-code", "Enter")

    page.wait_for_function("window.__heldCommits() > 0 || "
                           "document.getElementById('answer').dataset.state === 'offline'")
    answer = page.locator("#answer")
    assert answer.get_attribute("data-state") != "offline"
    assert messages["queued"] not in page.locator("#answer-text").inner_text()

    page.evaluate("window.__releaseCommits()")
    expect(answer).to_have_attribute("data-state", "offline")
    assert page.locator("#answer-text").inner_text() == f"{messages['offline_ok']} · {messages['queued']}"
    assert [item["code"] for item in queued(page)] == [ticket]
    page.wait_for_function("document.body.dataset.queued === '1'")
