"""The doorprize draw: pure, deterministic, re-runnable by anyone from the published facts.

Algorithm ``sha256-v1``
-----------------------
Input: the *seed* (a text, published with the result), the *candidates* (visitor numbers,
sorted ascending, no duplicates) and *n*, the number of winners.

1. ``pool`` is the sorted candidate list.
2. For round ``i = 0, 1, ..., n-1`` (while the pool is not empty):
   ``h = SHA-256(UTF-8 of "<seed>:<i>")`` read as a big-endian unsigned integer,
   ``k = h mod len(pool)``, and the winner of round ``i`` is ``pool[k]``, removed from the
   pool (so nobody wins twice).

The bias of ``h mod len(pool)`` is below ``len(pool) / 2**256``: nil in practice. The
candidates' digest is ``SHA-256`` of the numbers joined by commas (``"3,8,15"``), so that a
published list can be checked against the one that was drawn from.

Re-run it from a shell::

    python -m expo.reports.draw --seed 9f2c... --winners 5 candidates.txt

where ``candidates.txt`` holds the numbers (one per line, or comma separated).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import secrets
import sys
from collections.abc import Sequence

ALGORITHM = "sha256-v1"
SEED_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_seed() -> str:
    """A fresh random seed: 32 hex digits."""
    return secrets.token_hex(16)


def valid_seed(seed: str) -> bool:
    return bool(SEED_RE.match(seed))


def digest(candidates: Sequence[int]) -> str:
    """SHA-256 (hex) of the candidate numbers, ascending, joined by commas."""
    text = ",".join(str(c) for c in sorted(candidates))
    return hashlib.sha256(text.encode()).hexdigest()


def round_index(seed: str, round_no: int, pool_size: int) -> int:
    h = hashlib.sha256(f"{seed}:{round_no}".encode()).digest()
    return int.from_bytes(h, "big") % pool_size


def draw(seed: str, candidates: Sequence[int], n: int) -> list[int]:
    """The winners, in order of drawing (at most ``len(candidates)``)."""
    pool = sorted(set(candidates))
    winners: list[int] = []
    for i in range(max(0, n)):
        if not pool:
            break
        winners.append(pool.pop(round_index(seed, i, len(pool))))
    return winners


def _read_candidates(text: str) -> list[int]:
    return [int(part) for part in re.split(r"[\s,;]+", text.strip()) if part]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-run an expo doorprize draw.")
    parser.add_argument("--seed", required=True)
    parser.add_argument("--winners", type=int, required=True)
    parser.add_argument("candidates", help="file with the candidate numbers ('-' for stdin)")
    args = parser.parse_args(argv)
    if args.candidates == "-":
        text = sys.stdin.read()
    else:
        with open(args.candidates, encoding="utf-8") as handle:
            text = handle.read()
    numbers = _read_candidates(text)
    print(f"candidates: {len(set(numbers))}  digest: {digest(numbers)}")
    for position, number in enumerate(draw(args.seed, numbers, args.winners), start=1):
        print(f"{position}. {number}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
