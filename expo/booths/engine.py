"""The allocation engine: a pure function from booths, applicants and rules to an assignment.

No database, no HTTP. The objective is lexicographic, folded into one integer weight per
(applicant, booth block) pair (``problem.weight``):

1. place as many applicants as possible,
2. then prefer applicants with more priority points,
3. then give everyone the best preference rank they can get (weighted by priority),
4. then a seeded lottery breaks the remaining ties.

One booth per applicant and no cluster rule: an exact assignment problem, solved by OR-Tools
(a dense linear sum assignment for small events, the equivalent min-cost flow over booth
classes in ``flow`` for large ones). Equally good plans are then told apart by a stated rule
(``ties``): earlier-ranked applicants (more priority, then the better draw, then the lower id)
hold earlier booths (by id). A cluster rule when everyone needs one booth: ``engine_cluster``
(an exact zones MIP for "together", exact-scored swaps for "apart"), which scales to 4,000
booths and proves a bound. Multi-booth needs (adjacent booths in a row): OR-Tools CP-SAT over
candidate blocks, warm-started from the assignment solution, with a deterministic time limit
so that the same inputs and seed give the same result (among equal plans CP-SAT returns the
one its seeded search reaches, starting from the settled plan).

Every run reports ``objective``, ``bound`` and ``gap`` (``|bound - objective| / max(1,
|objective|)``) in its metrics. Without a cluster rule or multi-booth needs the assignment is
exact (gap 0); with a cluster rule and one booth each they are those of ``engine_cluster``
(preference points less cluster terms, a true bound over every booth); with multi-booth needs
they are CP-SAT's own over its candidate blocks, whose objective counts places too (so its
relative gap looks small).

The modules import only downwards: ``engine`` imports ``engine_cluster``, ``explain``,
``flow``, ``ties`` and ``feasibility``; ``engine_cluster`` imports ``flow`` and ``ties``;
``explain`` imports ``feasibility``; all of them import ``problem`` (the data and the
scoring), which imports none of them. The rest of the app calls ``engine``,
which re-exports the inputs and outputs (``__all__``).
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from ortools.graph.python.linear_sum_assignment import SimpleLinearSumAssignment

from . import engine_cluster
from .engine_cluster import CLUSTER_WEIGHT
from .explain import explain, metrics
from .feasibility import Fit
from .flow import solve_flow
from .problem import (
    ApplicantIn,
    BoothIn,
    Explanation,
    Preference,
    Problem,
    Result,
    Rules,
    adjacency,
    blocks_of,
    lottery,
    preference_points,
    rank_of,
    weight,
    why_not,
    zone_columns,
)
from .ties import settle, weight_matrix

if TYPE_CHECKING:  # CP-SAT itself is imported where it is used (see _solve_cpsat)
    from ortools.sat.python.cp_model import IntVar

__all__ = ["ApplicantIn", "BoothIn", "Explanation", "Preference", "Result", "Rules",
           "allocate", "lottery", "why_not"]

MAX_CANDIDATES = 16
# Applicants x booths up to which the dense assignment runs (about a millisecond); the flow
# over booth classes is faster beyond (400 x 300: 14 ms against 140 ms). The limit also keeps
# the dense problem far below the size (~60,000 nodes a side) where OR-Tools' cost scaling
# could overflow with weights near 1e9.
DENSE_LIMIT = 5_000
SEARCH_WORKERS = 1
# Wall-clock limit of the zones MIP for "together", per second of ``Rules.max_seconds``: SCIP
# proves 4,000 booths x 6,000 applicants optimal in a few seconds, so the limit is a safety
# net (a run stopped by it may differ from run to run; one that ends before it does not).
MIP_SECONDS_PER_BUDGET = 20.0


# -- the solve --------------------------------------------------------------------------------


def _problem(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn],
             rules: Rules) -> Problem:
    locked_booths = {b for ids in rules.locked.values() for b in ids}
    free = [b for b in booths if b.id not in locked_booths]
    todo = [a for a in applicants if a.id not in rules.locked]
    return Problem(booths=free, applicants=todo, rules=rules,
                   draws=lottery(applicants, rules.seed),
                   max_priority=max((a.priority for a in applicants), default=0),
                   mask=Fit(free, rules).mask)


def _block_weight(p: Problem, app: ApplicantIn, block: Sequence[BoothIn]) -> int:
    rank = rank_of(app, [b.id for b in block], [b.zone for b in block])
    return weight(app, rank, p.max_priority, p.draws[app.id])


def _solve_lsa(p: Problem) -> dict[int, tuple[int, ...]]:
    """The dense assignment (OR-Tools' linear sum assignment), made a square perfect
    matching: left nodes are the applicants, then a "stays free" node per booth; right nodes
    the booths, then a "waits" node per applicant. An applicant goes to a fitting booth or
    waits; a booth is taken or stays free; the free node of a fitting booth takes the waits
    node of its applicant when that applicant is placed there."""
    if not p.applicants or not p.booths:
        return {}
    weights, fits = weight_matrix(p)
    n, m = weights.shape
    rows, cols = np.nonzero(fits)
    apps, booths = np.arange(n), np.arange(m)
    left = np.concatenate([rows, apps, n + booths, n + cols])
    right = np.concatenate([cols, m + apps, booths, m + rows])
    costs = np.concatenate([-weights[rows, cols], np.zeros(n + m + len(rows), np.int64)])
    solver = SimpleLinearSumAssignment()
    solver.add_arcs_with_cost(left, right, costs)
    if solver.solve() != solver.OPTIMAL:  # pragma: no cover - the slack nodes make it feasible
        raise RuntimeError("linear sum assignment failed")
    mates = (solver.right_mate(i) for i in range(n))
    return {p.applicants[i].id: (p.booths[j].id,)
            for i, j in enumerate(mates) if j < m}


def _solve_simple(p: Problem) -> tuple[dict[int, tuple[int, ...]], str]:
    """Dense assignment for small events, the equivalent min-cost flow for large ones; then
    the stated tie-break among equally good plans (``ties.settle``)."""
    if len(p.applicants) * len(p.booths) <= DENSE_LIMIT:
        return settle(p, _solve_lsa(p)), "assignment"
    return settle(p, solve_flow(p)), "min-cost flow"


def _candidates(p: Problem, app: ApplicantIn, hint: tuple[int, ...] | None,
                col: dict[int, int], zone_cols: dict[str, np.ndarray]) -> list[
        tuple[tuple[BoothIn, ...], int]]:
    """Feasible blocks with their weight: every ranked one, the warm-start one, and up to
    MAX_CANDIDATES in total drawn in a seeded order among the equally good rest."""
    if app.count > 1:
        fitting = [p.booths[j] for j in np.flatnonzero(p.mask(app))]
        blocks = blocks_of(fitting, app.count) if fitting else []
        scored = [(bl, _block_weight(p, app, bl)) for bl in blocks]
        rng = random.Random(p.rules.seed * 1_000_003 + app.id)
        rng.shuffle(scored)
        scored.sort(key=lambda s: -s[1])
        return scored[:MAX_CANDIDATES]
    mask = p.mask(app)
    base = weight(app, None, p.max_priority, p.draws[app.id])
    points = preference_points(p, app, col, zone_cols)
    bonus = {int(j): int(points[j]) for j in np.flatnonzero(mask & (points > 0))}
    chosen = sorted(bonus, key=lambda j: -bonus[j])[:MAX_CANDIDATES]
    if hint and hint[0] in col and col[hint[0]] not in chosen:
        chosen.append(col[hint[0]])
    rest = [int(j) for j in np.flatnonzero(mask) if int(j) not in bonus]
    rng = random.Random(p.rules.seed * 1_000_003 + app.id)
    extra = max(0, MAX_CANDIDATES - len(chosen))
    chosen.extend(j for j in rng.sample(rest, min(extra, len(rest))) if j not in chosen)
    return [((p.booths[j],), base + bonus.get(j, 0)) for j in chosen]


def _solve_cpsat(p: Problem, hint: dict[int, tuple[int, ...]], placed_fixed: bool,
                 seconds: float | None = None) -> tuple[dict[int, tuple[int, ...]], str,
                                                        int, int]:
    """CP-SAT over candidate blocks: the plan, its status, the model's objective and bound.
    With ``placed_fixed`` the applicants of ``hint`` are exactly the ones placed (already
    optimal for places and priority) and the model only decides where: preference points
    and the cluster rule. ``seconds``: the deterministic budget (``Rules.max_seconds``)."""
    # Imported here for start-up cost only: CP-SAT takes 0.25-0.35 s to load, a quarter of
    # the app's start-up, and most processes never solve a cluster or multi-booth run.
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    by_booth: dict[int, list] = defaultdict(list)
    choice: dict[tuple[int, tuple[int, ...]], cp_model.IntVar] = {}
    objective = []
    occupancy: dict[tuple[str, int], list] = defaultdict(list)  # (cluster, booth) -> vars
    col = {b.id: j for j, b in enumerate(p.booths)}
    zone_cols = zone_columns(p)
    apps = [a for a in p.applicants if a.id in hint] if placed_fixed else p.applicants
    arcs: list[tuple[int, int, int]] = []  # (applicant, first booth, weight) for the bound
    for i, app in enumerate(apps):
        base = weight(app, None, p.max_priority, p.draws[app.id]) if placed_fixed else 0
        mine = []
        for block, w in _candidates(p, app, hint.get(app.id), col, zone_cols):
            ids = tuple(b.id for b in block)
            var = model.new_bool_var(f"x{app.id}_{ids[0]}")
            choice[(app.id, ids)] = var
            mine.append(var)
            objective.append((w - base) * var)
            arcs.append((i, col[ids[0]], w - base))
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
    solver.parameters.max_deterministic_time = (p.rules.max_seconds if seconds is None
                                                 else seconds)
    status = solver.solve(model)
    bound = min(math.floor(solver.best_objective_bound + 1e-6),
                _matching_bound(len(apps), len(p.booths), arcs))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # the hint, valued as the model
        value = engine_cluster.objective(p, hint) + (0 if placed_fixed else sum(
            weight(a, None, p.max_priority, p.draws[a.id]) for a in apps if a.id in hint))
        return hint, "hint", value, max(bound, value)
    out = {a: ids for (a, ids), var in choice.items() if solver.value(var)}
    value = round(solver.objective_value)
    return out, "optimal" if status == cp_model.OPTIMAL else "feasible", value, max(bound, value)


def _matching_bound(n: int, m: int, arcs: list[tuple[int, int, int]]) -> int:
    """An upper bound on the candidate model: blocks that do not overlap start on distinct
    booths, and cluster terms are never positive, so the best matching of applicants to
    the first booths of their candidate blocks (weights >= 0) is worth at least as much.
    Without it the bound that CP-SAT reports with ``linearization_level = 0`` is the sum of
    every candidate's weight, dozens of times the objective."""
    if not arcs:
        return 0
    best: dict[tuple[int, int], int] = {}  # two blocks of one applicant may start alike
    for r, c, w in arcs:
        best[(r, c)] = max(w, best.get((r, c), 0))
    rows = np.array([r for r, _ in best], dtype=np.int64)
    cols = np.array([c for _, c in best], dtype=np.int64)
    costs = -np.array(list(best.values()), dtype=np.int64)
    apps, booths = np.arange(n), np.arange(m)
    # as in _solve_lsa: an applicant may wait, a booth stay free
    left = np.concatenate([rows, apps, n + booths, n + cols])
    right = np.concatenate([cols, m + apps, booths, m + rows])
    cost = np.concatenate([costs, np.zeros(n + m + len(rows), np.int64)])
    solver = SimpleLinearSumAssignment()
    solver.add_arcs_with_cost(left, right, cost)
    if solver.solve() != solver.OPTIMAL:  # pragma: no cover - the slack nodes make it feasible
        raise RuntimeError("linear sum assignment failed")
    return -int(solver.optimal_cost())


def _cluster_terms(model, p: Problem, occupancy) -> list:  # type: ignore[no-untyped-def]
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


def _solve_cluster(p: Problem) -> tuple[dict[int, tuple[int, ...]], str, int, int]:
    """A cluster rule, one booth each: the assignment decides who is placed (its plan is
    not settled: the rule then moves everyone), ``engine_cluster`` where they sit."""
    hint = solve_flow(p)
    if p.rules.cluster_mode == "together":
        seconds = MIP_SECONDS_PER_BUDGET * max(0.05, p.rules.max_seconds)
        solved = engine_cluster.together(p, hint, seconds)
        solver = f"zones MIP + flow ({solved.status})"
    else:
        solved = engine_cluster.apart(p, hint)
        solver = f"swaps ({solved.status})"
    return solved.assignment, solver, solved.objective, solved.bound


def allocate(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn],
             rules: Rules | None = None) -> Result:
    """Assign booths to applicants. Deterministic for the same inputs and ``rules.seed``."""
    rules = rules or Rules()
    started = time.perf_counter()
    booths = sorted(booths, key=lambda b: b.id)
    applicants = sorted(applicants, key=lambda a: a.id)
    problem = _problem(booths, applicants, rules)
    simple = rules.cluster_mode == "none" and all(a.count == 1 for a in problem.applicants)
    singles = problem.subset([a for a in problem.applicants if a.count == 1])
    multi = len(singles.applicants) < len(problem.applicants)
    if simple:
        found, solver = _solve_simple(problem)
        value = bound = engine_cluster.objective(problem, found)
    elif not multi and rules.cluster_mode in ("together", "apart"):
        found, solver, value, bound = _solve_cluster(problem)
    else:
        hint = _solve_simple(singles)[0]
        found, status, value, bound = _solve_cpsat(problem, hint, placed_fixed=not multi)
        solver = f"cp-sat ({status})"
    assignment = {**{a: tuple(ids) for a, ids in rules.locked.items()}, **found}
    explanations, waitlist = explain(booths, applicants, rules, assignment, problem.draws,
                                     Fit(booths, rules))
    figures = metrics(booths, applicants, rules, assignment, explanations)
    figures.update(solver=solver, seconds=round(time.perf_counter() - started, 3),
                   seed=rules.seed, objective=value, bound=bound,
                   gap=round(abs(bound - value) / max(1, abs(value)), 6))
    return Result(assignment=assignment, explanations=explanations, waitlist=waitlist,
                  metrics=figures)

