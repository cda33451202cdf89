"""deploy/nginx/expo.conf, for real: nginx in front of two ``expo serve`` processes (two app
hosts) on one SQLite file, over HTTPS with a throw-away certificate.

The configuration is the shipped file with only its example addresses, ports and paths
replaced, included in a main configuration like Debian's (``gzip on`` at http level, which
the file must not repeat). Through it: the redirect to HTTPS, a page gzipped when asked, a
fingerprinted static file cached by nginx for a year, the scan API (a scan, then the rescan:
nothing cached), the client's address as expo records it, both app hosts used, and an
oversized upload answered by expo's own page. Skipped without nginx, except in CI.

Then the systemd units (their command lines are expo's, ``systemd-analyze verify`` passes)
and the environment file (every name one expo reads, every value valid).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import sqlite3
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from expo.cli import build_parser
from expo.settings import DEFAULT_MAX_BODY, SQLITE_PRAGMAS, Settings
from tests.deploy_support import (
    ROOT,
    Seeded,
    expo_command,
    expo_env,
    expo_servers,
    free_port,
    login,
    require_tool,
    scan,
    seed,
    stop,
    wait_for_port,
)

CONF = ROOT / "deploy" / "nginx" / "expo.conf"
CLIENT_IP = "203.0.113.7"  # TEST-NET-3: the address a phone would have


def render(conf: str, *, upstreams: list[int], http_port: int, https_port: int,
           prefix: Path) -> str:
    """The shipped configuration with this machine's ports and a temporary prefix."""
    lines = [line for line in conf.splitlines() if "[::]" not in line]  # IPv6 may be off
    servers = [i for i, line in enumerate(lines) if re.match(r"\s+server 10\.0\.1\.\d+:", line)]
    assert len(servers) >= 2, "the upstream lists several app hosts"
    lines[servers[0]:servers[-1] + 1] = [f"    server 127.0.0.1:{port} max_fails=3 "
                                         "fail_timeout=10s;" for port in upstreams]
    text = "\n".join(lines) + "\n"
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/var/cache/nginx/expo": str(prefix / "cache"),
        "/etc/letsencrypt/live/expo.example.go.id/": f"{prefix}/tls/",
        "/var/log/nginx/": f"{prefix}/logs/",
        "/var/www/letsencrypt": str(prefix / "www"),
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def main_conf(prefix: Path, site: Path) -> str:
    """A main configuration like Debian's /etc/nginx/nginx.conf, everything under ``prefix``."""
    temp = "".join(f"    {kind}_temp_path {prefix}/temp/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers can then read the prefix
    return (f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log stderr warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    default_type "
            "application/octet-stream;\n    sendfile on;\n    gzip on;\n"
            f"{temp}    include {site};\n}}\n")


def certificate(openssl: str, directory: Path) -> None:
    directory.mkdir()
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)


@dataclass
class Stack:
    https: str
    http: str
    seeded: Seeded
    database: Path
    logs: Path
    tls: ssl.SSLContext

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.https, verify=self.tls, timeout=30)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    nginx = require_tool("nginx", "nginx-light")
    openssl = require_tool("openssl", "openssl")
    tmp = tmp_path_factory.mktemp("deploy")
    prefix, data = tmp / "nginx", tmp / "data"
    for sub in ("cache", "logs", "www", "temp"):
        (prefix / sub).mkdir(parents=True)
    certificate(openssl, prefix / "tls")
    http_port, https_port = free_port(), free_port()
    app_ports = [free_port(), free_port()]
    database = data / "expo.sqlite3"
    env = expo_env(f"sqlite://{database}?{SQLITE_PRAGMAS}", data,
                   EXPO_BASE_URL=f"https://127.0.0.1:{https_port}", EXPO_HTTPS_ONLY="true")
    expo_command(env, "migrate")
    seeded = seed(env, visitors=5)
    site = prefix / "expo.conf"
    site.write_text(render(CONF.read_text(), upstreams=app_ports, http_port=http_port,
                           https_port=https_port, prefix=prefix))
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, site))
    checked = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(conf)],
                             capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    with expo_servers(env, app_ports, tmp / "logs", "--proxy-headers",
                      "--forwarded-allow-ips", "127.0.0.1"):
        log = prefix / "logs" / "nginx.out"
        with open(log, "wb") as out:
            proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g",
                                      "daemon off;"], stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(https_port, proxy, "nginx", log)
            tls = ssl.create_default_context(cafile=str(prefix / "tls" / "fullchain.pem"))
            yield Stack(https=f"https://127.0.0.1:{https_port}",
                        http=f"http://127.0.0.1:{http_port}", seeded=seeded,
                        database=database, logs=tmp / "logs", tls=tls)
        finally:
            stop(proxy)


