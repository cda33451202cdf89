"""Server CPU per request of the public floor map with 1,000 booths, from /proc.

    python bench/bench_map.py                         SQLite, one worker, 1,000 booths
    python bench/bench_map.py --compare /tmp/expo-before
    python bench/bench_map.py --pg postgres://postgres@127.0.0.1:5432/postgres

It lays out the booths with ``bench_allocation``'s generator (4 of 5 held by an exhibitor
with a category and a cluster), starts the server on 127.0.0.1 in a subprocess and, for each
case (no filter, a search, a category, a cluster; Bahasa Indonesia and English; with and
without ``Accept-Encoding: gzip``; a browser revalidating with ``If-None-Match``), sends a
bounded number of requests from a few keep-alive clients. The figure is the server
process's user + system CPU (``bench_scans.cpu_seconds``) over the requests answered.

``--compare DIR`` runs the same cases against the code in DIR as well (an export of the
commit before the change: ``git archive HEAD | tar -x -C DIR``) on a copy of the same
database, and prints both columns side by side. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_allocation import CATEGORIES, CLUSTERS, make_booths  # noqa: E402

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SLUG = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn workers), from /proc (as
    ``bench_scans.cpu_seconds``)."""
    total = 0.0
    try:
        pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0
    return total


@dataclass(frozen=True)
class Case:
    label: str
    query: str
    locale: str
    gzip: bool
    revalidate: bool = False
    every: float = 0.0  # seconds between requests (one client); 0: as fast as answered


@dataclass(frozen=True)
class Figure:
    ms: float  # server CPU per request
    size: int  # bytes on the wire of the last answer
    status: int
    requests: int
    idle_ms_per_s: float = 0.0  # the server's own CPU while no request comes (timers, jobs)


FILTERS = [("all", ""), ("search", "q=UMKM%201"), ("category", "category=kriya"),
           ("cluster", "cluster=klaster-3"), ("search+category", "q=UMKM%201&category=kriya")]


def cases() -> list[Case]:
    out = []
    for name, query in FILTERS:
        for locale in ("id", "en") if name in ("all", "search+category") else ("id",):
            for gz in (True, False):
                out.append(Case(f"{name:<15} {locale} {'gzip' if gz else 'identity'}", query,
                                locale, gz))
    out.append(Case(f"{'all':<15} id revalidate", "", "id", True, revalidate=True))
    return out


def trickle_case(every: float) -> Case:
    """Visitors now and then, not a crowd: before, every request past the 5 s shared build
    built the map again."""
    return Case(f"{'all':<15} id gzip, 1/{every:g}s", "", "id", True, every=every)


async def prepare(db_url: str, n_booths: int) -> None:
    """Schema, a published event, its halls and booths, 4 in 5 held by an exhibitor."""
    from tortoise import Tortoise

    from expo.booths.models import Booth, Hall
    from expo.db import tortoise_config
    from expo.events.models import Event
    from expo.exhibitors.models import Application, AppStatus, Producer

    await Tortoise.init(config=tortoise_config(db_url))
    await Tortoise.generate_schemas(safe=True)
    today = dt.date.today()
    event = await Event.create(slug=SLUG, name="Bench", venue="GOR", status="published",
                               starts_on=today, ends_on=today + dt.timedelta(days=1))
    rng = random.Random(1)
    booths_in = make_booths(n_booths, rng)
    halls = {}
    for h in sorted({b.hall for b in booths_in}):
        halls[h] = await Hall.create(event=event, name=f"Hall {h + 1}", width=60, depth=50)
    await Producer.bulk_create([Producer(
        business_name=f"UMKM {i}", owner_name="x", phone=f"+62812{i:07d}", email=f"u{i}@x.id",
        kabupaten="Samarinda", category=rng.choice(CATEGORIES), cluster=rng.choice(CLUSTERS))
        for i in range(n_booths)], batch_size=500)
    producers = await Producer.all().order_by("id")
    await Application.bulk_create([Application(event=event, producer=p,
                                               status=AppStatus.ACCEPTED) for p in producers],
                                  batch_size=500)
    apps = await Application.all().order_by("id")
    await Booth.bulk_create([Booth(
        event=event, hall=halls[b.hall], code=b.code, x=b.x, y=b.y, w=b.w, h=b.h,
        kind=b.type, zone=b.zone, holder=apps[i] if i % 5 else None,
        status="assigned" if i % 5 else "available") for i, b in enumerate(booths_in)],
        batch_size=500)
    await Tortoise.close_connections()


