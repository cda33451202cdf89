"""Server-side sessions: only digests stored, ended on the server, cheap to load."""

import datetime as dt

import pytest
from starlette.requests import HTTPConnection
from tortoise import connections

from expo.accounts import service, sessions
from expo.accounts.models import User, UserSession
from expo.accounts.permissions import SESSION_KEY, load_session_user
from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.security import token_digest
from tests.factories import make_user

T0 = dt.datetime(2027, 4, 20, 1, 0, tzinfo=dt.UTC)
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36")


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = T0

    monkeypatch.setattr(sessions, "_now", lambda: Clock.now)
    return Clock


@pytest.fixture
def queries(monkeypatch):
    """The SQL statements sent to the default connection."""
    sent: list[str] = []
    client = type(connections.get("default"))
    for name in ("execute_query", "execute_query_dict", "execute_insert"):
        original = getattr(client, name)

        async def counted(self, sql, *args, _original=original, **kwargs):
            sent.append(sql)
            return await _original(self, sql, *args, **kwargs)

        monkeypatch.setattr(client, name, counted)
    return sent


def _connection(token: str) -> HTTPConnection:
    return HTTPConnection({"type": "http", "headers": [], "state": {},
                           "session": {SESSION_KEY: token}})


async def test_start_session_stores_only_the_digest_of_a_random_id(db):
    user = await make_user()
    token, row = await sessions.start_session(user=user, user_agent=ANDROID_CHROME,
                                              ip="10.1.2.3")
    other, _ = await sessions.start_session(user=user)
    assert len(token) >= 40 and token != other
    stored = await UserSession.get(id=row.id).values()
    assert stored["digest"] == token_digest(token)
    assert all(token not in str(value) for value in stored.values())
    assert stored["agent"] == "Chrome, Android" and stored["ip"] == "10.1.2.3"
    assert stored["user_id"] == user.id and stored["revoked_at"] is None


async def test_active_session_refuses_ended_expired_and_deactivated(db, clock):
    user = await make_user()
    ended, _ = await sessions.start_session(user=user)
    await sessions.end_session(ended)
    assert await sessions.active_session(ended) is None
    idle, _ = await sessions.start_session(user=user)
    clock.now = T0 + sessions.SESSION_TTL + dt.timedelta(seconds=1)
    assert await sessions.active_session(idle) is None
    live, _ = await sessions.start_session(user=user)
    assert (await sessions.active_session(live)).user.id == user.id
    await User.filter(id=user.id).update(is_active=False)
    assert await sessions.active_session(live) is None
    assert await sessions.active_session("no-such-session") is None


async def test_active_session_slides_the_expiry_with_use(db, clock):
    user = await make_user()
    token, _ = await sessions.start_session(user=user)
    clock.now = T0 + dt.timedelta(days=10)
    assert await sessions.active_session(token) is not None
    clock.now = T0 + dt.timedelta(days=20)  # 14 days after it was last used, not after sign-in
    assert await sessions.active_session(token) is not None


async def test_load_session_user_is_one_query_and_touches_last_seen_rarely(db, clock, queries):
    user = await make_user()
    token, row = await sessions.start_session(user=user)

    async def load() -> list[str]:
        queries.clear()
        conn = _connection(token)
        assert (await load_session_user(conn)).id == user.id
        assert conn.scope["state"]["session_id"] == row.id
        return [sql.split()[0] for sql in queries]

    assert await load() == ["SELECT"]
    clock.now = T0 + sessions.TOUCH_EVERY - dt.timedelta(seconds=1)
    assert await load() == ["SELECT"]  # last seen is fresh enough: no write
    assert (await UserSession.get(id=row.id)).last_seen_at == T0
    clock.now = T0 + sessions.TOUCH_EVERY
    assert await load() == ["SELECT", "UPDATE"]  # once in a few minutes
    assert (await UserSession.get(id=row.id)).last_seen_at == clock.now
    assert await load() == ["SELECT"]


