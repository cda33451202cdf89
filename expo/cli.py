"""expo's command line: serve, migrate, createuser, demo, token, reencrypt-keys, worker.

Installed, it is the ``expo`` command (and ``python -m expo``); in a checkout ``python main.py``
runs the same.

    expo                      serve on http://127.0.0.1:8000
    expo serve --workers 4    several workers (PostgreSQL only)
    expo migrate              apply pending database migrations
    expo createuser --email a@b.id --name "Nama" [--superuser]
    expo demo [--reset]       load the Hari Konsumen Nasional demo
    expo token --event SLUG --gate NAME [--kiosk]
                              a device token for a gate scanner or kiosk
    expo reencrypt-keys       after changing EXPO_SECRET_KEY: ticket keys under the new one
    expo worker [--drain]     run the job worker alone (web processes with EXPO_WORKER=off)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import getpass
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from tortoise import Tortoise

from expo import demo, invalidation, wiring
from expo.accounts.models import Role
from expo.accounts.service import create_user
from expo.db import migrate, tortoise_config
from expo.errors import DomainError
from expo.events.demo import DEMO_TIMEZONE
from expo.events.models import Event, EventDay
from expo.events.team import grant_role
from expo.jobs import queue
from expo.jobs.worker import run_forever
from expo.messages import service as messages
from expo.payments import online as payments_online
from expo.reports import jobs as report_jobs
from expo.settings import Settings, SettingsError
from expo.visitors import keys
from expo.visitors import service as visitors


def _fail(message: str) -> int:
    print(f"expo: {message}", file=sys.stderr)
    return 2


async def _with_db(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


def _print_logins(logins: list[tuple[str, str, str]], base_url: str) -> None:
    print(f"\nDemo event: {base_url}/e/{demo.DEMO_SLUG} (running today; last year's: "
          f"{base_url}/e/{demo.PAST_SLUG})")
    print(f"Procurement: {base_url}/procurement (trade office: panitia@expo.test)")
    print("Demo logins (role  email  password):")
    width = max(len(role) for role, _, _ in logins)
    for role, email, password in logins:
        print(f"  {role:<{width}}  {email:<24} {password}")
    print()


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(migrate(settings))
    print("Database is up to date.", flush=True)
    return 0


def _progress(step: str, seconds: float) -> None:
    print(f"  {step:<34} {seconds:5.1f} s", flush=True)


async def _stale_demo_note() -> None:
    """The demo fair runs around the day it was loaded: say so when that day has passed."""
    dates = await demo.demo_dates()
    today = dt.datetime.now(ZoneInfo(DEMO_TIMEZONE)).date()
    if dates is not None and not dates[0] <= today <= dates[1]:
        print(f"note: the demo fair runs {dates[0]:%d %b %Y} to {dates[1]:%d %b %Y}; "
              "`main.py demo --reset` dates it around today again.", flush=True)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        if args.reset:
            await demo.reset_demo()
        elif not await demo.is_empty():
            if args.if_empty:
                await _stale_demo_note()
                return 0
            return _fail("the database already has data; use --reset to replace the demo")
        print("Loading the demo (dated around today):", flush=True)
        started = time.perf_counter()
        ctx = await demo.load_demo(progress=_progress)
        _progress("demo loaded", time.perf_counter() - started)
        today = await EventDay.get(event=ctx.event, date=ctx.today)
        print(f"\nThe fair runs {ctx.event.starts_on:%d %b} to {ctx.event.ends_on:%d %b %Y}; "
              f"today the gates are open {today.opens_at}-{today.closes_at} WITA.")
        _print_logins(ctx.logins, settings.base_url)
        return 0

    print("Preparing the database...", flush=True)
    return int(asyncio.run(_with_db(settings, work)))


def cmd_createuser(settings: Settings, args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("EXPO_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            return _fail("give --password or EXPO_PASSWORD when not on a terminal")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password again: "):
            return _fail("the passwords differ")

    async def work() -> int:
        try:
            user = await create_user(email=args.email, name=args.name, password=password,
                                     is_superuser=args.superuser)
        except DomainError as exc:
            return _fail(exc.message)
        if args.event:
            event = await Event.get_or_none(slug=args.event)
            if event is None:
                return _fail(f"no event with slug {args.event!r}")
            await grant_role(event=event, user=user, role=Role(args.role), by=None)
        print(f"Created user {user.email} (id {user.id}).")
        return 0

    return int(asyncio.run(_with_db(settings, work)))


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        event = await Event.get_or_none(slug=args.event)
        if event is None:
            return _fail(f"no event with slug {args.event!r}")
        try:
            gate = await visitors.create_gate(event=event, name=args.gate, by=None)
            token, plain = await visitors.create_device_token(
                event=event, gate=gate, kiosk=args.kiosk, label=args.label or "", by=None)
        except DomainError as exc:
            return _fail(exc.message)
        kind = "kiosk" if token.kiosk else "scanner"
        print(f"Device token #{token.id} ({kind}) for gate {gate.name!r} of {event.slug}; "
              "it is shown once: keep it safe. Revoke it on the Gate setup page.")
        print(plain)
        return 0

    return int(asyncio.run(_with_db(settings, work)))


def cmd_reencrypt_keys(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        done = await keys.reencrypt_keys(settings=settings)
        print(f"Ticket keys: {done.moved} re-encrypted under the current EXPO_SECRET_KEY, "
              f"{done.current} already were, {done.unreadable} unreadable.")
        if done.unreadable:
            print("Unreadable keys still verify the tickets they signed but cannot sign: add "
                  "the secret they were sealed with to EXPO_PREVIOUS_SECRET_KEYS and run this "
                  "again, or rotate those events' keys on their Gate setup page.")
        return 1 if done.unreadable else 0

    return int(asyncio.run(_with_db(settings, work)))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers > 1 and settings.is_sqlite:
        return _fail("SQLite serves one worker; set EXPO_DATABASE_URL to PostgreSQL "
                     "to run several workers")
    if not os.environ.get("EXPO_BASE_URL") and args.host not in ("0.0.0.0", "::"):  # noqa: S104
        # Links in emails, tickets and the demo logins point where this server listens
        # (the workers read the same variable).
        served = f"http://{args.host}:{args.port}"
        os.environ["EXPO_BASE_URL"] = served
        settings = dataclasses.replace(settings, base_url=served)
    elif not os.environ.get("EXPO_BASE_URL") and not os.environ.get("EXPO_ALLOWED_HOSTS"):
        # Listening on every address, but only the base URL's host (and localhost) is let in:
        # phones reaching this machine by its LAN address would get the "unknown host" page.
        print("note: serving on all addresses, but requests are accepted only for "
              f"{settings.base_url} and localhost. Set EXPO_BASE_URL to the address people "
              "use (e.g. http://192.168.1.10:8000) or list it in EXPO_ALLOWED_HOSTS.",
              file=sys.stderr)
    if args.demo:
        code = cmd_demo(settings, argparse.Namespace(reset=False, if_empty=True))
        if code:
            return code
    else:
        cmd_migrate(settings, args)
    print(f"expo serving on http://{args.host}:{args.port} (Ctrl+C to stop)")
    uvicorn.run("expo.app:app_factory", factory=True, host=args.host, port=args.port,
                workers=args.workers, proxy_headers=args.proxy_headers,
                forwarded_allow_ips=args.forwarded_allow_ips, log_level=args.log_level,
                access_log=not args.no_access_log)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run the job worker alone (web processes started with EXPO_WORKER=off)."""
    async def work() -> int:
        messages.configure(settings)
        payments_online.configure(settings)
        report_jobs.configure(database_url=settings.database_url)  # exports: a child
        if args.drain:
            done = await queue.drain(rounds=10_000)
            print(f"ran {done} jobs")
            await messages.close()
            await payments_online.close()
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"expo job worker running ({args.concurrency} at once; Ctrl+C to stop)")
        try:
            async with invalidation.listening(settings):  # its jobs read the caches too
                await run_forever(concurrency=args.concurrency, stop=stop)
        finally:
            await messages.close()
            await payments_online.close()
        return 0

    cmd_migrate(settings, args)
    return int(asyncio.run(_with_db(settings, work)))


