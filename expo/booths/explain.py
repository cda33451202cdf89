"""Why each applicant got what they got, and the figures of a run (pure, no database).

Reasons are codes with parameters; the web layer turns them into sentences:

- ``got_rank`` (rank): got their n-th preference.
- ``unranked``: placed on a booth outside their preferences.
- ``no_preferences``: gave no preferences.
- ``pref_taken`` (rank, booth): a better-ranked booth went to someone else.
- ``pref_unfit`` (rank, booth, need): a better-ranked booth does not meet a need.
- ``zone_full`` (rank, zone): every fitting booth of a preferred zone went to others.
- ``locked``: kept from a locked assignment.
- ``no_fit`` (need): no booth meets their needs at all.
- ``no_block`` (count): not enough fitting booths side by side.
- ``capacity``: every fitting booth went to exhibitors with more priority (or the lottery).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from .feasibility import Fit
from .problem import (
    ApplicantIn,
    BoothIn,
    Explanation,
    Rules,
    adjacency,
    blocks_of,
    rank_of,
    ranking_key,
    why_not,
)


def explain(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn], rules: Rules,
            assignment: dict[int, tuple[int, ...]], draws: dict[int, int],
            fit: Fit) -> tuple[dict[int, Explanation], list[int]]:
    by_id = {b.id: b for b in booths}
    holder = {bid: a for a, ids in assignment.items() for bid in ids}
    out: dict[int, Explanation] = {}
    for app in applicants:
        ids = assignment.get(app.id, ())
        rank = rank_of(app, ids, [by_id[i].zone for i in ids if i in by_id]) if ids else None
        ex = Explanation(applicant=app.id, booths=tuple(ids), rank=rank)
        if app.id in rules.locked:
            ex.reasons.append(("locked", {}))
        if ids:
            ex.reasons.extend(_placed_reasons(app, rank, by_id, holder, rules))
        else:
            ex.reasons.extend(_unplaced_reasons(app, fit))
        out[app.id] = ex
    unplaced = [a for a in applicants if a.id not in assignment]
    unplaced.sort(key=lambda a: ranking_key(a, draws))
    for pos, app in enumerate(unplaced, start=1):
        out[app.id].waitlist_position = pos
    return out, [a.id for a in unplaced]


def _placed_reasons(app, rank, by_id, holder, rules) -> list:  # type: ignore[no-untyped-def]
    reasons: list = []
    if not app.preferences:
        return [("no_preferences", {})]
    reasons.append(("got_rank", {"rank": rank}) if rank else ("unranked", {}))
    better = app.preferences[: (rank - 1) if rank else len(app.preferences)]
    for i, pref in enumerate(better, start=1):
        if pref.booth is not None:
            booth = by_id.get(pref.booth)
            if booth is None:
                continue
            need = why_not(app, booth, rules)
            if need:
                reasons.append(("pref_unfit", {"rank": i, "booth": booth.code, "need": need}))
            else:
                reasons.append(("pref_taken", {"rank": i, "booth": booth.code,
                                               "by": holder.get(booth.id)}))
        else:
            reasons.append(("zone_full", {"rank": i, "zone": pref.zone}))
    return reasons


def _unplaced_reasons(app: ApplicantIn, fit: Fit) -> list:  # type: ignore[type-arg]
    fitting = fit.fitting(app)
    if not fitting:
        return [("no_fit", {"need": fit.main_failure(app)})]
    if app.count > 1 and not blocks_of(fitting, app.count):
        return [("no_block", {"count": app.count})]
    return [("capacity", {})]


def metrics(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn], rules: Rules,
            assignment: dict[int, tuple[int, ...]],
            explanations: dict[int, Explanation]) -> dict[str, object]:
    with_prefs = [a for a in applicants if a.preferences]
    ranks = [explanations[a.id].rank for a in with_prefs if a.id in assignment]
    got = [r for r in ranks if r is not None]
    zone_of = {b.id: b.zone for b in booths}
    return {
        "applicants": len(applicants),
        "booths": len(booths),
        "placed": sum(1 for a in applicants if a.id in assignment),
        "unassigned": sum(1 for a in applicants if a.id not in assignment),
        "booths_used": sum(len(ids) for ids in assignment.values()),
        "first_choice_share": round(sum(1 for r in got if r == 1) / len(with_prefs), 3)
        if with_prefs else None,
        "mean_rank": round(sum(got) / len(got), 2) if got else None,
        "cluster_cohesion": cluster_cohesion(assignment, applicants, zone_of),
        "cluster_separation": cluster_separation(booths, applicants, assignment)
        if rules.cluster_mode == "apart" else None,
        "cluster_mode": rules.cluster_mode,
    }


def cluster_separation(booths: Sequence[BoothIn], applicants: Sequence[ApplicantIn],
                       assignment: dict[int, tuple[int, ...]]) -> float | None:
    """Share of neighbouring occupied booths whose exhibitors are of different clusters."""
    cluster = {a.id: a.cluster for a in applicants}
    holder = {b: a for a, ids in assignment.items() for b in ids}
    pairs = [(holder[x], holder[y]) for x, y in adjacency(booths)
             if x in holder and y in holder and holder[x] != holder[y]
             and cluster.get(holder[x]) and cluster.get(holder[y])]
    if not pairs:
        return None
    return round(sum(cluster[a] != cluster[b] for a, b in pairs) / len(pairs), 3)


def cluster_cohesion(assignment: dict[int, tuple[int, ...]], applicants: Sequence[ApplicantIn],
                     zone_of: dict[int, str]) -> float | None:
    """Mean share of each cluster's placed members that sit in the cluster's commonest zone."""
    members: dict[str, list[str]] = defaultdict(list)
    for a in applicants:
        if a.cluster and a.id in assignment:
            members[a.cluster].append(zone_of.get(assignment[a.id][0], ""))
    shares = [Counter(z).most_common(1)[0][1] / len(z) for z in members.values() if len(z) > 1]
    return round(sum(shares) / len(shares), 3) if shares else None
