"""The gate's fast path (issue 17): scans skip the page middlewares but keep the Host check,
the body limit and the same answers; the access log leaves accepted scans out; on
PostgreSQL every scan, whatever its answer, is one statement."""

import asyncio
import datetime as dt
import logging

import pytest

from expo.app import create_app, quiet_scans
from expo.visitors import checkin, scanstore, service
from expo.visitors.api import SCAN_PATH, ScanFastPath
from expo.visitors.checkin import Refusal, ScanInput
from expo.visitors.models import GateRules, Scan
from tests.factories import make_event
from tests.visitors.helpers import SIGNER, code_of, make_visitor


@pytest.fixture
def db(scan_db):
    return scan_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()


async def setup():
    event = await make_event(starts_on=dt.date.today(), days=1, opens="00:00", closes="23:59",
                             timezone="UTC")
    await GateRules.create(event=event, reentry=False, enforce_hours=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    _token, plain = await service.create_device_token(event=event, gate=gate, by=None)
    return event, gate, {"Authorization": f"Bearer {plain}"}


def test_the_fast_path_sits_right_after_the_host_check(settings):
    app = create_app(settings, manage_db=False)
    names = [m.cls.__name__ for m in app.user_middleware]
    assert names[:3] == ["HostMiddleware", "ScanFastPath", "CompressionMiddleware"]


def test_scan_paths():
    assert SCAN_PATH.fullmatch("/api/v1/events/hkn/scans").group(1) == "hkn"
    assert SCAN_PATH.fullmatch("/api/v1/events/hkn/scans/batch").group(2) == "/batch"
    for other in ("/api/v1/events/hkn/scans/", "/api/v1/events/hkn/search",
                  "/x/api/v1/events/hkn/scans", "/api/v1/events/a/b/scans"):
        assert SCAN_PATH.fullmatch(other) is None


async def test_a_scan_needs_no_session_nor_csrf_and_sets_no_cookie(client):
    event, _gate, auth = await setup()
    visitor = await make_visitor(event)
    response = await client.post(f"/api/v1/events/{event.slug}/scans",
                                 json={"code": code_of(visitor)}, headers=auth)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert "set-cookie" not in response.headers
    assert response.headers["content-type"] == "application/json"


async def test_errors_are_the_same_json_as_through_the_full_stack(client):
    event, _gate, auth = await setup()
    url = f"/api/v1/events/{event.slug}/scans"
    unauthorised = await client.post(url, json={"code": "x"})
    assert unauthorised.status_code == 401 and unauthorised.json()["error"] == "unauthorized"
    assert "Authorization: Bearer" in unauthorised.json()["message"]
    missing = await client.post("/api/v1/events/tidak-ada/scans", json={"code": "x"},
                                headers=auth)
    assert missing.status_code == 404 and missing.json()["message"]
    malformed = await client.post(url, content=b"{", headers=auth)
    assert malformed.status_code == 400 and malformed.json()["error"] == "malformed_json"


async def test_other_methods_and_paths_go_through_the_router(client):
    event, _gate, auth = await setup()
    wrong = await client.get(f"/api/v1/events/{event.slug}/scans", headers=auth)
    assert wrong.status_code == 405
    counters = await client.get(f"/api/v1/events/{event.slug}/counters", headers=auth)
    assert counters.status_code == 200 and "checked_in" in counters.json()


async def test_a_forged_host_is_refused_before_the_fast_path(client):
    event, _gate, auth = await setup()
    response = await client.post(f"/api/v1/events/{event.slug}/scans", json={"code": "x"},
                                 headers={**auth, "Host": "evil.example"})
    assert response.status_code == 400
    assert not await Scan.filter(event=event).exists()


async def _fast_call(headers: list[tuple[bytes, bytes]], chunks: list[bytes],
                     settings) -> list[dict]:
    answered: list[dict] = []

    async def never(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("passed on")

    fast = ScanFastPath(never, max_body_size=100)
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                for i, c in enumerate(chunks)]

    async def receive():
        return messages.pop(0)

    async def send(message):
        answered.append(message)

    class State:
        pass

    class App:
        state = State()

    App.state.settings = settings
    scope = {"type": "http", "method": "POST", "path": "/api/v1/events/hkn/scans",
             "headers": headers, "query_string": b"", "app": App(), "scheme": "http",
             "server": ("127.0.0.1", 80), "root_path": ""}
    await fast(scope, receive, send)
    return answered


async def test_the_body_limit_holds_on_the_fast_path(db, settings):
    event, _gate, auth = await setup()
    await event.__class__.filter(id=event.id).update(slug="hkn")
    bearer = (b"authorization", auth["Authorization"].encode())
    said = await _fast_call([bearer, (b"content-length", b"160")], [b"x" * 160], settings)
    assert said[0]["status"] == 413 and b"too_large" in said[1]["body"]
    # No length said (or a lie): counted as it arrives.
    unsaid = await _fast_call([bearer], [b"x" * 80, b"x" * 80], settings)
    assert unsaid[0]["status"] == 413 and b"too_large" in unsaid[1]["body"]
    fine = await _fast_call([bearer], [b'{"code": "x"}'], settings)
    assert fine[0]["status"] == 200 and b"invalid" in fine[1]["body"]


def _record(method: str, path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                             '%s - "%s %s HTTP/%s" %d',
                             ("127.0.0.1:5000", method, path, "1.1", status), None)


def test_the_access_log_leaves_out_accepted_scans_only():
    assert not quiet_scans(_record("POST", "/api/v1/events/hkn/scans", 200))
    assert not quiet_scans(_record("POST", "/api/v1/events/hkn/scans/batch", 200))
    assert quiet_scans(_record("POST", "/api/v1/events/hkn/scans", 401))
    assert quiet_scans(_record("GET", "/api/v1/events/hkn/counters", 200))
    assert quiet_scans(_record("POST", "/login", 303))
    assert quiet_scans(logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "x", None,
                                         None))


