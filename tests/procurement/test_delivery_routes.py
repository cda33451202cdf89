"""Deliveries through the ASGI app: scheduling, the receipt form, the BAST and its signed
scan (200/303/403/404/413/422)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.procurement import orders
from expo.procurement.models import (
    Delivery,
    DeliveryStatus,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    RequestItem,
)
from tests.factories import PASSWORD
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request, quoted

pytestmark = pytest.mark.asyncio
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders, "today", lambda: TODAY)


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def _as(client, user) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    client.csrf = ""
    await client.login(user.email, PASSWORD)


async def _order():
    buyer = await buyer_org(requires_approval=False)
    req = await open_request(buyer)
    item = (await RequestItem.filter(request_id=req.id))[0]
    seller = await listed_producer()
    quote = await quoted(item, seller, quantity=100, unit_price=50_000)
    (order,) = await orders.award(request=req, choices={quote.id: 100}, by=buyer.officer,
                                  today=TODAY)
    line = await OrderLine.get(order_id=order.id)
    return buyer, seller, order, line


async def test_producer_schedules_and_buyer_receives(client, db):
    buyer, seller, order, line = await _order()
    url = f"/procurement/orders/{order.id}"
    await _as(client, seller.user)
    response = await client.submit(url + "/deliveries", {"planned_on": "2027-03-05",
                                                         f"plan_{line.id}": "101"})
    assert response.status_code == 422
    assert soup(response).select_one("#delivery-form .error")
    response = await client.submit(url + "/deliveries", {"planned_on": "2027-03-05",
                                                         f"plan_{line.id}": "60"})
    assert response.status_code == 303
    planned = await Delivery.get(order_id=order.id)
    assert (await client.get(url + "/receive")).status_code == 403
    await _as(client, buyer.officer)
    page = soup(await client.get(url))
    link = page.select_one(f"[data-delivery='{planned.id}'] a.button")
    assert link and f"delivery={planned.id}" in link["href"]
    form = soup(await client.get(url + f"/receive?delivery={planned.id}"))
    assert form.select_one(f"#f-received_{line.id}")["value"] == "60"
    response = await client.submit(url + "/receive", {
        "delivery": str(planned.id), "received_on": "2027-03-05", "receiver_name": "",
        f"received_{line.id}": "60"})
    assert response.status_code == 422
    response = await client.submit(url + "/receive", {
        "delivery": str(planned.id), "received_on": "2027-03-05", "receiver_name": "Budi",
        f"received_{line.id}": "60", f"damaged_{line.id}": "61"})
    assert response.status_code == 422
    assert soup(response).select_one(f"#e-damaged_{line.id}")
    response = await client.submit(url + "/receive", {
        "delivery": str(planned.id), "received_on": "2027-03-05", "receiver_name": "Budi",
        f"received_{line.id}": "60", f"damaged_{line.id}": "2",
        f"condition_{line.id}": "partly", f"note_{line.id}": "2 toples pecah"})
    assert response.status_code == 303
    done = await Delivery.get(id=planned.id)
    assert (done.status, done.bast_number) == (DeliveryStatus.RECEIVED, "BAST/2027/0001")
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.PARTLY_DELIVERED
    page = soup(await client.get(url))
    assert page.select_one("[data-testid=bast-pdf]")
    assert page.select_one(f"tr[data-line='{line.id}'] [data-testid=outstanding]").text == "42"
    again = await client.submit(url + "/receive", {
        "delivery": str(planned.id), "received_on": "2027-03-05", "receiver_name": "Budi",
        f"received_{line.id}": "1"})
    assert again.status_code == 404


async def test_receiving_without_a_schedule_and_the_bast(client, db):
    buyer, seller, order, line = await _order()
    url = f"/procurement/orders/{order.id}"
    await _as(client, buyer.head)
    assert (await client.get(url + "/receive")).status_code == 200
    response = await client.submit(url + "/receive", {
        "received_on": "2027-03-05", "receiver_name": "Sari", f"received_{line.id}": "100"})
    assert response.status_code == 303
    delivery = await Delivery.get(order_id=order.id)
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.DELIVERED
    pdf = await client.get(url + f"/deliveries/{delivery.id}/bast.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "BAST-2027-0001.pdf" in pdf.headers["content-disposition"]
    await _as(client, seller.user)
    assert (await client.get(url + f"/deliveries/{delivery.id}/bast/print")).status_code == 200
    other = await buyer_org()
    await _as(client, other.officer)
    assert (await client.get(url + f"/deliveries/{delivery.id}/bast.pdf")).status_code == 404
    assert (await client.get(url + "/receive")).status_code == 404


async def test_scan_upload_type_size_and_who_sees_it(client, db):
    buyer, seller, order, line = await _order()
    url = f"/procurement/orders/{order.id}"
    await _as(client, buyer.officer)
    await client.submit(url + "/receive", {"received_on": "2027-03-05", "receiver_name": "Sari",
                                           f"received_{line.id}": "10"})
    delivery = await Delivery.get(order_id=order.id)
    scan = url + f"/deliveries/{delivery.id}/bast/scan"
    assert (await client.get(scan + "/file")).status_code == 404  # nothing uploaded yet
    response = await client.submit(scan, files={"scan": ("bast.gif", b"GIF89a" + b"\0" * 20,
                                                         "image/gif")})
    assert response.status_code == 422
    response = await client.submit(scan, files={"scan": ("bast.png", PNG + b"\0" * 3 * 2**20,
                                                         "image/png")})
    assert response.status_code == 413
    response = await client.submit(scan, files={"scan": ("bast.png", PNG, "image/png")})
    assert response.status_code == 303
    assert (await Delivery.get(id=delivery.id)).bast_scan_mime == "image/png"
    await _as(client, seller.user)
    served = await client.get(scan + "/file")
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["x-content-type-options"] == "nosniff"
    stranger = await listed_producer()
    await _as(client, stranger.user)
    assert (await client.get(scan + "/file")).status_code == 404
    assert (await client.submit(scan, files={"scan": ("b.png", PNG, "image/png")})
            ).status_code == 404
