"""A producer signs up, fills the profile, adds a product with a photo, uploads a document
and applies; a curator scores; the committee accepts; the producer sees the acceptance."""

import datetime as dt

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login

T = 15_000  # generous: CI machines run several servers at once
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _photo(tmp_path):
    path = tmp_path / "rotan.jpg"
    Image.new("RGB", (1600, 1200), "peru").save(path, "JPEG")
    return path


def _new_page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800},
                                  base_url=live_server.url)
    context.set_default_timeout(T)
    return context.new_page()


def _open_registration(browser, live_server):
    page = _new_page(browser, live_server)
    login(page, "panitia@expo.test")
    page.goto("/manage/e/hkn2027/edit")
    opened = (dt.datetime.now() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#f-exhibitor_reg_opens", opened)
    page.click("form.form-grid button[type=submit]")
    page.wait_for_url("**/manage/e/hkn2027")
    return page


def test_producer_applies_curator_scores_committee_accepts(page, browser, live_server, tmp_path):
    committee = _open_registration(browser, live_server)

    # the producer finds the event and registers
    page.goto("/e/hkn2027")
    page.click('a[href*="/exhibitor/signup"]')
    page.fill("#f-business_name", "Rotan Kreasi Bontang")
    page.fill("#f-owner_name", "Bu Hartini")
    page.fill("#f-phone", "0812 5678 1234")
    page.fill("#f-email", "hartini@rotan.test")
    page.fill("#f-password", "anyaman-rotan-2027")
    page.fill("#f-password2", "anyaman-rotan-2027")
    page.select_option("#f-kabupaten", "Kota Bontang")
    page.select_option("#f-category", "kriya")
    page.check("input[name=agree]")
    page.click("form.signup-form button[type=submit]")
    # Signed up from the event's page: a draft application to that event is waiting.
    page.wait_for_url("**/exhibitor/apply/hkn2027")
    expect(page.locator(".flash-success")).to_be_visible(timeout=T)

    page.goto("/exhibitor/profile")

    page.fill("#f-address", "Jl. Ahmad Yani No. 12, Bontang")
    page.fill("#f-cluster", "rotan")
    page.fill("#f-description", "Tas dan keranjang anyaman rotan.")
    page.fill("#f-nib", "0912345678901")
    page.fill("#f-smk_interns", "2")
    page.click("form.form-grid button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible(timeout=T)
    expect(page.locator("legend .badge.legality-complete")).to_be_visible(timeout=T)

    page.goto("/exhibitor/products")
    page.fill("#f-name", "Tas rotan anyam")
    page.fill("#f-price_min", "150000")
    page.fill("#f-price_max", "250000")
    page.fill("#f-capacity", "30")
    page.fill("#f-capacity_unit", "buah")
    page.fill("#f-lead_time_days", "7")
    page.set_input_files("#f-photo", str(_photo(tmp_path)))
    page.click("form.product-form button[type=submit]")
    expect(page.locator(".product img")).to_be_visible(timeout=T)
    width = page.locator(".product img").evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert width == 320  # the thumbnail, not the 1600 px upload

    page.goto("/exhibitor/documents")
    page.select_option("#f-kind", "nib")
    page.set_input_files("#f-file", files=[{"name": "nib.pdf", "mimeType": "application/pdf",
                                             "buffer": PDF}])
    page.click("form.document-form button[type=submit]")
    expect(page.locator("table.docs a")).to_have_count(1, timeout=T)

    page.goto("/exhibitor")
    page.click('a[href*="/exhibitor/apply/hkn2027"]')
    page.select_option("#f-booth_type", "standard")
    page.fill("#f-power_watts", "450")
    page.check("input[name=first_time]")
    page.check("input[name=terms]")
    page.click("button[value=submit]")
    page.wait_for_url("**/exhibitor")
    expect(page.locator(".app-list .status-submitted")).to_be_visible(timeout=T)

    # a curator scores
    curator = _new_page(browser, live_server)
    login(curator, "kurator@expo.test")
    curator.goto("/manage/e/hkn2027/applications?q=rotan+kreasi")
    curator.click("text=Rotan Kreasi Bontang")
    for field in curator.locator(".score-form input[type=number]").all():
        field.fill("4")
    curator.click(".score-form button[type=submit]")
    expect(curator.locator(".flash-success")).to_be_visible(timeout=T)
    expect(curator.locator("#total-score")).not_to_have_text("–", timeout=T)
    expect(curator.locator(".decide")).to_have_count(0, timeout=T)  # a curator cannot decide

    # the committee accepts
    committee.goto("/manage/e/hkn2027/applications?q=rotan+kreasi")
    committee.click("text=Rotan Kreasi Bontang")
    committee.fill("#f-message", "Selamat bergabung di HKN 2027!")
    committee.click(".decide button[value=accepted]")
    expect(committee.locator("#app-status.status-accepted")).to_be_visible(timeout=T)

    # the producer sees the acceptance and the message
    page.goto("/exhibitor")
    expect(page.locator(".app-list .status-accepted")).to_be_visible(timeout=T)
    expect(page.locator(".inbox")).to_contain_text("Selamat bergabung di HKN 2027!", timeout=T)