def _count_statements(monkeypatch, backend: str = "postgres") -> list[str]:
    """The statements sent from now on: SQLite through the scan store's generator, PostgreSQL
    as asyncpg sends them (each one round trip)."""
    import asyncpg

    statements: list[str] = []
    advance = scanstore._advance

    def counting(steps, answer):
        statement, result = advance(steps, answer)
        if statement is not None:
            statements.append(statement[1])
        return statement, result

    if backend != "postgres":
        monkeypatch.setattr(scanstore, "_advance", counting)
        return statements
    for name in ("fetch", "fetchrow", "execute"):
        original = getattr(asyncpg.connection.Connection, name)

        async def sent(self, query, *args, _original=original, **kw):
            statements.append(query)
            return await _original(self, query, *args, **kw)

        monkeypatch.setattr(asyncpg.connection.Connection, name, sent)
    return statements


async def test_a_scan_is_one_statement_on_postgresql_whatever_the_answer(db, monkeypatch):
    statements = _count_statements(monkeypatch, db)
    event, gate, _auth = await setup()
    ctx = await checkin.gate_context(event=event)
    visitor = await make_visitor(event)

    async def scan(**kw):
        statements.clear()
        result = await checkin.record_scan(ctx=ctx, scan=ScanInput(**kw), signer=SIGNER,
                                           gate_id=gate.id, gate_name=gate.name)
        return result, len(statements)

    code = code_of(visitor)
    fresh, n_fresh = await scan(code=code, nonce="a")
    rescan, n_rescan = await scan(code=code, nonce="b")
    retry, n_retry = await scan(code=code, nonce="b")
    forced, n_forced = await scan(code=code, nonce="c", offline=True)
    leave, n_leave = await scan(code=code, nonce="d", direction="out")
    assert fresh.ok and rescan.reason == Refusal.ALREADY_INSIDE
    assert (retry.reason, retry.at, retry.name) == (rescan.reason, rescan.at, rescan.name)
    assert forced.forced and leave.ok
    if db == "postgres":
        # A retried nonce: the statement, refused by the unique index, then the stored answer.
        assert (n_fresh, n_rescan, n_retry, n_forced, n_leave) == (1, 1, 2, 1, 1)
    else:  # SQLite: statements on the same connection, no round trips
        assert (n_fresh, n_rescan) == (2, 3)  # UPDATE, INSERT; UPDATE, SELECT, INSERT
    assert await Scan.filter(event=event).count() == 4


async def test_scans_waiting_together_go_as_one_statement_on_postgresql(pg_db, monkeypatch):
    event, gate, _auth = await setup()
    ctx = await checkin.gate_context(event=event)
    people = [await make_visitor(event, name=f"Pengunjung {i}") for i in range(12)]
    first = await checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(people[0]),
                                                              nonce="first"), signer=SIGNER)
    assert first.ok
    statements = _count_statements(monkeypatch)

    def scan(person, nonce, **kw):
        return checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(person), nonce=nonce,
                                                           **kw),
                                   signer=SIGNER, gate_id=gate.id, gate_name=gate.name)

    results = await asyncio.gather(
        *[scan(p, f"n{i}") for i, p in enumerate(people)],  # people[0] is inside already
        scan(people[1], "again"),  # the same ticket twice: a later group
        scan(people[2], "n2"),  # a nonce twice: its first answer
        scan(people[0], "first"),  # a nonce of an earlier group
        scan(people[3], "forced", offline=True))
    assert [r.status for r in results[:12]] == ["rejected"] + ["ok"] * 11
    assert results[0].reason == Refusal.ALREADY_INSIDE
    assert results[12].reason == Refusal.ALREADY_INSIDE  # after its first scan
    assert results[13].ok and results[13].at == results[2].at  # the stored first answer
    assert results[14].ok and results[14].at == first.at
    assert results[15].forced and results[15].reason == Refusal.ALREADY_INSIDE
    assert len(statements) < len(results)  # groups, not a statement per scan
    assert any("unnest" in sql for sql in statements)
    assert await Scan.filter(event=event, ok=True).count() == 12
    assert await Scan.filter(event=event).count() == 15  # the repeated nonces: no new row


async def test_a_scan_postgresql_refuses_fails_alone_in_its_group(pg_db):
    from tortoise import connections

    event, gate, _auth = await setup()
    ctx = await checkin.gate_context(event=event)
    people = [await make_visitor(event, name=f"Pengunjung {i}") for i in range(6)]
    await connections.get("default").execute_script(
        "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.nonce = 'poison' THEN RAISE EXCEPTION 'poisoned scan'; END IF; RETURN NEW; "
        "END $$; CREATE TRIGGER refuse_poison BEFORE INSERT ON visitor_scans FOR EACH ROW "
        "EXECUTE FUNCTION refuse_poison();")
    outcomes = await asyncio.gather(
        *[checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(p),
                                                      nonce="poison" if i == 3 else f"n{i}"),
                              signer=SIGNER, gate_id=gate.id) for i, p in enumerate(people)],
        return_exceptions=True)
    assert isinstance(outcomes[3], Exception) and "poisoned scan" in str(outcomes[3])
    assert [o.status for i, o in enumerate(outcomes) if i != 3] == ["ok"] * 5
    assert await Scan.filter(event=event).count() == 5
