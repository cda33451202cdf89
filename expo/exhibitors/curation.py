"""Curation: the rubric, curators' scores and totals, quotas, decisions and the review queue.

Scores are 0-5 per criterion. A criterion is either scored by curators (their mean counts)
or computed from the profile (legality, SMK workforce, first-time exhibitor, micro size).
The total is 100 x sum(weight x score) / (5 x sum(weight)), rounded to two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from expo.accounts.models import Role, User
from expo.audit.service import log_action
from expo.errors import DomainError, Forbidden, NotFound
from expo.events.models import Event
from expo.exhibitors.models import (
    CATEGORY_LABELS,
    DECISIONS,
    Application,
    AppStatus,
    Category,
    Criterion,
    CriterionSource,
    CurationSettings,
    LegalityStatus,
    Producer,
    Quota,
    QuotaKind,
    Score,
)
from expo.exhibitors.service import notify
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.settings import Settings

MAX_SCORE = 5
SCORABLE = (AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.WAITLISTED, AppStatus.REJECTED)
DECIDABLE_FROM = SCORABLE
SUGGESTED_RUBRIC = [
    (_l("Originality"), 3, CriterionSource.MANUAL),
    (_l("Packaging"), 2, CriterionSource.MANUAL),
    (_l("Product quality"), 3, CriterionSource.MANUAL),
    (_l("Legality completeness"), 2, CriterionSource.LEGALITY),
    (_l("SMK workforce"), 2, CriterionSource.SMK),
    (_l("First-time exhibitor"), 1, CriterionSource.FIRST_TIME),
    (_l("Micro business"), 1, CriterionSource.MICRO),
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---- settings and rubric ------------------------------------------------------------------

async def settings_for(event: Event) -> CurationSettings:
    row, _created = await CurationSettings.get_or_create(event=event)
    return row


async def update_settings(*, event: Event, terms: str, curators_can_decide: bool,
                          by: User) -> CurationSettings:
    row = await settings_for(event)
    row.terms, row.curators_can_decide = terms, curators_can_decide
    await row.save()
    await log_action(action="expo.curation.settings_changed", actor=by, event=event, obj=row,
                     data={"curators_can_decide": curators_can_decide})
    return row


async def criteria_of(event: Event) -> list[Criterion]:
    return await Criterion.filter(event=event).order_by("position", "id")


async def add_criterion(*, event: Event, name: str, weight: int, source: CriterionSource,
                        by: User) -> Criterion:
    if not 0 <= weight <= 100:
        raise DomainError(_("A weight is between 0 and 100."), "bad_weight")
    position = await Criterion.filter(event=event).count()
    criterion = await Criterion.create(event=event, name=name, weight=weight, source=source,
                                       position=position)
    await log_action(action="expo.rubric.criterion_added", actor=by, event=event,
                     obj=criterion, summary=f"{name} ({weight})")
    await recompute_event(event)
    return criterion


async def add_suggested_rubric(*, event: Event, by: User) -> None:
    for name, weight, source in SUGGESTED_RUBRIC:
        await add_criterion(event=event, name=str(name), weight=weight, source=source, by=by)


async def update_weights(*, event: Event, weights: dict[int, int], by: User) -> None:
    for criterion in await criteria_of(event):
        if criterion.id in weights and weights[criterion.id] != criterion.weight:
            if not 0 <= weights[criterion.id] <= 100:
                raise DomainError(_("A weight is between 0 and 100."), "bad_weight")
            criterion.weight = weights[criterion.id]
            await criterion.save(update_fields=["weight"])
    await log_action(action="expo.rubric.weights_changed", actor=by, event=event,
                     data={str(k): v for k, v in weights.items()})
    await recompute_event(event)


async def delete_criterion(*, event: Event, criterion_id: int, by: User) -> None:
    criterion = await Criterion.get_or_none(id=criterion_id, event=event)
    if criterion is None:
        raise NotFound()
    await criterion.delete()
    await log_action(action="expo.rubric.criterion_deleted", actor=by, event=event,
                     summary=criterion.name)
    await recompute_event(event)


# ---- scoring maths ------------------------------------------------------------------------

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


async def record_scores(*, application: Application, curator: User,
                        values: dict[int, int]) -> float | None:
    """Save one curator's scores (criterion id -> 0..5) for manual criteria."""
    await application.fetch_related("event", "producer")
    if application.status not in SCORABLE:
        raise DomainError(_("Only sent applications can be scored."), "not_scorable",
                          status_code=409)
    manual = {c.id: c for c in await criteria_of(application.event)
              if c.source == CriterionSource.MANUAL}
    for criterion_id, value in values.items():
        if criterion_id not in manual:
            raise DomainError(_("Unknown criterion."), "unknown_criterion")
        if not 0 <= value <= MAX_SCORE:
            raise DomainError(_("A score is between 0 and %(n)s.", n=MAX_SCORE), "bad_score")
    async with in_transaction():
        for criterion_id, value in values.items():
            updated = await Score.filter(application=application, criterion_id=criterion_id,
                                         curator=curator).update(value=value)
            if not updated:
                await Score.create(event=application.event, application=application,
                                   criterion_id=criterion_id, curator=curator, value=value)
    total = await recompute_total(application)
    await log_action(action="expo.application.scored", actor=curator, event=application.event,
                     obj=application, summary=application.producer.business_name,
                     data={"scores": {str(k): v for k, v in values.items()}, "total": total})
    return total