def test_nginx_http_redirects_to_https(stack: Stack) -> None:
    response = httpx.get(stack.http + "/login?next=/x", timeout=10)
    assert response.status_code == 301
    assert response.headers["location"] == "https://127.0.0.1/login?next=/x"


def test_nginx_gzips_pages_when_asked(stack: Stack) -> None:
    with stack.client() as http:
        gzipped = http.get("/login", headers={"Accept-Encoding": "gzip"})
        plain = http.get("/login", headers={"Accept-Encoding": "identity"})
    assert gzipped.status_code == plain.status_code == 200
    assert gzipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in gzipped.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert gzipped.text == plain.text  # httpx decoded it: the same page


def test_nginx_caches_fingerprinted_static_files(stack: Stack) -> None:
    with stack.client() as http:
        page = http.get("/login").text
        match = re.search(r'/static/[\w./-]+\.css\?v=[0-9a-f]+', page)
        assert match, "the page links a fingerprinted stylesheet"
        url = match.group(0)
        first = http.get(url, headers={"Accept-Encoding": "gzip"})
        again = http.get(url, headers={"Accept-Encoding": "gzip"})
        plain = http.get(url, headers={"Accept-Encoding": "identity"})
        unversioned = [http.get(url.split("?")[0]) for _ in range(2)]
    assert first.status_code == again.status_code == plain.status_code == 200
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert again.headers["x-cache-status"] == "HIT"  # answered by nginx, not the app
    assert again.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers  # its own cached copy, plain
    assert plain.content == again.content
    assert unversioned[1].headers["cache-control"] == "no-cache"  # the app's policy, kept
    assert unversioned[1].headers["x-cache-status"] != "HIT"


def test_nginx_passes_scans_uncached(stack: Stack) -> None:
    code = stack.seeded.codes[0]
    with stack.client() as http:
        first = scan(http, stack.seeded.token, code, uuid.uuid4().hex)
        again = scan(http, stack.seeded.token, code, uuid.uuid4().hex)
        batch = http.post("/api/v1/events/bench/scans/batch",
                          headers={"Authorization": f"Bearer {stack.seeded.token}"},
                          json={"scans": [{"code": c, "nonce": uuid.uuid4().hex,
                                           "direction": "in"}
                                          for c in stack.seeded.codes[1:4]]})
    assert first["status"] == "ok"
    assert again["status"] != "ok"  # the rescan: the app answered, not a cache
    assert batch.status_code == 200, batch.text
    assert len(batch.json()["results"]) == 3
    with sqlite3.connect(stack.database) as db:
        (entries,) = db.execute("SELECT COUNT(*) FROM visitor_scans WHERE ok").fetchone()
    assert entries == 4


def test_nginx_forwards_the_client_address(stack: Stack) -> None:
    with stack.client() as http:
        response = login(http, stack.seeded.email, stack.seeded.password,
                         headers={"X-Forwarded-For": CLIENT_IP})
    assert response.status_code in (302, 303), response.text[:300]
    with sqlite3.connect(stack.database) as db:
        ips = [row[0] for row in db.execute("SELECT ip FROM user_sessions")]
    assert CLIENT_IP in ips
    # Both app hosts served requests (least_conn spreads them), each seeing the forwarded
    # address in its access log rather than nginx's.
    logs = [log.read_text(errors="replace") for log in stack.logs.glob("expo-*.log")]
    assert len(logs) == 2
    assert all('"GET /login HTTP/1.1"' in text for text in logs)
    assert any(f'{CLIENT_IP}:0 - "POST /login HTTP/1.1"' in text for text in logs)


