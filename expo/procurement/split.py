"""Splitting one item's quantity across producers (pure: no database, no clock).

This generalises the grouped offers' split (``expo.leads.capacity.split``, largest spare
first) with minimum orders, prices and the SMK priority.

**Problem.** Given a quantity ``Q`` and candidates ``(key, spare, min_order, unit_price,
has_smk)``, give each candidate a share that is 0 or between its minimum order and its spare
capacity, the shares adding up to at most ``Q``. Of all such splits choose, lexicographically:

1. the smallest shortfall (``Q`` less the shares);
2. the fewest producers;
3. the most SMK-employing workshops among them (the issue gives them priority);
4. the lowest estimated cost (share × unit price);
5. the smallest keys (the sorted tuple of chosen keys), so equal inputs give equal splits.

**Algorithm.** A candidate whose spare (capped at ``Q``) is below its minimum order, or whose
minimum order exceeds ``Q``, can take no share. For a set ``S`` of the others, every total
between ``Σ min_order`` and ``Σ spare`` is reachable, so ``S`` is feasible when
``Σ min_order ≤ Q`` and then covers ``min(Q, Σ spare)``; inside ``S`` the cheapest split of a
total gives every member its minimum order and fills the rest cheapest first (exact for linear
costs with bounds). So:

- *Coverage.* The best coverage ``C*`` is a 0/1 knapsack (weight: minimum order, capacity
  ``Q``; value: spare, capped at ``Q``), solved exactly by a Pareto-frontier dynamic programme
  over (Σ min_order, Σ spare). When all minimum orders together fit in ``Q`` it is simply
  ``min(Q, Σ spare)``; otherwise the frontier is small in practice (it stops once ``Q`` is
  covered).
- *Set.* A depth-first branch and bound over the candidates sorted by spare (largest first)
  looks for the best set covering ``C*``: the fewest producers are bounded by prefix sums of the
  remaining spares (which are sorted, so the best ``r`` more are the next ``r``), the SMK count
  by the remaining SMK candidates, the cost by the chosen minimum orders plus the rest at the
  cheapest remaining price. Candidates identical in every attribute but the key are explored in
  key order only (symmetry breaking), so large pools of equal producers stay cheap.

**Exactness.** The coverage is always exact. The set is exact whenever the search finishes
within ``node_budget`` nodes (``Split.exact``): always for the small instances of the tests
(checked against brute forces over all share vectors and all subsets), and for every item of
the bench's seminar kit (300 units, 200 candidates). When thousands of units need a hundred
small producers with near-equal prices, the budget can run out (about one item in nine of the
bench's large bundle): the best set found so far is returned, ``exact`` False (a greedy set,
largest spare first, if none was found). Such a set covers the best coverage, and as the
search tries the largest spares first it had the fewest producers in every such bench item
(equal to the prefix-sum lower bound); only the SMK count and the estimated cost were off the
optimum (cost within 0.5%). ``bench/bench_split.py`` measures it (p95 well under the 1 s
target for a 3-item bundle over 200 candidates per item).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

NODE_BUDGET = 10_000


@dataclass(frozen=True)
class Candidate:
    key: Hashable
    spare: int
    min_order: int = 1
    unit_price: int = 0
    has_smk: bool = False


@dataclass(frozen=True)
class Split:
    shares: dict[Hashable, int]
    shortfall: int
    exact: bool = True
    cost: int = 0

    @property
    def covered(self) -> bool:
        return self.shortfall == 0

    @property
    def total(self) -> int:
        return sum(self.shares.values())


@dataclass(frozen=True)
class _Cand:
    key: Hashable
    spare: int  # capped at the quantity
    min_order: int
    price: int
    smk: bool

    @property
    def shape(self) -> tuple[int, int, int, bool]:
        return (self.spare, self.min_order, self.price, self.smk)


def _sort_key(key: Hashable) -> tuple[str, object]:
    """Keys of one type compare as themselves; mixed types by their type name first."""
    return (type(key).__name__, key)


def _usable(quantity: int, candidates: Sequence[Candidate]) -> list[_Cand]:
    out = []
    for c in candidates:
        least = max(c.min_order, 1)
        spare = min(max(c.spare, 0), quantity)
        if least <= spare:
            out.append(_Cand(c.key, spare, least, max(c.unit_price, 0), bool(c.has_smk)))
    out.sort(key=lambda c: (-c.spare, -c.smk, c.price, c.min_order, _sort_key(c.key)))
    return out


def best_coverage(room: int, cap: int, cands: Sequence[_Cand]) -> int:
    """The most spare (at most ``cap``) of a set whose minimum orders fit in ``room`` (an
    exact 0/1 knapsack by its Pareto frontier)."""
    if sum(c.min_order for c in cands) <= room:
        return min(cap, sum(c.spare for c in cands))
    frontier: list[tuple[int, int]] = [(0, 0)]  # (Σ min_order, covered), covered increasing
    for c in cands:
        grown = [(w + c.min_order, min(cap, v + c.spare)) for w, v in frontier
                 if w + c.min_order <= room]
        merged = sorted(frontier + grown, key=lambda s: (s[0], -s[1]))
        frontier, best = [], -1
        for w, v in merged:
            if v > best:
                frontier.append((w, v))
                best = v
        if best >= cap:
            return cap
    return frontier[-1][1]


def distribute(total: int, chosen: Sequence[_Cand],
               first: Collection[Hashable] = ()) -> tuple[dict[Hashable, int], int]:
    """The cheapest shares of ``total`` in ``chosen`` (each its minimum, then cheapest first;
    SMK, then key, between equal prices; the ``first`` keys before any other)."""
    shares = {c.key: c.min_order for c in chosen}
    left = total - sum(shares.values())
    for c in sorted(chosen, key=lambda c: (c.key not in first, c.price, -c.smk,
                                           _sort_key(c.key))):
        more = min(c.spare - c.min_order, left)
        shares[c.key] += more
        left -= more
    cost = sum(shares[c.key] * c.price for c in chosen)
    return shares, cost


@dataclass
class _Search:
    quantity: int
    target: int
    cands: list[_Cand]
    budget: int
    first: frozenset[Hashable] = frozenset()
    prefix: list[int] = field(default_factory=list)
    smk_left: list[int] = field(default_factory=list)
    price_left: list[int] = field(default_factory=list)
    nodes: int = 0
    best: tuple[int, int, int, tuple[tuple[str, object], ...]] | None = None
    best_set: list[_Cand] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.cands)
        self.prefix = [0, *accumulate(c.spare for c in self.cands)]
        self.smk_left = [0] * (n + 1)
        self.price_left = [2**62] * (n + 1)
        for i in range(n - 1, -1, -1):
            self.smk_left[i] = self.smk_left[i + 1] + self.cands[i].smk
            self.price_left[i] = min(self.price_left[i + 1], self.cands[i].price)

    def more_needed(self, i: int, missing: int) -> int | None:
        """The fewest further candidates from ``i`` on whose spares could cover ``missing``."""
        if missing <= 0:
            return 0
        want = self.prefix[i] + missing
        j = bisect.bisect_left(self.prefix, want, lo=i)
        return None if j >= len(self.prefix) else j - i

    def record(self, state: _State) -> None:
        head = (len(state.chosen), -state.smk)
        if self.best is not None and head > self.best[:2]:
            return
        _shares, cost = distribute(self.target, state.chosen, self.first)
        if self.best is not None and head + (cost,) > self.best[:3]:
            return
        score = (*head, cost, tuple(sorted(_sort_key(c.key) for c in state.chosen)))
        if self.best is None or score < self.best:
            self.best, self.best_set = score, list(state.chosen)

    def pruned(self, i: int, state: _State) -> bool:
        more = self.more_needed(i, self.target - state.covered)
        if more is None:
            return True
        if self.best is None:
            return False
        k = len(state.chosen) + more
        best_k, best_smk, best_cost, _ = self.best
        if k != best_k:
            return k > best_k
        smk = state.smk + min(best_k - len(state.chosen), self.smk_left[i])
        if -smk != best_smk:
            return -smk > best_smk
        cheapest = min(self.price_left[i], state.cheapest)
        return state.cost + (self.target - state.weight) * cheapest > best_cost

    def run(self, i: int, state: _State) -> None:
        self.nodes += 1
        if state.covered >= self.target:
            self.record(state)
            return
        if i >= len(self.cands) or self.nodes > self.budget or self.pruned(i, state):
            return
        c = self.cands[i]
        if state.weight + c.min_order <= self.target:
            state.chosen.append(c)
            self.run(i + 1, _State(state.chosen, state.weight + c.min_order,
                                   state.covered + c.spare, state.cost + c.min_order * c.price,
                                   state.smk + c.smk, min(state.cheapest, c.price)))
            state.chosen.pop()
        j = i + 1  # leaving c out leaves out its identical twins too (they come in key order)
        while j < len(self.cands) and self.cands[j].shape == c.shape:
            j += 1
        self.run(j, state)


@dataclass
class _State:
    """The set chosen so far: its minimum orders, spare, cost of the minimums, SMK count and
    cheapest price."""

    chosen: list[_Cand]
    weight: int = 0
    covered: int = 0
    cost: int = 0
    smk: int = 0
    cheapest: int = 2**62

    @classmethod
    def of(cls, chosen: list[_Cand]) -> _State:
        return cls(list(chosen), sum(c.min_order for c in chosen),
                   sum(c.spare for c in chosen), sum(c.min_order * c.price for c in chosen),
                   sum(c.smk for c in chosen), min((c.price for c in chosen), default=2**62))


def split(*, quantity: int, candidates: Sequence[Candidate],
          must: Collection[Hashable] = (), node_budget: int = NODE_BUDGET) -> Split:
    """The best shares of ``quantity`` among ``candidates`` (see the module's docstring).
    ``must``: keys that are in the set whenever they can take a share (the producer a buyer
    asked at a fair), filled first up to their spare capacity."""
    if quantity <= 0:
        return Split(shares={}, shortfall=0)
    cands = _usable(quantity, candidates)
    forced = [c for c in cands if c.key in set(must)]
    weight = sum(c.min_order for c in forced)
    if weight > quantity:  # too many forced minimums: keep the first that fit
        kept, weight = [], 0
        for c in forced:
            if weight + c.min_order <= quantity:
                kept.append(c)
                weight += c.min_order
        forced = kept
    rest = [c for c in cands if c not in forced]
    have = sum(c.spare for c in forced)
    target = min(quantity, have) + best_coverage(quantity - weight, max(quantity - have, 0),
                                                 rest)
    first = frozenset(c.key for c in forced)
    search = _Search(quantity=quantity, target=target, cands=rest, budget=node_budget,
                     first=first)
    search.run(0, _State.of(forced))
    chosen = search.best_set if search.best is not None else _greedy(quantity, forced, rest)
    total = min(quantity, sum(c.spare for c in chosen))
    shares, cost = distribute(total, chosen, first)
    return Split(shares={k: v for k, v in shares.items() if v > 0},
                 shortfall=quantity - total,
                 exact=search.best is not None and search.nodes <= node_budget, cost=cost)


def _greedy(quantity: int, forced: Sequence[_Cand], rest: Sequence[_Cand]) -> list[_Cand]:
    """Most spare first while the minimum orders fit (only when the search found nothing in
    its budget)."""
    chosen, weight = list(forced), sum(c.min_order for c in forced)
    for c in rest:
        if sum(x.spare for x in chosen) >= quantity:
            break
        if weight + c.min_order <= quantity:
            chosen.append(c)
            weight += c.min_order
    return chosen

