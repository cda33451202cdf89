"""Two expo servers, separate processes as two hosts would be, on one PostgreSQL: a ticket
scanned at both enters once, a device token revoked on one is refused by the other, a gate
rule changed on one applies on the other, and the gate search's limit holds for both
together (``expo.invalidation``, ``expo.ratelimit.SharedRateLimiter``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from expo.accounts.models import Role
from expo.events.models import Event
from expo.visitors import api, service
from expo.visitors.models import GateRules, Scan, Visitor
from tests import conftest
from tests.conftest import TEST_SECRET, Client
from tests.factories import PASSWORD, make_event, make_user
from tests.visitors.helpers import code_of, make_visitor

pytestmark = pytest.mark.asyncio
TICKETS = 12
START_SECONDS = 30.0  # a server's start-up, at most (imports, the listener's connection)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """``uvicorn`` serving expo on ``port``; its log in ``data_dir/server.log``."""
    data_dir.mkdir(parents=True)
    env = {**os.environ, "EXPO_DATABASE_URL": conftest._worker_db[0][0],
           "EXPO_SECRET_KEY": TEST_SECRET, "EXPO_BASE_URL": f"http://127.0.0.1:{port}",
           "EXPO_WORKER": "off", "EXPO_DATA_DIR": str(data_dir)}
    env.pop("EXPO_DATABASE_DIRECT_URL", None)
    with open(data_dir / "server.log", "wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "expo.app:app_factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            env=env, stdout=subprocess.DEVNULL, stderr=log)


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


async def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient(base_url=base, timeout=1.0) as http:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{base} exited: {tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/healthz")).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"{base} did not start in {START_SECONDS} s"
            await asyncio.sleep(0.05)


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float:
    """Poll ``check`` until it holds, for at most ``seconds``; how long it took."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def prepare() -> tuple[Event, str, str, int, list[str], str]:
    """An event open all day (no re-entry), a gate with two device tokens, visitors and a
    committee member; made here, through the services, as the committee would."""
    event = await make_event(starts_on=dt.date.today(), days=1, opens="00:00", closes="23:59",
                             timezone="UTC")
    await GateRules.create(event=event, reentry=False, enforce_hours=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    _one, plain_a = await service.create_device_token(event=event, gate=gate, by=None)
    doomed, plain_b = await service.create_device_token(event=event, gate=gate, by=None)
    people = [await make_visitor(event, name=f"Pengunjung {i}", phone=f"+62812345{i:05d}")
              for i in range(TICKETS)]
    committee = await make_user(event=event, role=Role.COMMITTEE)
    return event, plain_a, plain_b, doomed.id, [code_of(v) for v in people], committee.email


async def test_two_servers_share_one_truth(pg_db, tmp_path: Path) -> None:
    ports = free_port(), free_port()
    servers = [start_server(port, tmp_path / f"host{i}") for i, port in enumerate(ports)]
    base_a, base_b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        event, plain_a, plain_b, doomed_id, codes, email = await prepare()  # while they start
        await asyncio.gather(*(wait_healthy(base, server, tmp_path / f"host{i}" / "server.log")
                               for i, (base, server) in enumerate(zip((base_a, base_b), servers,
                                                                      strict=True))))
        async with (httpx.AsyncClient(base_url=base_a, timeout=10) as at_a,
                    httpx.AsyncClient(base_url=base_b, timeout=10) as at_b,
                    Client(base_url=base_a, timeout=10) as committee):
            path = f"/api/v1/events/{event.slug}"
            auth_a = {"Authorization": f"Bearer {plain_a}"}
            auth_b = {"Authorization": f"Bearer {plain_b}"}

            async def scan(http: httpx.AsyncClient, auth: dict[str, str], code: str,
                           direction: str = "in") -> str:
                response = await http.post(f"{path}/scans", headers=auth, json={
                    "code": code, "nonce": uuid.uuid4().hex, "direction": direction})
                assert response.status_code == 200, response.text
                body = response.json()
                return "ok" if body["status"] == "ok" else str(body["reason"])

            # The same tickets at both hosts at once: each enters exactly once.
            for code in codes:
                answers = await asyncio.gather(scan(at_a, auth_a, code),
                                               scan(at_b, auth_b, code))
                assert sorted(answers) == ["already_inside", "ok"], answers
            assert await Scan.filter(event=event, ok=True).count() == TICKETS
            assert await Scan.filter(event=event).count() == 2 * TICKETS
            assert await Visitor.filter(event=event, inside=True).count() == TICKETS

            # B knows token B (cached); the committee revokes it on A: B refuses it.
            assert (await at_b.get(f"{path}/counters", headers=auth_b)).status_code == 200
            await committee.login(email, PASSWORD)
            revoked = await committee.submit(
                f"/manage/e/{event.slug}/gates/tokens/{doomed_id}/revoke")
            assert revoked.status_code == 303, revoked.text[:300]

            async def refused_at_b() -> bool:
                response = await at_b.get(f"{path}/counters", headers=auth_b)
                return response.status_code == 401

            took = await within(2.0, refused_at_b)
            print(f"\nrevoked on A, refused on B after {took * 1000:.0f} ms")
            assert (await at_a.get(f"{path}/counters", headers=auth_b)).status_code == 401

            # Re-entry turned on at A: B lets a visitor who went out come in again.
            assert await scan(at_b, auth_a, codes[0], "out") == "ok"
            assert await scan(at_b, auth_a, codes[0]) != "ok"  # no re-entry yet
            changed = await committee.submit(f"/manage/e/{event.slug}/gates/rules", {
                "reentry": "on", "track_exit": "on", "early_minutes": "0"})
            assert changed.status_code == 303, changed.text[:300]

            async def reentry_at_b() -> bool:
                bundle = (await at_b.get(f"{path}/offline", headers=auth_a)).json()
                return bool(bundle["reentry"])

            took = await within(2.0, reentry_at_b)
            print(f"re-entry on at A, applied on B after {took * 1000:.0f} ms")
            assert await scan(at_b, auth_a, codes[0]) == "ok"

            # The gate search's limit counts A's and B's searches together.
            for i in range(api.SEARCH_LIMIT.limit):
                http = at_a if i % 2 else at_b
                found = await http.get(f"{path}/search?q=pengunjung", headers=auth_a)
                assert found.status_code == 200, found.text
            for http in (at_a, at_b):
                refused = await http.get(f"{path}/search?q=pengunjung", headers=auth_a)
                assert refused.status_code == 429
                assert refused.json()["error"] == "rate_limited"
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
