"""Drain 10,000 queued WhatsApp messages with one job worker against a loopback gateway.

    python bench/bench_messages.py                    SQLite file in a temporary directory
    python bench/bench_messages.py --pg postgres://postgres@127.0.0.1:5432/postgres
    python bench/bench_messages.py --messages 2000 --concurrency 16

The gateway (bench/loopback_gateway.py) runs in its own process and counts what it receives
by idempotency key. The bench queues the messages through ``expo.messages.service.send`` (one
outbox row and one delivery job each, as a broadcast does), then runs one ``Worker`` until
every message is sent, and prints messages per second and whether each arrived exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402

from expo.channels.whatsapp_gateway import GatewayAdapter  # noqa: E402
from expo.db import migrate, tortoise_config  # noqa: E402
from expo.jobs.models import Job, JobState  # noqa: E402
from expo.jobs.worker import Worker  # noqa: E402
from expo.messages import service as messages  # noqa: E402
from expo.outbox import Channel, Delivery, OutboxMessage  # noqa: E402
from expo.settings import SQLITE_PRAGMAS, Settings, WhatsAppGatewaySettings  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as answer:  # noqa: S310
        return dict(json.loads(answer.read()))


async def run(database_url: str, data_dir: Path, count: int, concurrency: int, port: int) -> None:
    settings = Settings(database_url=database_url, secret_key="b" * 40, data_dir=data_dir)
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(database_url))
    gateway = GatewayAdapter(WhatsAppGatewaySettings(url=f"http://127.0.0.1:{port}/send",
                                                     api_key="bench", ok_field="status",
                                                     id_field="id"))
    messages.configure(settings, adapters={Channel.WHATSAPP: gateway})
    run_id = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    for n in range(count):
        await messages.send(
            to=messages.Recipient(name=f"UMKM {n}", phone=f"+62812{n:08d}"[:14]),
            kind="bench.broadcast", subject="", key=f"bench:{run_id}:{n}",
            text=f"Yth. UMKM {n}, loading barang besok pukul 07.00 di Hall A.",
            channels=(Channel.WHATSAPP,))
    queued = time.perf_counter() - started
    print(f"queued {count:,} messages in {queued:.1f} s ({count / queued:,.0f}/s)")

    worker = Worker(concurrency=concurrency, poll=0.05, schedule=False)
    started = time.perf_counter()
    task = asyncio.create_task(worker.run())
    deadline = started + 600
    while time.perf_counter() < deadline:
        left = await Job.filter(kind=messages.DELIVER).exclude(
            state__in=(JobState.DONE, JobState.DEAD)).count()
        if not left:
            break
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    worker.stop()
    await task
    await messages.close()
    sent = await OutboxMessage.filter(kind="bench.broadcast", state=Delivery.SENT).count()
    dead = await Job.filter(kind=messages.DELIVER, state=JobState.DEAD).count()
    got = stats(port)
    print(f"drained by one worker ({concurrency} at once): {sent:,} sent, {dead} dead, "
          f"in {elapsed:.1f} s = {sent / elapsed:,.0f} messages/s")
    once = got["requests"] == got["unique"] == count
    print(f"gateway received {got['requests']:,} requests, {got['unique']:,} distinct "
          f"messages, {got['duplicates']} duplicates -> "
          f"{'each sent exactly once' if once else 'NOT exactly once'}")
    await Tortoise.close_connections()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL (a scratch database is made in it)")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    gateway = subprocess.Popen([sys.executable, str(ROOT / "bench" / "loopback_gateway.py"),  # noqa: S603
                                str(port)])
    try:
        for _ in range(200):  # bounded: until the gateway answers
            try:
                stats(port)
                break
            except OSError:
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as tmp:
            if args.pg:
                url = scratch_pg(args.pg)
                print(f"PostgreSQL ({url.rsplit('/', 1)[-1]})")
            else:
                url = f"sqlite://{Path(tmp) / 'expo.sqlite3'}?{SQLITE_PRAGMAS}"
                print("SQLite file (WAL)")
            try:
                asyncio.run(run(url, Path(tmp), args.messages, args.concurrency, port))
            finally:
                if args.pg:
                    drop_pg(args.pg, url.rsplit("/", 1)[-1])
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
    return 0


def scratch_pg(url: str) -> str:
    import asyncpg  # noqa: PLC0415 - only the PostgreSQL run needs it

    name = f"expo_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(url)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    asyncio.run(create())
    return url.rsplit("/", 1)[0] + "/" + name


def drop_pg(url: str, name: str) -> None:
    import asyncpg  # noqa: PLC0415 - only the PostgreSQL run needs it

    async def drop() -> None:
        conn = await asyncpg.connect(url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    asyncio.run(drop())


if __name__ == "__main__":
    raise SystemExit(main())
