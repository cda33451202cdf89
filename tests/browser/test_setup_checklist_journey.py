"""A committee sets up a new event from its checklist and requires food documents; a food
producer signs up (a landline is refused as WhatsApp), adds a product priced "Rp 25.000" with
a phone photo too large to send (shrunk in the browser), and can send the application only
once the required documents are uploaded."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

from PIL import Image

from tests.browser.conftest import DEMO_PASSWORD, login
from tests.exhibitors.factories import PDF

MAX_PHOTO = 8 * 1024 * 1024


def _big_photo() -> bytes:
    """A PNG of noise over the 8 MB limit and wider than 2,560 px (what phones produce)."""
    size = (2800, 1700)
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    data = buffer.getvalue()
    assert len(data) > MAX_PHOTO
    return data


def _committee_sets_up(page, slug: str) -> None:  # type: ignore[no-untyped-def]
    login(page, "panitia@expo.test", DEMO_PASSWORD)
    page.goto("/manage/events/new")
    page.fill("#f-name", "Festival Amplang Uji")
    page.fill("#f-slug", slug)
    page.fill("#f-venue", "Taman Samarendah")
    page.fill("#f-starts_on", "17 Agustus 2027")  # typed, as people write dates
    page.fill("#f-ends_on", "18/08/2027")
    page.select_option("#f-status", "published")
    page.click("form.form-grid button[type=submit]")
    page.wait_for_url(f"**/manage/e/{slug}")
    checklist = page.locator("#setup-checklist")
    assert checklist.locator("#check-dates").get_attribute("data-done") == "yes"
    for key in ("floor_plan", "rubric", "gates", "payments", "required_documents"):
        assert checklist.locator(f"#check-{key}").get_attribute("data-done") == "no", key
    checklist.locator("#check-required_documents a").click()
    page.wait_for_url(f"**/manage/e/{slug}/required-documents")
    page.check("input[name=r-kuliner-0-pirt]")
    page.check("input[name=r-kuliner-0-bpom]")
    page.check("input[name=r-kuliner-1-halal]")
    page.click("#required-documents-form button[type=submit]")
    page.wait_for_url(f"**/manage/e/{slug}/required-documents")
    assert page.is_checked("input[name=r-kuliner-0-bpom]")
    page.goto(f"/manage/e/{slug}")
    assert page.get_attribute("#check-required_documents", "data-done") == "yes"


def _producer_signs_up(page, slug: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/exhibitor/signup?event={slug}")

    def fill(phone: str) -> None:
        page.fill("#f-business_name", "Amplang Bu Sri")
        page.fill("#f-owner_name", "Sri Wahyuni")
        page.fill("#f-phone", phone)
        page.fill("#f-email", email)
        page.fill("#f-password", "amplang-enak-123")
        page.fill("#f-password2", "amplang-enak-123")
        page.select_option("#f-category", "kuliner")
        page.check("input[name=agree]")
        page.click("main form button[type=submit]")

    fill("(0541) 741234")  # a Samarinda landline: no WhatsApp there
    error = page.locator("#e-phone")
    error.wait_for()
    assert "08" in error.inner_text()
    fill("0812 5555 0101")
    page.wait_for_url(f"**/exhibitor/apply/{slug}")


def _adds_product_with_big_photo(page, photo: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/exhibitor/products")
    assert "8 MB" in page.inner_text(".product-form")
    page.fill("#f-name", "Amplang ikan pipih 250 g")
    page.fill("#f-price_min", "Rp 25.000")
    page.fill("#f-price_max", "Rp 30.000")
    photo.write_bytes(_big_photo())
    page.set_input_files("#f-photo", str(photo), timeout=30_000)  # a path: no 14 MB copy
    page.wait_for_function(
        "document.querySelector('#f-photo-status').textContent.length > 0"
        " && !document.querySelector('#f-photo').hasAttribute('data-shrinking')",
        timeout=20_000)
    chosen = page.evaluate("(() => { const f = document.querySelector('#f-photo').files[0];"
                           " return {type: f.type, size: f.size, name: f.name}; })()")
    assert chosen["type"] == "image/jpeg" and chosen["size"] <= MAX_PHOTO, chosen
    assert chosen["name"].endswith(".jpg")
    page.click(".product-form button[type=submit]")
    page.wait_for_url("**/exhibitor/products")
    product = page.locator(".product", has_text="Amplang ikan pipih")
    assert "25.000" in product.inner_text()
    assert product.locator("img").count() == 1  # the server took the shrunk photo


def _upload(page, kind: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/exhibitor/documents")
    page.select_option("#f-kind", kind)
    page.set_input_files("#f-file", {"name": f"{kind}.pdf", "mimeType": "application/pdf",
                                     "buffer": PDF})
    page.click(".document-form button[type=submit]")
    page.wait_for_url("**/exhibitor/documents")


def _sends_once_documents_are_there(page, slug: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/exhibitor/apply/{slug}")
    assert "halal" in page.inner_text("#required-documents").lower()
    page.check("input[name=terms]")
    page.click("button[name=action][value=submit]")
    alert = page.locator(".alert-error")
    alert.wait_for()
    assert "BPOM" in alert.inner_text()
    page.click("#upload-documents")
    page.wait_for_url("**/exhibitor/documents")
    _upload(page, "bpom")  # PIRT or BPOM: either will do
    _upload(page, "halal")
    page.goto(f"/exhibitor/apply/{slug}")
    assert page.locator("#upload-documents").count() == 0
    page.check("input[name=terms]")
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/exhibitor")


def test_setup_checklist_and_required_documents_journey(browser, live_server, tmp_path):  # type: ignore[no-untyped-def]
    slug = f"uji-{uuid.uuid4().hex[:6]}"
    for step in ("committee", "producer"):
        context = browser.new_context(viewport={"width": 390, "height": 800},
                                      base_url=live_server.url)
        context.set_default_timeout(20_000)  # eight test runs share two cores
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, seen=errors: seen.append(str(exc)))
        try:
            if step == "committee":
                _committee_sets_up(page, slug)
            else:
                _producer_signs_up(page, slug, f"sri.{slug}@example.id")
                _adds_product_with_big_photo(page, tmp_path / "IMG_20270817.png")
                _sends_once_documents_are_there(page, slug)
        finally:
            context.close()
        assert errors == [], errors
