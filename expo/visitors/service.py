"""Visitors: registration, tickets, consent, gates, device tokens, rules and counters.

The scan itself lives in ``checkin.py`` (the hot path).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from expo import i18n, invalidation, phones
from expo.accounts.models import User
from expo.audit.service import forget_name, log_action
from expo.db import atomic, row_datetime
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.exhibitors import service as exhibitors_service
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.outbox import Channel, OutboxMessage
from expo.visitors import checkin, codes, notify
from expo.visitors.forms import DETAIL_FIELDS, GroupData, VisitorData, VisitorDetails
from expo.visitors.models import (
    DeviceToken,
    Gate,
    GateRules,
    Scan,
    Source,
    Visitor,
    VisitorGroup,
    VisitorType,
)
from expo.visitors.signals import VisitorErased, visitor_erased

PAGE_SIZE = 50
ERASED_NAME = "(dihapus)"  # stored, not shown through _(): the row keeps no name
TOKEN_CACHE_SECONDS = 10.0
REGISTERED = (Source.ONLINE, Source.KIOSK)  # a person's own registration: one per phone


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- tickets ------------------------------------------------------------------------------

async def register_visitor(*, event: Event, data: VisitorData, source: Source = Source.ONLINE,
                           group: VisitorGroup | None = None, rehearsal: bool = False) -> Visitor:
    """A ticket row and nothing else: no duplicate check, no message (badges, group members,
    demo data, test tickets: ``rehearsal``). A person registering goes through ``register``."""
    now = dt.datetime.now(dt.UTC)
    for _attempt in range(3):
        try:
            async with atomic():  # a savepoint inside the caller's transaction: a retry works
                return await Visitor.create(
                    event=event, group=group, ticket_key=codes.new_ticket_key(),
                    link_token=new_link_token(), name=data.name, phone=data.phone,
                    email=data.email, type=data.type, agency=data.agency,
                    organisation=data.organisation, kabupaten=data.kabupaten, source=source,
                    locale=i18n.get_locale(), consent_share=data.consent_share,
                    consent_at=now if data.consent_share else None, rehearsal=rehearsal)
        except IntegrityError:  # a random key collided: draw again
            continue
    raise DomainError(_("Could not issue a ticket. Please try again."), "ticket_failed")


@dataclass(frozen=True)
class Registration:
    """What a registration did. ``created`` is False when the phone had a ticket for the event
    already: no new one, the old one sent again (``limited``: not sent, too many times this
    hour). ``sent``: the channels the ticket went out on by themselves (configured ones)."""

    visitor: Visitor
    created: bool
    sent: tuple[Channel, ...] = ()
    limited: bool = False


async def _lock_address(conn: BaseDBAsyncClient, event_id: int, address: str) -> None:
    """Serialise what checks, then writes, for one address of one event: on PostgreSQL an
    advisory lock held to the end of the transaction; SQLite's ``atomic()`` has taken the
    database's write lock already."""
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                                 [event_id, address])


async def _ticket_of_phone(*, event: Event, phone: str) -> Visitor | None:
    return await Visitor.filter(event=event, phone=phone, source__in=REGISTERED, group_id=None,
                                revoked_at=None, erased_at=None).order_by("id").first()


async def register(*, event: Event, data: VisitorData, post: notify.Post,
                   source: Source = Source.ONLINE) -> Registration:
    """A person registers (online, or at the walk-in kiosk): one ticket per phone and event.
    The ticket goes to their WhatsApp and email in the same transaction as its row; a phone
    that has a ticket already gets it again instead (at most ``notify.RESENDS_PER_HOUR``
    times an hour), and no second row."""
    phone = phones.normalise_or_none(data.phone) or "" if data.phone else ""
    data = replace(data, phone=phone)
    async with atomic() as conn:
        if phone:
            await _lock_address(conn, event.id, phone)
            existing = await _ticket_of_phone(event=event, phone=phone)
            if existing is not None:
                return await _send_again(visitor=existing, event=event, post=post)
        visitor = await register_visitor(event=event, data=data, source=source)
        visitor.event = event
        rows = await notify.send_ticket(visitor=visitor, event=event, post=post,
                                        code=ticket_code(visitor=visitor, signer=post.signer))
        return Registration(visitor=visitor, created=True, sent=notify.queued(rows))


