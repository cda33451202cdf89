"""Benchmark of the procurement split: a seminar kit of 3 items, 200 candidate producers per
item, against the issue's target of under 1 s for the whole bundle: the split alone, then the
whole proposal as the request page asks for it (``requests.propose``: the supply query per
item over a SQLite catalogue of 200 listed producers per kind, the split, the PROPOSED quotes
written) on a temporary database.

    python bench/bench_split.py                 # 3 items x 200 candidates, 30 runs
    python bench/bench_split.py --candidates 400 --runs 50 --seed 3

Candidates are drawn like the catalogue's workshops: spare capacity from a long tail (a few
large producers, many small ones), minimum orders of 1 to 50, prices within ±20% of the
item's, a third employing SMK graduates. Each run splits every item of a fresh bundle (new
candidates per run, seeded), so the figures cover easy and hard shapes alike.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from expo.procurement.split import Candidate, split  # noqa: E402

TARGET_SECONDS = 1.0
# (item, quantity, typical price): the seminar kit for 300 participants, and a bigger
ITEMS = [("tas batik", 300, 45_000), ("kotak snack", 300, 25_000),
         ("minuman lokal", 300, 8_000), ("tas batik", 3_000, 45_000),
         ("kotak snack", 5_000, 25_000), ("minuman lokal", 8_000, 8_000)]


def candidates(rng: random.Random, n: int, price: int) -> list[Candidate]:
    out = []
    for key in range(1, n + 1):
        spare = int(rng.paretovariate(1.3) * 20) if rng.random() > 0.1 else 0
        out.append(Candidate(key=key, spare=spare, min_order=rng.choice([1, 1, 5, 10, 20, 50]),
                             unit_price=int(price * rng.uniform(0.8, 1.2)),
                             has_smk=rng.random() < 0.33))
    return out


def run_bundle(rng: random.Random, n: int, items: list[tuple[str, int, int]]) -> tuple[
        float, int, int]:
    bundle = [(quantity, candidates(rng, n, price)) for _name, quantity, price in items]
    started = time.perf_counter()
    results = [split(quantity=q, candidates=c) for q, c in bundle]
    elapsed = time.perf_counter() - started
    return elapsed, sum(r.exact for r in results), sum(r.shortfall > 0 for r in results)


async def _propose_runs(n: int, runs: int) -> list[float]:
    """``requests.propose`` on a fresh SQLite file: 3 kinds x ``n`` listed producers."""
    import datetime as dt
    import tempfile

    from tortoise import Tortoise

    from expo.db import tortoise_config
    from expo.exhibitors.models import Producer, Product
    from expo.procurement import requests
    from expo.procurement.models import Listing, Organisation

    today = dt.date(2027, 3, 1)
    with tempfile.TemporaryDirectory() as tmp:
        await Tortoise.init(config=tortoise_config(f"sqlite://{tmp}/bench.sqlite3"))
        try:
            await Tortoise.generate_schemas()
            rng = random.Random(15)
            for kind, _quantity, price in ITEMS[:3]:
                await Producer.bulk_create([Producer(
                    business_name=f"{kind} {i}", owner_name="x", phone="+628120000000",
                    email=f"{i}@x.id", kabupaten="Kota Samarinda", cluster=kind)
                    for i in range(n)])
                producers = await Producer.filter(cluster=kind).order_by("id")
                await Product.bulk_create([Product(
                    producer=pr, name=f"{kind} {pr.id}", kind=kind, capacity_unit="buah",
                    capacity_per_week=int(rng.paretovariate(1.3) * 5), lead_time_days=3,
                    min_order=rng.choice([1, 5, 10]), price_min=price, price_max=price)
                    for pr in producers])
                await Listing.bulk_create([Listing(producer=pr) for pr in producers])
            org = await Organisation.create(name="Dinas", kabupaten="Kota Samarinda")
            req = await requests.create_request(
                organisation=org, by=None, on=today,  # type: ignore[arg-type]
                data=requests.RequestData(title="Seminar kit", delivery_address="Samarinda"),
                items=[requests.ItemData(name=kind, kind=kind, quantity=q, unit="buah",
                                         needed_by=today + dt.timedelta(days=30))
                       for kind, q, _price in ITEMS[:3]])
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                await requests.propose(request=req, on=today, by=None)
                times.append(time.perf_counter() - started)
            return sorted(times)
        finally:
            await Tortoise.close_connections()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failed = False
    for label, items in (("seminar kit (3 x 300)", ITEMS[:3]),
                         ("large bundle (3,000 / 5,000 / 8,000)", ITEMS[3:])):
        times, exact, short = [], 0, 0
        for _ in range(args.runs):
            elapsed, n_exact, n_short = run_bundle(rng, args.candidates, items)
            times.append(elapsed)
            exact += n_exact
            short += n_short
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{label}, {args.candidates} candidates per item, {args.runs} runs: "
              f"median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
              f"max {times[-1] * 1000:.1f} ms (target {TARGET_SECONDS * 1000:.0f} ms); "
              f"exact {exact}/{len(items) * args.runs} items, short {short}")
        failed |= p95 >= TARGET_SECONDS
    import asyncio

    times = asyncio.run(_propose_runs(args.candidates, min(args.runs, 20)))
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"whole proposal (requests.propose, SQLite), 3 items x {args.candidates} listed "
          f"producers, {len(times)} runs: median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms (target {TARGET_SECONDS * 1000:.0f} ms)")
    failed |= p95 >= TARGET_SECONDS
    print("OK" if not failed else "SLOWER THAN TARGET")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
