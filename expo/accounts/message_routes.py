"""Public pages of the messages: the providers' delivery receipts and the opt-out page.

- ``/webhooks/whatsapp/cloud``: Meta's webhook. GET answers the subscription check (the
  verify token); POST takes notifications signed with the app secret
  (``X-Hub-Signature-256``) and applies their message statuses.
- ``/webhooks/whatsapp/gateway``: a gateway's receipts, signed with its webhook secret.
- ``/berhenti/{token}``: the link at the end of every broadcast. The token is signed (the
  channel and the address), so it needs no sign-in; the page shows the address masked.

Webhooks carry no CSRF token (``/webhooks/`` is exempt in ``expo.app``): their signature is
their proof. A provider that is not configured has no webhook (404); one without its secret
accepts nothing (403).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from expo.accounts.permissions import public
from expo.channels import whatsapp_cloud, whatsapp_gateway
from expo.errors import found
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.outbox import Channel
from expo.security import constant_time_equals
from expo.templating import flash
from expo.web import redirect, render, settings_of

WEBHOOK_MAX_BODY = 2**20  # a notification is a few kilobytes; Meta batches up to about 1000


def _plain(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status)


async def _body(request: Request, limit: int = WEBHOOK_MAX_BODY) -> bytes | None:
    """The raw body (signatures are over its bytes), or None when it is over ``limit``."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(request: Request, body: bytes) -> Any:
    """A JSON body, or a form's fields (some gateways post forms); None when unreadable."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        return json.loads(body)
    except ValueError:
        return None


# ---- WhatsApp Cloud API ----------------------------------------------------------------------

@public
async def cloud_verify(request: Request) -> Response:
    cloud = settings_of(request).whatsapp_cloud
    if cloud is None:
        return _plain(404, "not configured")
    query = request.query_params
    token = query.get("hub.verify_token", "")
    if (query.get("hub.mode") != "subscribe" or not cloud.verify_token
            or not constant_time_equals(token, cloud.verify_token)):
        return _plain(403, "verify token mismatch")
    return _plain(200, query.get("hub.challenge", ""))


@public
async def cloud_receipts(request: Request) -> Response:
    cloud = settings_of(request).whatsapp_cloud
    if cloud is None:
        return _plain(404, "not configured")
    body = await _body(request)
    if body is None:
        return _plain(413, "too large")
    signature = request.headers.get("x-hub-signature-256")
    if not whatsapp_cloud.verify_signature(body, signature, cloud.app_secret):
        return _plain(403, "bad signature")
    payload = _decode(request, body)
    if not isinstance(payload, dict):
        return _plain(400, "not a notification")
    await messages.apply_receipts(whatsapp_cloud.CloudAdapter.name,
                                  whatsapp_cloud.parse_receipts(payload))
    return _plain(200, "ok")


# ---- an HTTP gateway -------------------------------------------------------------------------

@public
async def gateway_receipts(request: Request) -> Response:
    gateway = settings_of(request).whatsapp_gateway
    if gateway is None:
        return _plain(404, "not configured")
    body = await _body(request)
    if body is None:
        return _plain(413, "too large")
    signature = request.headers.get(gateway.signature_header)
    if not whatsapp_gateway.verify_signature(body, signature, gateway.webhook_secret):
        return _plain(403, "bad signature")
    payload = _decode(request, body)
    if not isinstance(payload, dict | list):
        return _plain(400, "not a receipt")
    await messages.apply_receipts(whatsapp_gateway.GatewayAdapter.name,
                                  whatsapp_gateway.parse_receipts(payload))
    return _plain(200, "ok")


# ---- opting out ------------------------------------------------------------------------------

def mask(channel: Channel, address: str) -> str:
    """Enough of an address to recognise it, not enough to learn it (``bu•••@mail.id``,
    ``+6281••••••890``)."""
    if channel == Channel.EMAIL:
        local, _at, domain = address.partition("@")
        return f"{local[:2]}•••@{domain}"
    if len(address) <= 8:
        return address[:3] + "•" * max(0, len(address) - 3)
    return address[:5] + "•" * (len(address) - 8) + address[-3:]


def _subscription(request: Request) -> tuple[str, Channel, str]:
    token = request.path_params["token"]
    channel, address = found(messages.read_opt_out(token),
                             _("This link is not valid. Open the link in the message again."),
                             "opt_out_invalid")
    return token, channel, address


@public
async def opt_out_page(request: Request) -> Response:
    token, channel, address = _subscription(request)
    return render(request, "messages/opt_out.html", {
        "token": token, "channel": channel, "address": mask(channel, address),
        "opted_out": await messages.opted_out(channel, address)})


@public
async def opt_out(request: Request) -> Response:
    token, channel, address = _subscription(request)
    await messages.opt_out(channel, address)
    flash(request, _("Done: no more broadcasts will be sent to %(address)s.",
                     address=mask(channel, address)))
    return redirect(str(request.url_for("messages.opt_out", token=token).path))


@public
async def opt_in(request: Request) -> Response:
    token, channel, address = _subscription(request)
    await messages.opt_in(channel, address)
    flash(request, _("Welcome back: broadcasts will be sent to %(address)s again.",
                     address=mask(channel, address)))
    return redirect(str(request.url_for("messages.opt_out", token=token).path))


routes = [
    Route("/webhooks/whatsapp/cloud", cloud_verify, methods=["GET"],
          name="messages.cloud_verify"),
    Route("/webhooks/whatsapp/cloud", cloud_receipts, methods=["POST"],
          name="messages.cloud_receipts"),
    Route("/webhooks/whatsapp/gateway", gateway_receipts, methods=["POST"],
          name="messages.gateway_receipts"),
    Route("/berhenti/{token}", opt_out_page, methods=["GET"], name="messages.opt_out"),
    Route("/berhenti/{token}", opt_out, methods=["POST"], name="messages.opt_out_save"),
    Route("/berhenti/{token}/batal", opt_in, methods=["POST"], name="messages.opt_in"),
]
