"""The allocation engine: hand-checked cases, brute-force optimality, every constraint."""

from __future__ import annotations

import itertools
import random

import pytest

from expo.booths import engine
from expo.booths.engine import allocate
from expo.booths.problem import (
    ApplicantIn,
    BoothIn,
    Preference,
    Rules,
    adjacency,
    blocks_of,
    lottery,
    rank_of,
    weight,
    why_not,
)


def row(n: int, *, hall: int = 1, y: float = 0, start: int = 1, zone: str = "Kriya",
        **kw: object) -> list[BoothIn]:
    return [BoothIn(id=start + i, code=f"A-{start + i:02d}", hall=hall, x=3.0 * i, y=y,
                    w=3, h=3, zone=zone, **kw) for i in range(n)]  # type: ignore[arg-type]


def test_engine_gives_first_choices_when_they_differ() -> None:
    booths = row(3)
    apps = [ApplicantIn(id=10, preferences=(Preference(booth=3),)),
            ApplicantIn(id=11, preferences=(Preference(booth=1),))]
    result = allocate(booths, apps)
    assert result.assignment == {10: (3,), 11: (1,)}
    assert result.metrics["first_choice_share"] == 1.0
    assert result.explanations[10].rank == 1


def test_engine_priority_wins_a_contested_booth() -> None:
    booths = row(2)
    apps = [ApplicantIn(id=1, priority=5, preferences=(Preference(booth=1),)),
            ApplicantIn(id=2, priority=9, preferences=(Preference(booth=1),))]
    result = allocate(booths, apps)
    assert result.assignment[2] == (1,)
    assert result.assignment[1] == (2,)
    codes = [c for c, _ in result.explanations[1].reasons]
    assert codes == ["unranked", "pref_taken"]


def test_engine_priority_decides_who_gets_the_last_booth() -> None:
    result = allocate(row(1), [ApplicantIn(id=1, priority=1), ApplicantIn(id=2, priority=3),
                               ApplicantIn(id=3, priority=2)])
    assert result.assignment == {2: (1,)}
    assert result.waitlist == [3, 1]
    assert result.explanations[3].waitlist_position == 1
    assert result.explanations[3].reasons == [("capacity", {})]


@pytest.mark.parametrize(("need", "booth", "code"), [
    ({"power_watts": 900}, {"power_watts": 450}, "power"),
    ({"water": True}, {"water": False}, "water"),
    ({"booth_type": "food"}, {"type": "standard"}, "type"),
])
def test_engine_respects_needs(need: dict, booth: dict, code: str) -> None:
    booths = [BoothIn(id=1, code="A-01", hall=1, x=0, y=0, w=3, h=3, **booth)]
    result = allocate(booths, [ApplicantIn(id=1, **need)])
    assert result.assignment == {}
    assert result.explanations[1].reasons == [("no_fit", {"need": code})]


def test_engine_zone_rules_keep_categories_in_their_zone() -> None:
    booths = row(2, zone="Kriya") + row(1, start=3, y=5, zone="Kuliner")
    rules = Rules(zone_rules={"kuliner": frozenset({"Kuliner"})})
    apps = [ApplicantIn(id=1, category="kuliner", preferences=(Preference(booth=1),))]
    result = allocate(booths, apps, rules)
    assert result.assignment == {1: (3,)}
    assert ("pref_unfit", {"rank": 1, "booth": "A-01", "need": "zone"}) in \
        result.explanations[1].reasons
    assert why_not(apps[0], booths[0], rules) == "zone"


def test_engine_zone_preference_counts_as_rank() -> None:
    booths = row(1, zone="Kriya") + row(1, start=2, y=5, zone="Kuliner")
    apps = [ApplicantIn(id=1, preferences=(Preference(zone="Kuliner"),))]
    result = allocate(booths, apps)
    assert result.assignment == {1: (2,)} and result.explanations[1].rank == 1


def test_engine_multi_booth_needs_adjacent_booths() -> None:
    booths = row(2) + [BoothIn(id=9, code="B-01", hall=1, x=20, y=0, w=3, h=3)]
    result = allocate(booths, [ApplicantIn(id=1, count=2)])
    assert result.assignment == {1: (1, 2)}
    gap = [BoothIn(id=1, code="A", hall=1, x=0, y=0, w=3, h=3),
           BoothIn(id=2, code="B", hall=1, x=4, y=0, w=3, h=3)]
    lone = allocate(gap, [ApplicantIn(id=1, count=2)])
    assert lone.assignment == {}
    assert lone.explanations[1].reasons == [("no_block", {"count": 2})]


