"""Cluster rules at scale, with a true bound: who sits where once the assignment has chosen
who is placed.

The assignment (``flow``) is optimal for places and priority; a cluster rule only changes
where the placed applicants sit. That second stage maximises the *placement objective*:
the preference points of every placement, less ``CLUSTER_WEIGHT`` for every (cluster, zone)
pair in use ("together") or for every two side-by-side booths held by members of one cluster
("apart"). One CP-SAT model over every applicant of a 4,000-booth event does not even finish
its presolve in budget, so each rule gets a method that its structure allows:

- **together**: once each cluster's zones are chosen (``y``, a few hundred 0/1 variables),
  what is left is a min-cost flow, whose linear relaxation is integral. So the MIP with ``y``
  binary and the flow continuous is an *exact* model of the placement over every booth, not
  only a list of candidates. It is small because applicants reach booths through one "needs"
  node per zone and needs (type, electricity, water), as the booth classes of ``flow`` do.
  SCIP solves it (1,000 x 1,500: under a second, 4,000 x 6,000: a few seconds, proved
  optimal); its dual bound is a true upper bound, and the plan itself is then read from
  ``flow`` restricted to the chosen zones and settled by ``ties`` (the engine's tie-break).
  SCIP's limit is wall-clock (``MIP_SECONDS_PER_BUDGET`` in ``engine``): a run that ends
  before it, as every size above does, is the same every time. (HiGHS and CBC, also in the
  OR-Tools wheel, are as fast here, but HiGHS prints a banner on every solve.)
- **apart**: the assignment's plan (settled by ``ties``) is optimal for points, so only the
  holders of side-by-side booths of one cluster need to move. Each takes the best swap with
  any booth (or a move to a free one), scored exactly (points and neighbours changed) and
  vectorised over every booth; then whoever lost points looks for a swap that wins them
  back. The bound is the assignment's preference points (no plan of the same applicants has
  more, and the penalty is never negative): 4,000 x 6,000 ends within 1% in a few seconds.
  (CP-SAT over 16 candidate booths each, even hall by hall, rarely finds the swaps: both
  sides of a swap must list the other's booth.)

Both bounds are computed, never assumed; ``engine`` reports the gap, ``|bound - objective| /
max(1, |objective|)``. The objective leaves out what every plan of the placed applicants
shares (a place and priority points each), otherwise any plan would look 0.01% from optimal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from .flow import _classes, solve_flow
from .problem import (
    ApplicantIn,
    Problem,
    adjacency,
    priority_share,
    rank_of,
    rank_points,
    weight,
)
from .ties import UNFIT, settle, weight_matrix

CLUSTER_WEIGHT = 30_000
# The MIP's bound is a floating-point figure proved within its tolerances (SCIP: 1e-6
# feasibility, 1e-9 optimality); a margin above them keeps the reported bound a bound.
BOUND_MARGIN = 1e-5
MIP_GAP = 1e-6
MIP_SOLVER = "SCIP"


@dataclass(frozen=True)
class Solved:
    assignment: dict[int, tuple[int, ...]]
    status: str  # optimal | feasible | hint
    objective: int
    bound: int  # no plan of the placed applicants is worth more


# -- the placement objective ------------------------------------------------------------------


def points(p: Problem, assignment: dict[int, tuple[int, ...]]) -> int:
    """Preference points of a plan: its weight less the place and priority of each."""
    zone_of = {b.id: b.zone for b in p.booths}
    total = 0
    for app in p.applicants:
        ids = assignment.get(app.id)
        if ids:
            rank = rank_of(app, ids, [zone_of[i] for i in ids])
            total += (weight(app, rank, p.max_priority, p.draws[app.id])
                      - weight(app, None, p.max_priority, p.draws[app.id]))
    return total


def cluster_zones(p: Problem, assignment: dict[int, tuple[int, ...]]) -> int:
    """(cluster, zone) pairs in use: what "together" pays for."""
    zone_of = {b.id: b.zone for b in p.booths}
    return len({(a.cluster, zone_of[i]) for a in p.applicants if a.cluster
                for i in assignment.get(a.id, ())})


def cluster_neighbours(p: Problem, assignment: dict[int, tuple[int, ...]]) -> int:
    """Side-by-side booths held by two members of one cluster: what "apart" pays for."""
    cluster = {a.id: a.cluster for a in p.applicants}
    holder = {b: a for a, ids in assignment.items() for b in ids}
    return sum(1 for x, y in adjacency(p.booths)
               if x in holder and y in holder and holder[x] != holder[y]
               and cluster.get(holder[x]) and cluster.get(holder[x]) == cluster.get(holder[y]))


def objective(p: Problem, assignment: dict[int, tuple[int, ...]]) -> int:
    """The placement objective of a plan under ``p.rules.cluster_mode``."""
    penalty = {"together": cluster_zones, "apart": cluster_neighbours}.get(p.rules.cluster_mode)
    return points(p, assignment) - (CLUSTER_WEIGHT * penalty(p, assignment) if penalty else 0)


# -- together: the zones MIP --------------------------------------------------------------------


def _zone_bonus(app: ApplicantIn, share: int) -> tuple[dict[str, int], dict[int, int]]:
    """Points of the applicant's best zone wish per zone, and of its first wish per booth."""
    zone_bonus: dict[str, int] = {}
    booth_bonus: dict[int, int] = {}
    for rank, pref in enumerate(app.preferences, start=1):
        pts = rank_points(rank) * (100 + share)
        if pref.booth is not None:
            booth_bonus.setdefault(pref.booth, pts)
        elif pref.zone:  # as ``problem.rank_of``: a wish for no zone matches nothing
            zone_bonus[pref.zone] = max(pts, zone_bonus.get(pref.zone, 0))
    return zone_bonus, booth_bonus


