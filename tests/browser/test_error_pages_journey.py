"""Journeys through the error pages on the live demo: a form whose session ended comes back
filled after signing in again; a bookmarked scanner without its token says why, answers a
typed code and leads to choosing a gate; a camera that cannot start is told in words."""

from __future__ import annotations

import re

from tests.browser.conftest import login


def _event_slug(page) -> str:  # type: ignore[no-untyped-def]
    page.goto("/manage")
    href = page.locator("main a[href^='/manage/e/']").first.get_attribute("href")
    match = re.match(r"/manage/e/([^/]+)", href or "")
    assert match, href
    return match.group(1)


def test_expired_form_comes_back_filled_after_signing_in_again(page) -> None:  # type: ignore[no-untyped-def]
    login(page, "panitia@expo.test")
    slug = _event_slug(page)
    plan = f"/manage/e/{slug}/booths"
    page.goto(plan)
    form = page.locator("#add-booth")
    form.locator("[name=code]").fill("Z-77")
    form.locator("[name=x]").fill("1")
    form.locator("[name=y]").fill("2")
    form.locator("[name=zone]").fill("Kuliner Malam")
    form.locator("select[name=kind]").select_option("food")
    form.locator("[name=water]").check()
    # Signed out in another tab: this tab's form now carries a token of an ended session.
    other = page.context.new_page()
    other.goto("/manage")
    with other.expect_navigation():  # the Menu's "Sign out" (folded away on a phone)
        other.eval_on_selector("form[action$='/logout']", "f => f.submit()")
    other.close()

    form.locator("button[type=submit]").click()
    page.wait_for_selector(".error-page")
    assert page.locator("h1").inner_text() == "Formulir kedaluwarsa"  # Bahasa Indonesia
    assert page.locator("#kept-note").is_visible()
    assert page.locator("#error-back").get_attribute("href").startswith(plan)

    page.click("#sign-in-again")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#f-email", "panitia@expo.test")
    page.fill("#f-password", "expo-demo-2027")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(plan) + r"(\?|$)"))

    form = page.locator("#add-booth")
    assert form.locator("[name=code]").input_value() == "Z-77"
    assert form.locator("[name=x]").input_value() == "1"
    assert form.locator("[name=y]").input_value() == "2"
    assert form.locator("[name=zone]").input_value() == "Kuliner Malam"
    assert form.locator("select[name=kind]").input_value() == "food"
    assert form.locator("[name=water]").is_checked()
    assert not form.locator("[name=blocked]").is_checked()
    assert form.locator(".form-kept").is_visible()
    fresh = page.locator("meta[name=csrf-token]").get_attribute("content")
    assert form.locator("[name=csrf_token]").input_value() == fresh  # never the stale token
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-page").count() == 0  # sent this time: saved, or refused on the form

    page.goto(plan)  # kept once: a later visit shows the form as the server renders it
    assert page.locator("#add-booth [name=code]").input_value() != "Z-77"
    assert page.locator("#add-booth .form-kept").count() == 0


def test_bookmarked_scanner_without_a_token_says_why_and_leads_to_a_gate(page) -> None:  # type: ignore[no-untyped-def]
    login(page, "gerbang@expo.test")
    slug = _event_slug(page)
    scanner = f"/manage/e/{slug}/gate/scanner"
    page.goto(scanner + "?camera=off")
    note = page.locator("#no-token")
    note.wait_for(state="visible")
    assert "token pemindai" in note.inner_text()
    assert page.locator("#answer").get_attribute("data-state") == "no_token"

    page.fill("#manual-code", "abc 123")
    page.press("#manual-code", "Enter")
    answer = page.locator("#answer-text")
    assert "ABC123" in answer.inner_text() and "tidak diperiksa" in answer.inner_text()
    assert page.url.endswith(scanner + "?camera=off")  # the page did not reload the code away
    assert page.locator("#manual-code").input_value() == ""

    page.click("#choose-gate")
    page.wait_for_url(re.compile(re.escape(f"/manage/e/{slug}/gate") + "$"))
    page.click("main form button[type=submit]")  # Open the scanner: the token comes along
    page.wait_for_url(re.compile(re.escape(scanner)))
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#no-token").is_hidden()


def test_camera_failure_is_told_in_words_not_an_error_name(page) -> None:  # type: ignore[no-untyped-def]
    login(page, "gerbang@expo.test")
    slug = _event_slug(page)
    page.goto(f"/manage/e/{slug}/gate")
    page.click("main form button[type=submit]")
    page.wait_for_selector("body[data-camera='failed']")  # this browser has no camera
    status = page.locator("#camera-status")
    text = status.inner_text()
    words = {status.get_attribute(a) for a in ("data-not-found", "data-not-allowed",
                                               "data-not-readable", "data-insecure",
                                               "data-failed")}
    assert text in words, text
    assert "Error" not in text and "(" not in text


def test_too_large_upload_goes_back_to_the_form_with_the_typed_text(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    login(page, "umkm@expo.test")
    page.goto("/exhibitor/products")
    form = page.locator("form.product-form")
    form.locator("[name=name]").fill("Amplang Udang Super")
    form.locator("[name=description]").fill("Renyah, tanpa pengawet.")
    big = tmp_path / "foto.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (14 * 2**20))  # 14 MB, over the server's limit
    form.locator("[name=photo]").set_input_files(str(big))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".error-page")
    assert page.locator("h1").inner_text() == "Terlalu besar"
    page.click("#error-back")
    page.wait_for_url(re.compile(r"/exhibitor/products$"))
    form = page.locator("form.product-form")
    assert form.locator("[name=name]").input_value() == "Amplang Udang Super"
    assert form.locator("[name=description]").input_value() == "Renyah, tanpa pengawet."
    assert form.locator(".form-kept").is_visible()
    assert form.locator("[name=photo]").input_value() == ""  # a file is chosen again


def test_a_form_sent_successfully_is_not_refilled_later(page) -> None:  # type: ignore[no-untyped-def]
    login(page, "umkm@expo.test")
    page.goto("/exhibitor/products")
    page.locator("form.product-form [name=name]").fill("Kue Lapis Legit")
    page.locator("form.product-form [name=price_min]").fill("Rp 85.000")
    page.locator("form.product-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-page").count() == 0
    page.goto("/exhibitor/products")
    assert page.locator("form.product-form [name=name]").input_value() == ""
    assert page.locator(".form-kept").count() == 0