def test_engine_blocks_never_overlap_between_applicants() -> None:
    booths = row(5)
    apps = [ApplicantIn(id=i, count=2, priority=i) for i in range(1, 4)]
    result = allocate(booths, apps)
    used = [b for ids in result.assignment.values() for b in ids]
    assert len(used) == len(set(used)) == 4
    assert 1 not in result.assignment


def test_engine_cluster_together_puts_members_in_one_zone() -> None:
    booths = row(2, zone="Z1") + row(2, start=3, y=10, zone="Z2")
    apps = [ApplicantIn(id=1, cluster="rotan", preferences=(Preference(zone="Z1"),)),
            ApplicantIn(id=2, cluster="rotan", preferences=(Preference(zone="Z2"),))]
    free = allocate(booths, apps)
    zones = {b.id: b.zone for b in booths}
    assert {zones[free.assignment[a][0]] for a in (1, 2)} == {"Z1", "Z2"}
    together = allocate(booths, apps, Rules(cluster_mode="together"))
    assert len({zones[together.assignment[a][0]] for a in (1, 2)}) == 1
    assert together.metrics["cluster_cohesion"] == 1.0


def test_engine_cluster_apart_avoids_neighbours() -> None:
    booths = row(3)
    apps = [ApplicantIn(id=1, cluster="amplang", preferences=(Preference(booth=1),)),
            ApplicantIn(id=2, cluster="amplang", preferences=(Preference(booth=2),))]
    result = allocate(booths, apps, Rules(cluster_mode="apart"))
    assert sorted(result.assignment.values()) == [(1,), (3,)]
    assert result.metrics["cluster_separation"] is None  # no neighbours left to compare
    close = allocate(row(2), apps, Rules(cluster_mode="apart"))
    assert close.metrics["cluster_separation"] == 0.0  # two booths only: they must touch


def test_engine_locked_assignments_are_kept() -> None:
    booths = row(2)
    apps = [ApplicantIn(id=1, priority=9, preferences=(Preference(booth=1),)),
            ApplicantIn(id=2, preferences=(Preference(booth=2),))]
    result = allocate(booths, apps, Rules(locked={2: (1,)}))
    assert result.assignment == {2: (1,), 1: (2,)}
    assert ("locked", {}) in result.explanations[2].reasons


def test_engine_same_seed_same_result_other_seed_other_draw() -> None:
    booths = row(3)
    apps = [ApplicantIn(id=i, preferences=(Preference(booth=1),)) for i in range(1, 7)]
    first = allocate(booths, apps, Rules(seed=42))
    assert allocate(booths, apps, Rules(seed=42)).assignment == first.assignment
    winners = {allocate(booths, apps, Rules(seed=s)).assignment.get(1) for s in range(30)}
    assert len(winners) > 1  # the lottery really varies with the seed
    assert lottery(apps, 42) == lottery(list(reversed(apps)), 42)


def test_engine_geometry_helpers() -> None:
    booths = row(3) + row(1, start=4, y=3)
    assert adjacency(booths) == {(1, 2), (2, 3), (1, 4)}
    assert [tuple(b.id for b in bl) for bl in blocks_of(booths, 2)] == [(1, 2), (2, 3)]
    assert rank_of(ApplicantIn(id=1, preferences=(Preference(zone="X"), Preference(booth=2))),
                   [2], ["Kriya"]) == 2


def _brute_force(booths, apps, rules) -> int:  # type: ignore[no-untyped-def]
    """The best total weight over every possible one-booth-each assignment."""
    draws = lottery(apps, rules.seed)
    top = max(a.priority for a in apps)
    best = 0
    options = [None, *booths]
    for combo in itertools.product(options, repeat=len(apps)):
        used = [b.id for b in combo if b is not None]
        if len(used) != len(set(used)):
            continue
        total = 0
        for app, booth in zip(apps, combo, strict=True):
            if booth is None:
                continue
            if why_not(app, booth, rules) is not None:
                break
            total += weight(app, rank_of(app, [booth.id], [booth.zone]), top, draws[app.id])
        else:
            best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_engine_matches_brute_force_on_tiny_instances(seed: int) -> None:
    rng = random.Random(seed)
    booths = [BoothIn(id=i, code=f"B{i}", hall=1, x=3.0 * i, y=0, w=3, h=3,
                      zone=rng.choice("XY"), power_watts=rng.choice([0, 900]),
                      water=rng.random() < 0.3) for i in range(1, 5)]
    apps = [ApplicantIn(id=10 + i, priority=rng.randrange(4),
                        power_watts=rng.choice([0, 0, 450]), water=rng.random() < 0.2,
                        preferences=tuple(Preference(booth=b) for b in
                                          rng.sample(range(1, 5), rng.randrange(3))))
            for i in range(rng.randrange(2, 6))]
    rules = Rules(seed=seed)
    result = allocate(booths, apps, rules)
    draws, top = lottery(apps, seed), max(a.priority for a in apps)
    by_id = {b.id: b for b in booths}
    got = sum(weight(a, rank_of(a, result.assignment[a.id], [by_id[result.assignment[a.id][0]].zone]),
                     top, draws[a.id]) for a in apps if a.id in result.assignment)
    assert got == _brute_force(booths, apps, rules)
    # the CP-SAT path finds the same optimum on the same instance
    slow = allocate(booths, [a for a in apps], Rules(seed=seed, cluster_mode="together"))
    assert len(slow.assignment) == len(result.assignment)


