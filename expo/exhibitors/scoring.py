"""The scoring maths of curation: criteria, automatic scores, breakdowns and totals.

Scores are 0-5 per criterion. A criterion is either scored by curators (their mean counts)
or computed from the profile (legality, SMK workforce, first-time exhibitor, micro size).
The total is 100 x sum(weight x score) / (5 x sum(weight)), rounded to two decimals.

A leaf of the exhibitors package: ``service`` (a profile change refreshes the totals) and
``curation`` (the rubric, scores and decisions) both import it, and it imports neither.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from expo.accounts.models import User
from expo.events.models import Event
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Criterion,
    CriterionSource,
    LegalityStatus,
    Producer,
    Score,
)

MAX_SCORE = 5
SCORABLE = (AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.WAITLISTED, AppStatus.REJECTED)


async def criteria_of(event: Event) -> list[Criterion]:
    return await Criterion.filter(event=event).order_by("position", "id")


def auto_score(source: CriterionSource, application: Application, producer: Producer,
               today: dt.date | None = None) -> int:
    if source == CriterionSource.LEGALITY:
        status = producer.legality_status(today)
        if status == LegalityStatus.COMPLETE:
            return MAX_SCORE
        if status == LegalityStatus.EXPIRED:
            return 0
        return 2 if producer.nib else 0
    if source == CriterionSource.SMK:
        return MAX_SCORE if producer.has_smk else 0
    if source == CriterionSource.FIRST_TIME:
        return MAX_SCORE if application.first_time else 0
    if source == CriterionSource.MICRO:
        return MAX_SCORE if producer.is_micro else 0
    raise ValueError(source)


def compute_total(criteria: list[Criterion], values: dict[int, float | None]) -> float | None:
    """Weighted total on 0-100 from each criterion's 0-5 value (a missing value counts 0)."""
    weight_sum = sum(c.weight for c in criteria)
    if not criteria or weight_sum <= 0:
        return None
    points = sum(c.weight * (values.get(c.id) or 0.0) for c in criteria)
    return round(100 * points / (MAX_SCORE * weight_sum), 2)


@dataclass
class Breakdown:
    criteria: list[Criterion]
    curators: list[User]
    matrix: dict[int, dict[int, int]]  # curator id -> criterion id -> value
    values: dict[int, float | None]  # criterion id -> mean (manual) or automatic value
    total: float | None


async def breakdown(application: Application) -> Breakdown:
    await application.fetch_related("producer", "event")
    criteria = await criteria_of(application.event)
    scores = await Score.filter(application=application).prefetch_related("curator")
    matrix: dict[int, dict[int, int]] = defaultdict(dict)
    curators: dict[int, User] = {}
    for s in scores:
        matrix[s.curator.id][s.criterion_id] = s.value  # type: ignore[attr-defined]
        curators[s.curator.id] = s.curator
    values: dict[int, float | None] = {}
    for c in criteria:
        if c.source == CriterionSource.MANUAL:
            given = [m[c.id] for m in matrix.values() if c.id in m]
            values[c.id] = round(sum(given) / len(given), 2) if given else None
        else:
            values[c.id] = float(auto_score(c.source, application, application.producer))
    return Breakdown(criteria=criteria, curators=sorted(curators.values(), key=lambda u: u.name),
                     matrix=dict(matrix), values=values, total=compute_total(criteria, values))


async def recompute_total(application: Application) -> float | None:
    result = await breakdown(application)
    await Application.filter(id=application.id).update(total_score=result.total)
    application.total_score = result.total
    return result.total


async def recompute_event(event: Event) -> None:
    for application in await Application.filter(event=event, status__in=list(SCORABLE)):
        await recompute_total(application)
