"""The gate scanner in Chromium: a fake camera shows a ticket, the network drops, a scan is
queued offline, the page reopens from the service worker's cache, and the queue is synced
once when the network returns."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path

import pytest

from expo import qr
from tests.browser.conftest import CHROMIUM_ARGS, chromium_or_skip, login

SLUG = "hkn2027"


def write_y4m(path: Path, code: str, frames: int = 15) -> None:
    """A 640×480 YUV4MPEG2 video of the code's QR matrix (dark 16, light 235)."""
    width, height = 640, 480
    rows = [list(row) for row in qr.make(code).matrix_iter(scale=8, border=qr.QUIET_ZONE)]
    luma = bytearray([235]) * (width * height)
    left, top = (width - len(rows[0])) // 2, (height - len(rows)) // 2
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                luma[(top + y) * width + left + x] = 16
    chroma = bytes([128]) * (width * height // 4)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def api(live_server, token: str, path: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        f"{live_server.url}/api/v1/events/{SLUG}{path}", method="POST" if body else "GET",
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def kiosk_token(live_server) -> str:  # type: ignore[no-untyped-def]
    return live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama",
                           "--kiosk").strip().splitlines()[-1]


def new_tickets(live_server, token: str, *names: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Walk-in tickets made through the kiosk API: their codes, in order."""
    return [api(live_server, token, "/visitors", {"name": name, "type": "umum"})["code"]
            for name in names]


def forge(code: str) -> str:
    """The code with one letter of its signature changed: well formed, wrongly signed."""
    return code[:100] + ("B" if code[100] == "A" else "A") + code[101:]


def open_scanner(page, live_server) -> None:  # type: ignore[no-untyped-def]
    """Sign in as the committee, admit at any hour (the demo fair is in 2027) and open the gate
    scanner with the camera off and a fresh device token."""
    login(page, "panitia@expo.test")
    page.goto(f"/manage/e/{SLUG}/gates")
    page.uncheck("input[name=enforce_hours]")
    with page.expect_navigation():
        page.click("form[action$='/gates/rules'] button[type=submit]")
    token = live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama").strip().splitlines()[-1]
    page.goto(f"/manage/e/{SLUG}/gate/scanner?camera=off#token={token}")
    page.wait_for_function("document.body.dataset.ready === '1'")


def scanner_messages(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return json.loads(page.locator("#scanner-config").text_content())["messages"]


def scan(page, code: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Type a code into the handheld field; the answer's state and text once it has one."""
    page.evaluate("document.getElementById('answer').removeAttribute('data-state')")
    page.fill("#manual-code", code)
    page.press("#manual-code", "Enter")
    answer = page.wait_for_selector("#answer[data-state]")
    return str(answer.get_attribute("data-state")), page.locator("#answer-text").inner_text()


QUEUED = """async () => {
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open("expo-scanner", 1); req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  const items = await new Promise((ok, fail) => {
    const req = db.transaction("queue", "readonly").objectStore("queue").getAll();
    req.onsuccess = () => ok(req.result); req.onerror = () => fail(req.error);
  });
  db.close();
  return items;
}"""


def queued(page) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """The scans waiting in the scanner's IndexedDB queue, read directly, oldest first."""
    return sorted(page.evaluate(QUEUED), key=lambda item: item["scanned_at"])


@pytest.fixture
def camera_page(playwright_instance, live_server, tmp_path):  # type: ignore[no-untyped-def]
    """A Chromium whose camera shows the first ticket; yields (page, kiosk token, codes)."""
    token = live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama",
                            "--kiosk").strip().splitlines()[-1]
    first = api(live_server, token, "/visitors", {"name": "Kamera Satu", "type": "umum"})
    second = api(live_server, token, "/visitors", {"name": "Luring Dua", "type": "pelajar"})
    third = api(live_server, token, "/visitors", {"name": "Gerbang Tiga", "type": "umum"})
    video = tmp_path / "ticket.y4m"
    write_y4m(video, first["code"])
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_or_skip(), headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url, permissions=["camera"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page, token, (first["code"], second["code"], third["code"])
    finally:
        context.close()
        browser.close()


def test_scanner_reads_camera_then_queues_offline_and_syncs_once(camera_page, live_server):
    page, token, (first, second, third) = camera_page
    # The live server is shared by this worker's journeys: count from what is there already.
    base = api(live_server, token, "/counters")
    login(page, "panitia@expo.test")
    # The demo fair is in 2027: admit at any hour for this run.
    page.goto(f"/manage/e/{SLUG}/gates")
    page.uncheck("input[name=enforce_hours]")
    page.click("form[action$='/gates/rules'] button[type=submit]")
    page.goto(f"/manage/e/{SLUG}/gate")
    page.select_option("#f-gate", label="Pintu Utama")
    page.click("main form button.big")
    page.wait_for_url("**/gate/scanner")

    answer = page.locator("#answer")
    page.wait_for_selector("#answer[data-state=ok]", timeout=30_000)
    assert "Selamat datang, Kamera Satu" in answer.inner_text()
    page.click("#camera-toggle")  # stop the camera: the ticket stays in view
    page.wait_for_function(
        "n => document.querySelector('[data-counter=checked_in]').textContent.trim() === n",
        arg=str(base["checked_in"] + 1))

    # The service worker has kept the page and its assets: it reopens without a network.
    page.wait_for_function("document.body.dataset.offlineReady === '1'")
    page.context.set_offline(True)
    page.fill("#manual-code", second)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#answer[data-state=offline]")
    page.wait_for_function("document.body.dataset.queued === '1'")
    assert page.locator("#queue-n").inner_text() == "1"
    # Meanwhile another gate, still online, lets the third visitor in; this scanner cannot
    # know, admits them offline too, and hears about it when it syncs.
    assert api(live_server, token, "/scans", {"code": third, "nonce": "other-gate"})["status"] == "ok"
    page.fill("#manual-code", third)
    page.press("#manual-code", "Enter")
    page.wait_for_function("document.body.dataset.queued === '2'")

    reopened = page.reload()
    assert reopened is not None and reopened.headers.get("x-expo-offline") == "cache"
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.wait_for_function("document.body.dataset.queued === '2'")
    # The camera (its decoder's wasm from the worker's cache) still shows the first ticket,
    # and the offline memory of who is inside survived the reload.
    page.wait_for_selector("#answer[data-state=bad]", timeout=30_000)
    assert "sudah masuk pukul" in answer.inner_text()
    page.click("#camera-toggle")

    bundle_at = page.evaluate("document.body.dataset.bundleAt || ''")
    page.context.set_offline(False)
    page.wait_for_function("document.body.dataset.queued === '0'")
    # Back online, the scanner re-reads the offline bundle (revoked tickets) at once.
    page.wait_for_function("before => (document.body.dataset.bundleAt || '') > before",
                           arg=bundle_at)
    page.wait_for_function(
        "n => document.querySelector('[data-counter=checked_in]').textContent.trim() === n",
        arg=str(base["checked_in"] + 3))
    report = page.locator("#sync-report")
    assert report.get_attribute("data-conflicts") == "1"
    assert "2 pindaian luring terkirim" in report.inner_text()
    conflict = page.locator("#sync-conflicts li").inner_text()
    assert conflict.startswith("Gerbang Tiga: sudah masuk pukul") and "masuk paksa" in conflict
    numbers = api(live_server, token, "/counters")
    assert numbers["checked_in"] - base["checked_in"] == 3
    assert (numbers["scans"] - base["scans"], numbers["rejected"] - base["rejected"]) == (4, 1)

    # Signing out drops the kept pages (they carry the user's name and form token).
    assert page.evaluate("caches.has('expo-pages')")
    page.evaluate("document.querySelector('form[action$=\"/logout\"]').submit()")
    page.wait_for_url(lambda url: "/gate/scanner" not in url)
    assert page.evaluate("caches.has('expo-pages')") is False


SEED = """items => new Promise((ok, fail) => {
  const req = indexedDB.open("expo-scanner", 1);
  req.onerror = () => fail(req.error);
  req.onsuccess = () => {
    const tx = req.result.transaction("queue", "readwrite");
    items.forEach((item) => tx.objectStore("queue").put(item));
    tx.oncomplete = () => { req.result.close(); ok(); };
    tx.onabort = () => fail(tx.error);
  };
})"""


def test_scanner_sync_drops_and_lists_scans_the_server_refused(browser, live_server):
    # No service worker here: page.route must see the scanner's own requests.
    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url, service_workers="block")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        kiosk = kiosk_token(live_server)
        first, malformed, poison, last = new_tickets(
            live_server, kiosk, "Sinkron Satu", "Nonce Kepanjangan", "Batch Racun", "Sinkron Dua")
        open_scanner(page, live_server)
        before = api(live_server, kiosk, "/counters")["checked_in"]
        # Scanned seconds ago: "checked in today" counts the event's day (WITA), which ten
        # minutes earlier could still be yesterday just after midnight.
        start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
        items = [{"code": code, "direction": "in", "nonce": nonce, "slug": SLUG,
                  "scanned_at": (start + dt.timedelta(seconds=i)).isoformat()}
                 for i, (code, nonce) in enumerate([(first, "sync-first"), (malformed, "n" * 70),
                                                    (poison, "sync-poison"), (last, "sync-last")])]
        # The server refuses an item with a 70-character nonce on its own, as an "error" result.
        refused = api(live_server, kiosk, "/scans/batch", {"scans": [items[1]]})["results"][0]
        assert refused["status"] == "error" and refused["error"] == "invalid_input"
        # And this stand-in refuses any batch holding the poison item whole, after being busy once.
        sent: list[list[str]] = []

        def batches(route):  # type: ignore[no-untyped-def]
            nonces = [item["nonce"] for item in route.request.post_data_json["scans"]]
            sent.append(nonces)
            if len(sent) == 1:
                route.fulfill(status=503, json={"error": "unavailable", "message": "busy"})
            elif "sync-poison" in nonces:
                route.fulfill(status=422, json={"error": "invalid_input",
                                                "message": "Pindaian ini rusak (uji)."})
            else:
                route.continue_()

        page.route("**/scans/batch", batches)
        context.set_offline(True)
        page.evaluate(SEED, items)
        context.set_offline(False)
        page.wait_for_function("!document.getElementById('sync-report').hidden && "
                               "document.body.dataset.queued === '0'", timeout=45_000)

        everything = [item["nonce"] for item in items]
        assert sent[0] == everything and sent[1] == everything  # after the 503, all kept
        assert ["sync-poison"] in sent  # halved until the poison went alone
        assert queued(page) == []
        report = page.locator("#sync-report")
        assert report.get_attribute("data-conflicts") == "2"
        refusals = page.locator("#sync-conflicts li[data-status=error]")
        assert refusals.count() == 2
        texts = refusals.all_inner_texts()
        assert texts[0].endswith(refused["message"]) and malformed[-6:] in texts[0]
        assert texts[1].endswith("Pindaian ini rusak (uji).") and poison[-6:] in texts[1]
        # The two good scans reached the server through the split batches.
        assert api(live_server, kiosk, "/counters")["checked_in"] == before + 2
    finally:
        context.close()
