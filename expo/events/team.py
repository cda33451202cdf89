"""The event team: who has which role on an event, invitations and the events a user sees.

Roles are ``expo.accounts.models.EventRole`` rows; accounts knows users, events know their
team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from expo import mail
from expo.accounts.models import EventRole, Role, User
from expo.accounts.service import INVITE_TTL, create_password_token, create_user
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.settings import Settings


async def roles_for(user: User | None, event: Event) -> set[Role]:
    if user is None:
        return set()
    if user.is_superuser:
        return set(Role)
    query = EventRole.filter(user=user, event=event).values_list("role", flat=True)
    # Tortoise types values_list(flat=True) as rows of tuples; flat, they are the values.
    rows = cast(list[str], await query)
    return {Role(r) for r in rows}


async def can_create_events(user: User) -> bool:
    return user.is_superuser or await EventRole.exists(user=user, role=Role.COMMITTEE)


@dataclass
class Membership:
    event: Event
    roles: list[Role]


async def memberships(user: User) -> list[Membership]:
    if user.is_superuser:
        return [Membership(e, list(Role)) for e in await Event.all()]
    by_event: dict[int, Membership] = {}
    for row in await EventRole.filter(user=user).select_related("event"):
        by_event.setdefault(row.event.id, Membership(row.event, [])).roles.append(Role(row.role))
    return sorted(by_event.values(), key=lambda m: m.event.starts_on, reverse=True)


async def grant_role(*, event: Event, user: User, role: Role, by: User | None) -> EventRole:
    async with atomic():
        row, created = await EventRole.get_or_create(event=event, user=user, role=role)
        if created:
            await log_action(action="expo.role.granted", actor=by, event=event, obj=user,
                             summary=f"{user.email}: {role.value}", data={"role": role.value})
        return row


async def revoke_role(*, event: Event, user_id: int, role: Role, by: User) -> None:
    async with atomic():
        user = await User.get_or_none(id=user_id)
        if user is None or not await EventRole.exists(event=event, user=user):
            raise NotFound()
        if role == Role.COMMITTEE and user.id == by.id:
            raise DomainError(_("You cannot remove your own committee role."), "own_role")
        deleted = await EventRole.filter(event=event, user=user, role=role).delete()
        if deleted:
            await log_action(action="expo.role.revoked", actor=by, event=event, obj=user,
                             summary=f"{user.email}: {role.value}", data={"role": role.value})


async def team(event: Event) -> list[EventRole]:
    return await EventRole.filter(event=event).select_related("user").order_by("role", "user__name")


async def invite(*, settings: Settings, event: Event, email: str, name: str, role: Role,
                 by: User, link_base: str) -> User:
    """Give someone a role on an event, creating their account with a set-password link."""
    async with atomic():
        user = await User.get_or_none(email=email.strip().lower())
        created = user is None
        if user is None:
            user = await create_user(email=email, name=name or email.split("@")[0])
        await grant_role(event=event, user=user, role=role, by=by)
    if created:
        token = await create_password_token(user=user, purpose="invite", ttl=INVITE_TTL)
        link = f"{link_base}?token={token}"
        await mail.send_mail(
            settings, to=user.email, subject=_("You are invited to %(event)s", event=event.name),
            body=_("Hello %(name)s,\n\n%(by)s added you to %(event)s on expo.\n"
                   "Choose your password here (valid 14 days):\n%(link)s\n",
                   name=user.name, by=by.name, event=event.name, link=link))
    return user
