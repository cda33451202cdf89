import asyncio
import re

from bs4 import BeautifulSoup

from expo.accounts.models import EventRole, Role, User
from expo.accounts.service import MAX_FAILURES
from expo.outbox import OutboxMessage
from tests.factories import PASSWORD, make_event, make_user


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


async def test_login_page_renders_in_indonesian(client, db):
    response = await client.get("/login")
    assert response.status_code == 200
    assert soup(response).select_one("html")["lang"] == "id"
    assert soup(response).select_one("input[name=csrf_token]")


async def test_login_wrong_password_shows_message(client, db):
    user = await make_user()
    await client.fetch_csrf()
    response = await client.submit("/login", {"email": user.email, "password": "wrong"})
    assert response.status_code == 400
    assert soup(response).select_one(".alert-error")
    assert "wrong" not in (soup(response).select_one("#f-password").get("value") or "")


async def test_login_throttled_after_repeated_failures(client, db):
    user = await make_user()
    await client.fetch_csrf()
    for _ in range(MAX_FAILURES):
        await client.submit("/login", {"email": user.email, "password": "wrong"})
    response = await client.submit("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert soup(response).select_one(".alert-error")


async def test_login_refuses_parallel_guesses_beyond_the_limit(client, db):
    user = await make_user()
    await client.fetch_csrf()
    responses = await asyncio.gather(*[
        client.submit("/login", {"email": user.email, "password": f"guess-{i}"})
        for i in range(30)])
    statuses = [r.status_code for r in responses]
    assert statuses.count(400) <= MAX_FAILURES
    assert statuses.count(429) == 30 - statuses.count(400)


async def test_login_redirects_to_safe_next_only(client, db):
    user = await make_user()
    await client.fetch_csrf()
    response = await client.submit("/login", {"email": user.email, "password": PASSWORD,
                                              "next": "https://evil.example/x"})
    assert response.headers["location"] == "/manage"


async def test_anonymous_is_sent_to_login(client, db):
    event = await make_event()
    for url in ["/manage", f"/manage/e/{event.slug}", f"/manage/e/{event.slug}/audit",
                "/account/password", "/outbox"]:
        response = await client.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("http://testserver/login?next=")


async def test_wrong_role_gets_403_page(client, db):
    event = await make_event()
    gate = await make_user(event=event, role=Role.GATE)
    await client.login(gate.email, PASSWORD)
    for url in [f"/manage/e/{event.slug}/edit", f"/manage/e/{event.slug}/team",
                f"/manage/e/{event.slug}/audit", "/outbox"]:
        response = await client.get(url)
        assert response.status_code == 403, url
        assert soup(response).select_one(".error-code").text == "403"
    assert (await client.get(f"/manage/e/{event.slug}")).status_code == 200


async def test_role_on_one_event_gives_nothing_on_another(client, db):
    mine, other = await make_event(), await make_event()
    user = await make_user(event=mine, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    assert (await client.get(f"/manage/e/{other.slug}")).status_code == 403
    assert (await client.get("/manage/e/no-such-event")).status_code == 404


async def test_logout_ends_the_session(client, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    response = await client.submit("/logout")
    assert response.status_code == 303
    assert (await client.get("/manage")).status_code == 303


async def test_change_password_flow(client, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    bad = await client.submit("/account/password", {"current_password": "nope",
                                                    "new_password": "x" * 12,
                                                    "new_password2": "x" * 12})
    assert bad.status_code == 422
    assert soup(bad).select_one(".has-error #f-current_password")
    ok = await client.submit("/account/password", {"current_password": PASSWORD,
                                                   "new_password": "new-password-1",
                                                   "new_password2": "new-password-1"})
    assert ok.status_code == 303
    assert (await client.get("/manage")).status_code == 200  # this session survives


async def test_password_change_ends_other_sessions(client, app, db):
    import httpx

    from tests.conftest import Client

    user = await make_user()
    await client.login(user.email, PASSWORD)
    async with Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        await other.login(user.email, PASSWORD)
        await client.submit("/account/password", {"current_password": PASSWORD,
                                                   "new_password": "new-password-1",
                                                   "new_password2": "new-password-1"})
        assert (await other.get("/manage")).status_code == 303


async def test_forgot_and_reset_password_through_outbox(client, db):
    user = await make_user()
    await client.fetch_csrf()
    response = await client.submit("/password/forgot", {"email": user.email})
    assert response.status_code == 200
    unknown = await client.submit("/password/forgot", {"email": "nobody@x.id"})
    assert unknown.status_code == 200  # same answer: no account probing
    mail = await OutboxMessage.get(to=user.email)
    link = re.search(r"http://testserver(/password/reset\?token=\S+)", mail.body).group(1)
    page = await client.get(link)
    assert page.status_code == 200
    token = soup(page).select_one("input[name=token]")["value"]
    short = await client.submit("/password/reset", {"token": token, "password": "short",
                                                    "password2": "short"})
    assert short.status_code == 422
    done = await client.submit("/password/reset", {"token": token, "password": "fresh-secret-9",
                                                   "password2": "fresh-secret-9"})
    assert done.status_code == 303
    again = await client.get(link)
    assert again.status_code == 400


async def test_forgot_password_validates_email(client, db):
    await client.fetch_csrf()
    response = await client.submit("/password/forgot", {"email": "not-an-email"})
    assert response.status_code == 422


async def test_language_switch_persists_and_updates_account(client, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    response = await client.submit("/lang", {"lang": "en", "next": "/manage"})
    assert response.status_code == 303 and response.headers["location"] == "/manage"
    page = await client.get("/manage")
    assert soup(page).select_one("html")["lang"] == "en"
    assert (await User.get(id=user.id)).locale == "en"
    bad = await client.submit("/lang", {"lang": "xx"})
    assert bad.status_code == 422


async def test_outbox_is_for_superusers(client, db):
    admin = await make_user(superuser=True)
    await OutboxMessage.create(to="a@b.id", subject="Halo", body="isi")
    await client.login(admin.email, PASSWORD)
    response = await client.get("/outbox")
    assert response.status_code == 200 and "Halo" in response.text


async def test_team_invite_and_revoke(client, db):
    event = await make_event()
    boss = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(boss.email, PASSWORD)
    url = f"/manage/e/{event.slug}/team"
    bad = await client.submit(url, {"email": "nope", "role": "gate"})
    assert bad.status_code == 422
    ok = await client.submit(url, {"email": "petugas@x.id", "name": "Petugas", "role": "gate"})
    assert ok.status_code == 303
    member = await User.get(email="petugas@x.id")
    assert await EventRole.exists(event=event, user=member, role=Role.GATE)
    page = await client.get(url)
    assert "petugas@x.id" in page.text
    gone = await client.submit(f"{url}/revoke", {"user_id": member.id, "role": "gate"})
    assert gone.status_code == 303
    assert not await EventRole.exists(event=event, user=member)
    missing = await client.submit(f"{url}/revoke", {"user_id": 99999, "role": "gate"})
    assert missing.status_code == 404
    invalid = await client.submit(f"{url}/revoke", {"user_id": "x", "role": "nope"})
    assert invalid.status_code == 422
