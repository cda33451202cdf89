"""Documents an event requires per category, and the committee's exceptions.

The committee says, per category, which documents applicants must have uploaded before they
can send an application (food: a PIRT *or* a BPOM registration, and a halal certificate).
A requirement is one ``RequiredDocument`` row: one kind, or several when any one of them will
do. Sending (``service.submit_application``) waits until each requirement of the producer's
category has an uploaded document of one of its kinds, unless the committee granted that one
application an exception (``waive``: a reason, audited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Category,
    Document,
    DocumentKind,
    Producer,
    RequiredDocument,
)
from expo.i18n import gettext as _

MAX_PER_CATEGORY = 3  # requirement lines per category on the settings page
MAX_REASON = 300


@dataclass(frozen=True)
class Requirement:
    """One required document: any of ``kinds`` will do."""

    kinds: tuple[DocumentKind, ...]

    @property
    def label(self) -> str:
        return _(" or ").join(DocumentKind.label_of(kind) for kind in self.kinds)

    @property
    def key(self) -> str:
        return ",".join(kind.value for kind in self.kinds)


def _kinds(text: str) -> tuple[DocumentKind, ...]:
    values = {DocumentKind(v) for v in text.split(",") if v in DocumentKind._value2member_map_}
    return tuple(kind for kind in DocumentKind if kind in values)


async def rules_for(event: Event) -> dict[Category, list[Requirement]]:
    """Every category with its requirements (categories without any have an empty list)."""
    rules: dict[Category, list[Requirement]] = {category: [] for category in Category}
    for row in await RequiredDocument.filter(event=event).order_by("id"):
        kinds = _kinds(row.kinds)
        if kinds:
            rules[Category(row.category)].append(Requirement(kinds))
    return rules


async def requirements_for(*, event_id: int, category: Category | str) -> list[Requirement]:
    rows = await RequiredDocument.filter(event_id=event_id,
                                         category=Category(category)).order_by("id")
    return [Requirement(kinds) for kinds in (_kinds(r.kinds) for r in rows) if kinds]


async def set_rules(*, event: Event, rules: Mapping[Category, Iterable[Iterable[DocumentKind]]],
                    by: User) -> dict[Category, list[Requirement]]:
    """Replace the event's requirements with ``rules`` (per category, lines of kinds: any one
    kind of a line will do); empty lines and repeated lines are dropped. Audited."""
    clean: dict[Category, list[Requirement]] = {}
    for category, lines in rules.items():
        seen: list[Requirement] = []
        for line in lines:
            wanted = set(line)
            kinds = tuple(kind for kind in DocumentKind if kind in wanted)
            if kinds and Requirement(kinds) not in seen:
                seen.append(Requirement(kinds))
        if len(seen) > MAX_PER_CATEGORY:
            raise DomainError(_("At most %(n)s required documents per category.",
                                n=MAX_PER_CATEGORY), "too_many_requirements")
        if seen:
            clean[Category(category)] = seen
    async with atomic():
        await RequiredDocument.filter(event=event).delete()
        for category, requirements in clean.items():
            for requirement in requirements:
                await RequiredDocument.create(event=event, category=category,
                                              kinds=requirement.key)
        summary = "; ".join(f"{category.value}: {' + '.join(r.key for r in reqs)}"
                            for category, reqs in clean.items())
        await log_action(action="expo.event.required_documents_set", actor=by, event=event,
                         obj=event, summary=summary or "-",
                         data={c.value: [r.key for r in reqs] for c, reqs in clean.items()})
    return await rules_for(event)


async def missing_documents(*, producer: Producer, event_id: int,
                            application: Application | None = None) -> list[Requirement]:
    """The requirements of the producer's category that no uploaded document meets yet; none
    when the committee granted ``application`` an exception."""
    if application is not None and application.documents_waived_at is not None:
        return []
    requirements = await requirements_for(event_id=event_id, category=producer.category)
    if not requirements:
        return []
    have = set(await Document.filter(producer=producer).values_list("kind", flat=True))
    return [r for r in requirements if not have & set(r.kinds)]


def missing_message(missing: list[Requirement]) -> str:
    return _("Upload the documents this event requires: %(list)s.",
             list="; ".join(r.label for r in missing))


async def drafts_of(producer: Producer) -> list[Application]:
    """The producer's draft applications (the documents page leads back to them)."""
    return await Application.filter(producer=producer, status=AppStatus.DRAFT).prefetch_related(
        "event").order_by("-id").limit(5)


@dataclass(frozen=True)
class WaitingDraft:
    application: Application
    missing: list[Requirement]


async def drafts_missing_documents(event: Event, limit: int = 200) -> list[WaitingDraft]:
    """Draft applications of the event that cannot be sent for a missing document (for the
    committee to chase or grant an exception), and those already excepted (missing empty)."""
    drafts = await Application.filter(event=event, status=AppStatus.DRAFT).prefetch_related(
        "producer").order_by("id").limit(limit)
    waiting = []
    for draft in drafts:
        missing = await missing_documents(producer=draft.producer, event_id=event.id)
        if missing or draft.documents_waived_at is not None:
            waiting.append(WaitingDraft(draft, missing))
    return waiting


async def event_application(*, event: Event, application_id: int) -> Application:
    application = await Application.filter(id=application_id, event=event).prefetch_related(
        "producer", "event").first()
    if application is None:
        raise NotFound()
    return application


async def waive(*, application: Application, reason: str, by: User) -> Application:
    """Let ``application`` be sent without its missing documents: a reason is required, the
    exception is audited. Only before the application is decided."""
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(_("Give a reason for the exception."), "reason_required")
    if len(reason) > MAX_REASON:
        raise DomainError(_("At most %(n)s characters.", n=MAX_REASON), "reason_too_long")
    await application.fetch_related("event", "producer")
    if application.status not in (AppStatus.DRAFT, AppStatus.SUBMITTED):
        raise DomainError(_("This application is already decided."), "decided",
                          status_code=409)
    async with atomic():
        application.documents_waived_at = dt.datetime.now(dt.UTC)
        application.documents_waived_by = by  # type: ignore[assignment]
        application.documents_waiver_reason = reason
        await application.save(update_fields=["documents_waived_at", "documents_waived_by_id",
                                              "documents_waiver_reason", "updated_at"])
        await log_action(action="expo.application.documents_waived", actor=by,
                         event=application.event, obj=application,
                         summary=f"{application.producer.business_name}: {reason}")
    return application


async def revoke_waiver(*, application: Application, by: User) -> Application:
    """Take the exception back: sending waits for the documents again. Audited."""
    await application.fetch_related("event", "producer")
    async with atomic():
        application.documents_waived_at = None
        application.documents_waived_by = None  # type: ignore[assignment]
        application.documents_waiver_reason = ""
        await application.save(update_fields=["documents_waived_at", "documents_waived_by_id",
                                              "documents_waiver_reason", "updated_at"])
        await log_action(action="expo.application.documents_waiver_revoked", actor=by,
                         event=application.event, obj=application,
                         summary=application.producer.business_name)
    return application
