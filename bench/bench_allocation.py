"""Benchmarks for booths: the allocation engine on synthetic events, and the public map.

    python bench/bench_allocation.py            # 1,000 booths x 1,500 applications
    python bench/bench_allocation.py --booths 200 --apps 300 --map-booths 200
    python bench/bench_allocation.py --scale-only                  # the cluster rules at scale
    python bench/bench_allocation.py --sizes 500x750,1000x1500 --scale-only

The scale table solves each size once per cluster rule (together, apart; one booth each) and
prints time, status, objective, bound and gap (``|bound - objective| / max(1, |objective|)``,
the bound proved by the engine, see ``expo/booths/engine_cluster.py``).

The generator lays out halls of rows of 3 x 3 m booths in zones, with electricity and water
on some, and applicants with categories, clusters, needs, priorities and 0-5 ranked
preferences (booths and zones) concentrated on popular spots, as real exhibitors do.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from expo.booths.engine import ApplicantIn, BoothIn, Preference, Rules, allocate  # noqa: E402

ZONES = ["Kuliner", "Kriya", "Batik & Fesyen", "Galeri Kabupaten", "Oleh-oleh"]
CATEGORIES = ["kuliner", "kriya", "fesyen", "oleh-oleh", "aksesoris", "dekorasi"]
CLUSTERS = [f"klaster-{i}" for i in range(25)]


def make_booths(n: int, rng: random.Random) -> list[BoothIn]:
    booths, per_row, per_hall = [], 20, 200
    for i in range(n):
        hall, k = divmod(i, per_hall)
        row, col = divmod(k, per_row)
        zone = ZONES[(row // 2) % len(ZONES)]
        kind = "food" if zone == "Kuliner" else ("corner" if col in (0, per_row - 1)
                                                 else "standard")
        booths.append(BoothIn(id=i + 1, code=f"{chr(65 + hall)}-{k + 1:03d}", hall=hall,
                              x=3.0 * col, y=5.0 * row, w=3, h=3, type=kind, zone=zone,
                              power_watts=rng.choice([450, 900, 1300, 2200]),
                              water=zone == "Kuliner" or rng.random() < 0.1))
    return booths


def make_applicants(n: int, booths: list[BoothIn], rng: random.Random,
                    multi: float = 0.05) -> list[ApplicantIn]:
    popular = rng.sample(booths, max(1, len(booths) // 10))
    apps = []
    for i in range(n):
        category = rng.choice(CATEGORIES)
        food = category == "kuliner"
        prefs: list[Preference] = []
        for _ in range(rng.randrange(6)):
            if rng.random() < 0.3:
                prefs.append(Preference(zone=rng.choice(ZONES)))
            else:
                pick = rng.choice(popular) if rng.random() < 0.6 else rng.choice(booths)
                prefs.append(Preference(booth=pick.id))
        apps.append(ApplicantIn(
            id=10_000 + i, priority=rng.randrange(0, 60), booth_type="food" if food else "standard",
            count=2 if rng.random() < multi else 1,
            power_watts=rng.choice([0, 0, 450, 900, 1300]), water=food and rng.random() < 0.5,
            category=category, cluster=rng.choice(CLUSTERS),
            preferences=tuple(dict.fromkeys(prefs))))
    return apps


def timed(booths, apps, rules) -> tuple[float, dict]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = allocate(booths, apps, rules)
    return time.perf_counter() - start, result.metrics


def bench_engine(n_booths: int, n_apps: int, repeat: int) -> None:
    rng = random.Random(2027)
    booths = make_booths(n_booths, rng)
    singles = make_applicants(n_apps, booths, rng, multi=0.0)
    mixed = make_applicants(n_apps, booths, random.Random(7), multi=0.05)
    cases = [
        ("one booth each, preferences + priorities (assignment)", singles, Rules(seed=1)),
        ("cluster together (zones MIP)", singles, Rules(seed=1, cluster_mode="together")),
        ("cluster apart (swaps)", singles, Rules(seed=1, cluster_mode="apart")),
        ("5% need 2 adjacent booths (CP-SAT)", mixed, Rules(seed=1)),
    ]
    print(f"Engine: {n_booths} booths x {n_apps} applications")
    for label, apps, rules in cases:
        times: list[float] = []
        metrics: dict = {}
        for _ in range(repeat):
            seconds, metrics = timed(booths, apps, rules)
            times.append(seconds)
        print(f"  {label}: median {statistics.median(times):.2f} s (of {repeat}); "
              f"placed {metrics['placed']}, first choice {metrics['first_choice_share']}, "
              f"mean rank {metrics['mean_rank']}, cohesion {metrics['cluster_cohesion']}, "
              f"separation {metrics['cluster_separation']}, "
              f"solver {metrics['solver']}, gap {metrics['gap']:.4%}")


SCALE_SIZES = "500x750,1000x1500,2000x3000,4000x6000"


def bench_scale(sizes: str) -> None:
    """Cluster rules at the sizes of issue 17: one solve each (the same seeds as above)."""
    print("Cluster rules at scale (one booth each, seed 1, default budget)")
    # wall time, and CPU time of this process (the solvers use one core: CPU ~ wall when
    # the machine is quiet, and it shows the cost when it is not)
    print(f"  {'booths x apps':>14} {'rule':>8} {'time':>7} {'cpu':>7} {'status':>36} "
          f"{'objective':>11} {'bound':>11} {'gap':>8}")
    for size in sizes.split(","):
        n_booths, n_apps = (int(v) for v in size.lower().split("x"))
        rng = random.Random(2027)
        booths = make_booths(n_booths, rng)
        apps = make_applicants(n_apps, booths, rng, multi=0.0)
        for mode in ("together", "apart"):
            cpu = time.process_time()
            seconds, m = timed(booths, apps, Rules(seed=1, cluster_mode=mode))
            cpu = time.process_time() - cpu
            print(f"  {f'{n_booths} x {n_apps}':>14} {mode:>8} {seconds:>6.2f}s {cpu:>6.2f}s "
                  f"{m['solver']:>36} {m['objective']:>11} {m['bound']:>11} {m['gap']:>8.4%}",
                  flush=True)


async def bench_map(n_booths: int, repeat: int) -> None:
    import datetime as dt

    import httpx
    from tortoise.contrib.test import tortoise_test_context

    from expo.app import create_app
    from expo.booths.models import Booth, Hall
    from expo.db import MODEL_MODULES
    from expo.events.models import Event
    from expo.exhibitors.models import Application, AppStatus, Producer
    from expo.settings import Settings

    async with tortoise_test_context(MODEL_MODULES, db_url="sqlite://:memory:"):
        event = await Event.create(slug="bench", name="Bench", venue="GOR", status="published",
                                   starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 1, 2))
        rng = random.Random(1)
        booths_in = make_booths(n_booths, rng)
        halls = {}
        for h in sorted({b.hall for b in booths_in}):
            halls[h] = await Hall.create(event=event, name=f"Hall {h + 1}", width=60, depth=50)
        producers = await Producer.bulk_create([Producer(
            business_name=f"UMKM {i}", owner_name="x", phone="+62812", email=f"u{i}@x.id",
            kabupaten="Samarinda", category=rng.choice(CATEGORIES), cluster=rng.choice(CLUSTERS))
            for i in range(n_booths)])
        producers = await Producer.all()
        await Application.bulk_create([Application(event=event, producer=p,
                                                   status=AppStatus.ACCEPTED) for p in producers])
        apps = await Application.all()
        await Booth.bulk_create([Booth(
            event=event, hall=halls[b.hall], code=b.code, x=b.x, y=b.y, w=b.w, h=b.h,
            kind=b.type, zone=b.zone, holder=apps[i] if i % 5 else None,
            status="assigned" if i % 5 else "available") for i, b in enumerate(booths_in)])
        settings = Settings(database_url="sqlite://:memory:", secret_key="x" * 40,
                            base_url="http://bench", data_dir=Path("/tmp"))
        app = create_app(settings, manage_db=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench") as client:
            await client.get("/e/bench/map")  # warm the template cache
            for url in ("/e/bench/map", "/e/bench/map?q=UMKM%201&category=kriya"):
                # A build (the shared copy dropped first), then requests that share it. The
                # event loop's own CPU (thread_time on this thread) is what the gates feel:
                # the rendering runs in a thread.
                for label, fresh in (("built", True), ("shared", False)):
                    times, loop_cpu = [], []
                    for _ in range(repeat):
                        if fresh:
                            app.state.public_maps = None
                        start, cpu = time.perf_counter(), time.thread_time()
                        response = await client.get(url)
                        loop_cpu.append(time.thread_time() - cpu)
                        times.append(time.perf_counter() - start)
                        assert response.status_code == 200
                    print(f"Public map {url} with {n_booths} booths, {label}: median "
                          f"{statistics.median(times) * 1000:.0f} ms wall, "
                          f"{statistics.median(loop_cpu) * 1000:.1f} ms on the event loop, "
                          f"{len(response.content) // 1024} KB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--booths", type=int, default=1000)
    parser.add_argument("--apps", type=int, default=1500)
    parser.add_argument("--map-booths", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default=SCALE_SIZES,
                        help="booths x applicants for the scale table ('' to skip it)")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the scale table (no single-size cases, no map)")
    args = parser.parse_args()
    if not args.scale_only:
        bench_engine(args.booths, args.apps, args.repeat)
    if args.sizes:
        bench_scale(args.sizes)
    if not args.scale_only:
        asyncio.run(bench_map(args.map_booths, max(5, args.repeat)))


if __name__ == "__main__":
    main()
