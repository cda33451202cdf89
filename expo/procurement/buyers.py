"""Buyers and the trade office: organisations (agencies and businesses), their staff, and the
trade office's own staff.

The trade office (superusers and ``OfficeStaff``) creates and edits organisations and adds
their staff; the head of an organisation may add and remove its staff too. Staff are added by
email: an existing account is linked, a new one is created and gets an invitation link to
choose its password (the same one-time token the event team's invitations use). Only a
superuser adds or removes trade office staff. Every change is audited
(``procurement.organisation.*``, ``procurement.member.*``, ``procurement.office_staff.*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from expo import i18n
from expo.accounts.models import User
from expo.accounts.service import INVITE_TTL, create_password_token, create_user
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, Forbidden, NotFound, found
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel

from .access import Viewer
from .models import BuyerKind, BuyerMember, MemberRole, OfficeStaff, Organisation

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrganisationData:
    name: str
    kind: BuyerKind
    kabupaten: str
    address: str = ""
    phone: str = ""
    email: str = ""
    requires_approval: bool = True
    approval_threshold: int = 0


@dataclass
class Page:
    rows: list[Organisation]
    page: int
    has_next: bool


def _check(data: OrganisationData) -> None:
    if not data.name.strip():
        raise DomainError(_("A name is required."), "name_required", field="name")
    if len(data.name) > 160:
        raise DomainError(_("At most %(n)s characters.", n=160), "name_too_long", field="name")
    if not data.kabupaten.strip():
        raise DomainError(_("Choose the kabupaten or kota."), "kabupaten_required",
                          field="kabupaten")
    if data.approval_threshold < 0:
        raise DomainError(_("Must be at least %(n)s.", n=0), "threshold_negative",
                          field="approval_threshold")


def _fields(data: OrganisationData) -> dict[str, Any]:
    return {"name": data.name.strip(), "kind": data.kind, "kabupaten": data.kabupaten.strip(),
            "address": data.address.strip(), "phone": data.phone.strip(),
            "email": data.email.strip().lower(), "requires_approval": data.requires_approval,
            "approval_threshold": data.approval_threshold}


async def create_organisation(*, data: OrganisationData, by: User) -> Organisation:
    _check(data)
    async with atomic():
        org = await Organisation.create(created_by=by, **_fields(data))
        await log_action(action="procurement.organisation.created", actor=by, obj=org,
                         summary=org.name)
    return org


async def update_organisation(*, organisation: Organisation, data: OrganisationData,
                              active: bool = True, by: User) -> Organisation:
    _check(data)
    async with atomic():
        values = {**_fields(data), "active": active}
        await Organisation.filter(id=organisation.id).update(**values)
        await log_action(action="procurement.organisation.updated", actor=by, obj=organisation,
                         summary=data.name.strip(),
                         data={"active": active, "requires_approval": data.requires_approval,
                               "approval_threshold": data.approval_threshold})
    return await Organisation.get(id=organisation.id)


async def organisations(*, page: int = 1, search: str = "") -> Page:
    query = Organisation.all()
    if search.strip():
        query = query.filter(name__icontains=search.strip())
    page = max(page, 1)
    rows = await query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return Page(rows=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE)


async def members(organisation: Organisation) -> list[BuyerMember]:
    return await BuyerMember.filter(organisation_id=organisation.id).select_related(
        "user").order_by("role", "user__name")


def may_manage_staff(viewer: Viewer, organisation: Organisation) -> bool:
    """The trade office, or the organisation's head."""
    return viewer.office or viewer.is_head_of(organisation.id)


async def _account(email: str, name: str) -> tuple[User, bool]:
    """The account with ``email``, created (without a password) when there is none."""
    user = await User.get_or_none(email=email.strip().lower())
    if user is not None:
        return user, False
    return await create_user(email=email, name=name.strip() or email.split("@")[0]), True