async def _send_again(*, visitor: Visitor, event: Event, post: notify.Post) -> Registration:
    visitor.event = event
    if await notify.resends_left(visitor.phone) <= 0:
        return Registration(visitor=visitor, created=False, limited=True)
    rows = await notify.send_ticket(
        visitor=visitor, event=event, post=post, kind=notify.TICKET_RESEND,
        key=notify.resend_key(notify.TICKET_RESEND, visitor.id),
        code=ticket_code(visitor=visitor, signer=post.signer))
    return Registration(visitor=visitor, created=False, sent=notify.queued(rows))


async def register_group(*, event: Event, data: GroupData, post: notify.Post) -> VisitorGroup:
    """A class registered by its teacher: a ticket per member (no duplicate check: the
    teacher's phone may have a ticket of its own) and one message to the teacher, with the
    link to every ticket of the group."""
    async with atomic():
        group = await VisitorGroup.create(event=event, name=data.name,
                                          leader_name=data.leader_name,
                                          leader_phone=data.leader_phone,
                                          link_token=new_link_token())
        for name in data.members:
            await register_visitor(event=event, group=group, source=Source.GROUP, data=VisitorData(
                name=name, type=data.type, kabupaten=data.kabupaten, organisation=data.name))
        await notify.send_group(group=group, event=event, count=len(data.members), post=post)
    return group


async def find_ticket(*, event: Event, phone: str = "", email: str = "",
                      post: notify.Post) -> None:
    """Send the personal link of the tickets (and groups) registered with ``phone`` (by
    WhatsApp) or ``email`` (by email) for the event, again; never a new ticket. Answers
    nothing and takes the same steps whether or not a ticket exists: the page must not tell
    who registered. At most ``notify.RESENDS_PER_HOUR`` messages an hour per address."""
    address = phone or email
    channel = Channel.WHATSAPP if phone else Channel.EMAIL
    async with atomic() as conn:
        await _lock_address(conn, event.id, address)
        match = {"phone": phone} if phone else {"email": email}
        visitors = await Visitor.filter(event=event, erased_at=None, **match).order_by(
            "-id").limit(notify.RESENDS_PER_HOUR)
        groups = await VisitorGroup.filter(event=event, leader_phone=phone).order_by(
            "-id").limit(notify.RESENDS_PER_HOUR) if phone else []
        budget = await notify.resends_left(address)
        for visitor in visitors[:budget]:
            visitor.event = event
            await notify.send_ticket(
                visitor=visitor, event=event, post=post, kind=notify.TICKET_RESEND,
                key=notify.resend_key(notify.TICKET_RESEND, visitor.id), channels=(channel,),
                code=ticket_code(visitor=visitor, signer=post.signer))
        for group in groups[:max(0, budget - len(visitors))]:
            count = await Visitor.filter(group=group).count()
            await notify.send_group(group=group, event=event, count=count, post=post,
                                    kind=notify.GROUP_RESEND,
                                    key=notify.resend_key(notify.GROUP_RESEND, group.id))


@dataclass(frozen=True)
class TicketDelivery:
    """How a ticket reached its visitor, for the ticket page: the (masked) number and the
    address it went to by themselves, and whether WhatsApp sending is set up at all."""

    whatsapp: str = ""
    email: str = ""
    whatsapp_ready: bool = False


async def ticket_delivery(*, visitor: Visitor) -> TicketDelivery:
    key = notify.ticket_key(visitor.id)
    rows = await OutboxMessage.filter(key__in=[f"{key}:{c.value}" for c in notify.BOTH])
    sent = notify.queued(rows)
    return TicketDelivery(
        whatsapp=mask_phone(visitor.phone) if Channel.WHATSAPP in sent and visitor.phone else "",
        email=visitor.email if Channel.EMAIL in sent else "",
        whatsapp_ready=messages.configured(Channel.WHATSAPP))


