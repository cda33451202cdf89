"""Error pages that never strand anyone: in the person's language, with a way back to where
they were (this site only), a form sent after its session ended given back as typed, a booth
row that does not fit shown on the form, and the scanner's words for a missing token and
for camera failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from bs4 import BeautifulSoup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role, UserSession
from expo.accounts.routes import LOCALE_COOKIE as ACCOUNTS_LOCALE_COOKIE
from expo.booths.models import Booth
from expo.errors import STASH_MAX_VALUE, DomainError
from expo.i18n import LOCALE_COOKIE
from tests.booths.factories import make_hall, make_row
from tests.conftest import Client
from tests.factories import PASSWORD, make_event, make_user

SITE = "http://testserver"


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def stash_of(response: httpx.Response) -> dict[str, object] | None:
    tag = soup(response).select_one("script#form-stash")
    return json.loads(tag.string) if tag else None


def actions(response: httpx.Response) -> dict[str, str]:
    return {a.get("id", a["href"]): a["href"] for a in soup(response).select(".actions a[href]")}


async def _committee_world(client: Client):  # type: ignore[no-untyped-def]
    event = await make_event()
    hall = await make_hall(event, width=30, depth=10)
    booths = await make_row(hall, 3)
    committee = await make_user(event=event, role=Role.COMMITTEE)
    return event, hall, booths, committee


# ---- the form whose session ended ------------------------------------------------------------


async def test_expired_form_is_403_in_indonesian_with_the_typed_fields_and_a_way_back(
        client: Client, db: str) -> None:
    event, hall, _booths, committee = await _committee_world(client)
    await client.login(committee.email, PASSWORD)
    plan = f"/manage/e/{event.slug}/booths?hall={hall.id}"
    client.cookies.delete("expo_session")  # signed out in another tab: session and token gone
    await client.fetch_csrf("/login")  # a new session whose token the old form does not carry
    response = await client.post(f"/manage/e/{event.slug}/booths/add", data={
        "csrf_token": "the-old-token", "hall": str(hall.id), "code": "B-07", "zone": "Kuliner",
        "password": "never-kept", "x": "1"}, headers={"referer": SITE + plan, "origin": SITE})
    assert response.status_code == 403
    page = soup(response)
    assert page.select_one("h1").text == "Formulir kedaluwarsa"  # not "Access denied"
    assert "Masuk lagi" in page.select_one(".lead").text
    assert page.select_one(".error-page")["data-code"] == "csrf_failed"
    links = actions(response)
    assert links["error-back"] == plan
    assert links["sign-in-again"].startswith("/login?next=")
    assert httpx.URL(links["sign-in-again"]).params["next"] == plan
    stash = stash_of(response)
    assert stash is not None and stash["action"] == f"/manage/e/{event.slug}/booths/add"
    kept = dict(stash["fields"])  # type: ignore[arg-type]
    assert kept == {"hall": str(hall.id), "code": "B-07", "zone": "Kuliner", "x": "1"}
    assert page.select_one("#kept-note")
    assert not await Booth.filter(code="B-07").exists()


async def test_expired_form_from_another_site_keeps_nothing_and_offers_no_way_back_there(
        client: Client, db: str) -> None:
    await client.fetch_csrf("/login")
    response = await client.post("/login", data={"csrf_token": "forged", "email": "a@b.id"},
                                 headers={"origin": "https://evil.example",
                                          "referer": "https://evil.example/login"})
    assert response.status_code == 403
    assert stash_of(response) is None and not soup(response).select_one("#kept-note")
    assert "error-back" not in actions(response)
    same_site_fetch = await client.post(
        "/login", data={"csrf_token": "forged", "email": "a@b.id"},
        headers={"origin": SITE, "sec-fetch-site": "cross-site"})
    assert stash_of(same_site_fetch) is None


async def test_stash_leaves_out_secrets_the_token_and_oversized_values(client: Client,
                                                                        db: str) -> None:
    await client.fetch_csrf("/login")
    response = await client.post("/login", data={
        "csrf_token": "stale", "email": "rina@example.id", "password": "s3cret-pass",
        "new_password": "x", "otp": "123456", "note": "n" * (STASH_MAX_VALUE + 1),
        "next": "/manage"}, headers={"referer": SITE + "/login?next=/manage"})
    assert response.status_code == 403
    kept = dict(stash_of(response)["fields"])  # type: ignore[index,arg-type]
    assert kept == {"email": "rina@example.id", "next": "/manage"}
    assert "s3cret-pass" not in response.text and "123456" not in response.text


async def test_expired_multipart_form_keeps_text_fields_not_files(client: Client,
                                                                   db: str) -> None:
    await client.fetch_csrf("/login")
    response = await client.post("/login", data={"csrf_token": "stale", "email": "a@b.id"},
                                 files={"photo": ("p.jpg", b"\xff\xd8data", "image/jpeg")},
                                 headers={"referer": SITE + "/login"})
    assert response.status_code == 403
    assert dict(stash_of(response)["fields"]) == {"email": "a@b.id"}  # type: ignore[index,arg-type]


async def test_session_ended_on_the_server_gives_a_sign_in_page_not_a_lost_post(
        client: Client, db: str) -> None:
    event, hall, _booths, committee = await _committee_world(client)
    await client.login(committee.email, PASSWORD)
    # Ended on the server (expired, or revoked from another device): the cookie and its
    # CSRF token are still there, the session is not.
    await UserSession.filter(user=committee).update(expires_at=datetime.now(UTC))
    plan = f"/manage/e/{event.slug}/booths"
    response = await client.submit(plan + "/add", {"hall": hall.id, "code": "C-01"},
                                   headers={"referer": SITE + plan})
    assert response.status_code == 401
    assert soup(response).select_one("h1").text == "Sesi Anda telah berakhir"
    assert httpx.URL(actions(response)["sign-in-again"]).params["next"] == plan
    assert dict(stash_of(response)["fields"])["code"] == "C-01"  # type: ignore[index,arg-type]
    signed_in = await client.post("/login", data={
        "csrf_token": client.csrf, "email": committee.email, "password": PASSWORD,
        "next": plan})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == plan


# ---- every error page in the person's language, with a way back ------------------------------


@pytest.mark.parametrize(("lang", "title_404", "title_405"), [
    (None, "Halaman tidak ditemukan", "Tindakan tidak diizinkan"),
    ("en", "Page not found", "Method not allowed"),
])
async def test_error_pages_speak_the_persons_language(client: Client, db: str, lang: str | None,
                                                      title_404: str, title_405: str) -> None:
    if lang:
        client.cookies.set("expo_lang", lang)
    missing = await client.get("/no/such/page", headers={"referer": SITE + "/katalog"})
    assert missing.status_code == 404 and soup(missing).select_one("h1").text == title_404
    assert actions(missing)["error-back"] == "/katalog"
    wrong = await client.get("/logout")
    assert wrong.status_code == 405 and soup(wrong).select_one("h1").text == title_405


async def test_the_500_page_speaks_the_chosen_language_too(settings, db) -> None:  # type: ignore[no-untyped-def]
    from expo.app import create_app

    app = create_app(settings, manage_db=False)

    async def crash(request: Request) -> Response:
        raise RuntimeError("boom")

    app.router.routes.append(Route("/crash-for-test", crash))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=SITE) as c:
        default = await c.get("/crash-for-test")
        c.cookies.set(LOCALE_COOKIE, "en")
        english = await c.get("/crash-for-test")
    assert default.status_code == 500 and soup(default).select_one("h1").text == "Terjadi kesalahan"
    assert english.status_code == 500 and soup(english).select_one("h1").text == "Something went wrong"
    assert LOCALE_COOKIE == ACCOUNTS_LOCALE_COOKIE


async def test_a_rule_refusing_a_form_on_the_bare_page_offers_the_form_back_filled(
        app, client: Client, db: str) -> None:
    async def refuse(request: Request) -> Response:
        raise DomainError("Kuota kategori ini sudah penuh.", "quota_full")

    app.router.routes.append(Route("/form-for-test", refuse, methods=["POST"]))
    response = await client.submit("/form-for-test", {"name": "Amplang Aminah"},
                                   headers={"referer": SITE + "/form-page?step=2"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("h1").text == "Periksa kembali isian Anda"
    assert "Kuota kategori" in page.select_one(".lead").text
    back = page.select_one("#error-back")
    assert back["href"] == "/form-page?step=2" and back.text == "Kembali ke formulir"
    assert dict(stash_of(response)["fields"]) == {"name": "Amplang Aminah"}  # type: ignore[index,arg-type]


async def test_413_page_is_indonesian_and_goes_back_to_the_form(client: Client, db: str) -> None:
    body = b"x" * (3 * 2**20)  # the test app's limit is 2 MiB
    response = await client.post("/login", content=body, headers={
        "content-type": "application/x-www-form-urlencoded", "referer": SITE + "/login?next=/x"})
    assert response.status_code == 413
    assert soup(response).select_one("h1").text == "Terlalu besar"
    assert actions(response)["error-back"] == "/login?next=/x"
    external = await client.post("/login", content=body, headers={
        "content-type": "application/x-www-form-urlencoded",
        "referer": "https://evil.example/login"})
    assert "error-back" not in actions(external)


async def test_a_page_that_fails_itself_is_not_offered_as_the_way_back(client: Client,
                                                                        db: str) -> None:
    response = await client.get("/no/such/page", headers={"referer": SITE + "/no/such/page"})
    assert response.status_code == 404 and "error-back" not in actions(response)


async def test_api_errors_stay_json(client: Client, db: str) -> None:
    response = await client.get("/api/v1/events/nope/offline")
    assert response.headers["content-type"].startswith("application/json")


# ---- the booth row that does not fit ------------------------------------------------------------


async def test_duplicate_row_that_does_not_fit_shows_on_the_plan_beside_that_row(
        client: Client, db: str) -> None:
    event, hall, booths, committee = await _committee_world(client)
    await client.login(committee.email, PASSWORD)
    url = f"/manage/e/{event.slug}/booths/{booths[2].id}/duplicate"
    response = await client.submit(url, {"count": "9", "direction": "down"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#booth-table")  # the plan, not the bare error page
    assert not page.select_one(".error-page")
    error = page.select_one(f"#dup-error-{booths[2].id}")
    assert error is not None and error.text.strip()
    row = page.select_one(f"#booth-table tr[data-code='{booths[2].code}']")
    assert row.select_one("input[name=count]")["value"] == "9"
    assert row.select_one("select[name=direction] option[selected]")["value"] == "down"
    assert row.select_one("input[name=count]")["aria-invalid"] == "true"
    other = page.select_one(f"#booth-table tr[data-code='{booths[0].code}']")
    assert other.select_one("input[name=count]")["value"] == "10"  # the others as they were
    assert await Booth.filter(event=event).count() == 3
    bad_count = await client.submit(url, {"count": "zero"})
    assert bad_count.status_code == 422 and soup(bad_count).select_one(f"#dup-error-{booths[2].id}")


async def test_duplicate_row_403_for_other_roles_404_for_unknown_and_csrf(client: Client,
                                                                          db: str) -> None:
    event, _hall, booths, committee = await _committee_world(client)
    exhibitor = await make_user(event=event, role=Role.EXHIBITOR)
    url = f"/manage/e/{event.slug}/booths/{booths[2].id}/duplicate"
    await client.login(exhibitor.email, PASSWORD)
    assert (await client.submit(url, {"count": "2"})).status_code == 403
    assert (await client.post(url, data={"count": "2"})).status_code == 403  # no token
    assert await Booth.filter(event=event).count() == 3
    client.cookies.clear()
    await client.login(committee.email, PASSWORD)
    assert (await client.submit(f"/manage/e/{event.slug}/booths/99999/duplicate",
                                {"count": "2"})).status_code == 404


# ---- the scanner's words ------------------------------------------------------------------------


async def test_scanner_page_explains_a_missing_token_and_names_camera_failures(
        client: Client, db: str) -> None:
    event = await make_event()
    gate = await make_user(event=event, role=Role.GATE)
    await client.login(gate.email, PASSWORD)
    page = soup(await client.get(f"/manage/e/{event.slug}/gate/scanner"))
    note = page.select_one("#no-token")
    assert note.has_attr("hidden")  # shown by scanner.js when this device has no token
    assert "token pemindai" in note.text and note["data-refused"].startswith("Kode {code}")
    assert page.select_one("#choose-gate")["href"] == f"/manage/e/{event.slug}/gate"
    status = page.select_one("#camera-status")
    for key in ("data-not-found", "data-not-allowed", "data-not-readable", "data-insecure",
                "data-failed"):
        assert status[key] and "Error" not in status[key], key
    assert "Tidak ada kamera" in status["data-not-found"]
