"""Exhibitor rules: producer profiles, products, documents, applications and the inbox.

Every function that takes an id also takes the producer (or the viewing user) and raises
``NotFound`` for an object that is not theirs: guessing ids reveals nothing.

Each change checks, writes and audits in one transaction; files are removed and people are
told (inbox, email) after it commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expo import mail
from expo.accounts.models import EventRole, Role, User
from expo.accounts.service import INVITE_TTL, create_password_token, create_user
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound, found
from expo.events.models import Event, EventStatus
from expo.events.service import window_state
from expo.events.team import grant_role
from expo.exhibitors import notify as notices
from expo.exhibitors import requirements, uploads
from expo.exhibitors.forms import SignupData
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Document,
    InboxMessage,
    Producer,
    ProducerMember,
    Product,
)
from expo.exhibitors.scoring import SCORABLE, recompute_total
from expo.exhibitors.signals import (
    LEGALITY_FIELDS,
    LegalityChanged,
    ProfileChanged,
    legality_changed,
    profile_changed,
)
from expo.i18n import gettext as _
from expo.offload import in_process, in_thread
from expo.settings import Settings

STAFF_ROLES = (Role.COMMITTEE, Role.CURATOR)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---- producers ----------------------------------------------------------------------------

async def producer_for(user: User) -> Producer | None:
    member = await ProducerMember.filter(user=user).order_by("id").first().prefetch_related(
        "producer")
    return member.producer if member else None


async def require_producer(user: User) -> Producer:
    producer = await producer_for(user)
    if producer is None:
        raise NotFound(_("You have no business profile yet."), "no_profile")
    return producer


async def create_producer(*, user: User, values: dict[str, Any]) -> Producer:
    async with atomic():
        producer = await Producer.create(**values)
        await ProducerMember.create(producer=producer, user=user)
        await log_action(action="expo.producer.created", actor=user, obj=producer,
                         summary=producer.business_name)
    return producer


async def signup(*, data: SignupData) -> tuple[User, Producer]:
    """A new login with its business profile (one transaction)."""
    async with atomic():
        user = await create_user(email=data.email, name=data.name, password=data.password)
        producer = await create_producer(user=user, values=data.profile)
    return user, producer


async def update_profile(*, producer: Producer, values: dict[str, Any], by: User) -> Producer:
    changed = sorted(k for k, v in values.items() if getattr(producer, k) != v)
    async with atomic():
        for key, value in values.items():
            setattr(producer, key, value)
        await producer.save()
        await log_action(action="expo.producer.updated", actor=by, obj=producer,
                         summary=", ".join(changed)[:300], data={"fields": changed})
        items = frozenset(LEGALITY_FIELDS[k] for k in changed if k in LEGALITY_FIELDS)
        if items:
            await legality_changed.send(LegalityChanged(producer_id=producer.id, items=items,
                                                        by_id=by.id))
        if changed:
            await profile_changed.send(ProfileChanged(producer_id=producer.id,
                                                      fields=frozenset(changed), by_id=by.id))
        await _recompute_scores(producer)
    return producer


async def _recompute_scores(producer: Producer) -> None:
    """Automatic criteria (legality, SMK, micro) follow the profile: refresh the totals."""
    for application in await Application.filter(producer=producer, status__in=list(SCORABLE)):
        await recompute_total(application)


async def add_member(*, producer: Producer, email: str, name: str, by: User,
                     settings: Settings | None, link_base: str) -> User:
    """Let another login act for this producer; a new account gets an invitation link."""
    async with atomic():
        user, created = await _new_member(producer=producer, email=email, name=name, by=by)
    if settings is not None:
        token = await create_password_token(user=user, purpose="invite", ttl=INVITE_TTL)
        link = f"{link_base}?token={token}"
        body = _("Hello %(name)s,\n\n%(by)s added you to %(business)s on expo.\n",
                 name=user.name, by=by.name, business=producer.business_name)
        if created:
            body += _("Choose your password here (valid 14 days):\n%(link)s\n",
                      link=link)
        await mail.send_mail(settings, to=user.email, body=body,
                             subject=_("You can now sign in for %(business)s",
                                       business=producer.business_name))
    return user


async def _new_member(*, producer: Producer, email: str, name: str,
                      by: User) -> tuple[User, bool]:
    """The new member (and whether their account is new), with their exhibitor roles and the
    audit entry. The producer's row stays locked until the transaction ends, so that the same
    person added twice at once is added once."""
    await Producer.filter(id=producer.id).select_for_update().first()
    user = await User.get_or_none(email=email.strip().lower())
    created = user is None
    if user is None:
        user = await create_user(email=email, name=name or email.split("@")[0])
    elif await ProducerMember.exists(producer=producer, user=user):
        raise DomainError(_("This person can already sign in for your business."),
                          "already_member", field="email")
    await ProducerMember.create(producer=producer, user=user)
    for application in await Application.filter(producer=producer).prefetch_related("event"):
        await grant_role(event=application.event, user=user, role=Role.EXHIBITOR, by=by)
    await log_action(action="expo.producer.member_added", actor=by, obj=producer,
                     summary=user.email)
    return user, created


async def cluster_suggestions() -> list[str]:
    rows = await Producer.exclude(cluster="").order_by("cluster").distinct().values_list(
        "cluster", flat=True)
    return sorted({str(r) for r in rows})


async def members_of(producer: Producer) -> list[User]:
    rows = await ProducerMember.filter(producer=producer).prefetch_related("user")
    return [r.user for r in rows]


async def accepted_staff(*, event: Event) -> list[tuple[str, list[str]]]:
    """(business name, people) of every accepted exhibitor of ``event``: the owner and every
    login of the producer, each name once (for badges)."""
    apps = await Application.filter(event=event, status=AppStatus.ACCEPTED).select_related(
        "producer").order_by("producer__business_name")
    members = await ProducerMember.filter(
        producer_id__in=[a.producer.id for a in apps]).select_related("user")
    logins: dict[int, list[str]] = {}
    for m in members:
        logins.setdefault(m.producer_id, []).append(m.user.name)  # type: ignore[attr-defined]
    staff = []
    for app in apps:
        names = [app.producer.owner_name, *logins.get(app.producer.id, [])]
        unique = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
        staff.append((app.producer.business_name, unique))
    return staff


async def staff_event_ids(user: User) -> set[int]:
    rows = await EventRole.filter(user=user, role__in=list(STAFF_ROLES)).values_list(
        "event_id", flat=True)
    return {int(r) for r in rows}  # type: ignore[call-overload]


async def can_view_producer(user: User, producer: Producer) -> bool:
    """Its own members, superusers, and committee/curators of an event it applied to."""
    if user.is_superuser or await ProducerMember.exists(producer=producer, user=user):
        return True
    events = await staff_event_ids(user)
    return bool(events) and await Application.filter(
        producer=producer, event_id__in=list(events)).exclude(status=AppStatus.DRAFT).exists()


# ---- products -----------------------------------------------------------------------------

async def products_of(producer: Producer) -> list[Product]:
    return await Product.filter(producer=producer).order_by("id")


async def get_product(*, producer: Producer, product_id: int) -> Product:
    product = found(await Product.get_or_none(id=product_id, producer=producer))
    return product


async def kinds_in_use(limit: int = 300) -> list[str]:
    """The product kinds producers already use (the product form's suggestions)."""
    rows = await Product.filter(kind__not="").distinct().order_by("kind").limit(limit) \
        .values_list("kind", flat=True)
    return sorted({str(k).strip().lower() for k in rows if k})


async def save_product(*, producer: Producer, values: dict[str, Any], photo: bytes | None,
                       uploads_dir: Path, by: User, product: Product | None = None) -> Product:
    stem = None
    if photo:
        uploads.check_size(photo, uploads.MAX_PHOTO_BYTES)  # before paying for the pickling
        # Decoding and resizing a phone photo (up to 40 MP) is seconds of CPU: not on the loop.
        stem = await in_process(uploads.save_photo, uploads_dir=uploads_dir, data=photo)
    old_photo = product.photo if product is not None and stem else ""
    if "kind" in values:  # kinds group the catalogue: one spelling each
        values = {**values, "kind": " ".join(str(values["kind"]).lower().split())}
    async with atomic():
        if product is None:
            product = await Product.create(producer=producer, photo=stem or "", **values)
            action = "expo.product.created"
        else:
            for key, value in values.items():
                setattr(product, key, value)
            if stem:
                product.photo = stem
            await product.save()
            action = "expo.product.updated"
        await log_action(action=action, actor=by, obj=product, summary=product.name)
    uploads.delete_photo(uploads_dir, old_photo)
    return product


async def delete_product(*, producer: Producer, product_id: int, uploads_dir: Path,
                         by: User) -> None:
    async with atomic():
        product = await get_product(producer=producer, product_id=product_id)
        await product.delete()
        await log_action(action="expo.product.deleted", actor=by, obj=product,
                         summary=product.name)
    uploads.delete_photo(uploads_dir, product.photo)


async def viewable_product(*, user: User, product_id: int) -> Product:
    product = await Product.get_or_none(id=product_id).prefetch_related("producer")
    if product is None or not product.photo or not await can_view_producer(
            user, product.producer):
        raise NotFound()
    return product


# ---- documents ----------------------------------------------------------------------------

async def documents_of(producer: Producer) -> list[Document]:
    return await Document.filter(producer=producer).order_by("-id")


async def add_document(*, producer: Producer, values: dict[str, Any], data: bytes,
                       original_name: str, uploads_dir: Path, by: User) -> Document:
    stored, mime = await in_thread(uploads.save_document, uploads_dir=uploads_dir, data=data)
    async with atomic():
        document = await Document.create(
            producer=producer, kind=values["kind"], title=values.get("title", ""),
            original_name=Path(original_name or "").name[:200], stored_name=stored,
            content_type=mime, size=len(data), uploaded_by=by)
        await log_action(action="expo.document.uploaded", actor=by, obj=document,
                         summary=f"{producer.business_name}: {document.kind.value}")
    return document


async def delete_document(*, producer: Producer, document_id: int, uploads_dir: Path,
                          by: User) -> None:
    async with atomic():
        document = found(await Document.get_or_none(id=document_id, producer=producer))
        await document.delete()
        await log_action(action="expo.document.deleted", actor=by, obj=document,
                         summary=document.original_name)
    uploads.delete_document(uploads_dir, document.stored_name)


async def viewable_document(*, user: User, document_id: int) -> Document:
    """The document if this user may read it (owner, or staff of an event it applied to)."""
    document = await Document.get_or_none(id=document_id).prefetch_related("producer")
    if document is None or not await can_view_producer(user, document.producer):
        raise NotFound()
    return document


# ---- applications -------------------------------------------------------------------------

async def application_for(*, producer: Producer, event: Event) -> Application | None:
    return await Application.get_or_none(producer=producer, event=event)


async def accepted_application(*, user: User, event: Event) -> Application:
    """The user's accepted application for the event (with its producer), or 404: what a
    producer's pages at an event (booth, leads, sales) are about."""
    producers = await ProducerMember.filter(user=user).values_list("producer_id", flat=True)
    app = await Application.filter(event=event, producer_id__in=list(producers),
                                   status=AppStatus.ACCEPTED).select_related("producer").first()
    if app is None:
        raise NotFound(_("You have no accepted application for this event."), "no_application")
    return app


async def own_application(*, producer: Producer, application_id: int) -> Application:
    application = await Application.get_or_none(
        id=application_id, producer=producer).prefetch_related("event")
    if application is None:
        raise NotFound()
    return application


async def open_event(slug: str) -> Event:
    event = await Event.get_or_none(slug=slug)
    if event is None or event.status != EventStatus.PUBLISHED:
        raise NotFound(_("This event does not exist or does not take applications."))
    return event


def registration_state(event: Event, now: dt.datetime | None = None) -> str:
    return window_state(event.exhibitor_reg_opens, event.exhibitor_reg_closes, now)


def _check_window(event: Event) -> None:
    state = registration_state(event)
    if state == "not_yet":
        raise DomainError(_("Applications for this event are not open yet."),
                          "registration_not_open")
    if state == "closed":
        raise DomainError(_("Applications for this event are closed."), "registration_closed")


async def save_application(*, producer: Producer, event: Event, values: dict[str, Any],
                           by: User) -> Application:
    """Create or edit the producer's draft application to an event.

    The draft is read again, locked, inside the transaction: one sent meanwhile (from
    another phone) is not changed.
    """
    if event.status != EventStatus.PUBLISHED:
        raise DomainError(_("This event does not take applications."), "event_not_open")
    fields = {k: v for k, v in values.items() if k != "terms"}
    fields["terms_accepted_at"] = _now() if values.get("terms") else None
    async with atomic():
        application = await Application.filter(
            producer=producer, event=event).select_for_update().first()
        if application is not None and application.status != AppStatus.DRAFT:
            raise DomainError(
                _("This application was already sent and can no longer be edited."),
                "not_editable", status_code=409)
        if registration_state(event) == "closed":
            _check_window(event)
        created = application is None
        if application is None:
            application = await Application.create(event=event, producer=producer, **fields)
            for user in await members_of(producer):
                await grant_role(event=event, user=user, role=Role.EXHIBITOR, by=by)
        else:
            for key, value in fields.items():
                setattr(application, key, value)
            await application.save()
        await log_action(
            action="expo.application.created" if created else "expo.application.updated",
            actor=by, event=event, obj=application, summary=producer.business_name)
    return application


async def missing_for_submit(producer: Producer, application: Application) -> list[str]:
    """What still prevents sending the application (empty when it can be submitted)."""
    missing = []
    if not (producer.phone and producer.kabupaten and producer.owner_name):
        missing.append(_("Complete your business profile."))
    if not await Product.exists(producer=producer):
        missing.append(_("Add at least one product."))
    if application.terms_accepted_at is None:
        missing.append(_("Agree to the event terms."))
    documents = await requirements.missing_documents(
        producer=producer, event_id=application.event_id,  # type: ignore[attr-defined]
        application=application)
    if documents:
        missing.append(requirements.missing_message(documents))
    return missing


async def submit_application(*, application: Application, by: User,
                             settings: Settings | None = None) -> Application:
    """Send a draft: checked, sent (a conditional update: a draft only), scored and audited in
    one transaction; the producer is told after it commits."""
    await application.fetch_related("event", "producer")
    async with atomic():
        if application.status != AppStatus.DRAFT:
            raise DomainError(_("Only a draft can be sent."), "not_draft", status_code=409)
        _check_window(application.event)
        missing = await missing_for_submit(application.producer, application)
        if missing:
            raise DomainError(" ".join(missing), "incomplete", missing=missing)
        updated = await Application.filter(id=application.id, status=AppStatus.DRAFT).update(
            status=AppStatus.SUBMITTED, submitted_at=_now())
        if updated != 1:
            raise DomainError(_("Only a draft can be sent."), "not_draft", status_code=409)
        await application.refresh_from_db()
        await recompute_total(application)
        await log_action(action="expo.application.submitted", actor=by,
                         event=application.event, obj=application,
                         summary=application.producer.business_name)
        await notices.application_received(application=application, event=application.event,
                                           producer=application.producer)
    await notify(settings=None, application=application,  # the notice above emails
                 subject=_("Application received: %(event)s", event=application.event.name),
                 body=_("Thank you. The committee of %(event)s received your application and "
                        "will review it. You will find its decision here.",
                        event=application.event.name))
    return application


async def withdraw_application(*, application: Application, by: User) -> Application:
    """Withdraw the application, whatever its status; its status is read again, locked, inside
    the transaction, so a second withdrawal (another phone, a stale page) is refused."""
    await application.fetch_related("event", "producer")
    async with atomic():
        current = await Application.filter(id=application.id).select_for_update().first()
        if current is None:
            raise NotFound()
        if current.status == AppStatus.WITHDRAWN:
            raise DomainError(_("This application is already withdrawn."),
                              "already_withdrawn", status_code=409)
        application.status = AppStatus.WITHDRAWN
        application.withdrawn_at = _now()
        await application.save(update_fields=["status", "withdrawn_at", "updated_at"])
        await log_action(action="expo.application.withdrawn", actor=by,
                         event=application.event, obj=application,
                         summary=application.producer.business_name,
                         data={"from": current.status.value})
    return application


# ---- inbox and notifications --------------------------------------------------------------

async def notify(*, settings: Settings | None, application: Application, subject: str,
                 body: str) -> InboxMessage:
    """Record a message in the producer's inbox and email it to the producer and members."""
    await application.fetch_related("producer", "event")
    producer = application.producer
    message = await InboxMessage.create(producer=producer, event=application.event,
                                        application=application, subject=subject, body=body)
    if settings is not None:
        recipients = {producer.email} | {u.email for u in await members_of(producer)}
        text = _("Hello %(name)s,\n\n%(body)s\n\n%(event)s", name=producer.owner_name,
                 body=body, event=application.event.name)
        for email in sorted(r for r in recipients if r):
            await mail.send_mail(settings, to=email, subject=subject, body=text)
    return message


async def inbox(producer: Producer, limit: int = 20) -> list[InboxMessage]:
    return await InboxMessage.filter(producer=producer).prefetch_related("event").limit(limit)


async def mark_inbox_read(producer: Producer) -> None:
    await InboxMessage.filter(producer=producer, read_at=None).update(read_at=_now())


@dataclass
class Dashboard:
    producer: Producer
    applications: list[Application]
    messages: list[InboxMessage]
    unread: int
    next_steps: list[str] = field(default_factory=list)
    open_events: list[Event] = field(default_factory=list)


async def dashboard(producer: Producer) -> Dashboard:
    applications = await Application.filter(producer=producer).prefetch_related(
        "event").order_by("-id")
    messages = await inbox(producer)
    unread = sum(1 for m in messages if m.read_at is None)
    applied = {a.event_id for a in applications}  # type: ignore[attr-defined]
    events = [e for e in await Event.filter(status=EventStatus.PUBLISHED).order_by("starts_on")
              if e.id not in applied and registration_state(e) != "closed"
              and e.ends_on >= dt.date.today()]
    steps: list[str] = []
    if not producer.description or not producer.address:
        steps.append(_("Complete your business profile (address and description)."))
    if not await Product.exists(producer=producer):
        steps.append(_("Add at least one product with a photo."))
    if not await Document.exists(producer=producer):
        steps.append(_("Upload your legality documents (NIB, PIRT, halal)."))
    for app in applications:
        if app.status == AppStatus.DRAFT:
            steps.append(_("Send your application to %(event)s.", event=app.event.name))
        elif app.status == AppStatus.ACCEPTED:
            steps.append(_("You are accepted at %(event)s: wait for your booth assignment.",
                           event=app.event.name))
    for event in events[:3]:
        steps.append(_("Apply to %(event)s.", event=event.name))
    return Dashboard(producer=producer, applications=applications, messages=messages,
                     unread=unread, next_steps=steps, open_events=events)