async def issue_badges(*, event: Event, names: list[str], type: VisitorType,
                       organisation: str, by: User) -> list[Visitor]:
    async with atomic():
        made = [await register_visitor(event=event, source=Source.STAFF, data=VisitorData(
            name=name, type=type, organisation=organisation)) for name in names]
    await log_action(action="expo.visitor.badges_issued", actor=by, event=event,
                     summary=f"{len(made)} × {type.value}", data={"count": len(made)})
    return made


async def issue_exhibitor_badges(*, event: Event, by: User) -> tuple[int, int]:
    """Badges for the staff of every accepted exhibitor (the owner and each login), skipping
    people who already have one; returns (badges issued, exhibitors with new badges)."""
    have = {(org.casefold(), name.casefold()) for org, name in await Visitor.filter(
        event=event, type=VisitorType.EXHIBITOR).values_list("organisation", "name")}
    staff = await exhibitors_service.accepted_staff(event=event)
    todo = [(business[:160], name[:120]) for business, names in staff for name in names
            if (business[:160].casefold(), name[:120].casefold()) not in have]
    async with atomic():
        for business, name in todo:
            await register_visitor(event=event, source=Source.STAFF, data=VisitorData(
                name=name, type=VisitorType.EXHIBITOR, organisation=business))
    exhibitors = len({business for business, _name in todo})
    if todo:
        await log_action(action="expo.visitor.badges_issued", actor=by, event=event,
                         summary=f"{len(todo)} × exhibitor ({exhibitors} exhibitors)",
                         data={"count": len(todo), "exhibitors": exhibitors})
    return len(todo), exhibitors


def ticket_code(*, visitor: Visitor, signer: codes.Signer) -> str:
    return codes.make_code(signer=signer, event_id=visitor.event_id,  # type: ignore[attr-defined]
                           key=visitor.ticket_key)


async def visitor_by_link(*, token: str) -> Visitor:
    return found(await Visitor.get_or_none(link_token=token).select_related("event"),
                 _("This ticket link is not valid. Check the link you received."))


async def group_by_link(*, token: str) -> tuple[VisitorGroup, list[Visitor]]:
    group = found(await VisitorGroup.get_or_none(link_token=token).select_related("event"),
                  _("This group link is not valid."))
    return group, await Visitor.filter(group=group).order_by("id")


async def set_consent(*, visitor: Visitor, share: bool) -> Visitor:
    async with atomic():
        now = dt.datetime.now(dt.UTC)
        if share and not visitor.consent_share:
            visitor.consent_share, visitor.consent_at, visitor.consent_revoked_at = True, now, None
        elif not share and visitor.consent_share:
            visitor.consent_share, visitor.consent_revoked_at = False, now
        else:
            return visitor
        await visitor.save(update_fields=["consent_share", "consent_at", "consent_revoked_at"])
        await log_action(action="expo.visitor.consent_" + ("given" if share else "revoked"),
                         actor=None, event=visitor.event, obj=visitor)  # type: ignore[arg-type]
        return visitor


async def get_visitor(*, event: Event, visitor_id: int) -> Visitor:
    return found(await Visitor.get_or_none(id=visitor_id, event=event), _("No such visitor."))


async def revoke_ticket(*, visitor: Visitor, by: User | None) -> Visitor:
    async with atomic():
        if visitor.revoked_at is None:
            visitor.revoked_at = dt.datetime.now(dt.UTC)
            await visitor.save(update_fields=["revoked_at"])
            await log_action(action="expo.visitor.revoked", actor=by, event=visitor.event,  # type: ignore[arg-type]
                             obj=visitor, summary=visitor.name)
        return visitor


def _erased() -> DomainError:
    return DomainError(_("This visitor deleted their registration: it can no longer be "
                         "changed."), "visitor_erased")


def _check_not_erased(visitor: Visitor) -> None:
    if visitor.erased_at is not None:
        raise _erased()


