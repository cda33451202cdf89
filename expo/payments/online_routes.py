"""Paying online: the producer starts a charge (QRIS or a virtual account) and watches its
page until it is paid; the gateway's notification webhook.

``/webhooks/payments/midtrans`` is public (no sign-in, no CSRF token: ``/webhooks/`` is
exempt in ``expo.app``); the signature in the body is its proof, checked by the adapter.
Midtrans counts a 2xx answer as delivered and retries anything else a few times (fewer for
4xx), then emails the merchant about the failures. The answers:

- 200 for every notification that was understood, whatever it changed (settled, duplicate,
  pending, failed, expired, cancelled, refunded): sending it again would change nothing.
- 403 forged (bad signature), 400 malformed, 404 unknown order id, 409 amount mismatch:
  Midtrans' few retries of these cost nothing (each is logged and changes nothing), and the
  failures it reports are what the operator must look at: a forgery, a rotated server key,
  another system posting to this URL, an amount that is not what was charged.
- 503 when the status API could not confirm a payment: Midtrans retries later, by when it can.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, NoMatchFound, Route

import expo.exhibitors.web  # noqa: F401  (registers the {id:pk} path convertor)
from expo.accounts.models import Role
from expo.accounts.permissions import public, require_user
from expo.errors import DomainError
from expo.events.permissions import event_role
from expo.templating import flash
from expo.web import client_ip, read_form, redirect, render

from . import notify, online
from .online import Outcome

WEBHOOK_MAX_BODY = 64 * 1024  # a notification is about 1 KB
POLL_SECONDS = 5  # the page asks expo this often ...
CHECK_SECONDS = 30.0  # ... and expo asks the gateway at most this often for a polling page
BUTTON_SECONDS = 5.0  # the "check status" button
SHOWN_ON_INVOICE = ("gateway_busy", "gateway_refused", "not_open")
STATUS = {Outcome.FORGED: 403, Outcome.MALFORMED: 400, Outcome.UNKNOWN: 404,
          Outcome.MISMATCH: 409, Outcome.UNVERIFIED: 503}


def _path(request: Request, name: str, fallback: str = "", **params: object) -> str:
    """A link to another part's page; ``fallback`` while that part is not mounted."""
    try:
        return str(request.url_for(name, **params).path)
    except NoMatchFound:
        return fallback


def _invoice_page(request: Request) -> str:
    event = request.state.event
    return _path(request, "payments.mine", notify.invoice_path(event), slug=event.slug)


@event_role(Role.EXHIBITOR)
async def pay_online(request: Request) -> Response:
    event = request.state.event
    user = require_user(request)
    method = online.parse_method((await read_form(request)).raw("method"))
    invoice = await online.current_invoice(user=user, event=event)
    try:
        charge = await online.start(invoice=invoice, method=method, by=user)
    except DomainError as exc:
        if exc.code not in SHOWN_ON_INVOICE:
            raise
        flash(request, exc.message, "error")
        return redirect(_invoice_page(request))
    return redirect(str(request.url_for("payments.charge", slug=event.slug,
                                        charge_id=charge.id).path))


@event_role(Role.EXHIBITOR)
async def charge_page(request: Request) -> Response:
    """The QRIS code or the VA number; polled (htmx) every few seconds while unpaid. A poll
    that finds the charge decided asks htmx to reload the whole page."""
    event = request.state.event
    charge = await online.own_charge(user=require_user(request), event=event,
                                     charge_id=request.path_params["charge_id"])
    polled = request.headers.get("hx-request") == "true"
    asked = request.query_params.get("check") == "1"
    check = CHECK_SECONDS if polled else BUTTON_SECONDS if asked else None
    view = await online.view(charge=charge, check_every=check)
    receipt = (_path(request, "payments.receipt_pdf", slug=event.slug,
                     payment_id=view.payment.id) if view.payment else "")
    context = {"event": event, "view": view, "charge": view.charge, "receipt_url": receipt,
               "invoice_url": _invoice_page(request), "poll_seconds": POLL_SECONDS}
    if not polled:
        return render(request, "payments/charge.html", context)
    response = render(request, "payments/_charge_status.html", context)
    if not view.waiting:
        response.headers["HX-Refresh"] = "true"
    return response


@public
async def midtrans_notify(request: Request) -> Response:
    if not online.configured():
        return PlainTextResponse("not configured", status_code=404)
    body = await request.body()
    try:
        outcome = await online.handle_notification(
            provider="midtrans", body=body, headers=request.headers, ip=client_ip(request))
    except DomainError as exc:  # another provider is configured
        return PlainTextResponse(exc.code, status_code=exc.status_code)
    return PlainTextResponse(outcome, status_code=STATUS.get(Outcome(outcome), 200))


routes: list[BaseRoute] = [
    Route("/manage/e/{slug}/invoice/online", pay_online, methods=["POST"],
          name="payments.pay_online"),
    Route("/manage/e/{slug}/invoice/online/{charge_id:pk}", charge_page, methods=["GET"],
          name="payments.charge"),
    Route("/webhooks/payments/midtrans", midtrans_notify, methods=["POST"],
          name="payments.midtrans_notify", max_body_size=WEBHOOK_MAX_BODY),
]