async def one_case(pid: int, port: int, case: Case, requests: int, clients: int,
                   seconds: float) -> Figure:
    import httpx

    url = f"http://127.0.0.1:{port}/e/{SLUG}/map" + (f"?{case.query}" if case.query else "")
    headers = {"Accept-Encoding": "gzip" if case.gzip else "identity"}
    done, last = [0], [0, 0]
    async with httpx.AsyncClient(headers=headers, cookies={"expo_lang": case.locale},
                                 timeout=60) as http:
        first = await http.get(url)  # the build, and the client's session cookie
        first.raise_for_status()
        if case.revalidate and first.headers.get("etag"):
            http.headers["If-None-Match"] = first.headers["etag"]
        for _ in range(2):
            await http.get(url)
        for _ in range(8):  # new connections: with several workers, each builds its own copy
            async with httpx.AsyncClient(headers=headers, cookies={"expo_lang": case.locale},
                                         timeout=60) as fresh:
                await fresh.get(url)
        idle = 0.0
        if case.every:  # the server's CPU with no request, subtracted from the trickle's
            cpu0, start = cpu_seconds(pid), time.monotonic()
            await asyncio.sleep(2 * case.every)
            idle = (cpu_seconds(pid) - cpu0) / (time.monotonic() - start)
        cpu0, start = cpu_seconds(pid), time.monotonic()
        deadline = start + seconds

        async def worker() -> None:
            while done[0] < requests and time.monotonic() < deadline:
                done[0] += 1
                response = await http.get(url)
                last[0], last[1] = response.num_bytes_downloaded, response.status_code
                if case.every:
                    await asyncio.sleep(case.every)

        await asyncio.gather(*[worker() for _ in range(1 if case.every else clients)])
        cpu = cpu_seconds(pid) - cpu0 - idle * (time.monotonic() - start)
    return Figure(max(0.0, cpu) / max(1, done[0]) * 1000, last[0], last[1], done[0],
                  idle * 1000)


def run_server(root: Path, db_url: str, data_dir: Path, workers: int,
               cases_: list[Case], args: argparse.Namespace) -> dict[str, Figure]:
    port = free_port()
    env = {**os.environ, "EXPO_DATA_DIR": str(data_dir), "EXPO_SECRET_KEY": SECRET,
           "EXPO_DATABASE_URL": db_url, "EXPO_BASE_URL": f"http://127.0.0.1:{port}",
           "PYTHONPATH": str(root)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "expo.app:app_factory", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log",
         "--log-level", "warning"], cwd=root, env=env)
    results = {}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        for case in cases_:
            results[case.label] = asyncio.run(one_case(
                server.pid, port, case, args.trickle_requests if case.every else args.requests,
                args.clients, args.seconds + case.every * args.trickle_requests))
    finally:
        server.terminate()
        server.wait(timeout=15)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--booths", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200, help="per case")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound of each case")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--trickle", type=float, default=5.5,
                        help="seconds between the requests of the trickle case (0: none)")
    parser.add_argument("--trickle-requests", type=int, default=6)
    parser.add_argument("--compare", type=Path, help="the code before the change (a tree)")
    parser.add_argument("--pg", help="a PostgreSQL URL; a fresh database is created beside it")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="expo-bench-map-"))
    pg_name = ""
    if args.pg:
        import asyncpg  # type: ignore[import-untyped]

        async def pg(sql: str) -> None:
            conn = await asyncpg.connect(args.pg)
            await conn.execute(sql)
            await conn.close()

        pg_name = f"expo_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(pg(f'CREATE DATABASE "{pg_name}"'))
        parts = urllib.parse.urlsplit(args.pg)
        db_url = urllib.parse.urlunsplit(parts._replace(path="/" + pg_name))
    else:
        from expo.settings import SQLITE_PRAGMAS

        db_url = f"sqlite://{data_dir / 'bench.sqlite3'}?{SQLITE_PRAGMAS}"
    if args.workers > 1 and not args.pg:
        print("SQLite serves one worker; use --pg for several", file=sys.stderr)
        return 2
    print(f"preparing {args.booths} booths on {'PostgreSQL' if args.pg else 'SQLite'} ...")
    asyncio.run(prepare(db_url, args.booths))
    all_cases = cases() + ([trickle_case(args.trickle)] if args.trickle else [])
    runs: list[tuple[str, dict[str, Figure]]] = []
    try:
        if args.compare:
            before_dir = Path(tempfile.mkdtemp(prefix="expo-bench-map-before-"))
            before_url = db_url
            if not args.pg:  # the same rows, in a copy (the runs must not share a WAL)
                shutil.copy(data_dir / "bench.sqlite3", before_dir / "bench.sqlite3")
                before_url = db_url.replace(str(data_dir), str(before_dir))
            runs.append(("before", run_server(args.compare.resolve(), before_url, before_dir,
                                              args.workers, all_cases, args)))
        runs.append(("now", run_server(ROOT, db_url, data_dir, args.workers, all_cases, args)))
    finally:
        if pg_name:
            asyncio.run(pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    load = os.getloadavg()
    print(f"Public map, {args.booths} booths, {args.requests} requests per case from "
          f"{args.clients} clients, {args.workers} worker(s); load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("server CPU ms per request (status, KB on the wire); CPU is counted in ticks of "
          f"{1000 / os.sysconf('SC_CLK_TCK'):.0f} ms over the requests of a case")
    print(f"{'case':<32}" + "".join(f"{name:>28}" for name, _r in runs))
    for case in all_cases:
        cells = [f"{f.ms:>9.2f} ms ({f.status}, {f.size / 1024:>4.0f} KB)"
                 for f in (results[case.label] for _name, results in runs)]
        print(f"{case.label:<32}" + "".join(f"{c:>28}" for c in cells))
        if case.every:
            print(f"{'  (idle CPU subtracted)':<32}" + "".join(
                f"{results[case.label].idle_ms_per_s:>20.2f} ms/s" for _name, results in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
