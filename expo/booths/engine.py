"""The allocation engine: a pure function from booths, applicants and rules to an assignment.

No database, no HTTP. The objective is lexicographic, folded into one integer weight per
(applicant, booth block) pair:

1. place as many applicants as possible,
2. then prefer applicants with more priority points,
3. then give everyone the best preference rank they can get (weighted by priority),
4. then a seeded lottery breaks the remaining ties.

One booth per applicant and no cluster rule: an exact assignment problem
(``scipy.optimize.linear_sum_assignment``). Multi-booth needs (adjacent booths in a row) or a
cluster rule: OR-Tools CP-SAT over candidate blocks, warm-started from the assignment
solution, with a deterministic time limit so that the same inputs and seed give the same result.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from expo.booths.feasibility import Fit
from expo.booths.flow import solve_flow

if TYPE_CHECKING:  # CP-SAT is imported only where it is used (it takes ~0.5 s to load)
    from ortools.sat.python.cp_model import IntVar

PLACE_WEIGHT = 1_000_000_000
PRIORITY_WEIGHT = 100_000
RANK_POINTS = (100, 80, 60, 40, 20)
OTHER_RANK_POINTS = 10
CLUSTER_WEIGHT = 30_000
INFEASIBLE_COST = 1e13
MAX_CANDIDATES = 16
DENSE_LIMIT = 250_000
SEARCH_WORKERS = 1
HOME_POINTS = 8_000  # warm start: a cluster's home zone is worth about a 2nd choice

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


# -- feasibility and weights -----------------------------------------------------------------


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


def weight(app: ApplicantIn, rank: int | None, max_priority: int, draw: int) -> int:
    share = 100 * app.priority // max_priority if max_priority > 0 else 0
    return (PLACE_WEIGHT + PRIORITY_WEIGHT * app.priority
            + rank_points(rank) * (100 + share) + draw)


# -- geometry ---------------------------------------------------------------------------------


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


# -- the solve --------------------------------------------------------------------------------


@dataclass
class _Problem:
    booths: list[BoothIn]
    applicants: list[ApplicantIn]
    rules: Rules
    draws: dict[int, int]
    max_priority: int
    fit: Fit  # needs check over ``booths``


def _problem(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn],
             rules: Rules) -> _Problem:
    locked_booths = {b for ids in rules.locked.values() for b in ids}
    free = [b for b in booths if b.id not in locked_booths]
    todo = [a for a in applicants if a.id not in rules.locked]
    return _Problem(booths=free, applicants=todo, rules=rules,
                    draws=lottery(applicants, rules.seed),
                    max_priority=max((a.priority for a in applicants), default=0),
                    fit=Fit(free, rules))


def _block_weight(p: _Problem, app: ApplicantIn, block: Sequence[BoothIn]) -> int:
    rank = rank_of(app, [b.id for b in block], [b.zone for b in block])
    return weight(app, rank, p.max_priority, p.draws[app.id])


def _share(p: _Problem, app: ApplicantIn) -> int:
    return 100 * app.priority // p.max_priority if p.max_priority > 0 else 0


def _pref_bonus(p: _Problem, app: ApplicantIn, col: dict[int, int],
                zone_cols: dict[str, np.ndarray]) -> dict[int, int]:
    """Column -> preference points for the booths this applicant ranked (best rank wins)."""
    bonus: dict[int, int] = {}
    for rank, pref in enumerate(app.preferences, start=1):
        cols = ([col[pref.booth]] if pref.booth in col else []) if pref.booth is not None \
            else zone_cols.get(pref.zone, ())
        for j in cols:
            bonus.setdefault(int(j), rank_points(rank) * (100 + _share(p, app)))
    return bonus


def _zone_cols(p: _Problem) -> dict[str, np.ndarray]:
    return {z: np.flatnonzero(p.fit.zones == z) for z in {b.zone for b in p.booths}}


def _solve_lsa(p: _Problem) -> dict[int, tuple[int, ...]]:
    from scipy.optimize import linear_sum_assignment

    if not p.applicants or not p.booths:
        return {}
    col = {b.id: j for j, b in enumerate(p.booths)}
    zone_cols = _zone_cols(p)
    cost = np.full((len(p.applicants), len(p.booths)), INFEASIBLE_COST)
    for i, app in enumerate(p.applicants):
        mask = p.fit.mask(app)
        cost[i, mask] = -weight(app, None, p.max_priority, p.draws[app.id])
        for j, points in _pref_bonus(p, app, col, zone_cols).items():
            if mask[j]:
                cost[i, j] -= points
    rows, cols = linear_sum_assignment(cost)
    return {p.applicants[i].id: (p.booths[j].id,)
            for i, j in zip(rows, cols, strict=True) if cost[i, j] < INFEASIBLE_COST / 2}


def _solve_simple(p: _Problem) -> tuple[dict[int, tuple[int, ...]], str]:
    """Dense assignment for small events, the equivalent min-cost flow for large ones."""
    if len(p.applicants) * len(p.booths) <= DENSE_LIMIT:
        return _solve_lsa(p), "assignment"
    return solve_flow(p), "min-cost flow"


def _cluster_hint(p: _Problem, hint: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """A warm start for "together": each cluster gets a home zone (its members' commonest
    zone in ``hint``, spread by capacity) and the flow is solved again with home points."""
    zone_of = {b.id: b.zone for b in p.booths}
    capacity = Counter(zone_of.values())
    members: dict[str, list[ApplicantIn]] = defaultdict(list)
    for app in p.applicants:
        if app.cluster and app.id in hint:
            members[app.cluster].append(app)
    home: dict[int, tuple[str, int]] = {}
    for cluster in sorted(members, key=lambda c: (-len(members[c]), c)):
        votes = Counter(zone_of[hint[a.id][0]] for a in members[cluster])
        zone = max(votes, key=lambda z: (capacity[z] >= len(members[cluster]), votes[z], z))
        capacity[zone] -= len(members[cluster])
        home.update({a.id: (zone, HOME_POINTS) for a in members[cluster]})
    placed = _Problem(p.booths, [a for a in p.applicants if a.id in hint], p.rules, p.draws,
                      p.max_priority, p.fit)
    again = solve_flow(placed, home)
    return again if len(again) == len(hint) else hint


def _candidates(p: _Problem, app: ApplicantIn, hint: tuple[int, ...] | None,
                col: dict[int, int], zone_cols: dict[str, np.ndarray]) -> list[
        tuple[tuple[BoothIn, ...], int]]:
    """Feasible blocks with their weight: every ranked one, the warm-start one, and up to
    MAX_CANDIDATES in total drawn in a seeded order among the equally good rest."""
    if app.count > 1:
        fitting = p.fit.fitting(app)
        blocks = blocks_of(fitting, app.count) if fitting else []
        scored = [(bl, _block_weight(p, app, bl)) for bl in blocks]
        rng = random.Random(p.rules.seed * 1_000_003 + app.id)
        rng.shuffle(scored)
        scored.sort(key=lambda s: -s[1])
        return scored[:MAX_CANDIDATES]
    mask = p.fit.mask(app)
    base = weight(app, None, p.max_priority, p.draws[app.id])
    bonus = {j: v for j, v in _pref_bonus(p, app, col, zone_cols).items() if mask[j]}
    chosen = sorted(bonus, key=lambda j: -bonus[j])[:MAX_CANDIDATES]
    if hint and hint[0] in col and col[hint[0]] not in chosen:
        chosen.append(col[hint[0]])
    rest = [int(j) for j in np.flatnonzero(mask) if int(j) not in bonus]
    rng = random.Random(p.rules.seed * 1_000_003 + app.id)
    extra = max(0, MAX_CANDIDATES - len(chosen))
    chosen.extend(j for j in rng.sample(rest, min(extra, len(rest))) if j not in chosen)
    return [((p.booths[j],), base + bonus.get(j, 0)) for j in chosen]


def _solve_cpsat(p: _Problem, hint: dict[int, tuple[int, ...]],
                 placed_fixed: bool) -> tuple[dict[int, tuple[int, ...]], str]:
    """CP-SAT over candidate blocks. With ``placed_fixed`` the applicants of ``hint`` are
    exactly the ones placed (already optimal for places and priority) and the model only
    decides where: preference points and the cluster rule."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    by_booth: dict[int, list] = defaultdict(list)
    choice: dict[tuple[int, tuple[int, ...]], cp_model.IntVar] = {}
    objective = []
    occupancy: dict[tuple[str, int], list] = defaultdict(list)  # (cluster, booth) -> vars
    col = {b.id: j for j, b in enumerate(p.booths)}
    zone_cols = _zone_cols(p)
    apps = [a for a in p.applicants if a.id in hint] if placed_fixed else p.applicants
    for app in apps:
        base = weight(app, None, p.max_priority, p.draws[app.id]) if placed_fixed else 0
        mine = []
        for block, w in _candidates(p, app, hint.get(app.id), col, zone_cols):
            ids = tuple(b.id for b in block)
            var = model.new_bool_var(f"x{app.id}_{ids[0]}")
            choice[(app.id, ids)] = var
            mine.append(var)
            objective.append((w - base) * var)
            for bid in ids:
                by_booth[bid].append(var)
                if app.cluster:
                    occupancy[(app.cluster, bid)].append(var)
            model.add_hint(var, 1 if hint.get(app.id) == ids else 0)
        if mine:
            (model.add_exactly_one if placed_fixed else model.add_at_most_one)(mine)
    for vars_ in by_booth.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    objective.extend(_cluster_terms(model, p, occupancy))
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = SEARCH_WORKERS
    solver.parameters.random_seed = p.rules.seed % (2**31)
    solver.parameters.linearization_level = 0
    solver.parameters.max_deterministic_time = p.rules.max_seconds
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, "hint"
    out = {a: ids for (a, ids), var in choice.items() if solver.value(var)}
    if status == cp_model.OPTIMAL:
        return out, "optimal"
    gap = abs(solver.best_objective_bound - solver.objective_value)
    return out, f"feasible, gap {gap:.0f}"


