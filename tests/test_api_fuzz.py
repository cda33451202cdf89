"""Schemathesis against /api/v1/openapi.json: no 5xx, and answers as the document says.

The app runs under uvicorn on a loopback port (in a thread, with its own database: a SQLite
file, and a fresh PostgreSQL database when EXPO_TEST_DATABASE_URL is set), with an event,
visitors and device tokens made beforehand, so that generated requests pass the token check
and reach the handlers: the path's slug is the event's, gate operations carry a gate token
and the kiosk operation a kiosk token, and most scans carry a real ticket code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from expo.app import create_app
from expo.db import tortoise_config
from expo.settings import SQLITE_PRAGMAS, Settings
from expo.visitors import api, checkin, keys, service
from tests.conftest import PG_URL, TEST_SECRET, pg_database_url

EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 20}
# The API is deliberately lenient beyond the schema (a malformed batch item is an error result
# in a 200, a phone number is checked by its own rules), so "schema-invalid input must be
# refused" and "schema-valid input must be accepted" are not checked; all the rest is.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@dataclass
class Seeded:
    slug: str
    gate: str
    kiosk: str
    codes: list[str] = field(default_factory=list)


async def _seed(url: str, *, create_db: bool) -> Seeded:
    from expo.events.models import Event, EventDay
    from expo.visitors.forms import VisitorData
    from expo.visitors.models import GateRules

    await Tortoise.init(config=tortoise_config(url), _create_db=create_db)
    try:
        await Tortoise.generate_schemas()
        today = dt.date.today()
        event = await Event.create(slug=f"fuzz-{uuid.uuid4().hex[:8]}", name="Fuzz",
                                   venue="GOR", starts_on=today, ends_on=today,
                                   status="published", timezone="Asia/Makassar")
        await EventDay.create(event=event, date=today, opens_at="00:00", closes_at="23:59")
        await GateRules.create(event=event, enforce_hours=False, reentry=True)
        gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
        _t, plain = await service.create_device_token(event=event, gate=gate, by=None)
        _t, kiosk = await service.create_device_token(event=event, gate=gate, kiosk=True, by=None)
        signer = await keys.keyring(event_id=event.id, settings=Settings(
            database_url=url, secret_key=TEST_SECRET))
        people = [await service.register_visitor(event=event, data=VisitorData(
            name=f"Pengunjung {i}", phone="+6281234567890")) for i in range(5)]
        return Seeded(slug=event.slug, gate=plain, kiosk=kiosk,
                      codes=[service.ticket_code(visitor=v, signer=signer) for v in people])
    finally:
        await Tortoise.close_connections()


async def _drop_pg(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _startup_signal(app: Any, started: threading.Event) -> Any:
    """The app, telling ``started`` when its lifespan (the database) is up."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)

        async def tell(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                started.set()
            await send(message)

        return await app(scope, receive, tell)

    return wrapped


@pytest.fixture(params=["sqlite"] + (["postgres"] if PG_URL else []))
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Seeded]]:
    """A seeded app served on 127.0.0.1: (base URL, what was seeded)."""
    pg_name = f"expo_fuzz_{uuid.uuid4().hex[:12]}"
    url = (f"sqlite://{tmp_path / 'fuzz.sqlite3'}?{SQLITE_PRAGMAS}" if request.param == "sqlite"
           else pg_database_url(pg_name))
    EXECUTOR_CACHE.clear()  # statements are cached per connection name, not per dialect
    seeded = asyncio.run(_seed(url, create_db=request.param == "postgres"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn serves them
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(Settings(database_url=url, secret_key=TEST_SECRET, base_url=base,
                              data_dir=tmp_path))
    started = threading.Event()
    server = uvicorn.Server(uvicorn.Config(_startup_signal(app, started), lifespan="on",
                                           ws="none", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    checkin.forget_event()
    service._devices.clear()
    limit = api.SEARCH_LIMIT.limit
    api.SEARCH_LIMIT.limit = 10**9  # reach the search itself, not only its 429
    thread.start()
    try:
        assert started.wait(timeout=60), "the app did not start"
        yield base, seeded
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
        api.SEARCH_LIMIT.limit = limit
        EXECUTOR_CACHE.clear()
        if request.param == "postgres":
            asyncio.run(_drop_pg(pg_name))


def _with_real_codes(body: Any, real: str | None) -> Any:
    """Most scans with a real ticket code, so that they reach the database."""
    if real is None:
        return body
    if isinstance(body, dict) and "code" in body:
        return body | {"code": real}
    if isinstance(body, dict) and isinstance(body.get("scans"), list):
        return body | {"scans": [_with_real_codes(item, real) for item in body["scans"]]}
    return body


# Input that gave 500s (issue 11), sent first as explicit cases: text the database cannot
# store, and times whose conversion to UTC overflows. Generated text has no lone surrogates.
ODD_SCANS = [{"nonce": "\ud83c"}, {"nonce": "a\x00b"}, {"code": "A\x00"},
             {"scanned_at": "0001-01-01T00:00:00+14:00"},
             {"scanned_at": "9999-12-31T23:59:59-14:00"}]


def _odd_cases(operation: Any, seeded: Seeded) -> list[Any]:
    real = seeded.codes[-1]
    scans = [{"code": real, "nonce": f"odd{i}"} | odd for i, odd in enumerate(ODD_SCANS)]
    kinds = {
        "post /api/v1/events/{slug}/scans": [{"body": scan} for scan in scans],
        "post /api/v1/events/{slug}/scans/batch": [{"body": {"scans": scans}}],
        "post /api/v1/events/{slug}/visitors": [
            {"body": {"name": "Budi \ud83c"}}, {"body": {"name": "Budi\x00"}},
            {"body": {"name": "Budi", "organisation": "\x00"}}],
        "get /api/v1/events/{slug}/search": [{"query": {"q": "Rah\x00mat"}}],
    }
    key = f"{operation.method.lower()} {operation.path}"
    return [operation.Case(path_parameters={"slug": seeded.slug}, **kw)
            for kw in kinds.get(key, [])]


@dataclass
class Run:
    """Requests sent to the served app, and what went wrong with them."""

    base: str
    session: requests.Session  # keep-alive: one connection for the whole run
    statuses: Counter[int] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)  # per operation and kind
    failures: list[str] = field(default_factory=list)

    def exercise(self, case: Any, headers: dict[str, str], label: str) -> None:
        response = case.call(base_url=self.base, session=self.session, headers=headers,
                             timeout=30)
        self.statuses[response.status_code] += 1
        self.sent[label] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:  # every failure is listed at the end
            self.failures.append(f"{label}: {exc}")

    def generated(self, operation: Any, mode: GenerationMode, seeded: Seeded,
                  headers: dict[str, str]) -> None:
        # The slug and the token fixed: generated ones only ever meet a 404 or a 401.
        strategy = operation.as_strategy(generation_mode=mode, headers=headers,
                                         path_parameters={"slug": seeded.slug})

        @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, real=st.sampled_from([*seeded.codes, None]))
        def send(case: Any, real: str | None) -> None:
            if mode == GenerationMode.POSITIVE:
                case.body = _with_real_codes(case.body, real)
            self.exercise(case, headers, f"{operation.label} [{mode.value}]")

        try:
            send()
        except Unsatisfiable:  # a GET with its slug and token fixed has nothing to negate
            assert mode == GenerationMode.NEGATIVE and operation.method.lower() == "get"


def test_api_fuzz_gives_no_5xx_and_answers_as_documented(served):
    base, seeded = served
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = 0
    start = time.perf_counter()
    with requests.Session() as session:
        run = Run(base, session)
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            token = seeded.kiosk if operation.path.endswith("/visitors") else seeded.gate
            headers = {"Authorization": f"Bearer {token}"}
            for case in _odd_cases(operation, seeded):
                run.exercise(case, headers, f"{operation.label} [odd]")
            for mode in EXAMPLES:
                run.generated(operation, mode, seeded, headers)
    elapsed = time.perf_counter() - start
    print(f"\nfuzz: {operations} operations, {sum(run.statuses.values())} requests in "
          f"{elapsed:.1f} s, statuses {dict(sorted(run.statuses.items()))}\n{dict(run.sent)}")
    assert operations == 6
    assert not [s for s in run.statuses if s >= 500], run.failures[:5]
    assert not run.failures, "\n".join(run.failures[:5])