@dataclass(frozen=True)
class _Mip:
    zones: dict[str, set[str]] | None  # cluster -> zones it uses; None: no plan found
    bound: float | None  # the proved bound (None: none)
    proved: bool  # the solver ended optimal (within MIP_GAP)


def _zones_mip(p: Problem, seconds: float) -> _Mip:
    """Solve the exact placement model for "together" (``MIP_SOLVER``): the zones each
    cluster uses (None when no plan was found in time) and the proved bound (None if none)."""
    solver = pywraplp.Solver.CreateSolver(MIP_SOLVER)
    if solver is None:  # pragma: no cover - SCIP ships in the OR-Tools wheel
        return _Mip(None, None, False)
    solver.SuppressOutput()
    classes = _classes(p)
    keys = list(classes)
    col = {b.id: j for j, b in enumerate(p.booths)}
    reps = np.array([classes[k][0] for k in keys])
    class_of = {j: k for k, key in enumerate(keys) for j in classes[key]}
    obj = solver.Objective()
    into_class: dict[int, list] = defaultdict(list)  # class -> vars
    into_booth: dict[int, list] = defaultdict(list)  # booth -> vars
    into_needs: dict[tuple[str, tuple], list] = {}  # (zone, needs) -> applicant vars
    needs_classes: dict[tuple[str, tuple], list[int]] = {}
    present: dict[tuple[str, str], object] = {}

    def var(cost: float, upper: float = 1.0):  # type: ignore[no-untyped-def]
        v = solver.NumVar(0.0, upper, "")
        if cost:
            obj.SetCoefficient(v, cost)
        return v

    def constraint(lo: float, hi: float, terms: list) -> None:  # type: ignore[type-arg]
        ct = solver.Constraint(lo, hi)
        for coef, v in terms:
            ct.SetCoefficient(v, coef)

    for app in p.applicants:
        zone_bonus, booth_bonus = _zone_bonus(app, priority_share(app, p.max_priority))
        mask = p.mask(app)
        needs = (app.booth_type, app.power_watts, app.water)
        by_zone: dict[str, list] = defaultdict(list)
        fitting = np.flatnonzero(mask[reps]).tolist()
        for zone in sorted({keys[k][3] for k in fitting}):
            node = (zone, needs)
            if node not in into_needs:
                into_needs[node] = []
                needs_classes[node] = [k for k in fitting if keys[k][3] == zone]
            v = var(zone_bonus.get(zone, 0))
            into_needs[node].append(v)
            by_zone[zone].append(v)
        for booth_id, pts in booth_bonus.items():
            j = col.get(booth_id)
            if j is None or not mask[j]:
                continue
            zone = p.booths[j].zone
            v = var(max(pts, zone_bonus.get(zone, 0)))
            into_booth[j].append(v)
            into_class[class_of[j]].append(v)
            by_zone[zone].append(v)
        constraint(1, 1, [(1, v) for vs in by_zone.values() for v in vs])
        if app.cluster:
            for zone, vs in by_zone.items():
                key = (app.cluster, zone)
                if key not in present:
                    present[key] = solver.IntVar(0, 1, "")
                    obj.SetCoefficient(present[key], -CLUSTER_WEIGHT)
                constraint(-solver.infinity(), 0, [(1, v) for v in vs] + [(-1, present[key])])
    for node, vs in into_needs.items():
        flows = [var(0, len(classes[keys[k]])) for k in needs_classes[node]]
        for k, f in zip(needs_classes[node], flows, strict=True):
            into_class[k].append(f)
        constraint(0, 0, [(1, v) for v in vs] + [(-1, f) for f in flows])
    for k, vs in into_class.items():
        constraint(0, len(classes[keys[k]]), [(1, v) for v in vs])
    for vs in into_booth.values():
        if len(vs) > 1:
            constraint(0, 1, [(1, v) for v in vs])
    obj.SetMaximization()
    solver.SetNumThreads(1)
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, MIP_GAP)
    status = solver.Solve(params)
    bound = obj.BestBound()
    if status not in (solver.OPTIMAL, solver.FEASIBLE):
        return _Mip(None, None, False)
    zones: dict[str, set[str]] = defaultdict(set)
    for (cluster, zone), v in present.items():
        if v.solution_value() > 0.5:  # type: ignore[attr-defined]
            zones[cluster].add(zone)
    return _Mip(dict(zones), bound if math.isfinite(bound) else None,
                status == solver.OPTIMAL)


