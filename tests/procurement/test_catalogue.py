"""The public catalogue's search (filters, "can deliver N by D" alone and with the cluster),
comparison, producer pages and legality badges, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.errors import NotFound
from expo.exhibitors import service as exhibitors_service
from expo.exhibitors.forms import derive_kind
from expo.exhibitors.models import Category, Product
from expo.procurement import catalogue
from expo.procurement.catalogue import Filters
from expo.procurement.models import Listing, QuoteStatus
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request, quoted

BY = TODAY + dt.timedelta(days=21)  # 14 working days after a 7-day lead time


async def _ids(filters: Filters, page: int = 1) -> list[int]:
    results = await catalogue.search(filters=filters, today=TODAY, page=page)
    return [h.product_id for h in results.hits]


async def test_search_lists_products_of_listed_producers_only(db):
    shown = await listed_producer()
    await listed_producer(listed=False)
    results = await catalogue.search(filters=Filters(), today=TODAY)
    assert [h.product_id for h in results.hits] == [shown.product.id]
    assert results.total == 1 and results.pages == 1
    hit = results.hits[0]
    assert (hit.business_name, hit.kind, hit.unit, hit.min_order, hit.spare) == (
        shown.producer.business_name, "nastar", "toples", 1, None)


async def test_search_words_match_product_kind_or_producer_name(db):
    amplang = await listed_producer(product="Amplang ikan pipih", kind="amplang")
    nastar = await listed_producer(name="Dapur Bu Ani", product="Kue nanas", kind="nastar")
    await listed_producer(product="Tas anyaman", kind="tas")
    assert await _ids(Filters(q="Amplang")) == [amplang.product.id]
    assert await _ids(Filters(q="nastar")) == [nastar.product.id]
    assert await _ids(Filters(q="ani nanas")) == [nastar.product.id]
    assert await _ids(Filters(q="amplang nanas")) == []
    assert await _ids(Filters(q="100%_")) == []  # LIKE wildcards are plain text


async def test_search_filters_category_cluster_kabupaten(db):
    a = await listed_producer(category=Category.KRIYA, cluster="tenun", kabupaten="Kota Bontang",
                              product="Sarung tenun", kind="sarung")
    b = await listed_producer()
    assert await _ids(Filters(category="kriya")) == [a.product.id]
    assert await _ids(Filters(cluster="Kue kering")) == [b.product.id]
    assert await _ids(Filters(kabupaten="Kota Bontang")) == [a.product.id]
    assert await _ids(Filters(kabupaten="Kota Bontang", category="oleh-oleh")) == []


async def test_search_halal_only_verified_and_not_expired(db):
    verified = await listed_producer(halal_verified=True)
    await listed_producer()  # a halal number, not verified
    expired = await listed_producer(halal_verified=True)
    expired.producer.halal_expires_on = TODAY - dt.timedelta(days=1)
    await expired.producer.save()
    assert await _ids(Filters(halal=True)) == [verified.product.id]


async def test_search_capacity_own_spare_covers(db):
    big = await listed_producer(per_week=100)  # 200 by BY
    small = await listed_producer(per_week=35, cluster="Amplang", kind="amplang",
                                  product="Amplang")  # 70, alone in its cluster
    results = await catalogue.search(filters=Filters(quantity=150, needed_by=BY), today=TODAY)
    assert [h.product_id for h in results.hits] == [big.product.id]
    hit = results.hits[0]
    assert (hit.spare, hit.covers, hit.together) == (200, True, 0)
    assert small.product.id not in await _ids(Filters(quantity=71, needed_by=BY))
    assert await _ids(Filters(quantity=70, needed_by=BY)) == [big.product.id, small.product.id]


async def test_search_capacity_summed_over_the_cluster_same_kind(db):
    a = await listed_producer(per_week=100)  # 200
    b = await listed_producer(per_week=35)  # 70, same cluster and kind
    c = await listed_producer(per_week=35, kind="putri salju", product="Putri salju")
    await listed_producer(per_week=500, cluster="Lain", listed=False)  # unlisted: not counted
    other = await listed_producer(per_week=35, cluster="Lain")  # 70, another cluster
    results = await catalogue.search(filters=Filters(quantity=250, needed_by=BY), today=TODAY)
    hits = {h.product_id: h for h in results.hits}
    assert set(hits) == {a.product.id, b.product.id}
    assert (hits[b.product.id].covers, hits[b.product.id].together,
            hits[b.product.id].together_spare) == (False, 2, 270)
    assert [h.product_id for h in results.hits] == [a.product.id, b.product.id]  # most spare
    assert c.product.id not in hits and other.product.id not in hits
    assert await _ids(Filters(quantity=271, needed_by=BY)) == []


async def test_search_cluster_sum_counts_a_producer_once(db):
    a = await listed_producer(per_week=70)  # 140
    await Product.create(producer=a.producer, name="Nastar keju", kind="nastar",
                         capacity_per_week=35, capacity_unit="toples", lead_time_days=7)
    b = await listed_producer(per_week=35)  # 70
    results = await catalogue.search(filters=Filters(quantity=200, needed_by=BY), today=TODAY)
    assert {h.together_spare for h in results.hits} == {210}  # 140 + 70, not 140 + 70 + 70
    assert b.product.id in {h.product_id for h in results.hits}


async def test_search_capacity_less_what_is_committed(db):
    seller = await listed_producer(per_week=100)
    buyer = await buyer_org()
    item = (await (await open_request(buyer)).items.all())[0]
    quote = await quoted(item, seller, quantity=150, status=QuoteStatus.ACCEPTED)
    quote.accepted_quantity = 150
    await quote.save()
    results = await catalogue.search(filters=Filters(quantity=50, needed_by=BY), today=TODAY)
    assert [h.spare for h in results.hits] == [50]
    assert await _ids(Filters(quantity=51, needed_by=BY)) == []


async def test_search_paginates_24_a_page(db):
    seller = await listed_producer()
    for n in range(29):
        await Product.create(producer=seller.producer, name=f"Nastar {n}", kind="nastar",
                             capacity_per_week=10, capacity_unit="toples")
    first = await catalogue.search(filters=Filters(), today=TODAY)
    second = await catalogue.search(filters=Filters(), today=TODAY, page=2)
    assert (len(first.hits), len(second.hits), first.total, first.pages) == (24, 6, 30, 2)
    assert not {h.product_id for h in first.hits} & {h.product_id for h in second.hits}
    beyond = await catalogue.search(filters=Filters(), today=TODAY, page=9)
    assert (beyond.hits, beyond.total) == ([], 30)


async def test_compare_every_listed_product_of_a_kind_cheapest_first(db):
    dear = await listed_producer(price=90_000, per_week=70)
    cheap = await listed_producer(price=50_000, per_week=0, per_month=300, lead_time_days=0,
                                  smk_workers=2)
    await listed_producer(price=10_000, listed=False)
    await listed_producer(price=10_000, kind="amplang", product="Amplang")
    hits = await catalogue.compare(kind=" NASTAR ", today=TODAY, needed_by=BY)
    assert [h.product_id for h in hits] == [cheap.product.id, dear.product.id]
    assert [h.spare for h in hits] == [300 * 21 // 30, 70 * 14 // 7]
    assert hits[0].has_smk and not hits[1].has_smk
    assert await catalogue.compare(kind="", today=TODAY, needed_by=BY) == []


async def test_badges_only_verified_numbers_and_halal_until_expiry(db):
    seller = await listed_producer()
    listing = await Listing.get(producer_id=seller.producer.id)
    assert catalogue.badges(seller.producer, listing, TODAY) == []
    listing.nib_verified_at = listing.halal_verified_at = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    await listing.save()
    badges = catalogue.badges(seller.producer, listing, TODAY)
    assert [(b.code, b.expires_on) for b in badges] == [("nib", None),
                                                        ("halal", dt.date(2030, 1, 1))]
    assert [b.code for b in catalogue.badges(seller.producer, listing,
                                             dt.date(2030, 1, 2))] == ["nib"]
    seller.producer.nib = ""  # a verified stamp without a number shows nothing
    assert [b.code for b in catalogue.badges(seller.producer, listing, TODAY)] == ["halal"]
    hit = (await catalogue.search(filters=Filters(), today=TODAY)).hits[0]
    assert [b.code for b in hit.badges] == ["nib", "halal"]


async def test_producer_page_only_when_listed(db):
    seller = await listed_producer()
    hidden = await listed_producer(listed=False)
    page = await catalogue.producer_page(producer_id=seller.producer.id, today=TODAY)
    assert [p.id for p in page.products] == [seller.product.id]
    with pytest.raises(NotFound):
        await catalogue.producer_page(producer_id=hidden.producer.id, today=TODAY)
    with pytest.raises(NotFound):
        await catalogue.photo_of(product_id=seller.product.id)  # no photo
    seller.product.photo = hidden.product.photo = "abc"
    await seller.product.save()
    await hidden.product.save()
    assert (await catalogue.photo_of(product_id=seller.product.id)).id == seller.product.id
    with pytest.raises(NotFound):
        await catalogue.photo_of(product_id=hidden.product.id)


async def test_facets_from_listed_producers(db):
    await listed_producer(kabupaten="Kota Samarinda", cluster="Kue kering")
    await listed_producer(kabupaten="Kabupaten Berau", cluster="Amplang")
    await listed_producer(kabupaten="Kota Bontang", cluster="Tenun", listed=False)
    facets = await catalogue.facets()
    assert facets.clusters == ["Amplang", "Kue kering"]
    assert [v for v, _label in facets.kabupaten] == ["Kabupaten Berau", "Kota Samarinda"]
    assert len(facets.categories) == len(Category)
    assert await exhibitors_service.kinds_in_use() == ["nastar"]


def test_derive_kind_from_the_name():
    assert derive_kind("Nastar Nanas 500 g") == "nastar"
    assert derive_kind("Kue Nastar Premium", ["nastar", "kue"]) == "nastar"
    assert derive_kind("Tas Batik Kaltim", ["tas batik", "tas"]) == "tas batik"
    assert derive_kind("50 g") == "g"
    assert derive_kind("") == ""


async def test_search_words_narrow_the_products_not_the_cluster_sum(db):
    ani = await listed_producer(name="Dapur Bu Ani", per_week=35)  # 70
    await listed_producer(name="Toko Pak Udin", per_week=100)  # 200, same cluster and kind
    amplang = await listed_producer(name="Toko Bu Ani Amplang", per_week=500, kind="amplang",
                                    product="Amplang")
    results = await catalogue.search(filters=Filters(q="ani", quantity=250, needed_by=BY),
                                     today=TODAY)
    assert [(h.product_id, h.covers, h.together, h.together_spare) for h in results.hits] == [
        (amplang.product.id, True, 0, 0), (ani.product.id, False, 2, 270)]
    assert results.total == 2


async def test_capacity_search_looks_in_the_kinds_a_word_names_else_in_names(db):
    nastar = await listed_producer(product="Nastar nanas", kind="nastar")
    other = await listed_producer(product="Nastar keju", kind="kue kering")
    by_kind = await _ids(Filters(q="nastar", quantity=10, needed_by=BY))
    assert by_kind == [nastar.product.id]  # a kind is named: the search keeps to it
    by_name = await _ids(Filters(q="keju", quantity=10, needed_by=BY))
    assert by_name == [other.product.id]  # no kind says "keju": every name is read
