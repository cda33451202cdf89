"""Sessions over HTTP: signing out ends the session for every copy of its cookie."""

import base64
import json

import httpx
import pytest_asyncio
from bs4 import BeautifulSoup

from expo.accounts.models import UserSession
from expo.audit.models import AuditEntry
from expo.security import token_digest
from tests.conftest import Client
from tests.factories import PASSWORD, make_user

COOKIE = "expo_session"
PHONE = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0.0.0 Mobile Safari/537.36")
LAPTOP = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _sid(c: Client) -> str:
    """The session id inside a client's signed session cookie."""
    payload = c.cookies.get(COOKIE).split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


@pytest_asyncio.fixture
async def browsers(app):
    """Make more clients (browsers) on the same app: ``await browsers(user_agent, cookie)``."""
    opened: list[Client] = []

    async def open_browser(user_agent: str = LAPTOP, cookie: str | None = None) -> Client:
        c = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                   headers={"user-agent": user_agent},
                   cookies={COOKIE: cookie} if cookie else None)
        opened.append(c)
        return c

    yield open_browser
    for c in opened:
        await c.aclose()


async def _signed_in(response: httpx.Response) -> bool:
    if response.status_code == 200:
        return True
    assert response.status_code == 303
    assert response.headers["location"].startswith("http://testserver/login?next=")
    return False


async def test_logout_ends_a_copied_session_cookie(client, browsers, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    copy = await browsers(cookie=client.cookies.get(COOKIE))
    assert await _signed_in(await copy.get("/manage"))
    assert (await client.submit("/logout")).status_code == 303
    replay = await browsers(cookie=copy.cookies.get(COOKIE))
    assert not await _signed_in(await replay.get("/manage"))
    assert not await _signed_in(await client.get("/manage"))


async def test_password_change_ends_a_copied_session_cookie(client, browsers, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    copy = await browsers(cookie=client.cookies.get(COOKIE))
    changed = await client.submit("/account/password", {
        "current_password": PASSWORD, "new_password": "new-password-1",
        "new_password2": "new-password-1"})
    assert changed.status_code == 303
    assert not await _signed_in(await copy.get("/manage"))
    assert await _signed_in(await client.get("/manage"))
    page = await client.get("/account/sessions")
    assert len(soup(page).select("#sessions tbody tr")) == 1


async def test_sign_out_everywhere_from_another_session_ends_this_one(client, browsers, db):
    user = await make_user()
    phone = await browsers(PHONE)
    await phone.login(user.email, PASSWORD)
    await client.login(user.email, PASSWORD)
    response = await client.submit("/account/sessions/end-all")
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/login"
    assert not await _signed_in(await phone.get("/manage"))
    assert not await _signed_in(await client.get("/manage"))
    entry = await AuditEntry.get(action="expo.user.sessions_revoked", actor_id=user.id)
    assert entry.data == {"count": 2, "scope": "all"}


async def test_sign_out_everywhere_else_keeps_this_session(client, browsers, db):
    user = await make_user()
    phone = await browsers(PHONE)
    await phone.login(user.email, PASSWORD)
    await client.login(user.email, PASSWORD)
    response = await client.submit("/account/sessions/end-others")
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/account/sessions"
    assert not await _signed_in(await phone.get("/manage"))
    assert await _signed_in(await client.get("/manage"))
    entry = await AuditEntry.get(action="expo.user.sessions_revoked", actor_id=user.id)
    assert entry.data == {"count": 1, "scope": "others"}


async def test_sessions_page_lists_own_live_sessions_and_marks_this_one(browsers, db):
    user, other = await make_user(), await make_user()
    phone = await browsers(PHONE)
    await phone.login(user.email, PASSWORD)
    stranger = await browsers(PHONE)
    await stranger.login(other.email, PASSWORD)
    gone = await browsers(PHONE)
    await gone.login(user.email, PASSWORD)
    await gone.submit("/logout")
    laptop = await browsers(LAPTOP)
    await laptop.login(user.email, PASSWORD)
    page = soup(await laptop.get("/account/sessions"))
    rows = page.select("#sessions tbody tr")
    assert len(rows) == 2
    current = page.select("#sessions tbody tr.current")
    assert len(current) == 1 and current[0].select_one(".badge")
    assert current[0].td.contents[0].strip() == "Firefox, Linux"
    assert {r.td.contents[0].strip() for r in rows} == {"Chrome, Android", "Firefox, Linux"}
    assert page.select_one("form[action$='/account/sessions/end-others'] input[name=csrf_token]")
    assert page.select_one("form[action$='/account/sessions/end-all'] input[name=csrf_token]")


async def test_session_routes_need_sign_in_and_the_csrf_token(client, browsers, db):
    anonymous = await browsers()
    assert not await _signed_in(await anonymous.get("/account/sessions"))
    user = await make_user()
    await client.login(user.email, PASSWORD)
    row = await UserSession.get(user=user)
    for url in ["/account/sessions/end-others", "/account/sessions/end-all",
                f"/account/sessions/{row.id}/end"]:
        missing = await client.post(url)
        assert missing.status_code == 403, url
        forged = await client.post(url, data={"csrf_token": "forged"})
        assert forged.status_code == 403, url
    assert await _signed_in(await client.get("/manage"))
    assert not await AuditEntry.exists(action="expo.user.sessions_revoked")


async def test_session_end_refuses_another_users_session_id(client, browsers, db):
    user, other = await make_user(), await make_user()
    theirs = await browsers(PHONE)
    await theirs.login(other.email, PASSWORD)
    mine = await browsers(PHONE)
    await mine.login(user.email, PASSWORD)
    await client.login(user.email, PASSWORD)
    their_row = await UserSession.get(user=other)
    refused = await client.submit(f"/account/sessions/{their_row.id}/end")
    assert refused.status_code == 404
    assert await _signed_in(await theirs.get("/manage"))
    my_phone = await UserSession.get(digest=token_digest(_sid(mine)))
    ended = await client.submit(f"/account/sessions/{my_phone.id}/end")
    assert ended.status_code == 303
    assert not await _signed_in(await mine.get("/manage"))
    assert await _signed_in(await client.get("/manage"))
    assert (await client.submit(f"/account/sessions/{my_phone.id}/end")).status_code == 404