def _cluster_terms(model, p: _Problem, occupancy) -> list:  # type: ignore[no-untyped-def]
    mode = p.rules.cluster_mode
    zone_of = {b.id: b.zone for b in p.booths}
    terms: list = []
    if mode == "together":
        present: dict[tuple[str, str], IntVar] = {}
        for (cluster, bid), vars_ in occupancy.items():
            key = (cluster, zone_of[bid])
            if key not in present:
                present[key] = model.new_bool_var(f"p{cluster}_{key[1]}")
                terms.append(-CLUSTER_WEIGHT * present[key])
            for var in vars_:
                model.add_implication(var, present[key])
    elif mode == "apart":
        for a, b in adjacency(p.booths):
            for cluster in {c for (c, bid) in occupancy if bid == a}:
                left, right = occupancy.get((cluster, a)), occupancy.get((cluster, b))
                if left and right:
                    both = model.new_bool_var(f"n{cluster}_{a}_{b}")
                    model.add(sum(left) + sum(right) <= 1 + both)
                    terms.append(-CLUSTER_WEIGHT * both)
    return terms


def allocate(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn],
             rules: Rules | None = None) -> Result:
    """Assign booths to applicants. Deterministic for the same inputs and ``rules.seed``."""
    rules = rules or Rules()
    started = time.perf_counter()
    booths = sorted(booths, key=lambda b: b.id)
    applicants = sorted(applicants, key=lambda a: a.id)
    problem = _problem(booths, applicants, rules)
    simple = rules.cluster_mode == "none" and all(a.count == 1 for a in problem.applicants)
    if simple:
        found, solver = _solve_simple(problem)
    else:
        singles = _Problem(problem.booths, [a for a in problem.applicants if a.count == 1],
                           rules, problem.draws, problem.max_priority, problem.fit)
        multi = len(singles.applicants) < len(problem.applicants)
        hint = _solve_simple(singles)[0]
        if rules.cluster_mode == "together" and not multi:
            hint = _cluster_hint(problem, hint)
        found, status = _solve_cpsat(problem, hint, placed_fixed=not multi)
        solver = f"cp-sat ({status})"
    assignment = {**{a: tuple(ids) for a, ids in rules.locked.items()}, **found}
    from expo.booths.explain import explain, metrics

    explanations, waitlist = explain(booths, applicants, rules, assignment, problem.draws,
                                     Fit(booths, rules))
    figures = metrics(booths, applicants, rules, assignment, explanations)
    figures.update(solver=solver, seconds=round(time.perf_counter() - started, 3),
                   seed=rules.seed)
    return Result(assignment=assignment, explanations=explanations, waitlist=waitlist,
                  metrics=figures)


def cluster_cohesion(assignment: dict[int, tuple[int, ...]], applicants: Sequence[ApplicantIn],
                     zone_of: dict[int, str]) -> float | None:
    """Mean share of each cluster's placed members that sit in the cluster's commonest zone."""
    members: dict[str, list[str]] = defaultdict(list)
    for a in applicants:
        if a.cluster and a.id in assignment:
            members[a.cluster].append(zone_of.get(assignment[a.id][0], ""))
    shares = [Counter(z).most_common(1)[0][1] / len(z) for z in members.values() if len(z) > 1]
    return round(sum(shares) / len(shares), 3) if shares else None
