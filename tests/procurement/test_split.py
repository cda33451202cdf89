"""The split of one item across producers: capacity, minimum orders, SMK priority, cost and
key order, and exactness against brute forces on seeded random small instances."""

from __future__ import annotations

import itertools
import random

from expo.procurement.split import Candidate, split


def score(quantity: int, cands: list[Candidate], shares: dict[object, int]) -> tuple:
    by_key = {c.key: c for c in cands}
    chosen = [by_key[k] for k, v in shares.items() if v > 0]
    return (quantity - sum(shares.values()), len(chosen), -sum(c.has_smk for c in chosen),
            sum(v * by_key[k].unit_price for k, v in shares.items()),
            tuple(sorted(c.key for c in chosen)))


def valid(quantity: int, cands: list[Candidate], shares: dict[object, int]) -> bool:
    by_key = {c.key: c for c in cands}
    return sum(shares.values()) <= quantity and all(
        max(by_key[k].min_order, 1) <= v <= by_key[k].spare for k, v in shares.items())


def brute_shares(quantity: int, cands: list[Candidate]) -> tuple:
    """Every vector of shares (0 or min..spare each, adding up to at most the quantity)."""
    best = None

    def walk(i: int, left: int, shares: dict[object, int]) -> None:
        nonlocal best
        if i == len(cands):
            s = score(quantity, cands, shares)
            best = s if best is None or s < best else best
            return
        c = cands[i]
        walk(i + 1, left, shares)
        for v in range(max(c.min_order, 1), min(c.spare, left) + 1):
            shares[c.key] = v
            walk(i + 1, left - v, shares)
            del shares[c.key]

    walk(0, quantity, {})
    assert best is not None
    return best


def brute_subsets(quantity: int, cands: list[Candidate]) -> tuple:
    """Every subset, each filled cheapest first (for larger quantities)."""
    best = None
    for r in range(len(cands) + 1):
        for subset in itertools.combinations(cands, r):
            least = [max(c.min_order, 1) for c in subset]
            spare = [min(c.spare, quantity) for c in subset]
            if sum(least) > quantity or any(m > s for m, s in zip(least, spare, strict=True)):
                continue
            total = min(quantity, sum(spare))
            shares = {c.key: m for c, m in zip(subset, least, strict=True)}
            left = total - sum(least)
            for c, s in sorted(zip(subset, spare, strict=True),
                               key=lambda x: (x[0].unit_price, -x[0].has_smk, x[0].key)):
                more = min(s - shares[c.key], left)
                shares[c.key] += more
                left -= more
            sc = score(quantity, list(cands), shares)
            best = sc if best is None or sc < best else best
    assert best is not None
    return best


def random_cands(rng: random.Random, n: int, spare: int, least: int) -> list[Candidate]:
    return [Candidate(key=k, spare=rng.randint(0, spare), min_order=rng.randint(1, least),
                      unit_price=rng.choice([10, 12, 15]), has_smk=rng.random() < 0.3)
            for k in range(1, n + 1)]


def test_split_matches_brute_force_over_share_vectors() -> None:
    rng = random.Random(15)
    for _ in range(300):
        quantity = rng.randint(1, 10)
        cands = random_cands(rng, rng.randint(1, 5), spare=8, least=4)
        result = split(quantity=quantity, candidates=cands)
        assert result.exact and valid(quantity, cands, result.shares)
        assert score(quantity, cands, result.shares) == brute_shares(quantity, cands)


def test_split_matches_brute_force_over_subsets() -> None:
    rng = random.Random(2027)
    for _ in range(200):
        quantity = rng.randint(20, 120)
        cands = random_cands(rng, rng.randint(1, 10), spare=60, least=30)
        result = split(quantity=quantity, candidates=cands)
        assert result.exact and valid(quantity, cands, result.shares)
        assert score(quantity, cands, result.shares) == brute_subsets(quantity, cands)


def test_split_one_producer_with_room_takes_it_all() -> None:
    result = split(quantity=300, candidates=[Candidate(1, 200), Candidate(2, 400),
                                             Candidate(3, 100)])
    assert result.shares == {2: 300} and result.covered and result.cost == 0


def test_split_fewest_producers_then_smk_then_cost_then_key() -> None:
    cands = [Candidate(1, 150, unit_price=10), Candidate(2, 150, unit_price=9),
             Candidate(3, 150, unit_price=12, has_smk=True), Candidate(4, 150, unit_price=9)]
    result = split(quantity=300, candidates=cands)
    # two producers are needed; the SMK workshop is one, then the cheaper of the rest (2 < 4)
    assert result.shares == {3: 150, 2: 150}


def test_split_shortfall_when_capacity_is_short() -> None:
    result = split(quantity=300, candidates=[Candidate(1, 100), Candidate(2, 50),
                                             Candidate(3, 0)])
    assert result.shares == {1: 100, 2: 50} and result.shortfall == 150


def test_split_minimum_order_above_what_is_left_is_skipped() -> None:
    # 250 + 100 would overshoot; a minimum of 100 cannot take the 50 left, the small one can
    cands = [Candidate(1, 250, min_order=200), Candidate(2, 300, min_order=100),
             Candidate(3, 60, min_order=10)]
    result = split(quantity=300, candidates=cands)
    assert result.covered and valid(300, cands, result.shares)
    assert len(result.shares) == 1 and result.shares == {2: 300}
    result = split(quantity=90, candidates=[Candidate(1, 500, min_order=100),
                                            Candidate(2, 40, min_order=50)])
    assert result.shares == {} and result.shortfall == 90


def test_split_minimum_order_splits_below_spare() -> None:
    # each alone cannot cover 100; together: 70 + 30, the cheaper one gets more
    cands = [Candidate(1, 70, min_order=30, unit_price=5), Candidate(2, 70, min_order=30,
                                                                     unit_price=4)]
    result = split(quantity=100, candidates=cands)
    assert result.shares == {1: 30, 2: 70} and result.cost == 30 * 5 + 70 * 4


def test_split_must_include_the_asked_producer() -> None:
    cands = [Candidate(1, 1000), Candidate(2, 40, min_order=10)]
    result = split(quantity=300, candidates=cands, must=[2])
    assert result.covered and result.shares == {2: 40, 1: 260}


def test_split_nothing_to_split() -> None:
    assert split(quantity=0, candidates=[Candidate(1, 10)]).shares == {}
    result = split(quantity=5, candidates=[])
    assert result.shares == {} and result.shortfall == 5 and not result.covered


def test_split_large_pool_of_equal_producers_is_exact_and_keyed() -> None:
    cands = [Candidate(k, 100, min_order=5, unit_price=10) for k in range(200, 0, -1)]
    result = split(quantity=1000, candidates=cands)
    assert result.exact and result.shares == {k: 100 for k in range(1, 11)}


def test_split_is_deterministic() -> None:
    rng = random.Random(7)
    cands = random_cands(rng, 200, spare=400, least=50)
    first = split(quantity=3000, candidates=cands)
    assert split(quantity=3000, candidates=list(reversed(cands))) == first
    assert valid(3000, cands, first.shares)
