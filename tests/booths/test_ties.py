"""The stated tie-break: among equally good plans, earlier-ranked applicants hold earlier booths."""

from __future__ import annotations

import itertools
import random

import pytest

from expo.booths import engine
from expo.booths.engine import allocate
from expo.booths.flow import solve_flow
from expo.booths.problem import (
    ApplicantIn,
    BoothIn,
    Preference,
    Problem,
    Rules,
    lottery,
    rank_of,
    weight,
    why_not,
)
from expo.booths.ties import settle


def row(n: int, **kw: object) -> list[BoothIn]:
    return [BoothIn(id=i, code=f"A-{i:02d}", hall=1, x=3.0 * i, y=0, w=3, h=3, zone="Kriya",
                    **kw) for i in range(1, n + 1)]  # type: ignore[arg-type]


def test_ties_go_to_the_ranking_on_interchangeable_booths() -> None:
    apps = [ApplicantIn(id=1, priority=3), ApplicantIn(id=2, priority=9),
            ApplicantIn(id=3, priority=5), ApplicantIn(id=4, priority=0)]
    result = allocate(row(5), apps, Rules(seed=1))
    assert result.assignment == {2: (1,), 3: (2,), 1: (3,), 4: (4,)}


def test_ties_equal_priority_follows_the_draw_then_the_id() -> None:
    apps = [ApplicantIn(id=i) for i in range(1, 9)]
    draws = lottery(apps, 5)
    result = allocate(row(8), apps, Rules(seed=5))
    ahead = sorted(apps, key=lambda a: (-draws[a.id], a.id))
    assert [result.assignment[a.id] for a in ahead] == [(b,) for b in range(1, 9)]


def test_ties_same_draw_the_lower_id_gets_the_last_booth() -> None:
    pair = [ApplicantIn(id=1), ApplicantIn(id=2)]
    seed = next(s for s in itertools.count() if len(set(lottery(pair, s).values())) == 1)
    for apps in (pair, pair[::-1]):
        result = allocate(row(1), apps, Rules(seed=seed))
        assert result.assignment == {1: (1,)} and result.waitlist == [2]


def test_ties_keep_preferences_and_needs_first() -> None:
    booths = row(3) + [BoothIn(id=4, code="B-01", hall=1, x=0, y=5, w=3, h=3, zone="Kuliner",
                               type="food", water=True)]
    apps = [ApplicantIn(id=1, priority=9),
            ApplicantIn(id=2, preferences=(Preference(booth=1),)),
            ApplicantIn(id=3, booth_type="food", water=True)]
    result = allocate(booths, apps, Rules(seed=3))
    assert result.assignment == {2: (1,), 1: (2,), 3: (4,)}


def _instance(seed: int, n_booths: int, n_apps: int) -> tuple[list[BoothIn], list[ApplicantIn]]:
    rng = random.Random(seed)
    booths = [BoothIn(id=i, code=f"B{i}", hall=1, x=3.0 * (i % 10), y=4.0 * (i // 10), w=3,
                      h=3, zone=rng.choice("XYZ"), type=rng.choice(["standard", "food"]),
                      power_watts=rng.choice([0, 900]), water=rng.random() < 0.3)
              for i in range(1, n_booths + 1)]
    apps = [ApplicantIn(id=100 + i, priority=rng.randrange(4),
                        booth_type=rng.choice(["standard", "food"]),
                        power_watts=rng.choice([0, 450]), water=rng.random() < 0.2,
                        preferences=tuple(
                            Preference(booth=rng.randrange(1, n_booths + 1))
                            if rng.random() < 0.7 else Preference(zone=rng.choice("XYZ"))
                            for _ in range(rng.randrange(3))))
            for i in range(n_apps)]
    return booths, apps


def _worth(p: Problem, app: ApplicantIn, booth: BoothIn) -> int | None:
    if why_not(app, booth, p.rules) is not None:
        return None
    return weight(app, rank_of(app, [booth.id], [booth.zone]), p.max_priority,
                  p.draws[app.id])


def _steps_left(p: Problem, plan: dict[int, tuple[int, ...]]) -> list[str]:
    """Every step of the rule still possible in ``plan``, found by brute force."""
    by_id = {b.id: b for b in p.booths}
    holder = {ids[0]: a for a, ids in plan.items()}
    ahead = sorted(p.applicants, key=lambda a: (-a.priority, -p.draws[a.id], a.id))
    place = {a.id: n for n, a in enumerate(ahead)}
    apps = {a.id: a for a in p.applicants}
    left = []
    for app in p.applicants:
        mine = plan.get(app.id, (None,))[0]
        for booth in p.booths:
            if mine is not None and booth.id >= mine:
                break
            here = _worth(p, app, booth)
            other = holder.get(booth.id)
            if here is None or (other is not None and place[other] < place[app.id]):
                continue
            if mine is None:
                if other is not None and here == _worth(p, apps[other], booth):
                    left.append(f"{app.id} takes {booth.id} from {other}")
            elif other is None:
                if here == _worth(p, app, by_id[mine]):
                    left.append(f"{app.id} moves to {booth.id}")
            else:
                theirs = _worth(p, apps[other], by_id[mine])
                now = (_worth(p, app, by_id[mine]) or 0) + (_worth(p, apps[other], booth) or 0)
                if theirs is not None and here + theirs == now:
                    left.append(f"{app.id} swaps with {other} for {booth.id}")
    return left


def _total(p: Problem, plan: dict[int, tuple[int, ...]]) -> int:
    by_id = {b.id: b for b in p.booths}
    apps = {a.id: a for a in p.applicants}
    return sum(_worth(p, apps[a], by_id[ids[0]]) or 0 for a, ids in plan.items())


@pytest.mark.parametrize("seed", range(8))
def test_ties_settle_keeps_the_optimum_and_leaves_no_step(seed: int) -> None:
    booths, apps = _instance(seed, 30, 40 if seed % 2 else 25)
    p = engine._problem(booths, apps, Rules(seed=seed))
    for found in (engine._solve_lsa(p), solve_flow(p)):
        settled = settle(p, found)
        assert _total(p, settled) == _total(p, found)
        assert len(set(settled.values())) == len(settled)
        assert _steps_left(p, settled) == []
    assert _steps_left(p, allocate(booths, apps, Rules(seed=seed)).assignment) == []


def test_ties_settle_of_an_empty_plan() -> None:
    p = engine._problem(row(2), [], Rules())
    assert settle(p, {}) == {}
