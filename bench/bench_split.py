"""Benchmark of the procurement split: a seminar kit of 3 items, 200 candidate producers per
item, against the issue's target of under 1 s for the whole bundle.

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
    print("OK" if not failed else "SLOWER THAN TARGET")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
