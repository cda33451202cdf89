"""Buyers over HTTP: the hub, the trade office's organisations, an organisation's staff,
the trade office staff; 403 for the wrong kind of user, 404 for another's organisation."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import User
from expo.procurement.models import BuyerMember, OfficeStaff, Organisation
from tests.factories import PASSWORD, make_user
from tests.procurement.factories import buyer_org, listed_producer, office_user

pytestmark = pytest.mark.asyncio


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def switch(client, user: User) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    client.csrf = ""
    await client.login(user.email, PASSWORD)


async def test_hub_explains_to_someone_without_standing(client, db) -> None:  # type: ignore[no-untyped-def]
    nobody = await make_user()
    await client.login(nobody.email, PASSWORD)
    response = await client.get("/procurement")
    assert response.status_code == 200 and soup(response).select_one("#no-standing")
    buyer = await buyer_org()
    await switch(client, buyer.officer)
    page = soup(await client.get("/procurement"))
    assert page.select_one("#hub-buyer") and not page.select_one("#no-standing")
    seller = await listed_producer()
    await switch(client, seller.user)
    assert soup(await client.get("/procurement")).select_one("#hub-producer")


async def test_office_adds_and_edits_an_organisation(client, db) -> None:  # type: ignore[no-untyped-def]
    office = await office_user()
    await client.login(office.email, PASSWORD)
    bad = await client.submit("/procurement/office/organisations", {"name": "", "kind": "agency"})
    assert bad.status_code == 422 and soup(bad).select_one("#e-name")
    response = await client.submit("/procurement/office/organisations", {
        "name": "Dinas Pariwisata Kaltim", "kind": "agency", "kabupaten": "Kota Samarinda",
        "requires_approval": "1", "approval_threshold": "Rp 5.000.000"})
    assert response.status_code == 303
    org = await Organisation.get(name="Dinas Pariwisata Kaltim")
    assert org.approval_threshold == 5_000_000 and org.requires_approval
    page = soup(await client.get("/procurement/office/organisations"))
    assert page.select_one(f"tr[data-organisation='{org.id}']")
    response = await client.submit(f"/procurement/organisations/{org.id}", {
        "action": "edit", "name": "Dispar Kaltim", "kind": "agency",
        "kabupaten": "Kota Samarinda", "approval_threshold": "0", "active": "1"})
    assert response.status_code == 303
    org = await Organisation.get(id=org.id)
    assert org.name == "Dispar Kaltim" and not org.requires_approval


async def test_head_adds_staff_officer_cannot_and_others_get_404(client, db) -> None:  # type: ignore[no-untyped-def]
    buyer, other = await buyer_org(), await buyer_org()
    url = f"/procurement/organisations/{buyer.organisation.id}"
    await client.login(buyer.head.email, PASSWORD)
    response = await client.submit(url, {"action": "add_member", "email": "baru@example.id",
                                         "name": "Staf Baru", "role": "officer"})
    assert response.status_code == 303
    user = await User.get(email="baru@example.id")
    assert await BuyerMember.exists(user_id=user.id, organisation_id=buyer.organisation.id)
    again = await client.submit(url, {"action": "add_member", "email": "baru@example.id",
                                      "role": "officer"})
    assert again.status_code == 422 and soup(again).select_one("#e-email")
    assert (await client.get(f"/procurement/organisations/{other.organisation.id}")
            ).status_code == 404
    await switch(client, buyer.officer)
    page = soup(await client.get(url))
    assert not page.select_one("#add-member") and not page.select_one("#details")
    member = await BuyerMember.get(user_id=user.id)
    response = await client.submit(url, {"action": "remove_member", "member_id": str(member.id)})
    assert response.status_code == 403
    assert (await client.get("/procurement/office/organisations")).status_code == 403
    await switch(client, buyer.head)
    assert (await client.submit(url, {"action": "remove_member", "member_id": str(member.id)})
            ).status_code == 303
    assert not await BuyerMember.exists(id=member.id)
    assert (await client.submit(url, {"action": "edit", "name": "X", "kind": "agency",
                                      "kabupaten": "Kota Samarinda"})).status_code == 403


async def test_only_a_superuser_manages_trade_office_staff(client, db) -> None:  # type: ignore[no-untyped-def]
    office = await office_user()
    admin = await make_user(superuser=True)
    await client.login(office.email, PASSWORD)
    page = soup(await client.get("/procurement/office/staff"))
    assert page.select_one("li[data-staff]") and not page.select_one("#add-staff")
    assert (await client.submit("/procurement/office/staff", {"email": "x@example.id"})
            ).status_code == 403
    await switch(client, admin)
    response = await client.submit("/procurement/office/staff", {"email": "staf@example.id",
                                                                  "name": "Staf Disperindag"})
    assert response.status_code == 303
    staff = await OfficeStaff.get(user__email="staf@example.id")
    assert (await client.submit("/procurement/office/staff", {
        "action": "remove", "staff_id": str(staff.id)})).status_code == 303
    assert not await OfficeStaff.exists(id=staff.id)
    buyer = await buyer_org()
    await switch(client, buyer.head)
    assert (await client.get("/procurement/office/staff")).status_code == 403
