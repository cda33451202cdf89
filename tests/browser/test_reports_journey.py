"""An exhibitor reports a day's sales on a phone; the committee sees it on the dashboard and
the sales page, writes the event workbook in the background and downloads it, then draws a
doorprize whose result anyone can read on the event's public page."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import login

EVENT = "/manage/e/hkn2027"
SELLER = "penjual@expo.test"  # staff of an accepted producer in the demo
COMMITTEE = "panitia@expo.test"
# The demo fair opened yesterday (it is dated around the day it loads, in WITA).
OPENING = (dt.datetime.now(ZoneInfo("Asia/Makassar")).date() - dt.timedelta(days=1)).isoformat()


def test_exhibitor_reports_sales_and_committee_downloads_report(page, browser, live_server) -> None:  # type: ignore[no-untyped-def]
    login(page, SELLER)
    page.goto(EVENT + f"/my-sales?day={OPENING}")
    page.fill("#f-omzet", "1.250.000")
    page.fill("#f-units", "48")
    page.click("form.sales-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator('[data-testid="my-total"]')).to_contain_text("1.250.000")
    page.context.clear_cookies()

    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    committee = context.new_page()
    try:
        login(committee, COMMITTEE)
        committee.goto(EVENT + f"/dashboard?day={OPENING}")
        expect(committee.locator('[data-stat="checked-in"]')).not_to_have_text("0")
        expect(committee.locator("svg.chart").first).to_be_visible()
        committee.goto(EVENT + f"/sales?day={OPENING}")
        expect(committee.locator('[data-testid="sales-total"]')).to_contain_text("Rp")
        committee.goto(EVENT + "/report")
        committee.click("main form button[type=submit]")
        link = committee.locator("a[download]").first
        expect(link).to_be_visible(timeout=60_000)  # htmx polls the job until it is ready
        with committee.expect_download() as download:
            link.click()
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert len(book.sheetnames) == 9  # with the demo's invoices and payments
        sales = book.worksheets[6]  # the last of the fair's own sheets
        assert any(row[4] == 1_250_000 for row in sales.iter_rows(min_row=2, values_only=True))

        # A doorprize draw on stage; its result is public, and anyone can check it.
        committee.goto(EVENT + "/draws")
        committee.fill("#f-prize", "Sepeda lipat")
        committee.fill("#f-count", "3")
        committee.fill("#f-seed", "panggung-hkn-2027")
        committee.click("main form button[type=submit]")
        expect(committee.locator('[data-testid="winners"] tbody tr')).to_have_count(3)
    finally:
        context.close()
    page.goto("/e/hkn2027")
    page.click("text=Pemenang doorprize")
    result = page.locator('[data-testid^="draw-"]', has_text="Sepeda lipat")
    expect(result).to_contain_text("Sepeda lipat")
    expect(result).to_contain_text("panggung-hkn-2027")
    expect(result.locator("tbody tr")).to_have_count(3)
    # The demo's opening-day draw is there too, with the seed announced in advance.
    expect(page.locator('[data-testid^="draw-"]', has_text="hkn2027-pembukaan")).to_be_visible()
