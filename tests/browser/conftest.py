"""Browser fixtures: a live expo server in a subprocess and Chromium driven by Playwright.

The server runs ``main.py serve --demo`` on a free loopback port with its own data folder
(SQLite; or a fresh PostgreSQL database when EXPO_TEST_DATABASE_URL is set), so journeys can
sign in with the demo logins. Chromium is Debian's /usr/bin/chromium: where it is missing the
tests skip with that reason, except in CI (CI=true), where a missing browser is an error.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.shared.loopback_http import LoopbackHTTP, Recorded

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("EXPO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update"]
DEMO_PASSWORD = "expo-demo-2027"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install it (apt-get install chromium)")
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium to run browser tests)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        """Run ``main.py`` against the live server's database; returns stdout."""
        done = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout


def _pg(sql: str) -> None:
    """Run one statement on the PostgreSQL server (in a thread: Playwright may own the loop)."""
    import asyncpg

    from tests.conftest import pg_database_url

    async def run() -> None:
        conn = await asyncpg.connect(pg_database_url("postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def gateway() -> Iterator[LoopbackHTTP]:
    """The live server's WhatsApp gateway: a loopback HTTP server that records each message."""
    with LoopbackHTTP() as server:
        yield server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                gateway: LoopbackHTTP) -> Iterator[LiveServer]:
    """``main.py serve --demo`` as a user runs it (its job worker in-process), with WhatsApp
    going to ``gateway``."""
    chromium_or_skip()
    data_dir = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {**os.environ, "EXPO_DATA_DIR": str(data_dir),
           "EXPO_SECRET_KEY": "live-server-secret-key-0123456789abcdefghijkl",
           "EXPO_BASE_URL": f"http://127.0.0.1:{port}", "PYTHONUNBUFFERED": "1",
           "EXPO_WORKER": "on", "EXPO_WHATSAPP_PROVIDER": "gateway",
           "EXPO_WA_GATEWAY_URL": gateway.url + "/send", "EXPO_WA_GATEWAY_KEY": "gw-test-key"}
    env.pop("EXPO_DATABASE_URL", None)
    pg_name = ""
    if os.environ.get("EXPO_TEST_DATABASE_URL"):
        from tests.conftest import pg_database_url

        pg_name = f"expo_live_{uuid.uuid4().hex[:10]}"
        _pg(f'CREATE DATABASE "{pg_name}"')
        env["EXPO_DATABASE_URL"] = pg_database_url(pg_name)
    log = (data_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--demo", "--port", str(port), "--no-access-log"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("live server did not start:\n" +
                                   (data_dir / "server.log").read_text()[-3000:])
            time.sleep(0.1)
        yield LiveServer(url=url, data_dir=data_dir, env=env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if pg_name:
            _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def playwright_instance():  # type: ignore[no-untyped-def]
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):  # type: ignore[no-untyped-def]
    browser = playwright_instance.chromium.launch(executable_path=chromium_or_skip(),
                                                  args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, request):  # type: ignore[no-untyped-def]
    """A phone-sized page (a cheap Android) on a fresh browser context."""
    context = browser.new_context(viewport={"width": 390, "height": 800}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def wait_for_messages(gateway: LoopbackHTTP, match: Callable[[Recorded], bool], count: int = 1,
                      timeout: float = 20.0) -> list[Recorded]:
    """The gateway's requests that ``match``, once there are ``count`` of them (the worker
    sends them a moment after the page answered): a bounded wait on a real server."""
    deadline = time.monotonic() + timeout
    while True:
        with gateway.lock:
            found = [r for r in gateway.requests if match(r)]
        if len(found) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(found) >= count, (f"{len(found)} of {count} WhatsApp messages within {timeout} s "
                                 f"({len(gateway.requests)} requests received)")
    return found


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


__all__ = ["LiveServer", "login", "shutil"]