def test_nginx_lets_expo_answer_oversized_bodies(stack: Stack) -> None:
    body = b"x" * (DEFAULT_MAX_BODY + 2**19)  # over EXPO_MAX_BODY_MB, under nginx's limit
    with stack.client() as http:
        response = http.post("/login", content=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "nginx" not in response.text  # expo's page, in the person's language
    assert 'lang="id"' in response.text


# --- systemd units and the environment file ---------------------------------------------------

SYSTEMD = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "expo.env.example"


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= reads them (no quotes used)."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def exec_start(unit: Path, instance: str) -> list[str]:
    """The unit's command line, with %i and ${VAR} (from host.env.example) expanded."""
    (line,) = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    host = env_file(SYSTEMD / "host.env.example")
    command = re.sub(r"\$\{(\w+)\}", lambda m: host[m.group(1)],
                     line.removeprefix("ExecStart=").replace("%i", instance))
    return shlex.split(command)


@pytest.mark.parametrize("unit", ["expo-web@.service", "expo-worker.service"])
def test_unit_command_line_is_expo_s(unit: str) -> None:
    argv = exec_start(SYSTEMD / unit, "8001")
    assert argv[0] == "/srv/expo/venv/bin/expo"  # [project.scripts] expo = "expo.cli:main"
    try:
        args = build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"{unit}: expo refuses {argv[1:]}")
    if args.command == "serve":
        assert (args.port, args.workers, args.proxy_headers) == (8001, 1, True)
        assert args.forwarded_allow_ips == env_file(SYSTEMD / "host.env.example")[
            "PROXY_ADDRESSES"]
        assert "EXPO_WORKER=off" in (SYSTEMD / unit).read_text()
    else:
        assert args.command == "worker"


@pytest.mark.parametrize("unit", ["systemd/expo-web@.service", "systemd/expo-worker.service",
                                  "backup/expo-backup.timer"])
def test_unit_passes_systemd_analyze(unit: str, tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "systemd")
    expo = ROOT / ".venv" / "bin" / "expo"
    if not expo.exists():
        pytest.skip("no .venv/bin/expo (make test installs it)")
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    for example in ("expo.env", "host.env"):
        (tmp_path / example).write_text("")
    units = [ROOT / "deploy" / unit]
    if unit.endswith(".timer"):  # and the service it starts
        units.append(units[0].with_suffix(".service"))
    for path in units:
        text = (path.read_text().replace("/srv/expo/venv/bin/expo", str(expo))
                .replace("/srv/expo/deploy/", f"{ROOT}/deploy/")
                .replace("User=expo", f"User={user}").replace("Group=expo", f"Group={group}")
                .replace("/etc/expo/", f"{tmp_path}/").replace("/srv/expo-data", str(tmp_path)))
        (tmp_path / path.name).write_text(text)
    names = [str(tmp_path / path.name.replace("@.", "@8001.")) for path in units]
    done = subprocess.run([analyze, "verify", *names], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_env_example_settings_are_expo_s() -> None:
    env = env_file(ENV_EXAMPLE)
    sources = "\n".join(path.read_text() for path in (ROOT / "expo").rglob("*.py"))
    unknown = [key for key in env if f'"{key}"' not in sources]
    assert not unknown, f"expo reads no {unknown}"
    settings = Settings.from_env({**env, "EXPO_WORKER": "off"})  # as the web units set it
    assert not settings.worker
    assert "statement_cache_size=0" in settings.database_url  # through PgBouncer < 1.21
    assert urlsplit(env["EXPO_DATABASE_DIRECT_URL"]).port == 5432  # PostgreSQL itself
    assert settings.https_only and settings.base_url.startswith("https://")


def test_nginx_body_limit_is_expo_s_plus_one() -> None:
    match = re.search(r"client_max_body_size (\d+)m;", CONF.read_text())
    assert match
    expo_mb = int(env_file(ENV_EXAMPLE)["EXPO_MAX_BODY_MB"])
    assert int(match.group(1)) == expo_mb + 1
    assert expo_mb * 2**20 == DEFAULT_MAX_BODY  # the example keeps expo's default