def _restricted(p: Problem, zones: dict[str, set[str]]) -> Problem:
    """``p`` with each cluster's members kept to the cluster's zones."""
    booth_zones = np.array([b.zone for b in p.booths], dtype=object)
    allowed = {c: np.isin(booth_zones, sorted(z)) for c, z in zones.items()}
    nowhere = np.zeros(len(p.booths), dtype=bool)
    base: Callable[[ApplicantIn], np.ndarray] = p.mask

    def mask(app: ApplicantIn) -> np.ndarray:
        return base(app) & allowed.get(app.cluster, nowhere) if app.cluster else base(app)

    return Problem(p.booths, p.applicants, p.rules, p.draws, p.max_priority, mask)


def together(p: Problem, hint: dict[int, tuple[int, ...]], seconds: float) -> Solved:
    """``p``: the placed applicants only; ``hint``: their optimal plan without the rule."""
    placed = p.subset([a for a in p.applicants if a.id in hint])
    best = Solved(hint, "hint", objective(placed, hint), 0)
    clusters = {a.cluster for a in placed.applicants if a.cluster}
    # Without the rule no plan has more points than the hint; with it, every cluster uses a
    # zone at least.
    bound = points(placed, hint) - CLUSTER_WEIGHT * len(clusters)
    mip = _zones_mip(placed, seconds) if clusters else _Mip({}, None, True)
    if mip.bound is not None:  # every objective is a whole number: the floor is a bound too
        bound = min(bound, math.floor(mip.bound + BOUND_MARGIN * max(1.0, abs(mip.bound))))
    zones = mip.zones
    if zones is not None:
        restricted = _restricted(placed, zones)
        zone_of = {b.id: b.zone for b in p.booths}
        fits = all(zone_of[hint[a.id][0]] in zones.get(a.cluster, ())
                   for a in placed.applicants if a.cluster)
        # the hint has the most points of all: when the chosen zones allow it, it is their plan
        found = hint if fits else solve_flow(restricted)
        if len(found) == len(hint):
            value = objective(placed, found)
            # the engine's tie-break among equal plans (it keeps the points and the zones)
            settled = settle(restricted, found)
            if objective(placed, settled) >= value:
                found = settled
            if value >= best.objective:
                best = Solved(found, "feasible", objective(placed, found), 0)
    # "optimal": no better plan exists, or the solver proved its plan optimal (within
    # MIP_GAP) and ours is within the margin of the bound.
    close = best.objective >= bound - math.ceil(2 * BOUND_MARGIN * max(1, abs(bound)))
    status = "optimal" if best.objective >= bound or (mip.proved and close) else best.status
    return Solved(best.assignment, status, best.objective, max(bound, best.objective))


# -- apart: swaps --------------------------------------------------------------------------


