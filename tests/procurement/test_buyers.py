"""Organisations, their staff (linked or invited with a set-password link) and the trade
office staff: rules, audit, and who may do what."""

from __future__ import annotations

import pytest

from expo.accounts.models import PasswordToken, User
from expo.accounts.service import token_user
from expo.audit.models import AuditEntry
from expo.errors import DomainError, Forbidden, NotFound
from expo.outbox import OutboxMessage
from expo.procurement import access, buyers
from expo.procurement.buyers import OrganisationData
from expo.procurement.models import BuyerKind, BuyerMember, MemberRole, OfficeStaff
from tests.factories import make_user
from tests.procurement.factories import buyer_org, office_user

LINK = "http://testserver/password/reset"
DATA = OrganisationData(name="Dinas Koperasi dan UKM", kind=BuyerKind.AGENCY,
                        kabupaten="Kota Balikpapan", address="Jl. Jend. Sudirman")


async def test_create_and_update_organisation_audited(db) -> None:
    office = await office_user()
    with pytest.raises(DomainError) as err:
        await buyers.create_organisation(data=OrganisationData(
            name=" ", kind=BuyerKind.AGENCY, kabupaten="Kota Samarinda"), by=office)
    assert err.value.code == "name_required"
    org = await buyers.create_organisation(data=DATA, by=office)
    assert org.kabupaten == "Kota Balikpapan" and org.created_by_id == office.id  # type: ignore[attr-defined]
    changed = await buyers.update_organisation(
        organisation=org, data=OrganisationData(name="PT Hotel Borneo", kind=BuyerKind.BUSINESS,
                                                kabupaten="Kota Balikpapan",
                                                requires_approval=False),
        active=True, by=office)
    assert changed.kind == BuyerKind.BUSINESS and not changed.requires_approval
    actions = [a.action for a in await AuditEntry.filter(object_type="organisation").order_by("id")]
    assert actions == ["procurement.organisation.created", "procurement.organisation.updated"]
    assert [o.id for o in (await buyers.organisations(search="borneo")).rows] == [org.id]


async def test_add_member_links_an_existing_account(db) -> None:
    buyer = await buyer_org()
    existing = await make_user(email="ada@example.id")
    member, invited = await buyers.add_member(
        organisation=buyer.organisation, email="ADA@example.id", name="", role=MemberRole.HEAD,
        by=buyer.head, link_base=LINK)
    assert not invited and member.user_id == existing.id and member.role == MemberRole.HEAD
    assert not await OutboxMessage.filter(kind="procurement.invite").exists()
    with pytest.raises(DomainError) as err:
        await buyers.add_member(organisation=buyer.organisation, email="ada@example.id",
                                name="", role=MemberRole.OFFICER, by=buyer.head, link_base=LINK)
    assert err.value.code == "already_member"
    viewer = await access.viewer_of(existing)
    assert viewer.is_head_of(buyer.organisation.id)


async def test_add_member_invites_a_new_account_with_a_password_link(db) -> None:
    buyer = await buyer_org()
    member, invited = await buyers.add_member(
        organisation=buyer.organisation, email="baru@example.id", name="Staf Baru",
        role=MemberRole.OFFICER, by=buyer.head, link_base=LINK)
    assert invited and member.user.password_hash == ""
    message = await OutboxMessage.get(kind="procurement.invite")
    assert message.to == "baru@example.id" and LINK + "?token=" in message.body
    token = message.body.split("?token=")[1].split()[0]
    assert (await token_user(token)).id == member.user_id
    assert await PasswordToken.exists(user_id=member.user_id, purpose="invite")
    assert await AuditEntry.exists(action="procurement.member.added")


async def test_remove_member_only_of_that_organisation(db) -> None:
    buyer, other = await buyer_org(), await buyer_org()
    member = await BuyerMember.get(user_id=buyer.officer.id)
    with pytest.raises(NotFound):
        await buyers.remove_member(organisation=other.organisation, member_id=member.id,
                                   by=other.head)
    await buyers.remove_member(organisation=buyer.organisation, member_id=member.id,
                               by=buyer.head)
    assert not await BuyerMember.exists(id=member.id)
    assert await AuditEntry.exists(action="procurement.member.removed")


async def test_may_manage_staff_office_or_head(db) -> None:
    buyer = await buyer_org()
    office = await office_user()
    assert buyers.may_manage_staff(await access.viewer_of(office), buyer.organisation)
    assert buyers.may_manage_staff(await access.viewer_of(buyer.head), buyer.organisation)
    assert not buyers.may_manage_staff(await access.viewer_of(buyer.officer), buyer.organisation)


async def test_office_staff_only_by_a_superuser(db) -> None:
    office = await office_user()
    admin = await make_user(superuser=True)
    with pytest.raises(Forbidden):
        await buyers.add_office_staff(email="x@example.id", name="", by=office, link_base=LINK)
    staff = await buyers.add_office_staff(email="staf@example.id", name="Staf", by=admin,
                                          link_base=LINK)
    assert await access.is_office(staff.user)
    with pytest.raises(DomainError) as err:
        await buyers.add_office_staff(email="staf@example.id", name="", by=admin,
                                      link_base=LINK)
    assert err.value.code == "already_staff"
    with pytest.raises(Forbidden):
        await buyers.remove_office_staff(staff_id=staff.id, by=office)
    await buyers.remove_office_staff(staff_id=staff.id, by=admin)
    assert not await OfficeStaff.exists(id=staff.id)
    with pytest.raises(NotFound):
        await buyers.remove_office_staff(staff_id=staff.id, by=admin)
    actions = {a.action for a in await AuditEntry.filter(action__startswith="procurement.office")}
    assert actions == {"procurement.office_staff.added", "procurement.office_staff.removed"}
    assert await User.exists(email="staf@example.id")
