"""A gate officer signed in on a phone and a laptop looks at their sessions, signs the phone
out from the laptop, signs out, and a copy of the laptop's cookie no longer opens anything."""

import uuid

from playwright.sync_api import expect

from tests.browser.conftest import login

T = 15_000  # generous: CI machines run several servers at once
PASSWORD = "sesi-gerbang-2027"
PHONE_UA = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36")
LAPTOP_UA = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _context(browser, live_server, user_agent, width=390):
    context = browser.new_context(viewport={"width": width, "height": 800},
                                  base_url=live_server.url, user_agent=user_agent)
    context.set_default_timeout(T)
    return context


def _signed_out(page):
    page.goto("/manage")
    page.wait_for_url("**/login?next=*")
    expect(page.locator("#f-email")).to_be_visible(timeout=T)


def test_sessions_are_listed_and_signed_out_for_good(browser, live_server):
    email = f"sesi-{uuid.uuid4().hex[:8]}@expo.test"
    live_server.cli("createuser", "--email", email, "--name", "Petugas Sesi", "--password",
                    PASSWORD, "--event", "hkn2027", "--role", "gate")
    phone_ctx = _context(browser, live_server, PHONE_UA)
    laptop_ctx = _context(browser, live_server, LAPTOP_UA, width=1280)
    thief_ctx = _context(browser, live_server, LAPTOP_UA, width=1280)
    try:
        phone, laptop = phone_ctx.new_page(), laptop_ctx.new_page()
        login(phone, email, PASSWORD)
        login(laptop, email, PASSWORD)
        thief_ctx.add_cookies(laptop_ctx.cookies())  # a copied session cookie
        thief = thief_ctx.new_page()
        thief.goto("/manage")
        expect(thief).to_have_url(f"{live_server.url}/manage", timeout=T)

        # the laptop finds its sessions from the password page
        laptop.goto("/account/password")
        laptop.click("a[href$='/account/sessions']")
        rows = laptop.locator("#sessions tbody tr")
        expect(rows).to_have_count(2, timeout=T)
        expect(laptop.locator("#sessions tbody tr.current")).to_contain_text("Firefox, Linux")
        expect(laptop.locator("#sessions tbody tr:not(.current)")).to_contain_text("Chrome, Android")

        # sign out everywhere else: the phone is out, the laptop stays
        laptop.click("button[value=others]")
        expect(laptop.locator(".flash")).to_be_visible(timeout=T)
        expect(rows).to_have_count(1, timeout=T)
        _signed_out(phone)
        laptop.goto("/manage")
        expect(laptop).to_have_url(f"{live_server.url}/manage", timeout=T)

        # signing out ends the session on the server: the copied cookie opens nothing
        laptop.click("nav form[action$='/logout'] button")
        laptop.wait_for_url(lambda url: "/manage" not in url)
        _signed_out(thief)

        # sign out everywhere, from the phone this time: the phone lands on the sign-in page
        login(phone, email, PASSWORD)
        login(laptop, email, PASSWORD)
        phone.goto("/account/sessions")
        phone.click("button[value=all]")
        phone.wait_for_url("**/login")
        _signed_out(phone)
        _signed_out(laptop)
    finally:
        for context in (phone_ctx, laptop_ctx, thief_ctx):
            context.close()