def _swaps(p: Problem, hint: dict[int, tuple[int, ...]], passes: int = 20) -> dict[
        int, tuple[int, ...]]:
    """Best-improvement swaps (or moves to a free booth) for the holders of side-by-side
    booths of one cluster, each scored exactly (points and neighbours changed), vectorised
    over every booth: the hint is optimal for points, so only those holders can gain."""
    weights, fits = weight_matrix(p)
    n, m = weights.shape
    base = np.array([weight(a, None, p.max_priority, p.draws[a.id]) for a in p.applicants],
                    dtype=np.int64)
    pts = np.where(fits, weights - base[:, None], UNFIT)
    names = sorted({a.cluster for a in p.applicants if a.cluster})
    none = len(names)  # the column of "no cluster": never counted
    index = {c: k for k, c in enumerate(names)}
    cluster = np.array([index.get(a.cluster, none) for a in p.applicants] + [none])
    col = {b.id: j for j, b in enumerate(p.booths)}
    booth_of = np.array([col[hint[a.id][0]] for a in p.applicants], dtype=np.int64)
    holder = np.full(m, n, dtype=np.int64)  # n: nobody (a free booth)
    holder[booth_of] = np.arange(n)
    pts = np.vstack([pts, np.zeros((1, m), dtype=np.int64)])  # nobody scores 0 anywhere
    neighbours: list[list[int]] = [[] for _ in range(m)]
    for a, b in sorted(adjacency(p.booths)):
        neighbours[col[a]].append(col[b])
        neighbours[col[b]].append(col[a])
    near = np.zeros((m, none + 1), dtype=np.int64)  # booth -> neighbours held per cluster
    for j in range(m):
        for u in neighbours[j]:
            near[u, cluster[holder[j]]] += 1
    near[:, none] = 0
    booths = np.arange(m)

    def move(x: int, j: int) -> None:
        i, k = int(holder[x]), int(holder[j])
        ci, ck = int(cluster[i]), int(cluster[k])
        for u in neighbours[x]:
            near[u, ci] -= 1
            near[u, ck] += 1
        for u in neighbours[j]:
            near[u, ck] -= 1
            near[u, ci] += 1
        near[:, none] = 0
        holder[x], holder[j] = k, i
        if k < n:
            booth_of[k] = x
        booth_of[i] = j

    def best(x: int) -> tuple[int, int]:
        """The best swap for the holder of booth x: (gain, booth)."""
        i = int(holder[x])
        ci = int(cluster[i])
        ck = cluster[holder]  # the cluster of every booth's holder
        adj = np.zeros(m, dtype=np.int64)
        adj[neighbours[x]] = 1
        same = (ck == ci) & (ci != none)
        before = near[x, ci] + near[booths, ck] - 2 * adj * same
        after = near[x, ck] - adj * (ck != none) + near[booths, ci] - adj * (ci != none)
        gain = (pts[i, booths] + pts[holder, x] - pts[i, x] - pts[holder, booths]
                - CLUSTER_WEIGHT * (after - before))
        gain[x] = 0
        j = int(np.argmax(gain))
        return int(gain[j]), j

    start = pts[np.arange(n), booth_of].copy()
    for _ in range(passes):
        improved = False
        bad = [x for x in range(m) if holder[x] < n and cluster[holder[x]] != none
               and near[x, cluster[holder[x]]] > 0]
        for x in bad:  # move whichever of the pair gains more
            ci = cluster[holder[x]]
            pair = [x, *(u for u in neighbours[x] if cluster[holder[u]] == ci)]
            if len(pair) == 1:
                continue  # an earlier swap of this pass settled it
            gain, to, minus_from = max((*best(u), -u) for u in pair)
            if gain > 0:
                move(-minus_from, to)
                improved = True
        # then win back points: whoever holds fewer than in the hint looks for a better swap
        for i in np.flatnonzero(pts[np.arange(n), booth_of] < start).tolist():
            gain, j = best(int(booth_of[i]))
            if gain > 0:
                move(int(booth_of[i]), j)
                improved = True
        if not improved:
            break
    return {p.applicants[i].id: (p.booths[int(booth_of[i])].id,) for i in range(n)}


def apart(p: Problem, hint: dict[int, tuple[int, ...]]) -> Solved:
    """``p``: the problem; ``hint``: an optimal plan without the rule (who is placed)."""
    placed = p.subset([a for a in p.applicants if a.id in hint])
    hint = settle(placed, hint)  # the engine's tie-break first, then only what the rule needs
    bound = points(placed, hint)  # no plan of the placed has more points; penalties are >= 0
    found = _swaps(placed, hint) if hint else hint
    value = objective(placed, found)
    if value < objective(placed, hint):  # pragma: no cover - every swap gains
        found, value = hint, objective(placed, hint)
    status = "optimal" if value >= bound else "feasible"
    return Solved(found, status, value, max(bound, value))
