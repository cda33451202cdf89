"""Who is in the catalogue: opting in and out, the trade office's listing and legality checks,
its list of producers, and producers added by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.accounts.models import PasswordToken
from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.exhibitors.models import Category, Producer, ProducerMember, Product
from expo.outbox import OutboxMessage
from expo.procurement import listing
from expo.procurement.models import Listing
from tests.exhibitors.factories import make_producer
from tests.procurement.factories import TODAY, listed_producer, office_user


async def _actions() -> list[str]:
    return [a.action for a in await AuditEntry.all().order_by("id")]


async def test_opt_in_creates_the_listing_and_opt_out_hides_it(db):
    producer = await make_producer()
    user = await office_user()
    assert await listing.listing_of(producer) is None
    row = await listing.opt_in(producer=producer, by=user)
    assert row.listed and row.producer_id == producer.id
    assert (await listing.opt_in(producer=producer, by=user)).listed  # twice: one change
    assert not (await listing.opt_out(producer=producer, by=user)).listed
    assert not (await listing.opt_out(producer=producer, by=user)).listed
    assert await Listing.filter(producer_id=producer.id).count() == 1
    assert await _actions() == ["procurement.listing.opted_in", "procurement.listing.opted_out"]


async def test_office_lists_with_added_by_and_unlists(db):
    producer = await make_producer()
    office = await office_user()
    row = await listing.set_listed(producer=producer, listed=True, by=office)
    assert row.listed and row.added_by_id == office.id  # type: ignore[attr-defined]
    assert not (await listing.set_listed(producer=producer, listed=False, by=office)).listed
    assert await _actions() == ["procurement.listing.listed", "procurement.listing.unlisted"]


async def test_verify_and_unverify_an_item(db):
    seller = await listed_producer()
    office = await office_user()
    row = await listing.verify(producer=seller.producer, item="nib", verified=True, by=office,
                               today=TODAY)
    assert row.nib_verified_at is not None and row.verified_by_id == office.id  # type: ignore[attr-defined]
    assert row.pirt_verified_at is None
    row = await listing.verify(producer=seller.producer, item="nib", verified=False, by=office,
                               today=TODAY)
    assert row.nib_verified_at is None
    assert await _actions() == ["procurement.listing.verified",
                                "procurement.listing.unverified"]
    entry = await AuditEntry.get(action="procurement.listing.verified")
    assert entry.data == {"item": "nib", "verified": True} and entry.actor_id == office.id  # type: ignore[attr-defined]


async def test_verify_refuses_a_missing_number_an_expired_halal_or_an_unknown_item(db):
    seller = await listed_producer()
    office = await office_user()
    seller.producer.bpom_number = ""
    seller.producer.halal_expires_on = TODAY - dt.timedelta(days=1)
    await seller.producer.save()
    for item, code in (("bpom", "no_number"), ("halal", "halal_expired"),
                       ("ktp", "unknown_item")):
        with pytest.raises(DomainError) as error:
            await listing.verify(producer=seller.producer, item=item, verified=True, by=office,
                                 today=TODAY)
        assert error.value.code == code
    assert not await AuditEntry.exists()


async def test_verify_creates_an_unlisted_listing_when_none(db):
    producer = await make_producer(nib="1234567890123")
    office = await office_user()
    row = await listing.verify(producer=producer, item="nib", verified=True, by=office,
                               today=TODAY)
    assert not row.listed and row.nib_verified_at is not None


async def test_office_list_filters_and_pages(db):
    listed = await listed_producer(name="Amplang Bu Ida")
    out = await listed_producer(name="Batik Pak Udin", listed=False)
    never = await make_producer(business_name="Citra Tenun")
    await listing.verify(producer=listed.producer, item="nib", verified=True,
                         by=await office_user(), today=TODAY)

    async def names(**kw: object) -> list[str]:
        page = await listing.office_list(**kw)  # type: ignore[arg-type]
        return [r.producer.business_name for r in page.rows]

    assert await names() == ["Amplang Bu Ida", "Batik Pak Udin", "Citra Tenun"]
    assert await names(status="listed") == ["Amplang Bu Ida"]
    assert await names(status="unlisted") == ["Batik Pak Udin"]
    assert await names(status="none") == ["Citra Tenun"]
    assert await names(q="tenun") == ["Citra Tenun"]
    page = await listing.office_list(status="listed")
    assert page.rows[0].unverified == ["pirt", "halal"]  # NIB verified; no BPOM number
    never.nib = ""
    never.pirt_number = never.halal_number = never.bpom_number = ""
    await never.save()
    assert await names(unverified=True) == ["Amplang Bu Ida", "Batik Pak Udin"]
    assert out.producer.id in [r.producer.id for r in
                               (await listing.office_list(status="unlisted")).rows]
    assert (await listing.office_list(page=2)).rows == []


async def test_office_producer_unknown_is_404(db):
    with pytest.raises(NotFound):
        await listing.office_producer(producer_id=999_999)


def _profile(email: str = "baru@example.id") -> dict[str, object]:
    return {"business_name": "Kerupuk Amplang Bu Sri", "owner_name": "Sri Wahyuni",
            "phone": "+6281234500001", "email": email, "kabupaten": "Kota Balikpapan",
            "category": Category.OLEH_OLEH, "cluster": "amplang"}


def _product() -> dict[str, object]:
    return {"name": "Amplang 250 g", "price_min": 25_000, "price_max": 25_000,
            "capacity_per_week": 200, "capacity_per_month": 0, "capacity_unit": "bungkus",
            "lead_time_days": 3, "min_order": 20, "kind": "amplang", "description": ""}


async def test_add_producer_creates_profile_product_and_listing(db, settings):
    office = await office_user()
    producer = await listing.add_producer(profile=_profile(), product=_product(), by=office)
    product = await Product.get(producer_id=producer.id)
    assert (product.kind, product.min_order) == ("amplang", 20)
    row = await Listing.get(producer_id=producer.id)
    assert row.listed and row.added_by_id == office.id  # type: ignore[attr-defined]
    assert not await ProducerMember.exists(producer_id=producer.id)
    assert "procurement.listing.producer_added" in await _actions()


async def test_add_producer_with_an_invitation(db, settings):
    office = await office_user()
    producer = await listing.add_producer(profile=_profile(), product=_product(), by=office,
                                          invite=True, settings=settings,
                                          link_base="http://testserver/reset")
    member = await ProducerMember.get(producer_id=producer.id).prefetch_related("user")
    assert member.user.email == "baru@example.id"
    assert await PasswordToken.exists(user_id=member.user.id, purpose="invite")
    mail = await OutboxMessage.get(to="baru@example.id")
    assert "http://testserver/reset?token=" in mail.body
    assert await Producer.all().count() == 1


async def test_a_changed_number_loses_its_badge_until_checked_again(db):
    from expo.exhibitors import service as exhibitors

    seller = await listed_producer(halal_verified=True)
    await Listing.filter(producer_id=seller.producer.id).update(
        nib_verified_at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    await exhibitors.update_profile(producer=seller.producer, values={"halal_number": "ID999"},
                                    by=seller.user)
    listing = await Listing.get(producer_id=seller.producer.id)
    assert listing.halal_verified_at is None and listing.nib_verified_at is not None
