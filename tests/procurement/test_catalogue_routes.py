"""The catalogue's pages through the ASGI app: the public search, producer and comparison
pages and photos; the producer's own listing; the trade office's curation. Success, 403, 404
and 422."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from expo.audit.models import AuditEntry
from expo.exhibitors import uploads
from expo.exhibitors.models import Producer, Product
from expo.procurement import catalogue
from expo.procurement.models import Listing
from tests.exhibitors.factories import jpeg_bytes
from tests.factories import PASSWORD, make_user
from tests.procurement.factories import TODAY, buyer_org, listed_producer, office_user


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "today", lambda: TODAY)


async def test_catalogue_search_page_with_filters(client, db):
    nastar = await listed_producer(product="Nastar nanas", per_week=100, halal_verified=True)
    await listed_producer(product="Amplang", kind="amplang", cluster="Amplang")
    await listed_producer(product="Nastar rahasia", listed=False)
    page = soup(await client.get("/katalog"))
    assert len(page.select(".cat-item")) == 2
    assert page.select_one("#f-cluster option[value='Amplang']")
    response = await client.get("/katalog", params={
        "q": "nastar", "halal": "1", "quantity": "150", "needed_by": "2027-03-22"})
    assert response.status_code == 200
    page = soup(response)
    items = page.select(".cat-item")
    assert [int(i["data-product"]) for i in items] == [nastar.product.id]
    assert "Halal" in items[0].select_one(".cat-badges").text
    ask = urlsplit(items[0].select_one("a.button.small")["href"])
    assert ask.path == "/procurement/requests/new"
    assert parse_qs(ask.query) == {
        "kind": ["nastar"], "name": ["Nastar nanas"], "quantity": ["150"], "unit": ["toples"],
        "needed_by": ["2027-03-22"], "producer": [str(nastar.producer.id)]}


async def test_catalogue_cluster_sum_is_explained(client, db):
    await listed_producer(per_week=100)  # 200 by the 22nd
    small = await listed_producer(per_week=35)  # 70
    page = soup(await client.get("/katalog", params={"q": "nastar", "quantity": "250",
                                                     "needed_by": "2027-03-22"}))
    item = page.select_one(f".cat-item[data-product='{small.product.id}'] .cat-spare")
    assert item is not None and "270" in item.text and "Kue kering" in item.text


async def test_catalogue_capacity_asks_what_is_needed(client, db):
    """"250 units by the 22nd" of what? The form asks for the product; the rest still
    searches."""
    await listed_producer()
    response = await client.get("/katalog", params={"quantity": "250",
                                                    "needed_by": "2027-03-22"})
    assert response.status_code == 422
    page = soup(response)
    assert "nastar" in page.select_one("#filter-errors").text
    assert page.select(".cat-item") and not page.select(".cat-spare")


@pytest.mark.parametrize("params", [
    {"quantity": "banyak", "needed_by": "2027-03-22"}, {"quantity": "10"},
    {"needed_by": "kemarin"}, {"quantity": "10", "needed_by": "2027-02-01"},
    {"category": "senjata"}, {"kabupaten": "Atlantis"}, {"page": "-3"},
    {"quantity": "99999999999", "needed_by": "2027-03-22"}, {"q": "x" * 200}])
async def test_catalogue_bad_filters_show_an_error_not_a_500(client, db, params):
    await listed_producer()
    response = await client.get("/katalog", params=params)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#filter-errors li")
    assert page.select_one(".cat-item")  # the other filters still search


async def test_catalogue_pages_beyond_the_first(client, db):
    seller = await listed_producer()
    for n in range(30):
        await Product.create(producer=seller.producer, name=f"Nastar {n}", kind="nastar")
    page = soup(await client.get("/katalog"))
    next_url = page.select_one(".pager a[rel=next]")["href"]
    page = soup(await client.get(next_url))
    assert len(page.select(".cat-item")) == 7 and page.select_one(".pager a[rel=prev]")


async def test_producer_page_and_unlisted_404(client, db):
    seller = await listed_producer(name="Dapur Bu Ani", smk_workers=3)
    hidden = await listed_producer(listed=False)
    response = await client.get(f"/katalog/produsen/{seller.producer.id}")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("h1").text == "Dapur Bu Ani"
    assert page.select_one(f".cat-item[data-product='{seller.product.id}']")
    assert (await client.get(f"/katalog/produsen/{hidden.producer.id}")).status_code == 404
    assert (await client.get("/katalog/produsen/999999")).status_code == 404


async def test_compare_page(client, db):
    cheap = await listed_producer(price=50_000)
    dear = await listed_producer(price=80_000)
    response = await client.get("/katalog/banding", params={"kind": "nastar",
                                                           "needed_by": "2027-03-22"})
    assert response.status_code == 200
    rows = soup(response).select("tbody tr")
    assert [int(r["data-product"]) for r in rows] == [cheap.product.id, dear.product.id]
    assert rows[0].select_one(".spare").text.strip() == "200"
    response = await client.get("/katalog/banding", params={"kind": "nastar",
                                                           "needed_by": "1999-01-01"})
    assert response.status_code == 422 and soup(response).select_one("#filter-errors")
    assert (await client.get("/katalog/banding")).status_code == 200


async def test_photo_only_of_listed_producers(client, db, settings):
    seller = await listed_producer()
    hidden = await listed_producer(listed=False)
    for product in (seller.product, hidden.product):
        product.photo = uploads.save_photo(uploads_dir=settings.uploads_dir, data=jpeg_bytes())
        await product.save()
    response = await client.get(f"/katalog/foto/{seller.product.id}/thumb")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert "public" in response.headers["cache-control"]
    assert (await client.get(f"/katalog/foto/{seller.product.id}/large")).status_code == 200
    assert (await client.get(f"/katalog/foto/{seller.product.id}/huge")).status_code == 404
    assert (await client.get(f"/katalog/foto/{hidden.product.id}/thumb")).status_code == 404
    page = soup(await client.get("/katalog"))
    img = page.select_one(f".cat-item[data-product='{seller.product.id}'] img")
    assert img["loading"] == "lazy" and img["width"] == "96"


async def test_producer_opts_in_and_out(client, db):
    seller = await listed_producer(listed=False)
    await Listing.filter(producer_id=seller.producer.id).delete()
    await client.login(seller.user.email, PASSWORD)
    page = soup(await client.get("/exhibitor/catalogue"))
    assert page.select_one("button[value=opt_in]")
    response = await client.submit("/exhibitor/catalogue", {"action": "opt_in"})
    assert response.status_code == 303
    assert (await Listing.get(producer_id=seller.producer.id)).listed
    assert (await client.get(f"/katalog/produsen/{seller.producer.id}")).status_code == 200
    response = await client.submit("/exhibitor/catalogue", {"action": "opt_out"})
    assert response.status_code == 303
    assert not (await Listing.get(producer_id=seller.producer.id)).listed
    assert (await client.submit("/exhibitor/catalogue", {"action": "x"})).status_code == 422
    products = soup(await client.get("/exhibitor/products"))
    assert products.select_one("a[href='/exhibitor/catalogue']")


async def test_listing_mine_is_for_producers_only(client, db):
    buyer = await buyer_org()
    await client.login(buyer.officer.email, PASSWORD)
    assert (await client.get("/exhibitor/catalogue")).status_code == 403
    assert (await client.submit("/exhibitor/catalogue", {"action": "opt_in"})).status_code == 403


async def test_office_pages_refuse_buyers_and_producers(client, db):
    seller = await listed_producer()
    buyer = await buyer_org()
    for user in (buyer.officer, seller.user, await make_user()):
        client.cookies.clear()
        client.csrf = ""
        await client.login(user.email, PASSWORD)
        for url in ("/procurement/office/catalogue", "/procurement/office/catalogue/new",
                    f"/procurement/office/catalogue/{seller.producer.id}"):
            assert (await client.get(url)).status_code == 403, url
        response = await client.submit(f"/procurement/office/catalogue/{seller.producer.id}",
                                       {"action": "verify:nib"})
        assert response.status_code == 403
    assert (await Listing.get(producer_id=seller.producer.id)).nib_verified_at is None


async def test_office_verifies_and_unlists(client, db):
    seller = await listed_producer(name="Amplang Bu Ida")
    office = await office_user()
    await client.login(office.email, PASSWORD)
    page = soup(await client.get("/procurement/office/catalogue", params={"unverified": "1"}))
    assert [r["data-producer"] for r in page.select("tr[data-producer]")] == [
        str(seller.producer.id)]
    url = f"/procurement/office/catalogue/{seller.producer.id}"
    assert (await client.get(url)).status_code == 200
    assert (await client.submit(url, {"action": "verify:nib"})).status_code == 303
    assert (await Listing.get(producer_id=seller.producer.id)).nib_verified_at is not None
    page = soup(await client.get(f"/katalog/produsen/{seller.producer.id}"))
    assert "NIB" in page.select_one(".cat-legal").text
    seller.producer.bpom_number = ""
    await seller.producer.save()
    response = await client.submit(url, {"action": "verify:bpom"})
    assert response.status_code == 422 and soup(response).select_one("#action-error")
    assert (await client.submit(url, {"action": "explode"})).status_code == 422
    assert (await client.submit(url, {"action": "unlist"})).status_code == 303
    assert (await client.get(f"/katalog/produsen/{seller.producer.id}")).status_code == 404
    assert await AuditEntry.filter(action="procurement.listing.unlisted").count() == 1
    assert (await client.get("/procurement/office/catalogue/999999")).status_code == 404
    response = await client.get("/procurement/office/catalogue", params={"status": "bogus"})
    assert response.status_code == 422


async def test_office_adds_a_producer(client, db):
    office = await office_user()
    await client.login(office.email, PASSWORD)
    assert (await client.get("/procurement/office/catalogue/new")).status_code == 200
    data = {"business_name": "Tenun Ulap Doyo Bu Rini", "owner_name": "Rini",
            "phone": "0812 3456 7890", "email": "rini@example.id",
            "kabupaten": "Kabupaten Kutai Barat", "category": "kriya", "cluster": "tenun",
            "product_name": "Ulap doyo selendang", "product_price_min": "350000",
            "product_capacity": "40", "product_capacity_period": "month",
            "product_capacity_unit": "lembar", "product_min_order": "5", "invite": "1"}
    response = await client.submit("/procurement/office/catalogue/new",
                                   {**data, "email": "rini", "product_price_min": "mahal",
                                    "product_min_order": "0"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-email") and page.select_one("#e-product_price_min")
    assert page.select_one("#e-product_min_order")
    assert not await Producer.exists()
    response = await client.submit("/procurement/office/catalogue/new", data)
    assert response.status_code == 303
    producer = await Producer.get(business_name="Tenun Ulap Doyo Bu Rini")
    product = await Product.get(producer_id=producer.id)
    assert (product.capacity_per_month, product.min_order, product.kind) == (40, 5, "ulap")
    assert response.headers["location"].endswith(f"/procurement/office/catalogue/{producer.id}")
    assert (await client.get(f"/katalog/produsen/{producer.id}")).status_code == 200