async def update_visitor(*, visitor: Visitor, details: VisitorDetails,
                         by: User | None) -> list[str]:
    """Save changed details (never the ticket key: the QR code stays valid) and return the
    names of the fields that changed. ``by`` is None when the visitor edits on their ticket
    link. The audit entry names the fields, never their values."""
    async with atomic():
        _check_not_erased(visitor)
        changes = {name: getattr(details, name) for name in DETAIL_FIELDS
                   if getattr(details, name) != getattr(visitor, name)}
        if not changes:
            return []
        # One conditional UPDATE: an edit that loses the race with an erasure saves nothing.
        if not await Visitor.filter(id=visitor.id, erased_at__isnull=True).update(**changes):
            raise _erased()
        for name, value in changes.items():
            setattr(visitor, name, value)
        fields = list(changes)
        await log_action(action="expo.visitor.updated", actor=by, event=visitor.event,  # type: ignore[arg-type]
                         obj=visitor, summary=", ".join(fields),
                         data={"fields": fields, "by": "committee" if by else "visitor"})
        return fields


async def reinstate_ticket(*, visitor: Visitor, by: User | None) -> Visitor:
    """Undo a revocation: the same ticket key is valid again (and leaves the offline bundle's
    revoked list). A deleted registration stays revoked."""
    async with atomic():
        _check_not_erased(visitor)
        if visitor.revoked_at is None:
            return visitor
        if not await Visitor.filter(id=visitor.id, erased_at__isnull=True).update(revoked_at=None):
            raise _erased()
        visitor.revoked_at = None
        await log_action(action="expo.visitor.reinstated", actor=by, event=visitor.event,  # type: ignore[arg-type]
                         obj=visitor)
        return visitor


async def erase_visitor(*, visitor: Visitor) -> Visitor:
    """The visitor's right to erasure (UU No. 27/2022 PDP). The row stays so that scans,
    entries and leads keep counting, but without the person: name, phone, email and
    organisation are cleared, consent withdrawn, the ticket revoked (its key stays, for the
    scanners' revoked list) and the personal link replaced (the old one stops working).
    Type, agency and kabupaten stay, as statistics. Other domains forget the person on
    ``visitor_erased`` in the same transaction (exhibitors lose the contact: leads)."""
    if visitor.erased_at is not None:
        return visitor
    now = dt.datetime.now(dt.UTC)
    changes: dict[str, Any] = {
        "name": ERASED_NAME, "phone": "", "email": "", "organisation": "",
        "link_token": new_link_token(), "consent_share": False,
        "consent_revoked_at": now if visitor.consent_share else visitor.consent_revoked_at,
        "revoked_at": visitor.revoked_at or now, "erased_at": now}
    async with atomic():
        if not await Visitor.filter(id=visitor.id, erased_at__isnull=True).update(**changes):
            return visitor  # erased a moment ago by another request
        await visitor_erased.send(VisitorErased(visitor_id=visitor.id,
                                                event_id=visitor.event_id))  # type: ignore[attr-defined]
        await forget_name(event=visitor.event, name=visitor.name, object_type="visitor",  # type: ignore[arg-type]
                          object_id=visitor.id, placeholder=ERASED_NAME)
        await log_action(action="expo.visitor.erased", actor=None, event=visitor.event,  # type: ignore[arg-type]
                         obj=visitor, data={"by": "visitor"})
    for name, value in changes.items():
        setattr(visitor, name, value)
    return visitor


def _search(event: Event, q: str):  # type: ignore[no-untyped-def]
    query = Visitor.filter(event=event)
    q = q.strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        cond = Q(name__icontains=q)
        if len(digits) >= 4:
            cond |= Q(phone__contains=digits.lstrip("0"))
        query = query.filter(cond)
    return query


async def list_visitors(*, event: Event, q: str = "", page: int = 1) -> tuple[list[Visitor], bool]:
    page = max(1, page)
    rows = await _search(event, q).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def search_at_gate(*, event: Event, q: str) -> list[Visitor]:
    """The scanner's fallback: a few matches for a name or phone, never a list of everyone."""
    if len(q.strip()) < 3:
        raise DomainError(_("Type at least 3 letters of the name or 4 digits of the phone."),
                          "query_too_short")
    return await _search(event, q).limit(10)


def mask_phone(phone: str) -> str:
    return phone[:4] + "•" * max(0, len(phone) - 7) + phone[-3:] if len(phone) > 7 else phone


