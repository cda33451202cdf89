"""CSRF on every kind of state-changing request, cookie flags, body limits, error pages."""

from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.app import create_app
from tests.factories import PASSWORD, make_event, make_user


async def _committee_client(client):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    return event


async def test_csrf_missing_or_wrong_on_a_plain_form_is_403(client, db):
    event = await _committee_client(client)
    url = f"/manage/e/{event.slug}/status"
    missing = await client.post(url, data={"status": "closed"})
    assert missing.status_code == 403
    assert "kedaluwarsa" in missing.text or "expired" in missing.text
    wrong = await client.post(url, data={"status": "closed", "csrf_token": "forged"})
    assert wrong.status_code == 403
    ok = await client.submit(url, {"status": "closed"})
    assert ok.status_code == 303


async def test_csrf_on_multipart_upload(client, db):
    event = await _committee_client(client)
    url = f"/manage/e/{event.slug}/status"
    files = {"attachment": ("a.txt", b"hello", "text/plain")}
    refused = await client.post(url, data={"status": "closed"}, files=files)
    assert refused.status_code == 403
    accepted = await client.post(url, data={"status": "closed", "csrf_token": client.csrf},
                                 files=files)
    assert accepted.status_code == 303


async def test_csrf_on_htmx_request_uses_the_header(client, db):
    event = await _committee_client(client)
    url = f"/manage/e/{event.slug}/status"
    headers = {"HX-Request": "true"}
    refused = await client.post(url, data={"status": "closed"}, headers=headers)
    assert refused.status_code == 403
    bad = await client.post(url, data={"status": "closed"},
                            headers=headers | {"X-CSRF-Token": "nope"})
    assert bad.status_code == 403
    ok = await client.post(url, data={"status": "closed"},
                           headers=headers | {"X-CSRF-Token": client.csrf})
    assert ok.status_code == 303


async def test_csrf_token_from_another_session_is_refused(client, app, db):
    import httpx

    from tests.conftest import Client

    event = await _committee_client(client)
    async with Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        foreign = await other.fetch_csrf()
    response = await client.post(f"/manage/e/{event.slug}/status",
                                 data={"status": "closed", "csrf_token": foreign})
    assert response.status_code == 403


async def test_session_cookie_flags(client, db):
    user = await make_user()
    response = await client.login(user.email, PASSWORD)
    cookie = response.headers["set-cookie"]
    assert "expo_session=" in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    assert PASSWORD not in cookie and user.email not in cookie


async def test_session_cookie_carries_a_random_session_id_not_the_user(client, db):
    import base64
    import json

    from expo.accounts.models import UserSession
    from expo.security import token_digest

    user = await make_user()
    await client.login(user.email, PASSWORD)
    payload = client.cookies.get("expo_session").split(".")[0]
    session = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(session) == {"sid", "csrf"}
    assert len(session["sid"]) >= 40  # 32 random bytes, URL-safe base64
    row = await UserSession.get(user=user)
    assert row.digest == token_digest(session["sid"]) != session["sid"]


async def test_session_cookie_is_secure_when_https_only(settings, db):
    import dataclasses

    import httpx

    from tests.conftest import Client

    app = create_app(dataclasses.replace(settings, https_only=True), manage_db=False)
    user = await make_user()
    async with Client(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        response = await c.login(user.email, PASSWORD)
    assert "; secure" in response.headers["set-cookie"].lower()


async def test_oversized_body_gets_the_413_page(client, db):
    await client.fetch_csrf()
    big = b"x" * (3 * 2**20)  # the test app allows 2 MiB
    response = await client.post("/login", content=big,
                                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert BeautifulSoup(response.text, "html.parser").select_one(".error-code").text == "413"


async def test_unknown_page_gets_friendly_404(client, db):
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "404" in BeautifulSoup(response.text, "html.parser").select_one(".error-code").text


async def test_server_error_gets_the_500_page(settings, db):
    import httpx
    from starlette.routing import Route

    app = create_app(settings, manage_db=False)

    async def boom(request):
        raise RuntimeError("secret-internal-detail")

    app.router.routes.append(Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.get("/boom")
    assert response.status_code == 500
    assert "secret-internal-detail" not in response.text
    assert BeautifulSoup(response.text, "html.parser").select_one(".error-code").text == "500"


async def test_templates_escape_user_input(client, db):
    event = await make_event()
    event.name = "<script>alert(1)</script>"
    await event.save()
    response = await client.get("/")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
