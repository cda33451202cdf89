"""The allocation problem as data, and the rules every part of the engine scores it by.

A leaf of the booth engine: ``feasibility``, ``flow``, ``ties``, ``explain`` and ``engine``
import from here and nothing here imports them. Pure, no database.

- What is given: ``BoothIn``, ``ApplicantIn`` with ranked ``Preference``\\ s, and ``Rules``.
- What is asked: a ``Result`` with an ``Explanation`` per applicant.
- ``Problem``: the part of an allocation still to solve (booths and applicants not locked),
  with the lottery draws and the needs check over its booths.
- How a placement is scored (``weight``), who is ahead of whom (``ranking_key``) and the
  geometry of booths side by side (``adjacency``, ``rows_of``, ``blocks_of``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

PLACE_WEIGHT = 1_000_000_000
PRIORITY_WEIGHT = 100_000
RANK_POINTS = (100, 80, 60, 40, 20)
OTHER_RANK_POINTS = 10

# Which booth types satisfy an applicant's requested type.
TYPE_FITS = {
    "standard": frozenset({"standard", "corner", "island"}),
    "corner": frozenset({"corner"}),
    "island": frozenset({"island"}),
    "food": frozenset({"food"}),
    "outdoor": frozenset({"outdoor"}),
}


@dataclass(frozen=True)
class BoothIn:
    id: int
    code: str
    hall: int
    x: float
    y: float
    w: float
    h: float
    type: str = "standard"
    zone: str = ""
    power_watts: int = 0
    water: bool = False


@dataclass(frozen=True)
class Preference:
    """One ranked wish: a specific booth (``booth`` set) or any booth of a zone."""

    booth: int | None = None
    zone: str = ""


@dataclass(frozen=True)
class ApplicantIn:
    id: int
    priority: int = 0
    booth_type: str = "standard"
    count: int = 1
    power_watts: int = 0
    water: bool = False
    category: str = ""
    cluster: str = ""
    preferences: tuple[Preference, ...] = ()


@dataclass(frozen=True)
class Rules:
    zone_rules: dict[str, frozenset[str]] = field(default_factory=dict)  # category -> zones
    cluster_mode: str = "none"  # none | together | apart
    locked: dict[int, tuple[int, ...]] = field(default_factory=dict)  # applicant -> booths
    seed: int = 0
    max_seconds: float = 1.0  # CP-SAT deterministic time budget (not wall time)


@dataclass
class Explanation:
    applicant: int
    booths: tuple[int, ...]
    rank: int | None  # preference rank obtained (1 = first choice), None = unranked/none
    reasons: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    waitlist_position: int | None = None


@dataclass
class Result:
    assignment: dict[int, tuple[int, ...]]
    explanations: dict[int, Explanation]
    waitlist: list[int]
    metrics: dict[str, object]


@dataclass
class Problem:
    """What is left to solve: free booths (sorted by id), applicants without a lock (sorted
    by id), everyone's lottery draw and the top priority (both over all applicants)."""

    booths: list[BoothIn]
    applicants: list[ApplicantIn]
    rules: Rules
    draws: dict[int, int]
    max_priority: int
    mask: Callable[[ApplicantIn], np.ndarray]  # which of ``booths`` meet the needs (Fit.mask)

    def subset(self, applicants: Sequence[ApplicantIn]) -> Problem:
        """The same booths, draws and weights for fewer applicants."""
        return Problem(self.booths, list(applicants), self.rules, self.draws,
                       self.max_priority, self.mask)


# -- needs and weights ----------------------------------------------------------------------


def why_not(app: ApplicantIn, booth: BoothIn, rules: Rules) -> str | None:
    """The first need that ``booth`` does not meet for ``app``, or None when it fits."""
    if booth.type not in TYPE_FITS.get(app.booth_type, frozenset({app.booth_type})):
        return "type"
    if booth.power_watts < app.power_watts:
        return "power"
    if app.water and not booth.water:
        return "water"
    allowed = rules.zone_rules.get(app.category)
    if allowed and booth.zone not in allowed:
        return "zone"
    return None


def rank_of(app: ApplicantIn, booth_ids: Sequence[int], zones: Sequence[str]) -> int | None:
    """1-based rank of the first preference that the block matches (its first booth)."""
    for i, pref in enumerate(app.preferences, start=1):
        if pref.booth is not None and pref.booth in booth_ids:
            return i
        if pref.booth is None and pref.zone and pref.zone in zones:
            return i
    return None