# ---- gates, rules, device tokens ----------------------------------------------------------

async def list_gates(*, event: Event) -> list[Gate]:
    return await Gate.filter(event=event).order_by("name")


async def create_gate(*, event: Event, name: str, by: User | None) -> Gate:
    async with atomic():
        name = " ".join(name.split())[:60]
        if not name:
            raise DomainError(_("Give the gate a name, such as Pintu Utama."), "gate_name",
                              field="name")
        gate, created = await Gate.get_or_create(event=event, name=name)
        if created:
            await log_action(action="expo.gate.created", actor=by, event=event, obj=gate,
                             summary=name)
        return gate


async def get_gate(*, event: Event, gate_id: int) -> Gate:
    return found(await Gate.get_or_none(id=gate_id, event=event), _("No such gate."))


async def get_rules(*, event: Event) -> GateRules:
    return await GateRules.get_or_none(event=event) or GateRules(event=event)


async def update_rules(*, event: Event, reentry: bool, track_exit: bool, enforce_hours: bool,
                       early_minutes: int, by: User) -> GateRules:
    async with atomic():
        rules = await get_rules(event=event)
        rules.reentry, rules.track_exit = reentry, track_exit
        rules.enforce_hours, rules.early_minutes = enforce_hours, early_minutes
        await rules.save()
        await invalidation.changed(checkin.GATE, event.id)
        await log_action(action="expo.gate.rules_changed", actor=by, event=event, obj=rules,
                         data={"reentry": reentry, "track_exit": track_exit,
                               "enforce_hours": enforce_hours, "early_minutes": early_minutes})
        return rules


async def create_device_token(*, event: Event, gate: Gate, label: str = "", kiosk: bool = False,
                              by: User | None) -> tuple[DeviceToken, str]:
    """A new bearer token; the plain value is returned once and never stored."""
    async with atomic():
        plain = "exd_" + secrets.token_urlsafe(32)
        token = await DeviceToken.create(event=event, gate=gate, label=label[:80] or gate.name,
                                         digest=digest(plain), kiosk=kiosk, created_by=by)
        await log_action(action="expo.device_token.created", actor=by, event=event, obj=token,
                         summary=f"{gate.name}{' (kiosk)' if kiosk else ''}")
        return token, plain


async def list_device_tokens(*, event: Event) -> list[DeviceToken]:
    return await DeviceToken.filter(event=event).select_related("gate", "created_by")


async def revoke_device_token(*, event: Event, token_id: int, by: User | None) -> DeviceToken:
    async with atomic():
        token = found(await DeviceToken.get_or_none(id=token_id, event=event),
                      _("No such device token."))
        if token.revoked_at is None:
            token.revoked_at = dt.datetime.now(dt.UTC)
            await token.save(update_fields=["revoked_at"])
            await invalidation.changed(DEVICES, token.digest)  # every worker, at commit
            await log_action(action="expo.device_token.revoked", actor=by, event=event, obj=token,
                             summary=token.label)
        return token


@dataclass(frozen=True)
class Device:
    id: int
    event_id: int
    gate_id: int
    gate_name: str
    kiosk: bool


_devices: dict[str, tuple[float, Device | None]] = {}
DEVICES = "device"  # the bus's topic (``expo.invalidation``): key, the token's digest


def _forget_devices(key: str | None) -> None:
    if key is None:
        _devices.clear()
    else:
        _devices.pop(key, None)


invalidation.register(DEVICES, _forget_devices)


async def device_for(*, plain: str) -> Device | None:
    """The device behind a bearer token, cached a few seconds: a revocation reaches every
    worker at once (``expo.invalidation``), within a second if notifications may be lost."""
    key = digest(plain)
    hit = _devices.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    seen = invalidation.version(DEVICES)
    row = await DeviceToken.get_or_none(digest=key, revoked_at=None).select_related("gate")
    device = None if row is None else Device(id=row.id, event_id=row.event_id,  # type: ignore[attr-defined]
                                             gate_id=row.gate_id,  # type: ignore[attr-defined]
                                             gate_name=row.gate.name, kiosk=row.kiosk)
    if invalidation.version(DEVICES) != seen:
        return device  # a token was revoked while this one loaded: do not keep a stale answer
    if len(_devices) > 10_000:
        _devices.clear()
    _devices[key] = (time.monotonic() + invalidation.fresh_for(TOKEN_CACHE_SECONDS), device)
    return device