def test_engine_empty_inputs() -> None:
    assert allocate([], []).assignment == {}
    result = allocate([], [ApplicantIn(id=1)])
    assert result.waitlist == [1] and result.metrics["unassigned"] == 1


@pytest.mark.parametrize("seed", range(6))
def test_engine_flow_equals_dense_assignment(seed: int) -> None:
    """The min-cost flow used for large events reaches the dense assignment's optimum."""
    rng = random.Random(seed)
    booths = [BoothIn(id=i, code=f"B{i}", hall=1, x=3.0 * (i % 10), y=4.0 * (i // 10), w=3,
                      h=3, zone=rng.choice(["X", "Y", "Z"]), type=rng.choice(["standard", "food"]),
                      power_watts=rng.choice([0, 900]), water=rng.random() < 0.3)
              for i in range(1, 41)]
    apps = [ApplicantIn(id=100 + i, priority=rng.randrange(10),
                        booth_type=rng.choice(["standard", "food"]),
                        power_watts=rng.choice([0, 450]), water=rng.random() < 0.2,
                        preferences=tuple(
                            Preference(booth=rng.randrange(1, 41)) if rng.random() < 0.7
                            else Preference(zone=rng.choice("XYZ")) for _ in range(3)))
              for i in range(60)]
    problem = engine._problem(booths, apps, Rules(seed=seed))
    dense, flow = engine._solve_lsa(problem), engine.solve_flow(problem)
    by_id = {b.id: b for b in booths}

    def total(assignment: dict[int, tuple[int, ...]]) -> int:
        return sum(weight(a, rank_of(a, assignment[a.id], [by_id[assignment[a.id][0]].zone]),
                          problem.max_priority, problem.draws[a.id])
                   for a in apps if a.id in assignment)

    assert total(flow) == total(dense)
    used = [b for ids in flow.values() for b in ids]
    assert len(used) == len(set(used))
    assert all(why_not(a, by_id[flow[a.id][0]], Rules()) is None for a in apps if a.id in flow)


def test_engine_cp_sat_is_deterministic_on_a_medium_event() -> None:
    rng = random.Random(5)
    booths = [BoothIn(id=i, code=f"B{i}", hall=1, x=3.0 * (i % 12), y=5.0 * (i // 12), w=3,
                      h=3, zone=f"Z{i // 24}") for i in range(60)]
    apps = [ApplicantIn(id=100 + i, priority=rng.randrange(20), cluster=f"c{i % 6}",
                        count=2 if i % 15 == 0 else 1,
                        preferences=(Preference(booth=rng.randrange(60)),)) for i in range(80)]
    for mode in ("together", "apart"):
        rules = Rules(seed=9, cluster_mode=mode, max_seconds=0.3)
        first, again = allocate(booths, apps, rules), allocate(booths, apps, rules)
        assert first.assignment == again.assignment
        used = [b for ids in first.assignment.values() for b in ids]
        assert len(used) == len(set(used)) == 60


@pytest.mark.parametrize(("n_booths", "solver"), [
    (engine.DENSE_LIMIT // 2, "assignment"), (engine.DENSE_LIMIT // 2 + 1, "min-cost flow")])
def test_engine_solver_by_size_same_tie_break(n_booths: int, solver: str) -> None:
    booths = [BoothIn(id=i, code=f"B{i}", hall=1, x=3.0 * i, y=0, w=3, h=3)
              for i in range(1, n_booths + 1)]
    result = allocate(booths, [ApplicantIn(id=1, priority=2), ApplicantIn(id=2, priority=9)])
    assert result.metrics["solver"] == solver
    assert result.assignment == {2: (1,), 1: (2,)}