def build_parser(prog: str = "expo") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="expo: run exhibitions of local small producers (UMKM).",
        epilog="Settings come from EXPO_* environment variables; see README.md.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the web app with uvicorn (the default)",
                           description="Apply pending migrations, then serve with uvicorn.")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (default 1; more than 1 needs PostgreSQL)")
    serve.add_argument("--demo", action="store_true",
                       help="load the demo event first when the database is empty")
    serve.add_argument("--proxy-headers", action="store_true",
                       help="trust X-Forwarded-* from --forwarded-allow-ips (behind a proxy)")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                       help="proxies whose X-Forwarded-* headers are trusted")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", action="store_true", help="do not log each request")
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser("migrate", help="apply pending database migrations",
                         description="Apply the pending migrations (expo.migrations) to "
                                     "EXPO_DATABASE_URL.")
    mig.set_defaults(func=cmd_migrate)

    cu = sub.add_parser("createuser", help="create a user account",
                        description="Create a user. The password is asked for on the terminal, "
                                    "or taken from --password or EXPO_PASSWORD.")
    cu.add_argument("--email", required=True)
    cu.add_argument("--name", required=True)
    cu.add_argument("--password", help="the password (prefer the prompt or EXPO_PASSWORD)")
    cu.add_argument("--superuser", action="store_true", help="may do everything on every event")
    cu.add_argument("--event", help="slug of an event to give the user a role on")
    cu.add_argument("--role", default="committee",
                    choices=[role.value for role in Role],
                    help="role on --event (default committee)")
    cu.set_defaults(func=cmd_createuser)

    dem = sub.add_parser("demo", help="load the demo event (Hari Konsumen Nasional 2027)",
                         description="Load the demo event and print its logins.")
    dem.add_argument("--reset", action="store_true",
                     help="remove the demo event and demo accounts first, then load again")
    dem.add_argument("--if-empty", action="store_true",
                     help="do nothing when the database already has data")
    dem.set_defaults(func=cmd_demo)

    tok = sub.add_parser("token", help="create a device token for a gate scanner or kiosk",
                         description="Create a bearer token for the scan API; the gate is "
                                     "created when it does not exist. The token is the last "
                                     "line printed.")
    tok.add_argument("--event", required=True, help="the event's slug, e.g. hkn2027")
    tok.add_argument("--gate", required=True, help="the gate's name, e.g. \"Pintu Utama\"")
    tok.add_argument("--kiosk", action="store_true", help="may also issue walk-in tickets")
    tok.add_argument("--label", help="a label to recognise the device by")
    tok.set_defaults(func=cmd_token)

    wrk = sub.add_parser("worker", help="run the job worker (messages, reports, reminders)",
                         description="Claim and run queued jobs until stopped. `expo serve` "
                                     "runs one itself unless EXPO_WORKER=off; run this for "
                                     "deployments with several web processes or hosts.")
    wrk.add_argument("--concurrency", type=int, default=settings_concurrency(),
                     help="jobs run at once (default EXPO_WORKER_CONCURRENCY or 8)")
    wrk.add_argument("--drain", action="store_true",
                     help="run the jobs due now, then exit (no waiting for new ones)")
    wrk.set_defaults(func=cmd_worker)

    rek = sub.add_parser("reencrypt-keys", help="re-encrypt ticket keys under a new secret",
                         description="After changing EXPO_SECRET_KEY (with the old one in "
                                     "EXPO_PREVIOUS_SECRET_KEYS), seal every event's ticket "
                                     "key under the new secret; then the old one can go.")
    rek.set_defaults(func=cmd_reencrypt_keys)
    return parser


def settings_concurrency() -> int:
    raw = os.environ.get("EXPO_WORKER_CONCURRENCY", "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 64 else 8


def main(argv: Sequence[str] | None = None, prog: str = "expo") -> int:
    """Run one command; ``prog`` is how the usage lines name the program."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["serve", *(argv or [])])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    wiring.connect()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return _fail(str(exc))
    return int(args.func(settings, args))

