"""The producer's invoice page and the committee's payments pages through the ASGI app:
success, 403, 404, 409 and 422."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role, User
from expo.payments import invoices
from expo.payments.models import FeePolicy, Invoice, InvoiceStatus, Payment, PaymentState
from tests.factories import PASSWORD, make_user
from tests.payments.factories import Stand, fee_event, held_stand, issued_invoice

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@dataclass
class World:
    stand: Stand
    other: Stand
    committee: User
    gate: User

    @property
    def base(self) -> str:
        return f"/manage/e/{self.stand.event.slug}"


@pytest.fixture
async def world(db: str) -> World:
    event = await fee_event()
    stand = await held_stand(event)
    other = await held_stand(event, code="B")
    return World(stand, other, await make_user(event=event, role=Role.COMMITTEE),
                 await make_user(event=event, role=Role.GATE))


async def test_the_producer_sees_what_to_pay_and_sends_a_proof(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.stand.user.email, PASSWORD)
    page = soup(await client.get(world.base + "/invoice"))
    assert page.select_one("#no-invoice")
    invoice = await issued_invoice(world.stand)
    page = soup(await client.get(world.base + "/invoice"))
    amount = page.select_one("[data-testid=unique-amount]")
    assert amount is not None and amount["data-amount"] == str(invoice.total)
    assert "0011223344" in page.select_one("[data-testid=bank-account]").text
    response = await client.submit(world.base + "/invoice/proof",
                                   {"amount": f"Rp {invoice.total:,}".replace(",", "."),
                                    "paid_on": invoices.today(world.stand.event).isoformat()},
                                   files={"proof": ("bukti.png", PNG, "image/png")})
    assert response.status_code == 303, response.text[:400]
    payment = await Payment.get(invoice_id=invoice.id)
    assert payment.amount == invoice.total and payment.state == PaymentState.PENDING
    proof = await client.get(world.base + f"/payments/{payment.id}/proof")
    assert proof.status_code == 200 and proof.headers["content-type"] == "image/png"


async def test_a_bad_proof_comes_back_on_the_form(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await issued_invoice(world.stand)
    await client.login(world.stand.user.email, PASSWORD)
    response = await client.submit(world.base + "/invoice/proof",
                                   {"amount": "Rp 35O.127", "paid_on": "kemarin"},
                                   files={"proof": ("x.gif", b"GIF89a", "image/gif")})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-amount") and page.select_one("#e-paid_on")
    response = await client.submit(world.base + "/invoice/proof",
                                   {"amount": "350.000", "paid_on": "2026-12-01"},
                                   files={"proof": ("x.gif", b"GIF89a", "image/gif")})
    assert response.status_code == 422 and soup(response).select_one("#e-proof")
    assert not await Payment.exists()


async def test_the_producer_cannot_reach_another_ones_proof(client, world: World) -> None:  # type: ignore[no-untyped-def]
    invoice = await issued_invoice(world.other)
    payment = await Payment.create(invoice_id=invoice.id, event_id=invoice.event_id,
                                   amount=1, paid_on=invoice.issued_on, proof="x.png")
    await client.login(world.stand.user.email, PASSWORD)
    assert (await client.get(world.base + f"/payments/{payment.id}/proof")).status_code == 404
    assert (await client.get(world.base + "/payments/99999/proof")).status_code == 404
    response = await client.submit(world.base + "/invoice/proof", {"amount": "1"},
                                   files={"proof": ("b.png", PNG, "image/png")})
    assert response.status_code == 404  # no invoice of its own yet


async def test_committee_pages_refuse_others(client, world: World) -> None:  # type: ignore[no-untyped-def]
    invoice = await issued_invoice(world.stand)
    await client.login(world.gate.email, PASSWORD)
    for path in ("/payments", "/payments/settings", f"/payments/invoices/{invoice.id}",
                 "/invoice"):
        assert (await client.get(world.base + path)).status_code == 403, path
    client.cookies.clear()
    await client.login(world.stand.user.email, PASSWORD)
    assert (await client.get(world.base + "/payments")).status_code == 403
    response = await client.submit(world.base + f"/payments/invoices/{invoice.id}/record",
                                   {"method": "cash", "amount": "1", "paid_on": "2026-12-01"})
    assert response.status_code == 403


async def test_the_committee_verifies_a_proof_from_the_queue(client, world: World) -> None:  # type: ignore[no-untyped-def]
    invoice = await issued_invoice(world.stand)
    payment = await Payment.create(invoice_id=invoice.id, event_id=invoice.event_id,
                                   amount=invoice.total, paid_on=invoice.issued_on)
    await client.login(world.committee.email, PASSWORD)
    page = soup(await client.get(world.base + "/payments"))
    assert page.select_one(f"[data-testid=queue] tr[data-payment='{payment.id}']")
    assert page.select_one(f"[data-testid=invoices] tr[data-invoice='{invoice.id}']")
    response = await client.submit(world.base + f"/payments/{payment.id}/verify")
    assert response.status_code == 303
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.PAID
    again = await client.submit(world.base + f"/payments/{payment.id}/verify",
                                follow_redirects=True)
    flashed = soup(again).select_one(".flash-error")
    assert flashed is not None, [again.status_code] + [p.text for p in soup(again).select(".flash")] or again.text[:3000]
    assert (await client.submit(world.base + "/payments/99999/verify")).status_code == 404


async def test_the_committee_rejects_with_a_reason(client, world: World) -> None:  # type: ignore[no-untyped-def]
    invoice = await issued_invoice(world.stand)
    payment = await Payment.create(invoice_id=invoice.id, event_id=invoice.event_id,
                                   amount=5, paid_on=invoice.issued_on)
    await client.login(world.committee.email, PASSWORD)
    await client.submit(world.base + f"/payments/{payment.id}/reject", {"reason": ""})
    assert (await Payment.get(id=payment.id)).state == PaymentState.PENDING
    await client.submit(world.base + f"/payments/{payment.id}/reject",
                        {"reason": "Nominal kurang"})
    assert (await Payment.get(id=payment.id)).state == PaymentState.REJECTED


async def test_invoice_actions_and_their_errors(client, world: World) -> None:  # type: ignore[no-untyped-def]
    invoice = await issued_invoice(world.stand)
    await client.login(world.committee.email, PASSWORD)
    url = world.base + f"/payments/invoices/{invoice.id}"
    assert (await client.get(url)).status_code == 200
    response = await client.submit(url + "/credit", {"amount": "abc", "reason": ""})
    assert response.status_code == 422 and soup(response).select_one("#e-reason")
    response = await client.submit(url + "/credit", {"amount": "Rp 50.000", "reason": "Salah"})
    assert response.status_code == 303
    response = await client.submit(url + "/record", {"method": "cash", "amount": "x",
                                                      "paid_on": "2026-12-01"})
    assert response.status_code == 422
    balance = (await Invoice.get(id=invoice.id)).balance
    response = await client.submit(url + "/record", {"method": "cash", "amount": str(balance),
                                                      "paid_on": "2026-12-01"})
    assert response.status_code == 303
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.PAID
    response = await client.submit(url + "/record", {"method": "cash", "amount": "1",
                                                      "paid_on": "2026-12-01"})
    assert response.status_code == 409
    response = await client.submit(url + "/refund", {"method": "transfer", "amount": "1",
                                                      "reason": "Deposit"})
    assert response.status_code == 303
    other_event = await fee_event()
    other_invoice = await issued_invoice(await held_stand(other_event))
    assert (await client.get(world.base + f"/payments/invoices/{other_invoice.id}")
            ).status_code == 404


async def test_drafts_are_edited_and_issued(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await FeePolicy.filter(event_id=world.stand.event.id).update(auto_issue=False)
    await client.login(world.committee.email, PASSWORD)
    response = await client.submit(world.base + "/payments/invoices/new",
                                   {"application": str(world.stand.application.id)})
    assert response.status_code == 303
    invoice = await Invoice.get(application_id=world.stand.application.id)
    url = world.base + f"/payments/invoices/{invoice.id}"
    response = await client.submit(url + "/lines", {"description": "Tenda", "quantity": "1",
                                                     "unit_price": "Rp 1.500.000"})
    assert response.status_code == 303
    response = await client.submit(url + "/lines", {"description": "", "unit_price": "x"})
    assert response.status_code == 422
    assert (await client.submit(url + "/issue")).status_code == 303
    issued = await Invoice.get(id=invoice.id)
    assert issued.status == InvoiceStatus.ISSUED and issued.subtotal == 1_850_000
    assert (await client.submit(url + "/issue")).status_code == 409
    response = await client.submit(world.base + "/payments/invoices/new", {"application": "x"})
    assert response.status_code == 303


async def test_fee_settings(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    url = world.base + "/payments/settings"
    assert (await client.get(url)).status_code == 200
    response = await client.submit(url, {"prefix": "HKN2027", "due_days": "10",
                                         "subsidy_percent": "150", "deposit": "Rp 100.000",
                                         "extras": "meja; Meja"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-subsidy_percent") and page.select_one("#e-extras")
    response = await client.submit(url, {"prefix": "HKN2027", "due_days": "10",
                                         "subsidy_percent": "50", "deposit": "Rp 100.000",
                                         "power_step": "900", "release_after_days": "3",
                                         "extras": "meja; Meja tambahan; 50.000",
                                         "free_kuliner": "1", "auto_issue": "1",
                                         "account_number": "0011 2233"})
    assert response.status_code == 303, response.text[:300]
    policy = await FeePolicy.get(event_id=world.stand.event.id)
    assert policy.deposit == 100_000 and policy.subsidy_percent == 50
    assert policy.extras == [{"code": "meja", "label": "Meja tambahan", "price": 50_000}]
    assert policy.free_categories == ["kuliner"]


async def test_my_booth_shows_the_invoice_note(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await issued_invoice(world.stand)
    await client.login(world.stand.user.email, PASSWORD)
    page = soup(await client.get(world.base + "/my-booth"))
    note = page.select_one("#note-invoice")
    assert note is not None and "INV/HKN2027/0001" in note.text