async def _invite(user: User, *, by: User, link_base: str, key: str, place: str) -> None:
    """A set-password link to a new account, queued in the outbox."""
    token = await create_password_token(user=user, purpose="invite", ttl=INVITE_TTL)
    link = link_base + "?token=" + token
    with i18n.using(user.locale):
        subject = _("You are invited to procurement on expo")
        text = _("Hello %(name)s,\n\n%(by)s added you to %(place)s on expo.\n"
                 "Choose your password here (valid 14 days):\n%(link)s\n",
                 name=user.name, by=by.name, place=place, link=link)
        await messages.send(to=Recipient(name=user.name, email=user.email, locale=user.locale),
                            kind="procurement.invite", key=key, subject=subject, text=text,
                            channels=(Channel.EMAIL,))


async def add_member(*, organisation: Organisation, email: str, name: str, role: MemberRole,
                     by: User, link_base: str) -> tuple[BuyerMember, bool]:
    """Link (or create and invite) the account with ``email`` as staff of ``organisation``;
    True when a new account was invited."""
    async with atomic():
        user, created = await _account(email, name)
        if await BuyerMember.exists(organisation_id=organisation.id, user_id=user.id):
            raise DomainError(_("%(email)s is already staff of this organisation.",
                                email=user.email), "already_member", field="email")
        member = await BuyerMember.create(organisation=organisation, user=user, role=role)
        await log_action(action="procurement.member.added", actor=by, obj=organisation,
                         summary=f"{user.email}: {role.value}",
                         data={"user_id": user.id, "role": role.value, "invited": created})
        if created:
            await _invite(user, by=by, link_base=link_base, place=organisation.name,
                          key=f"procurement.member:{member.id}:invite")
    member.user = user
    return member, created


async def remove_member(*, organisation: Organisation, member_id: int, by: User) -> None:
    async with atomic():
        member = found(await BuyerMember.filter(id=member_id, organisation_id=organisation.id)
                       .select_related("user").first())
        await BuyerMember.filter(id=member.id).delete()
        await log_action(action="procurement.member.removed", actor=by, obj=organisation,
                         summary=member.user.email, data={"user_id": member.user_id})


async def office_staff() -> list[OfficeStaff]:
    return await OfficeStaff.all().select_related("user").order_by("user__name")


def _superuser(by: User) -> None:
    if not by.is_superuser:
        raise Forbidden(_("Only an administrator adds or removes trade office staff."))


async def add_office_staff(*, email: str, name: str, by: User, link_base: str) -> OfficeStaff:
    _superuser(by)
    async with atomic():
        user, created = await _account(email, name)
        if await OfficeStaff.exists(user_id=user.id):
            raise DomainError(_("%(email)s is already trade office staff.", email=user.email),
                              "already_staff", field="email")
        staff = await OfficeStaff.create(user=user, added_by=by)
        await log_action(action="procurement.office_staff.added", actor=by, obj=user,
                         summary=user.email, data={"invited": created})
        if created:
            await _invite(user, by=by, link_base=link_base, place=_("the trade office"),
                          key=f"procurement.office_staff:{staff.id}:invite")
    staff.user = user
    return staff


async def remove_office_staff(*, staff_id: int, by: User) -> None:
    _superuser(by)
    async with atomic():
        staff = await OfficeStaff.filter(id=staff_id).select_related("user").first()
        if staff is None:
            raise NotFound()
        await OfficeStaff.filter(id=staff.id).delete()
        await log_action(action="procurement.office_staff.removed", actor=by, obj=staff.user,
                         summary=staff.user.email)


async def organisation_named(name: str) -> Organisation | None:
    """The active organisation of that exact name (case aside), if any (an inquiry's agency)."""
    if not name.strip():
        return None
    return await Organisation.filter(name__iexact=name.strip(), active=True).first()


async def active_organisations() -> list[Organisation]:
    return await Organisation.filter(active=True)


async def active_organisation(organisation_id: int) -> Organisation | None:
    return await Organisation.get_or_none(id=organisation_id, active=True)