# ---- quotas -------------------------------------------------------------------------------

async def quotas_of(event: Event) -> dict[tuple[str, str], int]:
    return {(q.kind.value, q.key): q.limit for q in await Quota.filter(event=event)}


async def set_quotas(*, event: Event, limits: dict[tuple[str, str], int | None],
                     by: User) -> None:
    """Replace the quotas given: (kind, key) -> limit, or None to remove it."""
    async with in_transaction():
        for (kind, key), limit in limits.items():
            await Quota.filter(event=event, kind=kind, key=key).delete()
            if limit is not None:
                await Quota.create(event=event, kind=QuotaKind(kind), key=key, limit=limit)
    await log_action(action="expo.curation.quotas_changed", actor=by, event=event,
                     data={f"{k}:{key}": v for (k, key), v in limits.items()})


async def accepted_counts(event: Event) -> Counter[tuple[str, str]]:
    """Accepted applications per ("category", key) and ("kabupaten", key)."""
    counts: Counter[tuple[str, str]] = Counter()
    for a in await Application.filter(event=event, status=AppStatus.ACCEPTED).prefetch_related(
            "producer"):
        counts[("category", a.producer.category.value)] += 1
        counts[("kabupaten", a.producer.kabupaten)] += 1
    return counts


async def quota_warnings(*, event: Event, applications: list[Application]) -> list[str]:
    """Warnings for quotas that accepting these applications (too) would exceed."""
    quotas = await quotas_of(event)
    if not quotas:
        return []
    ids = [a.id for a in applications]
    accepted = await Application.filter(event=event, status=AppStatus.ACCEPTED).exclude(
        id__in=ids).prefetch_related("producer")
    counts: Counter[tuple[str, str]] = Counter()
    for a in [*accepted, *applications]:
        counts[("category", a.producer.category.value)] += 1
        counts[("kabupaten", a.producer.kabupaten)] += 1
    warnings = []
    for (kind, key), limit in sorted(quotas.items()):
        if counts[(kind, key)] > limit:
            label = str(CATEGORY_LABELS[Category(key)]) if kind == "category" else key
            warnings.append(_("Quota for %(name)s is %(limit)s; this makes %(count)s accepted.",
                              name=label, limit=limit, count=counts[(kind, key)]))
    return warnings


# ---- decisions ----------------------------------------------------------------------------

async def can_decide(event: Event, roles: set[Role]) -> bool:
    if Role.COMMITTEE in roles:
        return True
    return Role.CURATOR in roles and (await settings_for(event)).curators_can_decide


def decision_text(decision: AppStatus, event: Event, message: str) -> tuple[str, str]:
    if decision == AppStatus.ACCEPTED:
        subject = _("Accepted at %(event)s", event=event.name)
        body = _("Congratulations! Your application to %(event)s is accepted. The committee "
                 "will tell you your booth.", event=event.name)
    elif decision == AppStatus.WAITLISTED:
        subject = _("On the waiting list for %(event)s", event=event.name)
        body = _("Your application to %(event)s is on the waiting list. We will tell you "
                 "when a booth becomes free.", event=event.name)
    else:
        subject = _("Not accepted at %(event)s", event=event.name)
        body = _("We are sorry: your application to %(event)s was not accepted.",
                 event=event.name)
    if message:
        body += "\n\n" + _("Message from the committee: %(text)s", text=message)
    return subject, body


