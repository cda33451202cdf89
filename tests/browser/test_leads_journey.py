"""Leads in Chromium: a visitor opens their ticket, follows the stand QR decoded from the
poster's image, saves the stand and sends an inquiry; the exhibitor sees it in the inbox and
exports it; exhibitor staff scan the visitor's ticket with a fake camera and rate the lead."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import CHROMIUM_ARGS, chromium_or_skip, login
from tests.browser.test_visitors_scanner import api, write_y4m

SLUG = "hkn2027"
DECODE_JS = """async (wasm) => {
  const lib = window.BarcodeDetectionAPI;
  lib.prepareZXingModule({ overrides: { locateFile: (path, prefix) =>
    path.endsWith('.wasm') ? wasm : prefix + path } });
  const img = document.querySelector('img.poster-png');
  const blob = await (await fetch(img.src)).blob();
  const bitmap = await createImageBitmap(blob);
  const found = await new lib.BarcodeDetector({ formats: ['qr_code'] }).detect(bitmap);
  return found.length ? found[0].rawValue : '';
}"""


@pytest.fixture
def visitor(live_server):  # type: ignore[no-untyped-def]
    token = live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama",
                            "--kiosk").strip().splitlines()[-1]
    return api(live_server, token, "/visitors", {"name": "Ibu Pembeli Nastar", "type": "umum",
                                                 "phone": "081255501234"})


@pytest.fixture
def camera_browser(playwright_instance, visitor, tmp_path):  # type: ignore[no-untyped-def]
    video = tmp_path / "ticket.y4m"
    write_y4m(video, visitor["code"])
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_or_skip(), headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    yield browser
    browser.close()


def _page(camera_browser, live_server, **kw):  # type: ignore[no-untyped-def]
    context = camera_browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url, **kw)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_visitor_to_inbox_export_and_scan(camera_browser, live_server, visitor):  # type: ignore[no-untyped-def]
    # The exhibitor prints the poster; its QR image is decoded with the vendored decoder.
    exhibitor = _page(camera_browser, live_server, accept_downloads=True)
    login(exhibitor, "nastar1@expo.test")
    exhibitor.goto(f"/manage/e/{SLUG}/leads/posters?size=a5")
    assert exhibitor.locator("section.poster-a5").count() == 1
    exhibitor.add_script_tag(url="/static/vendor/barcode-detector/barcode-detector.js")
    stand_url = exhibitor.evaluate(DECODE_JS,
                                   "/static/vendor/barcode-detector/zxing_reader.wasm")
    assert f"/e/{SLUG}/s/" in stand_url

    # The visitor opens their ticket link, then follows the stand QR.
    guest = _page(camera_browser, live_server)
    guest.goto(urlsplit(visitor["ticket_url"]).path)
    guest.goto(urlsplit(stand_url).path)
    assert "Nastar Nanas Bu Ani" in guest.locator("h1").inner_text()
    guest.click("[data-testid=save]")
    guest.wait_for_selector("[data-testid=unsave]")
    guest.click("a[href$='/inquiry']")
    guest.fill("#f-quantity", "300")
    guest.fill("#f-unit", "kotak")
    guest.fill("#f-needed_by", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    guest.fill("#f-budget", "27000000")
    guest.fill("#f-note", "Untuk hampers kantor")
    guest.check("input[name=consent]")
    guest.click("[data-testid=send]")
    guest.wait_for_url("**/my-expo")
    assert "300 kotak" in guest.locator("[data-testid=inquiries]").inner_text()
    assert "Nastar Nanas Bu Ani" in guest.locator("[data-testid=saved]").inner_text()

    # The exhibitor sees it in the inbox and exports it.
    exhibitor.goto(f"/manage/e/{SLUG}/leads?q=Pembeli")
    assert "Ibu Pembeli Nastar" in exhibitor.locator("[data-testid=leads]").inner_text()
    assert "Untuk hampers kantor" in exhibitor.locator("[data-testid=inquiries]").inner_text()
    with exhibitor.expect_download() as download:
        exhibitor.click("[data-testid=export]")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = [row[0] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert "Ibu Pembeli Nastar" in names
    quantities = [row[4] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert 300 in quantities

    # Exhibitor staff scan the visitor's ticket with the (fake) camera and rate the lead.
    staff = _page(camera_browser, live_server, permissions=["camera"])
    login(staff, "staf.nastar@expo.test")
    staff.goto(f"/manage/e/{SLUG}/leads/scanner")
    staff.wait_for_selector("#answer[data-state=ok]", timeout=30_000)
    assert "Ibu Pembeli Nastar" in staff.locator("#answer-text").inner_text()
    staff.click("#camera-toggle")
    staff.click("#answer-link")
    staff.select_option("#f-rating", "hot")
    staff.select_option("#f-status", "contacted")
    staff.fill("#f-tags", "hampers")
    staff.click("[data-testid=save-lead]")
    staff.wait_for_url(f"**/manage/e/{SLUG}/leads")
    row = staff.locator("[data-testid=leads] tr", has_text="Ibu Pembeli Nastar")
    assert row.locator(".rating-hot").count() == 1
    assert "hampers" in row.inner_text()

    # Offline at the stand: the scan is kept in IndexedDB, survives reopening the page from the
    # service worker's cache, and is sent once when the network returns.
    staff.goto(f"/manage/e/{SLUG}/leads")
    total = staff.locator("[data-testid=leads-total]")
    leads_before = int(total.inner_text())
    token = live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama",
                            "--kiosk").strip().splitlines()[-1]
    other = api(live_server, token, "/visitors", {"name": "Pak Luring", "type": "umum",
                                                  "phone": "081255509876"})
    staff.goto(f"/manage/e/{SLUG}/leads/scanner?camera=off")
    staff.wait_for_function("document.body.dataset.offlineReady === '1'")
    staff.context.set_offline(True)
    staff.fill("#manual-code", other["code"])
    staff.press("#manual-code", "Enter")
    staff.wait_for_selector("#answer[data-state=offline]")
    staff.wait_for_function("document.body.dataset.queued === '1'")
    reopened = staff.reload()
    assert reopened is not None and reopened.headers.get("x-expo-offline") == "cache"
    staff.wait_for_function("document.body.dataset.ready === '1'")
    assert staff.locator("#queue-n").inner_text() == "1"
    staff.context.set_offline(False)
    staff.wait_for_function("document.body.dataset.queued === '0'")
    staff.goto(f"/manage/e/{SLUG}/leads")
    # Pak Luring did not share his contact: the lead is counted, not shown.
    assert int(total.inner_text()) == leads_before + 1
