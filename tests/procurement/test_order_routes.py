"""Orders through the ASGI app: award, lists, the order page by role, approval, refusal,
cancellation, invoices and payments, the PDF and the watch page (200/303/403/404/422)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.procurement import orders
from expo.procurement.models import (
    OrderInvoice,
    OrderPayment,
    OrderStatus,
    PurchaseOrder,
    QuoteStatus,
    RequestItem,
)
from tests.factories import PASSWORD, make_user
from tests.procurement.factories import (
    TODAY,
    buyer_org,
    listed_producer,
    office_user,
    open_request,
    quoted,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' "today" is the factories' (1 March 2027)."""
    monkeypatch.setattr(orders, "today", lambda: TODAY)


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def _setup(*, requires_approval: bool = False):
    buyer = await buyer_org(requires_approval=requires_approval)
    req = await open_request(buyer)
    item = (await RequestItem.filter(request_id=req.id))[0]
    seller = await listed_producer()
    quote = await quoted(item, seller, quantity=100, unit_price=50_000)
    return buyer, req, seller, quote


async def _as(client, user) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    client.csrf = ""
    await client.login(user.email, PASSWORD)


async def test_award_by_form_then_the_order_page(client, db):
    buyer, req, seller, quote = await _setup()
    await _as(client, buyer.officer)
    response = await client.submit(f"/procurement/requests/{req.id}/award",
                                   {f"qty_{quote.id}": "80"})
    assert response.status_code == 303, response.text[:300]
    order = await PurchaseOrder.get(request_id=req.id)
    assert response.headers["location"].endswith(f"/procurement/orders/{order.id}")
    page = soup(await client.get(f"/procurement/orders/{order.id}"))
    head = page.select_one("#order")
    assert head["data-status"] == "issued" and head["data-number"] == "SP/2027/0001"
    assert page.select_one("#receive-link") and page.select_one("#payment-form")
    assert page.select_one("#cancel-form")
    listing = soup(await client.get("/procurement/orders"))
    assert [tr["data-order"] for tr in listing.select("#orders tr[data-order]")] == [str(order.id)]


async def test_award_bad_input_is_422_and_another_buyers_request_404(client, db):
    buyer, req, seller, quote = await _setup()
    await _as(client, buyer.officer)
    response = await client.submit(f"/procurement/requests/{req.id}/award",
                                   {f"qty_{quote.id}": "101"})
    assert response.status_code == 422
    response = await client.submit(f"/procurement/requests/{req.id}/award",
                                   {f"qty_{quote.id}": "abc"})
    assert response.status_code == 422
    other = await buyer_org()
    await _as(client, other.officer)
    response = await client.submit(f"/procurement/requests/{req.id}/award",
                                   {f"qty_{quote.id}": "5"})
    assert response.status_code == 404
    await _as(client, seller.user)
    response = await client.submit(f"/procurement/requests/{req.id}/award",
                                   {f"qty_{quote.id}": "5"})
    assert response.status_code == 403
    assert not await PurchaseOrder.exists()
    assert (await quote.__class__.get(id=quote.id)).status == QuoteStatus.QUOTED


async def test_order_page_by_role(client, db):
    buyer, req, seller, quote = await _setup(requires_approval=True)
    await _as(client, buyer.officer)
    await client.submit(f"/procurement/requests/{req.id}/award", {f"qty_{quote.id}": "10"})
    order = await PurchaseOrder.get(request_id=req.id)
    page = soup(await client.get(f"/procurement/orders/{order.id}"))
    assert page.select_one("#approval") and not page.select_one("#approve")
    await _as(client, seller.user)  # not issued yet: not the producer's business
    assert (await client.get(f"/procurement/orders/{order.id}")).status_code == 404
    await _as(client, buyer.head)
    page = soup(await client.get(f"/procurement/orders/{order.id}"))
    assert page.select_one("#approve")
    response = await client.submit(f"/procurement/orders/{order.id}/approve")
    assert response.status_code == 303
    await _as(client, seller.user)
    page = soup(await client.get(f"/procurement/orders/{order.id}"))
    assert page.select_one("#order")["data-status"] == "issued"
    assert page.select_one("#delivery-form") and page.select_one("#invoice-form")
    assert not page.select_one("#payment-form") and not page.select_one("#receive-link")
    listing = soup(await client.get("/procurement/orders"))
    assert len(listing.select("#orders tr[data-order]")) == 1
    stranger = await listed_producer()
    await _as(client, stranger.user)
    assert (await client.get(f"/procurement/orders/{order.id}")).status_code == 404
    nobody = await make_user()
    await _as(client, nobody)
    assert (await client.get(f"/procurement/orders/{order.id}")).status_code == 403


