"""The Surat Pesanan and the BAST: what they say (read back from the PDF) and their print
pages."""

from __future__ import annotations

import re

import pytest

from expo.procurement import documents, orders
from expo.procurement.deliveries import Arrived, receive
from expo.procurement.models import Condition, OrderLine, RequestItem
from expo.words import rupiah_in_words
from tests.factories import PASSWORD
from tests.payments.test_pdf import _text
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request, quoted

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders, "today", lambda: TODAY)


def text_of(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(_text(data)))


async def _order():
    buyer = await buyer_org(requires_approval=False, name="Dinas Koperasi dan UKM")
    req = await open_request(buyer)
    item = (await RequestItem.filter(request_id=req.id))[0]
    seller = await listed_producer(name="Kue Etam")
    quote = await quoted(item, seller, quantity=120, unit_price=65_000)
    (order,) = await orders.award(request=req, choices={quote.id: 120}, by=buyer.officer,
                                  today=TODAY)
    return buyer, seller, order


async def test_order_pdf_has_parties_lines_total_in_words_and_signatures(db):
    buyer, seller, order = await _order()
    paper = await documents.order_paper(order, locale="id")
    data = await documents.render(paper)
    assert data.startswith(b"%PDF")
    text = text_of(data)
    assert "SP/2027/0001" in text and "SURAT PESANAN" in text
    assert "Dinas Koperasi dan UKM" in text and buyer.organisation.address in text
    assert "Kue Etam" in text and f"NIB {seller.producer.nib}" in text
    assert "Nastar nanas" in text and "Rp 7.800.000" in text
    assert rupiah_in_words(7_800_000) in text
    assert "Kantor Gubernur" in text  # the delivery address
    assert documents.file_name(paper, "x") == "SP-2027-0001.pdf"
    assert await documents.render(await documents.order_paper(order, locale="id")) == data
    english = text_of(await documents.render(await documents.order_paper(order, locale="en")))
    assert "PURCHASE ORDER" in english and "seven million eight hundred thousand" in english


async def test_an_order_waiting_for_approval_is_a_draft(db):
    buyer = await buyer_org(requires_approval=True)
    req = await open_request(buyer)
    item = (await RequestItem.filter(request_id=req.id))[0]
    quote = await quoted(item, await listed_producer(), quantity=10)
    (order,) = await orders.award(request=req, choices={quote.id: 10}, by=buyer.officer,
                                  today=TODAY)
    paper = await documents.order_paper(order, locale="id")
    assert paper.document.stamp == "DRAF" and order.number is None
    assert text_of(await documents.render(paper))


async def test_bast_pdf_says_what_was_received_in_which_condition(db):
    buyer, seller, order = await _order()
    line = await OrderLine.get(order_id=order.id)
    delivery = await receive(order=order, by=buyer.officer, received_on=TODAY,
                             receiver_name="Budi Santoso",
                             arrived={line.id: Arrived(100, 4, Condition.PARTLY_DAMAGED)})
    paper = await documents.bast_paper(order, delivery, locale="id")
    data = await documents.render(paper)
    assert data.startswith(b"%PDF")
    text = text_of(data)
    assert "BAST/2027/0001" in text and "SP/2027/0001" in text and "Budi Santoso" in text
    assert "Pihak Pertama" in text and "Pihak Kedua" in text
    assert "Sebagian rusak" in text
    assert "Rp 6.240.000" in text  # 96 accepted × 65,000
    assert "Kue Etam" in text and "Dinas Koperasi dan UKM" in text


async def test_print_pages(client, db):
    buyer, _seller, order = await _order()
    line = await OrderLine.get(order_id=order.id)
    delivery = await receive(order=order, by=buyer.officer, received_on=TODAY,
                             receiver_name="Budi", arrived={line.id: Arrived(120)})
    await client.login(buyer.officer.email, PASSWORD)
    page = await client.get(f"/procurement/orders/{order.id}/print")
    assert page.status_code == 200 and "SP/2027/0001" in page.text
    assert "Kue Etam" in page.text and "no-store" in page.headers["cache-control"]
    bast = await client.get(f"/procurement/orders/{order.id}/deliveries/{delivery.id}/bast/print")
    assert bast.status_code == 200 and "BAST/2027/0001" in bast.text
    assert 'data-kind="bast"' in bast.text and "Pihak Kedua" in bast.text