def rank_points(rank: int | None) -> int:
    if rank is None:
        return 0
    return RANK_POINTS[rank - 1] if rank <= len(RANK_POINTS) else OTHER_RANK_POINTS


def lottery(applicants: Iterable[ApplicantIn], seed: int) -> dict[int, int]:
    """A seeded draw 0..99 per applicant: the last tie-breaker, reproducible from the seed."""
    rng = random.Random(seed)
    return {a.id: rng.randrange(100) for a in sorted(applicants, key=lambda a: a.id)}


def priority_share(app: ApplicantIn, max_priority: int) -> int:
    """The applicant's priority as a percentage of the top one (weights its rank points)."""
    return 100 * app.priority // max_priority if max_priority > 0 else 0


def weight(app: ApplicantIn, rank: int | None, max_priority: int, draw: int) -> int:
    return (PLACE_WEIGHT + PRIORITY_WEIGHT * app.priority
            + rank_points(rank) * (100 + priority_share(app, max_priority)) + draw)


def zone_columns(p: Problem) -> dict[str, np.ndarray]:
    """Zone -> indices of its booths in ``p.booths``."""
    zones = np.array([b.zone for b in p.booths], dtype=object)
    return {z: np.flatnonzero(zones == z) for z in {b.zone for b in p.booths}}


def preference_points(p: Problem, app: ApplicantIn, col: dict[int, int],
                      zone_cols: dict[str, np.ndarray]) -> np.ndarray:
    """Preference points per booth of ``p.booths`` (0 where unranked; the best rank wins),
    whether or not the booth fits; ``col`` maps booth ids to their index."""
    points = np.zeros(len(p.booths), dtype=np.int64)
    share = priority_share(app, p.max_priority)
    for rank in range(len(app.preferences), 0, -1):  # the better ranks overwrite
        pref = app.preferences[rank - 1]
        if pref.booth is None:
            points[zone_cols.get(pref.zone, [])] = rank_points(rank) * (100 + share)
        elif pref.booth in col:
            points[col[pref.booth]] = rank_points(rank) * (100 + share)
    return points


def ranking_key(app: ApplicantIn, draws: dict[int, int]) -> tuple[int, int, int]:
    """Who is ahead: more priority points, then the better draw, then the lower id. The
    waitlist follows this order, and so do the ties between equally good plans."""
    return (-app.priority, -draws.get(app.id, 0), app.id)


# -- geometry -------------------------------------------------------------------------------


def _key(v: float) -> int:
    return round(v * 100)


def adjacency(booths: Sequence[BoothIn]) -> set[tuple[int, int]]:
    """Pairs (a, b), a < b, of booths in one hall that share a side."""
    by_left: dict[tuple[int, int], list[BoothIn]] = defaultdict(list)
    by_top: dict[tuple[int, int], list[BoothIn]] = defaultdict(list)
    for b in booths:
        by_left[(b.hall, _key(b.x))].append(b)
        by_top[(b.hall, _key(b.y))].append(b)
    pairs: set[tuple[int, int]] = set()
    for a in booths:
        for b in by_left.get((a.hall, _key(a.x + a.w)), ()):
            if min(a.y + a.h, b.y + b.h) - max(a.y, b.y) > 1e-6:
                pairs.add((min(a.id, b.id), max(a.id, b.id)))
        for b in by_top.get((a.hall, _key(a.y + a.h)), ()):
            if min(a.x + a.w, b.x + b.w) - max(a.x, b.x) > 1e-6:
                pairs.add((min(a.id, b.id), max(a.id, b.id)))
    return pairs


def rows_of(booths: Sequence[BoothIn]) -> list[list[BoothIn]]:
    """Maximal runs of booths side by side (same hall, top and depth), left to right."""
    lines: dict[tuple[int, int, int], list[BoothIn]] = defaultdict(list)
    for b in booths:
        lines[(b.hall, _key(b.y), _key(b.h))].append(b)
    runs: list[list[BoothIn]] = []
    for line in lines.values():
        line.sort(key=lambda b: b.x)
        run = [line[0]]
        for b in line[1:]:
            if _key(run[-1].x + run[-1].w) == _key(b.x):
                run.append(b)
            else:
                runs.append(run)
                run = [b]
        runs.append(run)
    return runs


def blocks_of(booths: Sequence[BoothIn], size: int) -> list[tuple[BoothIn, ...]]:
    if size == 1:
        return [(b,) for b in booths]
    out: list[tuple[BoothIn, ...]] = []
    for run in rows_of(booths):
        out.extend(tuple(run[i:i + size]) for i in range(len(run) - size + 1))
    return out
