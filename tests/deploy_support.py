"""What the deployment tests share: free ports, expo and other servers as subprocesses, the
bench's seeded event, and a required system tool (skipped on a workstation without it, a
failure in CI, where .ci/run installs it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "deploy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SLUG = "bench"  # tests/deploy_seed.py's event

START_TIMEOUT = 90.0  # seconds: a server's start on a busy 2-core machine, bounded


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_tool(name: str, package: str) -> str:
    """The path of a system command; skipped where it is missing, except in CI."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed: .ci/run installs {package}")
    pytest.skip(f"{name} is not installed (apt-get install {package})")


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    """Until ``port`` accepts a connection; fails with the log if the process ends first."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise AssertionError(f"{what} did not start on port {port}:\n{tail}") from None
            time.sleep(0.05)


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until expo answers /healthz (its lifespan has run, the database is open)."""
    port = int(base.rsplit(":", 1)[1])
    wait_for_port(port, process, "expo", log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"expo at {base} is not healthy:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def expo_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("EXPO_")}
    env.update({"EXPO_DATABASE_URL": database_url, "EXPO_DATA_DIR": str(data_dir),
                "EXPO_SECRET_KEY": SECRET, "EXPO_WORKER": "off", **extra})
    return env


def expo_command(env: Mapping[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``python -m expo ARGS`` (the installed ``expo`` command) to its end; its output."""
    done = subprocess.run([sys.executable, "-m", "expo", *args], cwd=ROOT, env=dict(env),
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"expo {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@dataclass
class Seeded:
    """The bench's event: ticket codes, a gate's device token, a committee login."""

    codes: list[str]
    token: str
    email: str = "bench@expo.test"
    password: str = "bench-password-123"


def seed(env: Mapping[str, str], visitors: int) -> Seeded:
    """An event open all day with ``visitors`` tickets, a gate's device token and a
    committee login (tests/deploy_seed.py, in a child process with its own Tortoise), on a
    database that ``expo migrate`` has made."""
    done = subprocess.run([sys.executable, "-m", "tests.deploy_seed", str(visitors)], cwd=ROOT,
                          env=dict(env), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    codes, token = json.loads(done.stdout.strip().splitlines()[-1])
    return Seeded(codes=codes, token=token)


@contextmanager
def expo_servers(env: Mapping[str, str], ports: list[int], logs: Path,
                 *extra_args: str) -> Iterator[list[str]]:
    """``expo serve`` on each port (as on several app hosts); yields their base URLs."""
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            with open(logs / f"expo-{port}.log", "wb") as out:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "expo", "serve", "--host", "127.0.0.1", "--port",
                     str(port), *extra_args], cwd=ROOT, env=dict(env), stdout=out,
                    stderr=subprocess.STDOUT))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process, port in zip(bases, processes, ports, strict=True):
            wait_healthy(base, process, logs / f"expo-{port}.log")
        yield bases
    finally:
        for process in processes:
            stop(process)


def scan(client: httpx.Client, token: str, code: str, nonce: str) -> dict[str, object]:
    response = client.post(f"/api/v1/events/{SLUG}/scans",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"code": code, "nonce": nonce, "direction": "in"})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def login(client: httpx.Client, email: str, password: str,
          headers: Mapping[str, str] | None = None) -> httpx.Response:
    """Sign in through the login form (its CSRF token from the page)."""
    page = client.get("/login", headers=dict(headers or {}))
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text[:500]
    return client.post("/login", headers=dict(headers or {}),
                       data={"csrf_token": match.group(1), "email": email,
                             "password": password})
