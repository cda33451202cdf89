"""A visitor on a phone: gets a free ticket from the event's page, downloads it, corrects their
details (the QR code stays the same), withdraws consent, then deletes the registration and the
personal link stops working. A teacher registers a class: one ticket each. The committee
corrects a visitor, revokes and reinstates the ticket, and issues exhibitor badges."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_visitors_scanner import api

SLUG = "hkn2027"


def _open_visitor_registration(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    committee = context.new_page()
    try:
        login(committee, "panitia@expo.test")
        committee.goto(f"/manage/e/{SLUG}/edit")
        opened = (dt.datetime.now() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        committee.fill("#f-visitor_reg_opens", opened)
        committee.click("form.form-grid button[type=submit]")
        committee.wait_for_url(f"**/manage/e/{SLUG}")
    finally:
        context.close()


def test_visitor_gets_edits_and_deletes_a_ticket(page, browser, live_server):  # type: ignore[no-untyped-def]
    _open_visitor_registration(browser, live_server)

    page.goto(f"/e/{SLUG}")
    page.click(f'a[href$="/e/{SLUG}/register"]')
    page.fill("#f-name", "Ibu Pengadaan Dinas")
    page.fill("#f-phone", "0812 5550 7788")
    page.select_option("#f-type", "instansi")
    page.fill("#f-agency", "Dinas Koperasi dan UKM Kota Samarinda")
    page.select_option("#f-kabupaten", "Kota Samarinda")
    page.check("input[name=consent_share]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/t/*")
    ticket_url = page.url
    expect(page.locator(".ticket-name")).to_have_text("Ibu Pengadaan Dinas")
    qr = page.locator(".ticket-qr svg").inner_html()
    assert "Dinas Koperasi" in page.locator(".ticket-type").inner_text()
    png = page.request.get(page.locator("a[download]").get_attribute("href"))
    assert png.ok and png.headers["content-type"] == "image/png"

    # A typo in the name: corrected on the ticket link; the QR code does not change.
    page.click("text=Ubah data saya")
    page.fill("#f-name", "Ibu Pengadaan Dinas Koperasi")
    page.click("main form button[type=submit]")
    page.wait_for_url(ticket_url)
    expect(page.locator(".ticket-name")).to_have_text("Ibu Pengadaan Dinas Koperasi")
    assert page.locator(".ticket-qr svg").inner_html() == qr

    page.click("button[name=share][value='0']")
    expect(page.locator("button[name=share][value='1']")).to_be_visible()

    # Deleting needs the confirmation box, then the personal link is gone.
    page.click("text=Hapus pendaftaran saya")
    page.click("main form button[type=submit]")
    expect(page.locator(".has-error .error")).to_be_visible()
    page.check("input[name=confirm]")
    page.click("main form button[type=submit]")
    expect(page.locator("main h1")).to_have_text("Pendaftaran dihapus")
    assert page.goto(ticket_url).status == 404


def test_teacher_registers_a_class(page, browser, live_server):  # type: ignore[no-untyped-def]
    _open_visitor_registration(browser, live_server)
    page.goto(f"/e/{SLUG}/register")
    page.click(f'a[href$="/e/{SLUG}/register/group"]')
    page.fill("#f-group_name", "SMKN 2 Samarinda, kelas XI Tata Boga")
    page.fill("#f-leader_name", "Pak Guru Ahmad")
    page.fill("#f-leader_phone", "0812 5000 1111")
    page.select_option("#f-kabupaten", "Kota Samarinda")
    page.fill("#f-members", "Ani Lestari\nBudi Santoso\nCitra Dewi")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/g/*")
    names = page.locator(".ticket-grid .ticket-name").all_inner_texts()
    assert names == ["Ani Lestari", "Budi Santoso", "Citra Dewi"]
    assert page.locator(".ticket-grid .ticket-qr svg").count() == 3


def test_committee_corrects_revokes_and_reinstates_a_visitor(page, live_server):  # type: ignore[no-untyped-def]
    token = live_server.cli("token", "--event", SLUG, "--gate", "Pintu Utama",
                            "--kiosk").strip().splitlines()[-1]
    api(live_server, token, "/visitors", {"name": "Pak Salah Ketik", "type": "umum"})
    login(page, "panitia@expo.test")
    page.goto(f"/manage/e/{SLUG}/visitors?q=Salah+Ketik")
    page.click("text=Ubah")
    page.fill("#f-name", "Pak Benar Ketik")
    page.select_option("#f-type", "buyer")
    page.click("main form button[type=submit]")
    page.goto(f"/manage/e/{SLUG}/visitors?q=Benar+Ketik")
    row = page.locator("tbody tr", has_text="Pak Benar Ketik")
    expect(row).to_contain_text("Pembeli")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("form[action$='/revoke'] button").click()
    expect(row.locator(".badge-bad")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("form[action$='/reinstate'] button").click()
    expect(row.locator(".badge-bad")).to_have_count(0)

    # Badges for the accepted exhibitors' staff, in one click.
    page.goto(f"/manage/e/{SLUG}/badges")
    page.click("[data-testid=badges-exhibitors]")
    expect(page.locator(".flash-success")).to_contain_text("peserta pameran")
