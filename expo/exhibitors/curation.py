"""Curation: the rubric, curators' scores and totals, quotas, decisions and the review queue.

The scoring maths (0-5 per criterion, weighted totals on 0-100) is ``expo.exhibitors.scoring``;
its names are also readable here (``curation.breakdown``, ``curation.auto_score``).

Each change checks, writes and audits in one transaction (a row lock on what it checks, where
PostgreSQL needs one); the producer is told, and event-wide totals are refreshed, after it
commits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from expo.accounts.models import Role, User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, Forbidden, NotFound, found
from expo.events.models import Event
from expo.exhibitors import notify as notices
from expo.exhibitors.models import (
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
from expo.exhibitors.scoring import (
    MAX_SCORE,
    SCORABLE,
    criteria_of,
    recompute_event,
    recompute_total,
)
from expo.exhibitors.scoring import Breakdown as Breakdown
from expo.exhibitors.scoring import auto_score as auto_score
from expo.exhibitors.scoring import breakdown as breakdown
from expo.exhibitors.scoring import compute_total as compute_total
from expo.exhibitors.service import notify
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.settings import Settings

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
    async with atomic():
        row = await settings_for(event)
        row.terms, row.curators_can_decide = terms, curators_can_decide
        await row.save()
        await log_action(action="expo.curation.settings_changed", actor=by, event=event,
                         obj=row, data={"curators_can_decide": curators_can_decide})
    return row


# The rubric's changes commit before ``recompute_event`` refreshes the event's totals: the
# totals are derived (any later change recomputes them again), and on SQLite a transaction
# holds the one connection, which hundreds of applications' breakdowns would keep from the
# gate's scans.

async def add_criterion(*, event: Event, name: str, weight: int, source: CriterionSource,
                        by: User) -> Criterion:
    if not 0 <= weight <= 100:
        raise DomainError(_("A weight is between 0 and 100."), "bad_weight")
    async with atomic():
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
    """Set the weights given (criterion id -> 0..100): all of them, or none when one is out of
    range."""
    async with atomic():
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
    async with atomic():
        criterion = found(await Criterion.get_or_none(id=criterion_id, event=event))
        await criterion.delete()
        await log_action(action="expo.rubric.criterion_deleted", actor=by, event=event,
                         summary=criterion.name)
    await recompute_event(event)


# ---- scores -------------------------------------------------------------------------------

async def record_scores(*, application: Application, curator: User,
                        values: dict[int, int]) -> float | None:
    """Save one curator's scores (criterion id -> 0..5) for manual criteria.

    The application's status is read again, locked, inside the transaction: one withdrawn
    since the curator opened it is not scored.
    """
    await application.fetch_related("event", "producer")
    async with atomic():
        current = await Application.filter(id=application.id).select_for_update().first()
        if current is None or current.status not in SCORABLE:
            raise DomainError(_("Only sent applications can be scored."), "not_scorable",
                              status_code=409)
        manual = {c.id for c in await criteria_of(application.event)
                  if c.source == CriterionSource.MANUAL}
        for criterion_id, value in values.items():
            if criterion_id not in manual:
                raise DomainError(_("Unknown criterion."), "unknown_criterion")
            if not 0 <= value <= MAX_SCORE:
                raise DomainError(_("A score is between 0 and %(n)s.", n=MAX_SCORE),
                                  "bad_score")
        for criterion_id, value in values.items():
            updated = await Score.filter(application=application, criterion_id=criterion_id,
                                         curator=curator).update(value=value)
            if not updated:
                await Score.create(event=application.event, application=application,
                                   criterion_id=criterion_id, curator=curator, value=value)
        total = await recompute_total(application)
        await log_action(action="expo.application.scored", actor=curator,
                         event=application.event, obj=application,
                         summary=application.producer.business_name,
                         data={"scores": {str(k): v for k, v in values.items()}, "total": total})
    return total


# ---- quotas -------------------------------------------------------------------------------

async def quotas_of(event: Event) -> dict[tuple[str, str], int]:
    return {(q.kind.value, q.key): q.limit for q in await Quota.filter(event=event)}


async def set_quotas(*, event: Event, limits: dict[tuple[str, str], int | None],
                     by: User) -> None:
    """Replace the quotas given: (kind, key) -> limit, or None to remove it."""
    async with atomic():
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
            label = Category(key).label if kind == "category" else key
            warnings.append(_("Quota for %(name)s is %(limit)s; this makes %(count)s accepted.",
                              name=label, limit=limit, count=counts[(kind, key)]))
    return warnings


# ---- decisions ----------------------------------------------------------------------------

async def can_decide(event: Event, roles: set[Role]) -> bool:
    if Role.COMMITTEE in roles:
        return True
    return Role.CURATOR in roles and (await settings_for(event)).curators_can_decide


async def decide_many(*, event: Event, application_ids: list[int], decision: AppStatus,
                      message: str, by: User, roles: set[Role], settings: Settings | None,
                      confirm_over_quota: bool = False) -> list[Application]:
    """Accept, waitlist or reject applications of this event (all or none).

    Refuses a rejection without a reason, and an acceptance that exceeds a quota unless
    ``confirm_over_quota`` (the warnings travel in the error's ``warnings``). The
    applications are read, locked, checked, decided and audited in one transaction; the
    producers are told after it commits.
    """
    if not await can_decide(event, roles):
        raise Forbidden(_("Only the committee decides on applications."), "cannot_decide")
    if decision not in DECISIONS:
        raise DomainError(_("Unknown decision."), "bad_decision")
    message = message.strip()
    if decision == AppStatus.REJECTED and not message:
        raise DomainError(_("Give the producer a reason for the rejection."), "reason_required")
    now = _now()
    async with atomic():
        applications = await _decidable(event=event, application_ids=application_ids)
        if decision == AppStatus.ACCEPTED and not confirm_over_quota:
            changing = [a for a in applications if a.status != AppStatus.ACCEPTED]
            warnings = await quota_warnings(event=event, applications=changing)
            if warnings:
                raise DomainError(" ".join(warnings), "quota_exceeded", status_code=409,
                                  warnings=warnings)
        for a in applications:
            old, old_message = a.status, a.decision_message
            a.status, a.decided_at, a.decided_by, a.decision_message = (
                decision, now, by, message)
            await a.save(update_fields=["status", "decided_at", "decided_by_id",
                                        "decision_message", "updated_at"])
            await log_action(action=f"expo.application.{decision.value}", actor=by, event=event,
                             obj=a, summary=a.producer.business_name,
                             data={"from": old.value, "message": message,
                                   "over_quota": confirm_over_quota})
            await notices.application_decided(application=a, event=event,
                                              before=(old, old_message))
    for a in applications:
        notice = notices.decision_notice(decision, event, message)  # the same words as sent
        await notify(settings=None, application=a, subject=notice.subject,
                     body=notice.text)  # inbox only
    return applications


async def _decidable(*, event: Event, application_ids: list[int]) -> list[Application]:
    """The event's applications with these ids, if every one of them can be decided now,
    locked until the transaction ends (in id order: overlapping decisions cannot deadlock)."""
    applications = await Application.filter(
        event=event, id__in=application_ids).order_by("id").select_for_update().prefetch_related(
        "producer", "event")
    if not applications or len(applications) != len(set(application_ids)):
        raise NotFound()
    for a in applications:
        if a.status not in DECIDABLE_FROM:
            raise DomainError(_("%(name)s cannot be decided now (status: %(status)s).",
                                name=a.producer.business_name, status=a.status.value),
                              "not_decidable", status_code=409)
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