async def decide_many(*, event: Event, application_ids: list[int], decision: AppStatus,
                      message: str, by: User, roles: set[Role], settings: Settings | None,
                      confirm_over_quota: bool = False) -> list[Application]:
    """Accept, waitlist or reject applications of this event (all or none).

    Refuses a rejection without a reason, and an acceptance that exceeds a quota unless
    ``confirm_over_quota`` (the warnings travel in the error's ``warnings``).
    """
    if not await can_decide(event, roles):
        raise Forbidden(_("Only the committee decides on applications."), "cannot_decide")
    if decision not in DECISIONS:
        raise DomainError(_("Unknown decision."), "bad_decision")
    message = message.strip()
    if decision == AppStatus.REJECTED and not message:
        raise DomainError(_("Give the producer a reason for the rejection."), "reason_required")
    applications = await Application.filter(event=event, id__in=application_ids).prefetch_related(
        "producer", "event")
    if not applications or len(applications) != len(set(application_ids)):
        raise NotFound()
    for a in applications:
        if a.status not in DECIDABLE_FROM:
            raise DomainError(_("%(name)s cannot be decided now (status: %(status)s).",
                                name=a.producer.business_name, status=a.status.value),
                              "not_decidable", status_code=409)
    if decision == AppStatus.ACCEPTED and not confirm_over_quota:
        changing = [a for a in applications if a.status != AppStatus.ACCEPTED]
        warnings = await quota_warnings(event=event, applications=changing)
        if warnings:
            raise DomainError(" ".join(warnings), "quota_exceeded", status_code=409,
                              warnings=warnings)
    now = _now()
    async with in_transaction():
        for a in applications:
            old = a.status
            a.status, a.decided_at, a.decided_by, a.decision_message = (
                decision, now, by, message)
            await a.save(update_fields=["status", "decided_at", "decided_by_id",
                                        "decision_message", "updated_at"])
            await log_action(action=f"expo.application.{decision.value}", actor=by, event=event,
                             obj=a, summary=a.producer.business_name,
                             data={"from": old.value, "message": message,
                                   "over_quota": confirm_over_quota})
    for a in applications:
        subject, body = decision_text(decision, event, message)
        await notify(settings=settings, application=a, subject=subject, body=body)
    return applications


# ---- review queue -------------------------------------------------------------------------

@dataclass
class QueueFilters:
    status: str = ""
    category: str = ""
    kabupaten: str = ""
    cluster: str = ""
    smk: str = ""  # "1" with SMK students, "0" without
    legality: str = ""  # complete / incomplete / expired
    q: str = ""
    sort: str = "score"  # score, submitted, name


@dataclass
class QueueRow:
    application: Application
    producer: Producer
    legality: LegalityStatus
    tie: bool = False


@dataclass
class Queue:
    rows: list[QueueRow]
    counts: dict[str, int] = field(default_factory=dict)


def _matches(row: QueueRow, f: QueueFilters) -> bool:
    p, a = row.producer, row.application
    q = f.q.strip().lower()
    return all([
        not f.status or a.status.value == f.status,
        not f.category or p.category.value == f.category,
        not f.kabupaten or p.kabupaten == f.kabupaten,
        not f.cluster or p.cluster == f.cluster.strip().lower(),
        not f.smk or p.has_smk == (f.smk == "1"),
        not f.legality or row.legality.value == f.legality,
        not q or q in f"{p.business_name} {p.owner_name} {p.cluster} {p.email}".lower(),
    ])


async def queue(*, event: Event, filters: QueueFilters) -> Queue:
    """Sent applications of an event (drafts are the producer's own), filtered and sorted."""
    applications = await Application.filter(event=event).exclude(
        status=AppStatus.DRAFT).prefetch_related("producer")
    today = dt.date.today()
    rows = [QueueRow(a, a.producer, a.producer.legality_status(today)) for a in applications]
    counts = Counter(r.application.status.value for r in rows)
    rows = [r for r in rows if _matches(r, filters)]
    if filters.sort == "name":
        rows.sort(key=lambda r: r.producer.business_name.lower())
    elif filters.sort == "submitted":
        rows.sort(key=lambda r: (r.application.submitted_at or now_max(), r.application.id))
    else:
        rows.sort(key=lambda r: (r.application.total_score is None,
                                 -(r.application.total_score or 0), r.application.id))
    totals = Counter(r.application.total_score for r in rows
                     if r.application.total_score is not None)
    for r in rows:
        r.tie = r.application.total_score is not None and totals[r.application.total_score] > 1
    return Queue(rows=rows, counts=dict(counts))


def now_max() -> dt.datetime:
    return dt.datetime.max.replace(tzinfo=dt.UTC)


async def staff_application(*, event: Event, application_id: int) -> Application:
    application = await Application.filter(id=application_id, event=event).exclude(
        status=AppStatus.DRAFT).prefetch_related("producer", "event").first()
    if application is None:
        raise NotFound()
    return application
