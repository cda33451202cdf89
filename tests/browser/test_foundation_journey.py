"""Committee signs in, creates an event, sees it on the public page, switches language."""

import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_committee_creates_event_and_switches_language(page, live_server):
    login(page, "panitia@expo.test")
    expect(page.locator("h1")).to_have_text("Acara saya")  # Indonesian by default

    page.goto("/manage/events/new")
    page.fill("#f-name", "Gelar UMKM Bontang 2027")
    page.fill("#f-slug", "gelar-bontang-2027")
    page.fill("#f-venue", "Pendopo Rumah Jabatan Wali Kota")
    page.fill("#f-city", "Bontang")
    start = dt.date.today() + dt.timedelta(days=90)
    page.fill("#f-starts_on", start.isoformat())
    page.fill("#f-ends_on", (start + dt.timedelta(days=1)).isoformat())
    page.select_option("#f-status", "published")
    page.click("form.form-grid button[type=submit]")
    page.wait_for_url("**/manage/e/gelar-bontang-2027")
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto("/")
    expect(page.get_by_role("link", name="Gelar UMKM Bontang 2027")).to_be_visible()
    page.get_by_role("link", name="Gelar UMKM Bontang 2027").click()
    expect(page.locator("h1")).to_have_text("Gelar UMKM Bontang 2027")
    expect(page.locator("h2").first).to_have_text("Jam buka")

    page.click("label.menu-button")  # the phone menu
    page.click("button.lang[value=en]")
    expect(page.locator("h2").first).to_have_text("Opening hours")
    page.reload()  # the choice persists
    expect(page.locator("h2").first).to_have_text("Opening hours")

    page.click("label.menu-button")
    page.click("button.lang[value=id]")
    expect(page.locator("h2").first).to_have_text("Jam buka")