async def test_approve_and_refuse_permissions(client, db):
    buyer, req, seller, quote = await _setup(requires_approval=True)
    await _as(client, buyer.officer)
    await client.submit(f"/procurement/requests/{req.id}/award", {f"qty_{quote.id}": "10"})
    order = await PurchaseOrder.get(request_id=req.id)
    assert (await client.submit(f"/procurement/orders/{order.id}/approve")).status_code == 403
    await _as(client, await office_user())
    assert (await client.submit(f"/procurement/orders/{order.id}/approve")).status_code == 403
    await _as(client, seller.user)
    assert (await client.submit(f"/procurement/orders/{order.id}/refuse",
                                {"reason": "x"})).status_code == 403
    await _as(client, (await buyer_org()).head)
    assert (await client.submit(f"/procurement/orders/{order.id}/approve")).status_code == 404
    await _as(client, buyer.head)
    response = await client.submit(f"/procurement/orders/{order.id}/refuse", {"reason": ""})
    assert response.status_code == 422
    assert soup(response).select_one("#refuse-form .error")
    response = await client.submit(f"/procurement/orders/{order.id}/refuse",
                                   {"reason": "Belum ada anggaran"})
    assert response.status_code == 303
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.NOT_APPROVED
    response = await client.submit(f"/procurement/orders/{order.id}/approve")
    assert response.status_code == 409


async def test_cancel_by_form(client, db):
    buyer, req, seller, quote = await _setup()
    await _as(client, buyer.officer)
    await client.submit(f"/procurement/requests/{req.id}/award", {f"qty_{quote.id}": "10"})
    order = await PurchaseOrder.get(request_id=req.id)
    response = await client.submit(f"/procurement/orders/{order.id}/cancel", {"reason": ""})
    assert response.status_code == 422
    await _as(client, seller.user)
    assert (await client.submit(f"/procurement/orders/{order.id}/cancel",
                                {"reason": "x"})).status_code == 403
    await _as(client, buyer.head)
    response = await client.submit(f"/procurement/orders/{order.id}/cancel",
                                   {"reason": "Acara ditunda"})
    assert response.status_code == 303
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.CANCELLED


async def test_invoice_and_payment_forms(client, db):
    buyer, req, seller, quote = await _setup()
    await _as(client, buyer.officer)
    await client.submit(f"/procurement/requests/{req.id}/award", {f"qty_{quote.id}": "10"})
    order = await PurchaseOrder.get(request_id=req.id)  # 500,000
    await _as(client, seller.user)
    url = f"/procurement/orders/{order.id}"
    response = await client.submit(url + "/invoices", {"number": "F-7", "amount": "Rp 600.000",
                                                       "issued_on": "2027-03-02"})
    assert response.status_code == 422
    assert soup(response).select_one("#invoice-form .error")
    response = await client.submit(url + "/invoices", {"number": "F-7", "amount": "Rp 500.000",
                                                       "issued_on": "2027-03-02"})
    assert response.status_code == 303
    assert (await OrderInvoice.get(order_id=order.id)).amount == 500_000
    response = await client.submit(url + "/payments", {"amount": "1", "method": "transfer",
                                                       "paid_on": "2027-03-02"})
    assert response.status_code == 403
    await _as(client, buyer.officer)
    response = await client.submit(url + "/payments", {"amount": "Rp 500.001",
                                                       "method": "transfer",
                                                       "paid_on": "2027-03-02"})
    assert response.status_code == 422
    response = await client.submit(url + "/payments", {"amount": "Rp 500.000",
                                                       "method": "nope",
                                                       "paid_on": "2027-03-02"})
    assert response.status_code == 422
    response = await client.submit(url + "/payments", {"amount": "Rp 500.000", "method": "kkp",
                                                       "paid_on": "2027-03-02",
                                                       "reference": "KKP-1"})
    assert response.status_code == 303
    assert (await OrderPayment.get(order_id=order.id)).reference == "KKP-1"
    page = soup(await client.get(url))
    assert page.select_one("[data-testid=balance]").text.strip().startswith("Rp 0")


async def test_order_pdf_and_watch_page(client, db):
    buyer, req, seller, quote = await _setup()
    await _as(client, buyer.officer)
    await client.submit(f"/procurement/requests/{req.id}/award", {f"qty_{quote.id}": "10"})
    order = await PurchaseOrder.get(request_id=req.id)
    response = await client.get(f"/procurement/orders/{order.id}/sp.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "SP-2027-0001.pdf" in response.headers["content-disposition"]
    assert (await client.get("/procurement/office/watch")).status_code == 403
    await _as(client, await office_user())
    page = soup(await client.get("/procurement/office/watch"))
    assert page.select_one("h2")
    everyone = soup(await client.get("/procurement/orders?flag=late&status=issued"))
    assert everyone.select_one("#no-orders") or everyone.select_one("#orders")


async def test_request_orders_partial_lists_number_producer_status_total(app, db):
    from starlette.requests import Request

    from expo.templating import templates

    buyer, req, seller, quote = await _setup()
    await orders.award(request=req, choices={quote.id: 10}, by=buyer.officer, today=TODAY)
    request = Request({"type": "http", "app": app, "router": app.router, "method": "GET",
                       "path": "/", "root_path": "", "scheme": "http", "query_string": b"",
                       "headers": [], "server": ("testserver", 80)})
    html = templates.get_template("procurement/_request_orders.html").render(
        request=request, orders=await orders.orders_of_request(req))
    page = BeautifulSoup(html, "html.parser")
    item = page.select_one("#request-orders li")
    assert "SP/2027/0001" in item.text and seller.producer.business_name in item.text
    assert "Rp 500.000" in item.text
    assert item.select_one("a")["href"].endswith(f"/procurement/orders/{item['data-order']}")
