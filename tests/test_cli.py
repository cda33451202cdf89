"""The command line, run as a user would (subprocesses on a temporary data folder)."""

import datetime as dt
import functools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from expo.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _migrated() -> Path:
    """A database file migrated once per test process: migrating from nothing takes ~9 s, a
    copy nothing (test_python_m_expo_is_the_same_command_line and test_migrations migrate
    from nothing)."""
    folder = Path(tempfile.mkdtemp(prefix="expo-cli-template-"))
    env = {**os.environ, "EXPO_DATA_DIR": str(folder)}
    env.pop("EXPO_DATABASE_URL", None)
    subprocess.run([sys.executable, "main.py", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    return folder / "expo.sqlite3"


def run(tmp_path, *args, env=None, check=True):
    full_env = {**os.environ, "EXPO_DATA_DIR": str(tmp_path), **(env or {})}
    full_env.pop("EXPO_DATABASE_URL", None)
    full_env.update(env or {})
    if "--help" not in args and not (tmp_path / "expo.sqlite3").exists():
        shutil.copyfile(_migrated(), tmp_path / "expo.sqlite3")
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120, check=check)


COMMANDS = ["serve", "migrate", "createuser", "demo", "token", "reencrypt-keys", "worker"]


def test_each_command_has_help(tmp_path, capsys):
    """Every command answers --help (in this process: each subprocess costs a second)."""
    for command in COMMANDS:
        with pytest.raises(SystemExit) as done:
            build_parser("main.py").parse_args([command, "--help"])
        assert done.value.code == 0
        assert "usage: main.py " + command in capsys.readouterr().out
    listed = run(tmp_path, "--help").stdout  # and the real command line lists them all
    assert all(command in listed for command in COMMANDS)


def test_python_m_expo_is_the_same_command_line(tmp_path):
    """main.py is a wrapper: `python -m expo` (what the installed `expo` runs) does the same."""
    env = {**os.environ, "EXPO_DATA_DIR": str(tmp_path)}
    env.pop("EXPO_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "expo", "migrate"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "Database is up to date." in out
    assert (tmp_path / "expo.sqlite3").is_file()
    usage = subprocess.run([sys.executable, "-m", "expo", "demo", "--help"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120, check=True)
    assert usage.stdout.startswith("usage: python -m expo demo")


def test_worker_drain_runs_what_is_due_and_exits(tmp_path):
    run(tmp_path, "migrate")
    with sqlite3.connect(tmp_path / "expo.sqlite3") as conn:  # an email and its delivery job
        conn.execute('INSERT INTO outbox (id, "to", subject, body, error, created_at) '
                     "VALUES (1, 'a@b.id', 'Halo', 'Isi', '', '2026-12-01 08:00:00+00:00')")
        conn.execute("INSERT INTO jobs (kind, payload, state, run_at, last_error, created_at) "
                     "VALUES ('messages.deliver', '{\"id\": 1}', 'queued', 0, '', "
                     "'2026-12-01 08:00:00+00:00')")
    smtp = {"EXPO_SMTP_HOST": "127.0.0.1", "EXPO_SMTP_PORT": "9"}  # nothing listens on 9
    out = run(tmp_path, "worker", "--drain", env=smtp)
    assert "ran 1 jobs" in out.stdout, out.stdout + out.stderr
    with sqlite3.connect(tmp_path / "expo.sqlite3") as conn:
        state, error = conn.execute("SELECT state, last_error FROM jobs").fetchone()
        assert state == "failed" and "smtp" in error.lower()  # kept, to be retried


def test_demo_loads_once_with_a_line_per_step_and_prints_logins(tmp_path):
    from expo.demo import DEMO_LOADERS

    out = run(tmp_path, "demo").stdout
    for email in ["panitia@expo.test", "kurator@expo.test", "gerbang@expo.test", "umkm@expo.test"]:
        assert email in out
    # a progress line per step, with its time, before the logins
    steps = [line for line in out.splitlines() if re.fullmatch(r"  \S.*\s\d+\.\d s", line)]
    assert [line.rsplit(None, 2)[0].strip() for line in steps] == [
        "event and staff", *(step for step, _load in DEMO_LOADERS), "demo loaded"]
    assert out.index("demo loaded") < out.index("panitia@expo.test")
    assert re.search(r"The fair runs .*; today the gates are open \d\d:\d\d-\d\d:\d\d WITA", out)
    again = run(tmp_path, "demo", check=False)
    assert again.returncode == 2 and "--reset" in again.stderr
    fresh = run(tmp_path, "demo", "--if-empty")
    assert fresh.returncode == 0 and "--reset" not in fresh.stdout
    with sqlite3.connect(tmp_path / "expo.sqlite3") as conn:  # a demo loaded long ago
        conn.execute("UPDATE events SET starts_on = '2025-04-20', ends_on = '2025-04-22' "
                     "WHERE slug = 'hkn2027'")
    stale = run(tmp_path, "demo", "--if-empty")
    assert "20 Apr 2025" in stale.stdout and "demo --reset" in stale.stdout
    assert "panitia@expo.test" in run(tmp_path, "demo", "--reset").stdout
    with sqlite3.connect(tmp_path / "expo.sqlite3") as conn:  # dated around today again
        starts, ends = conn.execute(
            "SELECT starts_on, ends_on FROM events WHERE slug = 'hkn2027'").fetchone()
    today = dt.datetime.now(ZoneInfo("Asia/Makassar")).date()
    # (the day it loaded: today, or yesterday if midnight passed in between)
    assert dt.date.fromisoformat(starts) in {today - dt.timedelta(days=n) for n in (1, 2)}
    assert dt.date.fromisoformat(ends) - dt.date.fromisoformat(starts) == dt.timedelta(days=2)


def test_createuser_with_role_and_bad_input(tmp_path):
    run(tmp_path, "demo")
    out = run(tmp_path, "createuser", "--email", "baru@x.id", "--name", "Baru",
              "--event", "hkn2027", "--role", "gate", env={"EXPO_PASSWORD": "long-password-1"})
    assert "Created user baru@x.id" in out.stdout
    dup = run(tmp_path, "createuser", "--email", "baru@x.id", "--name", "Baru",
              env={"EXPO_PASSWORD": "long-password-1"}, check=False)
    assert dup.returncode == 2
    assert "already exists" in dup.stderr or "sudah" in dup.stderr


def test_bad_settings_stop_with_one_line(tmp_path):
    bad = run(tmp_path, "migrate", env={"EXPO_DATABASE_URL": "mysql://x/y"}, check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "EXPO_DATABASE_URL" in bad.stderr


def test_serve_refuses_several_workers_on_sqlite(tmp_path):
    bad = run(tmp_path, "serve", "--workers", "2", check=False)
    assert bad.returncode == 2 and "PostgreSQL" in bad.stderr


def test_serve_points_links_at_the_address_it_listens_on(tmp_path, monkeypatch):
    import argparse

    import uvicorn

    from expo import cli
    from expo.settings import Settings

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: served.update(kw))
    monkeypatch.setenv("EXPO_BASE_URL", "http://placeholder")  # recorded, so restored after
    monkeypatch.delenv("EXPO_BASE_URL")
    monkeypatch.delenv("EXPO_DATABASE_URL", raising=False)
    monkeypatch.setenv("EXPO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EXPO_SECRET_KEY", "cli-test-secret-key-0123456789abcdefghijklmnop")
    args = argparse.Namespace(host="127.0.0.1", port=8765, workers=1, demo=False,
                              proxy_headers=False, forwarded_allow_ips=None,
                              no_access_log=True, log_level="warning")
    assert cli.cmd_serve(Settings.from_env(), args) in (0, None)
    assert served["port"] == 8765
    assert os.environ["EXPO_BASE_URL"] == "http://127.0.0.1:8765"
    assert Settings.from_env().base_url == "http://127.0.0.1:8765"


MAKE_KEY = """
import asyncio
from expo.cli import _with_db
from expo.events.models import Event
from expo.settings import Settings
from expo.visitors import keys

async def work():
    event = await Event.get(slug="hkn2027")
    await keys.keyring(event_id=event.id, settings=settings)

settings = Settings.from_env()
asyncio.run(_with_db(settings, work))
"""


def test_reencrypt_keys_moves_ticket_keys_to_a_new_secret(tmp_path):
    old = {"EXPO_SECRET_KEY": "old-secret-key-0123456789abcdefghijklmnopq"}
    run(tmp_path, "demo", env=old)
    env = {**os.environ, "EXPO_DATA_DIR": str(tmp_path), **old}
    env.pop("EXPO_DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", MAKE_KEY], cwd=ROOT, env=env, check=True, timeout=120)
    new = {"EXPO_SECRET_KEY": "new-secret-key-0123456789abcdefghijklmnopq"}
    lost = run(tmp_path, "reencrypt-keys", env=new, check=False)
    assert lost.returncode == 1 and "1 unreadable" in lost.stdout
    moved = run(tmp_path, "reencrypt-keys", env={**new, "EXPO_PREVIOUS_SECRET_KEYS": old[
        "EXPO_SECRET_KEY"]})
    assert "1 re-encrypted" in moved.stdout
    again = run(tmp_path, "reencrypt-keys", env=new)  # the old secret is no longer needed
    assert "0 re-encrypted" in again.stdout and "1 already were" in again.stdout


def test_install_metadata_names_the_licence_the_modern_way():
    """`make run` installs expo with pip: its metadata must not make a build backend warn
    (setuptools deprecated the licence as a table and licence classifiers)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"  # an SPDX expression, not a table
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    assert build["build-backend"] == "hatchling.build"
