"""Paying online through the app: starting a charge, its page (own charges only, the htmx
poll), and the Midtrans webhook's answers, each logged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from bs4 import BeautifulSoup, Tag

from expo.accounts.models import Role
from expo.payments import online
from expo.payments.midtrans import MidtransGateway
from expo.payments.models import Charge, ChargeState, FeePolicy, GatewayNotice, Invoice, Payment
from expo.settings import Settings
from tests.factories import PASSWORD, make_user
from tests.payments.factories import Stand, fee_event, held_stand, issued_invoice

from .loopback_midtrans import MidtransLoopback

KEY = "SB-Mid-server-routes-0123456789"
OFF = Settings(database_url="sqlite://:memory:", secret_key="s" * 40)
WEBHOOK = "/webhooks/payments/midtrans"


@pytest.fixture(scope="module")
def _loopback() -> Iterator[MidtransLoopback]:
    with MidtransLoopback(server_key=KEY) as running:
        yield running


@pytest.fixture
def midtrans(_loopback: MidtransLoopback) -> Iterator[MidtransLoopback]:
    _loopback.reset()
    yield _loopback
    _loopback.reset()


@pytest_asyncio.fixture
async def gateway(app, midtrans: MidtransLoopback) -> AsyncIterator[MidtransGateway]:  # type: ignore[no-untyped-def]
    gateway = MidtransGateway(KEY, base_url=midtrans.url, timeout=2.0)
    online.configure(OFF, gateway=gateway)  # after create_app, which may configure it off
    yield gateway
    online.configure(OFF)
    await gateway.aclose()


@pytest_asyncio.fixture
async def stand(db: str) -> Stand:
    stand = await held_stand(await fee_event(online=True))
    await issued_invoice(stand)
    return stand


def one(html: BeautifulSoup, selector: str) -> Tag:
    found = html.select_one(selector)
    assert found is not None, selector
    return found


def attr(html: BeautifulSoup, selector: str, name: str) -> str:
    return str(one(html, selector).get(name, ""))


def base(stand: Stand) -> str:
    return f"/manage/e/{stand.event.slug}/invoice/online"


async def pay(client, stand: Stand, method: str = "qris"):  # type: ignore[no-untyped-def]
    return await client.submit(base(stand), {"method": method})


async def webhook(client, body: bytes):  # type: ignore[no-untyped-def]
    return await client.post(WEBHOOK, content=body,
                             headers={"content-type": "application/json"})


# ---- starting and watching a charge --------------------------------------------------------

async def test_pay_online_shows_the_qris_code(client, gateway, stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    response = await pay(client, stand)
    assert response.status_code == 303
    charge = await Charge.get()
    assert response.headers["location"] == f"{base(stand)}/{charge.id}"
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    html = BeautifulSoup(page.text, "html.parser")
    assert html.select_one("#qris svg.qr-code") is not None
    assert attr(html, "#qris-download", "href").startswith("data:image/png;base64,")
    assert attr(html, "#charge", "data-state") == "pending"
    assert attr(html, "#charge-status", "hx-trigger") == "every 5s"
    assert "Bayar sebelum" in one(html, "#charge-expiry").text  # "pay before", in WITA
    assert "Rp" in one(html, "#charge-amount").text


async def test_pay_online_with_a_virtual_account(client, gateway, stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    response = await pay(client, stand, "va_bni")
    page = BeautifulSoup((await client.get(response.headers["location"])).text, "html.parser")
    charge = await Charge.get()
    assert one(page, "#va-number").text == charge.va_number
    assert one(page, "#va-bank").text == "BNI"
    assert page.select_one("#qris") is None


async def test_the_poll_returns_the_status_and_reloads_once_paid(client, gateway, midtrans,
                                                                 stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    url = (await pay(client, stand)).headers["location"]
    polled = await client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "HX-Refresh" not in polled.headers
    assert polled.text.lstrip().startswith('<div id="charge-status"')
    charge = await Charge.get()
    assert (await webhook(client, midtrans.notify(charge.order_id))).status_code == 200
    polled = await client.get(url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"
    page = BeautifulSoup((await client.get(url)).text, "html.parser")
    payment = await Payment.get()
    assert attr(page, "#charge", "data-state") == "paid"
    assert str(payment.receipt_number) in one(page, "#charge-status").text
    assert one(page, "#charge-status").get("hx-get") is None


async def test_check_status_asks_the_gateway(client, gateway, midtrans, stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    url = (await pay(client, stand, "va_bri")).headers["location"]
    charge = await Charge.get()
    midtrans.notify(charge.order_id)  # paid; the notification is lost
    assert (await client.get(url)).status_code == 200
    assert (await Charge.get()).state == ChargeState.PENDING  # a plain view asks nothing
    assert (await client.get(url + "?check=1")).status_code == 200
    assert (await Charge.get()).state == ChargeState.PAID
    assert await Payment.filter(invoice_id=charge.invoice_id).count() == 1


async def test_gateway_trouble_goes_back_to_the_invoice_with_a_message(client, gateway,
                                                                       midtrans, stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    midtrans.fail_next(500)
    response = await pay(client, stand)
    assert response.status_code == 303
    assert response.headers["location"] == f"/manage/e/{stand.event.slug}/invoice"
    assert (await Charge.get()).state == ChargeState.FAILED


async def test_pay_online_is_for_the_exhibitor_only(client, gateway, stand) -> None:
    committee = await make_user(event=stand.event, role=Role.COMMITTEE)
    await client.login(committee.email, PASSWORD)
    assert (await pay(client, stand)).status_code == 403
    charge_url = f"{base(stand)}/1"
    assert (await client.get(charge_url)).status_code == 403
    visitor_team = await make_user(event=stand.event, role=Role.GATE)
    client.cookies.clear()
    await client.login(visitor_team.email, PASSWORD)
    assert (await pay(client, stand)).status_code == 403
    assert await Charge.all().count() == 0


async def test_another_exhibitors_charge_is_not_found(client, gateway, stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    url = (await pay(client, stand)).headers["location"]
    other = await held_stand(stand.event, code="B")
    client.cookies.clear()
    await client.login(other.user.email, PASSWORD)
    assert (await client.get(url)).status_code == 404
    assert (await client.get(f"{base(stand)}/999999")).status_code == 404
    elsewhere = await held_stand(await fee_event(online=True))  # exhibitor at another event
    charge = await Charge.get()
    client.cookies.clear()
    await client.login(elsewhere.user.email, PASSWORD)
    assert (await client.get(f"{base(elsewhere)}/{charge.id}")).status_code == 404


async def test_pay_online_refuses_bad_input_and_events_without_it(client, gateway, stand) -> None:
    await client.login(stand.user.email, PASSWORD)
    for method in ("", "cash", "va_mandiri"):
        response = await pay(client, stand, method)
        assert response.status_code == 422, method
    assert "Pilih QRIS" in response.text
    await FeePolicy.filter(event_id=stand.event.id).update(online=False)
    assert (await pay(client, stand)).status_code == 422
    await FeePolicy.filter(event_id=stand.event.id).update(online=True)
    online.configure(OFF)
    assert (await pay(client, stand)).status_code == 422
    assert await Charge.all().count() == 0


async def test_pay_online_without_an_invoice_is_not_found(client, gateway) -> None:
    stand = await held_stand(await fee_event(online=True))  # booth not confirmed: no invoice
    await client.login(stand.user.email, PASSWORD)
    assert (await pay(client, stand)).status_code == 404


# ---- the webhook ---------------------------------------------------------------------------

async def started(stand: Stand) -> Charge:
    invoice = await Invoice.get(application_id=stand.application.id)
    from expo.payments.gateway import Method

    return await online.start(invoice=invoice, method=Method.QRIS, by=stand.user)


async def test_webhook_answers(client, gateway, midtrans, stand) -> None:
    charge = await started(stand)
    forged = midtrans.notify(charge.order_id, server_key="SB-Mid-server-not-ours")
    assert (await webhook(client, forged)).status_code == 403
    assert (await webhook(client, b"{not json")).status_code == 400
    wrong = midtrans.notify(charge.order_id, gross_amount="10.00")
    assert (await webhook(client, wrong)).status_code == 409
    right = midtrans.notify(charge.order_id, gross_amount=f"{charge.amount}.00")
    settled = await webhook(client, right)  # no CSRF token, no session: signed instead
    assert settled.status_code == 200 and settled.text == "settled"
    again = await webhook(client, right)
    assert again.status_code == 200 and again.text == "duplicate"
    outcomes = [n.outcome for n in await GatewayNotice.all().order_by("id")]
    assert outcomes == ["forged", "malformed", "mismatch", "settled", "duplicate"]
    assert await Payment.all().count() == 1


async def test_webhook_for_an_unknown_order(client, gateway, midtrans) -> None:
    from expo.payments.gateway import ChargeRequest, Method

    foreign = await gateway.create_charge(ChargeRequest(
        order_id="SHOP-7", amount=9000, method=Method.QRIS, customer_name="",
        customer_email="", customer_phone="", description="not expo's"))
    response = await webhook(client, midtrans.notify(foreign.order_id))
    assert response.status_code == 404 and response.text == "unknown"
    assert (await GatewayNotice.get()).outcome == "unknown"


async def test_webhook_refuses_large_bodies_and_is_off_without_a_gateway(client, gateway,
                                                                         db) -> None:
    too_big = b'{"order_id": "' + b"x" * 70_000 + b'"}'
    assert (await webhook(client, too_big)).status_code == 413
    online.configure(OFF)
    assert (await webhook(client, b"{}")).status_code == 404
    assert await GatewayNotice.all().count() == 0


async def test_webhook_asks_again_later_when_the_status_api_is_down(client, gateway, midtrans,
                                                                   stand) -> None:
    charge = await started(stand)
    body = midtrans.notify(charge.order_id)
    midtrans.fail_next(503)
    assert (await webhook(client, body)).status_code == 503
    assert (await webhook(client, body)).status_code == 200
    assert [n.outcome for n in await GatewayNotice.all().order_by("id")] == ["unverified",
                                                                             "settled"]
