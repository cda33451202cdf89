"""A rehearsal (gladi) in Chromium, as the committee runs it the day before opening: start it,
issue test tickets (marked UJI), the gate scans them while a real ticket is refused with its
reason, stop it (the test ticket is refused then), clear it with one confirmed action."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser.conftest import login
from tests.browser.test_visitors_scanner import QUEUED, queued, scan

SLUG = "hkn2027"
PAGE = f"/manage/e/{SLUG}/rehearsal"


def api(live_server, token: str, path: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        f"{live_server.url}/api/v1/events/{SLUG}{path}", method="POST" if body else "GET",
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Accept-Language": "id"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def token(live_server, *flags: str) -> str:  # type: ignore[no-untyped-def]
    return live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama",
                           *flags).strip().splitlines()[-1]


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    """No horizontal scrolling on the phone's screen."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def counts(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = page.locator("[data-testid=rehearsal-counts] tr")
    return {rows.nth(i).get_attribute("data-kind") or "": rows.nth(i).locator("td").inner_text()
            for i in range(rows.count())}


@pytest.fixture
def committee(page, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The committee's page; whatever happens, the shared demo server is left out of
    rehearsal (the other journeys scan real tickets)."""
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size({"width": 360, "height": 800})  # a cheap Android phone
    login(page, "panitia@expo.test")
    yield page
    page.goto(PAGE)
    if page.locator("[data-testid=rehearsal-on]").count() or counts(page).get("tickets") != "0":
        page.check("[data-testid=rehearsal-confirm]")
        page.click("[data-testid=rehearsal-clear]")


def test_committee_rehearses_the_gates_then_clears(committee, live_server):  # type: ignore[no-untyped-def]
    page = committee
    page.goto(PAGE)
    assert page.locator("h2", has_text="Gladi").count() == 1  # in Bahasa Indonesia
    assert fits(page)
    page.click("[data-testid=rehearsal-start]")
    page.wait_for_selector("[data-testid=rehearsal-on]")

    page.fill("#f-count", "2")
    page.click("[data-testid=issue-test-tickets]")
    page.wait_for_url(f"**{PAGE}/tickets")
    cards = page.locator("[data-testid=test-ticket-card]")
    assert cards.count() == 2
    assert "UJI" in cards.first.inner_text()
    assert fits(page)
    cards.first.locator("a").click()
    assert "UJI" in page.locator("[data-testid=test-ticket]").inner_text()

    gate = token(live_server)
    [test] = [r for r in api(live_server, gate, "/search?q=Tiket+uji+1")["results"]]
    real = api(live_server, token(live_server, "--kiosk"), "/visitors",
               {"name": "Bukan Tiket Uji", "type": "umum"})["code"]
    admitted = api(live_server, gate, "/scans", {"code": test["code"], "nonce": "gladi-1"})
    assert admitted["status"] == "ok", admitted
    refused = api(live_server, gate, "/scans", {"code": real, "nonce": "gladi-2"})
    assert refused["status"] == "rejected" and refused["reason"] == "rehearsal_only"
    assert refused["message"] == "gladi: hanya tiket uji yang diterima"

    page.goto(PAGE)
    assert counts(page) == {"tickets": "2", "scans": "2", "leads": "0", "sales": "0"}
    page.click("[data-testid=rehearsal-stop]")
    page.wait_for_selector("[data-testid=rehearsal-off]")
    late = api(live_server, gate, "/scans", {"code": test["code"], "nonce": "gladi-3",
                                             "direction": "out"})
    assert late["status"] == "rejected" and late["reason"] == "test_ticket"

    page.click("[data-testid=rehearsal-clear]")  # not confirmed: said on the page
    assert page.locator("[data-testid=rehearsal-error]").is_visible()
    page.check("[data-testid=rehearsal-confirm]")
    page.click("[data-testid=rehearsal-clear]")
    page.wait_for_selector(".flashes")
    assert counts(page) == {"tickets": "0", "scans": "0", "leads": "0", "sales": "0"}
    assert page.locator("[data-testid=rehearsal-off]").is_visible()
    gone = api(live_server, gate, "/scans", {"code": test["code"], "nonce": "gladi-4"})
    assert gone["status"] == "rejected" and gone["reason"] == "invalid"


def test_offline_scanner_follows_the_rehearsal(committee, live_server):  # type: ignore[no-untyped-def]
    """Offline, the scanner admits the test tickets only, and the scans sync marked."""
    page = committee
    real = api(live_server, token(live_server, "--kiosk"), "/visitors",
               {"name": "Tiket Asli Luring", "type": "umum"})["code"]
    page.goto(PAGE)
    page.click("[data-testid=rehearsal-start]")
    page.wait_for_selector("[data-testid=rehearsal-on]")
    page.fill("#f-count", "1")
    page.click("[data-testid=issue-test-tickets]")
    page.wait_for_url(f"**{PAGE}/tickets")
    gate = token(live_server)
    [test] = api(live_server, gate, "/search?q=Tiket+uji+1")["results"]

    page.goto(f"/manage/e/{SLUG}/gate/scanner?camera=off#token={gate}")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.wait_for_function("document.body.dataset.offlineReady === '1'")
    messages = json.loads(page.locator("#scanner-config").text_content() or "{}")["messages"]
    page.context.set_offline(True)
    assert scan(page, real) == ("bad", messages["rehearsal_only"])
    state, _text = scan(page, test["code"])
    assert state == "offline"
    assert [item["code"] for item in queued(page)] == [test["code"]]
    page.context.set_offline(False)
    page.wait_for_function(f"({QUEUED})().then((items) => items.length === 0)", polling=200,
                           timeout=20_000)
    page.goto(PAGE)  # the synced scan is the rehearsal's
    assert counts(page)["scans"] == "1"