# ---- counters and the offline bundle ------------------------------------------------------

@dataclass
class Counters:
    day: dt.date
    checked_in: int = 0
    inside: int = 0
    scans: int = 0
    rejected: int = 0
    per_gate: list[tuple[str, int]] = field(default_factory=list)
    per_hour: list[tuple[int, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "checked_in": self.checked_in, "inside": self.inside,
                "scans": self.scans, "rejected": self.rejected,
                "per_gate": [{"gate": g, "entries": n} for g, n in self.per_gate],
                "per_hour": [{"hour": h, "entries": n} for h, n in self.per_hour]}


async def counters(*, event: Event, now: dt.datetime | None = None) -> Counters:
    ctx = await checkin.gate_context(event=event)
    assert ctx is not None
    day = (now or dt.datetime.now(dt.UTC)).astimezone(ctx.tz).date()
    result = Counters(day=day)
    # In a rehearsal the gate's counters are the rehearsal's (cleared with it), else the
    # event's, without it (a filter only when the event has test tickets: see GateContext).
    mode: dict[str, bool] = {"rehearsal": ctx.rehearsal} \
        if ctx.rehearsal or ctx.test_tickets else {}
    result.checked_in = await Visitor.filter(event=event, last_in_day=day, **mode).count()
    result.inside = await Visitor.filter(event=event, last_in_day=day, inside=True,
                                         **mode).count()
    rows = await Scan.filter(event=event, day=day, **mode).values_list(
        "ok", "direction", "gate_id", "scanned_at")
    gates = {g.id: g.name for g in await Gate.filter(event=event)}
    per_gate: Counter[str] = Counter()
    per_hour: Counter[int] = Counter()
    for ok, direction, gate_id, at in rows:
        result.scans += 1
        if not ok:
            result.rejected += 1
        elif direction == "in":
            per_gate[gates.get(gate_id, "—")] += 1
            per_hour[row_datetime(at).astimezone(ctx.tz).hour] += 1  # type: ignore[union-attr]
    result.per_gate = sorted(per_gate.items())
    result.per_hour = sorted(per_hour.items())
    return result


async def offline_bundle(*, event: Event, signer: codes.Signer) -> dict[str, Any]:
    """What a scanner needs to judge codes without the network: it can verify, never mint."""
    ctx = await checkin.gate_context(event=event)
    assert ctx is not None
    # A rehearsal: no opening hours, and the scanner admits only "test_tickets"; out of one it
    # refuses them (and a scanner older than that finds them among the revoked).
    refused = Q(revoked_at__not_isnull=True)
    if not ctx.rehearsal:
        refused |= Q(rehearsal=True)
    revoked = await Visitor.filter(refused, event=event).values_list("ticket_key", flat=True)
    tests = await Visitor.filter(event=event, rehearsal=True).values_list("ticket_key", flat=True)
    # "keys": every public key still valid, by the key id codes carry ("" for legacy codes).
    return {"event_id": event.id, "public_key": signer.public_b64,
            "keys": signer.verifying_keys(), "timezone": event.timezone,
            "reentry": ctx.reentry, "track_exit": ctx.track_exit,
            "enforce_hours": ctx.enforce_hours and not ctx.rehearsal,
            "early_minutes": ctx.early_minutes, "rehearsal": ctx.rehearsal,
            "test_tickets": sorted(tests),  # type: ignore[type-var]
            "revoked": sorted(revoked),  # type: ignore[type-var]
            "hours": {d.isoformat(): [o.strftime("%H:%M"), c.strftime("%H:%M")]
                      for d, (o, c) in sorted(ctx.hours.items())}}


async def badge_people(*, event: Event, type: VisitorType | None) -> list[Visitor]:
    query = Visitor.filter(event=event, revoked_at=None)
    if type is not None:
        query = query.filter(type=type)
    return await query.order_by("type", "name")