async def test_load_session_user_forgets_an_ended_session_and_old_cookies(db):
    user = await make_user()
    token, _ = await sessions.start_session(user=user)
    await sessions.end_session(token)
    conn = _connection(token)
    assert await load_session_user(conn) is None
    assert SESSION_KEY not in conn.session
    legacy = HTTPConnection({"type": "http", "headers": [], "state": {},
                             "session": {"uid": user.id, "ep": 0}})
    assert await load_session_user(legacy) is None
    assert legacy.session == {}


async def test_sign_out_everywhere_keeps_only_the_current_session_and_audits(db):
    user, other = await make_user(), await make_user()
    here, row = await sessions.start_session(user=user)
    there, _ = await sessions.start_session(user=user)
    elsewhere, _ = await sessions.start_session(user=other)
    ended = await sessions.sign_out_everywhere(user=user, current_id=row.id, keep_current=True)
    assert ended == 1
    assert await sessions.active_session(here) is not None
    assert await sessions.active_session(there) is None
    assert await sessions.active_session(elsewhere) is not None
    assert await sessions.sign_out_everywhere(user=user, current_id=row.id,
                                              keep_current=False) == 1
    assert await sessions.active_session(here) is None
    entries = await AuditEntry.filter(action="expo.user.sessions_revoked",
                                      actor=user).order_by("id")
    assert [e.data["scope"] for e in entries] == ["others", "all"]


async def test_end_one_refuses_another_users_session(db):
    user, other = await make_user(), await make_user()
    theirs, row = await sessions.start_session(user=other)
    with pytest.raises(DomainError) as err:
        await sessions.end_one(user=user, session_id=row.id)
    assert err.value.code == "not_found"
    assert await sessions.active_session(theirs) is not None
    await sessions.end_one(user=other, session_id=row.id)
    assert await sessions.active_session(theirs) is None


async def test_start_session_deletes_long_ended_sessions(db, clock):
    user = await make_user()
    old, old_row = await sessions.start_session(user=user)
    await sessions.end_session(old)
    recent, recent_row = await sessions.start_session(user=user)
    clock.now = T0 + sessions.KEEP_ENDED + dt.timedelta(days=1)
    await sessions.end_session(recent)
    await sessions.start_session(user=user)
    assert not await UserSession.exists(id=old_row.id)
    assert await UserSession.exists(id=recent_row.id)


async def test_password_reset_ends_every_session(db):
    user = await make_user()
    token, _ = await sessions.start_session(user=user)
    link = await service.create_password_token(user=user)
    await service.set_password_with_token(token=link, password="brand-new-secret")
    assert await sessions.active_session(token) is None


async def test_deactivate_user_ends_sessions_and_is_for_superusers(db):
    admin, user = await make_user(superuser=True), await make_user()
    token, _ = await sessions.start_session(user=user)
    with pytest.raises(DomainError) as err:
        await service.deactivate_user(user=admin, by=user)
    assert err.value.code == "forbidden"
    with pytest.raises(DomainError) as err:
        await service.deactivate_user(user=admin, by=admin)
    assert err.value.code == "own_account"
    await service.deactivate_user(user=user, by=admin)
    assert not (await User.get(id=user.id)).is_active
    assert await UserSession.filter(user=user, revoked_at=None).count() == 0
    assert await sessions.active_session(token) is None
    assert await AuditEntry.exists(action="expo.user.deactivated", actor=admin)


@pytest.mark.parametrize(("agent", "summary"), [
    (ANDROID_CHROME, "Chrome, Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari, iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge, Windows"),
    ("Mozilla/5.0 (Linux; Android 13; SM-A125F) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet, Android"),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
     "Firefox, Linux"),
    ("curl/8.5.0", ""),
])
def test_describe_agent_names_browser_and_system(agent, summary):
    assert sessions.describe_agent(agent) == summary
