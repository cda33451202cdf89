"""The tie-break between equally good one-booth plans: a stated, deterministic rule.

An event usually has many optimal plans: two exhibitors without preferences can swap their
booths at no loss, and so on. The assignment solvers (the dense linear sum assignment in
``engine``, the min-cost flow in ``flow``) return one of them by their own internals.
``settle`` then rewrites that plan, keeping its total weight exactly, so that **among
equally good plans earlier-ranked applicants hold earlier booths**:

- applicants are ranked by ``problem.ranking_key``: more priority points, then the better
  lottery draw, then the lower id (the waitlist order);
- booths are ordered by id (the order in which the floor plan was drawn).

Going down the ranking, each applicant takes the earliest booth it can get without changing
the plan's total weight and without touching anyone ranked before it, by

1. moving to a free booth of the same weight for it,
2. swapping with a later-ranked applicant on an earlier booth, the pair's weight unchanged,
3. (when unplaced) taking the booth of a later-ranked applicant who has the same weight there,

until no such step is left. Every step makes the list (booth of the first-ranked applicant,
of the second, ...) lexicographically smaller, so the loop ends, and the same inputs always
give the same plan. The result is optimal because the solver's plan was and every step keeps
the total. (Longer exchanges, such as a three-way rotation, are not searched.)
"""

from __future__ import annotations

import numpy as np

from .problem import Problem, preference_points, ranking_key, weight, zone_columns


def weight_matrix(p: Problem) -> tuple[np.ndarray, np.ndarray]:
    """``(weights, fits)``, applicants x booths: the weight of each placement (0 where the
    booth does not meet the applicant's needs) and whether it does."""
    n, m = len(p.applicants), len(p.booths)
    fits = np.zeros((n, m), dtype=bool)
    weights = np.zeros((n, m), dtype=np.int64)
    col = {b.id: j for j, b in enumerate(p.booths)}
    zone_cols = zone_columns(p)
    for i, app in enumerate(p.applicants):
        fits[i] = p.mask(app)
        weights[i] = (weight(app, None, p.max_priority, p.draws[app.id])
                      + preference_points(p, app, col, zone_cols))
    weights[~fits] = 0
    return weights, fits


UNFIT = -(2**50)  # the weight of a booth that does not fit: no equality holds with it


class _Plan:
    """A one-booth plan being settled, as index arrays (-1 for none): ``booth_of[i]``,
    ``holder[j]``; ``held[j]``, the weight of booth j for its holder; ``rank[j]``, its
    holder's place in the ranking. ``booth_changed`` and ``app_changed`` hold the step that
    last changed each booth and applicant, so that an applicant is looked at again only when
    an earlier booth or its own place changed since its last look."""

    def __init__(self, weights: np.ndarray, place: np.ndarray) -> None:
        n, m = weights.shape
        self.weights, self.columns, self.place = weights, np.ascontiguousarray(weights.T), place
        self.booth_of = np.full(n, -1, dtype=np.int64)
        self.holder = np.full(m, -1, dtype=np.int64)
        self.held = np.zeros(m, dtype=np.int64)
        self.rank = np.full(m, -1, dtype=np.int64)
        self.booth_changed = np.zeros(m, dtype=np.int64)
        self.app_changed = np.zeros(n, dtype=np.int64)
        self.looked = np.full(n, -1, dtype=np.int64)
        self.steps = 0

    def put(self, i: int, j: int) -> None:
        self.booth_of[i], self.holder[j] = j, i
        self.held[j], self.rank[j] = self.weights[i, j], self.place[i]
        self.booth_changed[j] = self.app_changed[i] = self.steps

    def unseat(self, j: int) -> None:
        self.holder[j], self.rank[j] = -1, -1
        self.booth_changed[j] = self.steps

    def better_booth(self, i: int) -> int | None:
        """The earliest booth that ``i`` can get by one step of the rule, or None."""
        j = int(self.booth_of[i])
        end = j if j >= 0 else len(self.holder)
        if (self.app_changed[i] <= self.looked[i]
                and (end == 0 or self.booth_changed[:end].max() <= self.looked[i])):
            return None  # nothing it depends on changed since it last looked
        self.looked[i] = self.steps
        row, later = self.weights[i, :end], self.rank[:end] > self.place[i]
        if j < 0:  # 3. take a later-ranked applicant's booth worth the same to both
            ok = later & (row == self.held[:end])
        else:
            mine = self.weights[i, j]
            theirs = self.columns[j][self.holder[:end]]  # what booth j is worth to each holder
            ok = ((self.rank[:end] < 0) & (row == mine)  # 1. move to a free booth
                  | later & (row - self.held[:end] == mine - theirs))  # 2. swap
        hits = np.flatnonzero(ok)
        return int(hits[0]) if hits.size else None

    def step(self, i: int, target: int) -> None:
        self.steps += 1
        j, k = int(self.booth_of[i]), int(self.holder[target])
        if j >= 0:
            self.unseat(j)
        if k >= 0:
            self.booth_of[k], self.app_changed[k] = -1, self.steps
            if j >= 0:
                self.put(k, j)
        self.put(i, target)


def settle(p: Problem, found: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """``found`` (one booth each, optimal) rewritten by the rule above."""
    if not found:
        return found
    weights, fits = weight_matrix(p)
    order = sorted(range(len(p.applicants)),
                   key=lambda i: ranking_key(p.applicants[i], p.draws))
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    plan = _Plan(np.where(fits, weights, UNFIT), place)
    col = {b.id: j for j, b in enumerate(p.booths)}
    row = {a.id: i for i, a in enumerate(p.applicants)}
    for app_id, (booth_id,) in found.items():
        plan.put(row[app_id], col[booth_id])
    changed = True
    while changed:
        changed = False
        for i in order:
            target = plan.better_booth(i)
            if target is not None:
                plan.step(i, target)
                changed = True
    return {p.applicants[i].id: (p.booths[int(plan.booth_of[i])].id,)
            for i in np.flatnonzero(plan.booth_of >= 0).tolist()}
