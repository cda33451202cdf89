"""The scan API under /api/v1: bearer device tokens only, never cookies.

    POST /api/v1/events/{slug}/scans          one scan
    POST /api/v1/events/{slug}/scans/batch    up to 1,000 scans, a result for each, in order
    POST /api/v1/events/{slug}/visitors       a walk-in ticket (kiosk tokens)
    GET  /api/v1/events/{slug}/offline        public key and rules for offline scanning
    GET  /api/v1/events/{slug}/counters       live counters
    GET  /api/v1/events/{slug}/search?q=      a few matches by name or phone (fallback)
    GET  /api/v1/openapi.json
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from expo import i18n
from expo.accounts.permissions import public
from expo.errors import DomainError, Forbidden, NotFound
from expo.events.models import Event
from expo.forms import Form
from expo.i18n import gettext as _
from expo.ratelimit import RateLimiter
from expo.visitors import checkin, codes, service
from expo.visitors.checkin import GateContext, ScanInput, ScanResult
from expo.visitors.forms import parse_visitor_form
from expo.visitors.models import TYPE_LABELS, Direction, Source
from expo.visitors.openapi import OPENAPI
from expo.web import absolute_url, settings_of

MAX_BATCH = 1000
MAX_NONCE = 64
ApiEndpoint = Callable[[Request, GateContext, service.Device], Awaitable[Response]]


class Unauthorized(DomainError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__(_("Send a valid device token: Authorization: Bearer <token>."),
                         "unauthorized")


def device_token(endpoint: ApiEndpoint) -> Callable[[Request], Awaitable[Response]]:
    """Require a device token of the event named in the path; cookies are ignored."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        scheme, _sep, plain = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not plain.strip():
            raise Unauthorized()
        device = await service.device_for(plain=plain.strip())
        if device is None:
            raise Unauthorized()
        ctx = await checkin.gate_context(slug=request.path_params["slug"])
        if ctx is None:
            raise NotFound(_("No event with this short name."))
        if device.event_id != ctx.event_id:
            raise Forbidden(_("This device token belongs to another event."), "wrong_event")
        wanted = i18n.negotiate(request.headers.get("accept-language", ""))
        token = i18n.set_locale(wanted) if wanted else None
        try:
            return await endpoint(request, ctx, device)
        finally:
            if token is not None:
                i18n.reset_locale(token)

    wrapper.__expo_permission__ = "device"  # type: ignore[attr-defined]
    return wrapper


def _invalid(message: str) -> DomainError:
    return DomainError(message, "invalid_input", status_code=422)


async def _json(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("The body must be JSON, such as {\"code\": \"...\"}."),
                          "malformed_json", status_code=400) from None


def parse_scan(item: Any) -> ScanInput:
    if not isinstance(item, dict):
        raise _invalid(_("A scan is an object with at least \"code\"."))
    code = item.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 512:
        raise _invalid(_("\"code\" is required: the text read from the QR code."))
    direction = item.get("direction", "in") or "in"
    if direction not in ("in", "out"):
        raise _invalid(_("\"direction\" is \"in\" or \"out\"."))
    nonce = item.get("nonce")
    if nonce is not None and (not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE):
        raise _invalid(_("\"nonce\" is a string of 1 to 64 characters, unique per scan."))
    scanned_at = item.get("scanned_at")
    when = None
    if scanned_at is not None:
        try:
            when = dt.datetime.fromisoformat(str(scanned_at).replace("Z", "+00:00"))
        except ValueError:
            raise _invalid(_("\"scanned_at\" is an ISO 8601 time, such as "
                             "2027-04-20T09:12:00+08:00.")) from None
    return ScanInput(code=code, direction=Direction(direction), nonce=nonce, scanned_at=when,
                     offline=item.get("offline") is True)


def result_json(result: ScanResult, ctx: GateContext) -> dict[str, Any]:
    return {
        "status": result.status, "reason": result.reason,
        "visitor": None if result.name is None else {"name": result.name, "type": result.type},
        "at": result.at.isoformat() if result.at else None,
        "entered_at": result.entered_at.isoformat() if result.entered_at else None,
        "direction": result.direction, "forced": result.forced,
        "message": checkin.message_for(result, ctx.tz),
    }


def _signer(request: Request) -> codes.Signer:
    return codes.signer_for(settings_of(request).secret_key)


async def _scan(request: Request, ctx: GateContext, device: service.Device,
                item: ScanInput) -> ScanResult:
    result = await checkin.record_scan(ctx=ctx, scan=item, signer=_signer(request),
                                       gate_id=device.gate_id, device_id=device.id)
    if result.forced:
        from expo.audit.service import log_action

        await log_action(action="expo.visitor.forced_entry", actor=None,
                         event=await Event.get(id=ctx.event_id),
                         summary=f"{result.name} @ {device.gate_name}: {result.reason}",
                         data={"device": device.id, "reason": result.reason,
                               "visitor": result.visitor_id})
    return result


@device_token
async def scan_one(request: Request, ctx: GateContext, device: service.Device) -> Response:
    item = parse_scan(await _json(request))
    return JSONResponse(result_json(await _scan(request, ctx, device, item), ctx))


@device_token
async def scan_batch(request: Request, ctx: GateContext, device: service.Device) -> Response:
    body = await _json(request)
    items = body.get("scans") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise _invalid(_("Send {\"scans\": [...]} with up to 1,000 scans."))
    if len(items) > MAX_BATCH:
        raise _invalid(_("At most 1,000 scans per batch; split the rest."))
    results: list[dict[str, Any]] = []
    for item in items:
        try:
            parsed = parse_scan(item)
        except DomainError as exc:
            results.append({"status": "error", "error": exc.code, "message": exc.message})
            continue
        results.append(result_json(await _scan(request, ctx, device, parsed), ctx))
    return JSONResponse({"results": results})


@device_token
async def visitors(request: Request, ctx: GateContext, device: service.Device) -> Response:
    if request.method == "GET" or not device.kiosk:
        raise Forbidden(_("Device tokens cannot list visitors; only kiosk tokens can add them."),
                        "forbidden")
    body = await _json(request)
    if not isinstance(body, dict):
        raise _invalid(_("Send an object: {\"name\", \"phone\", \"type\"}."))
    form = Form({k: str(v) for k, v in body.items() if isinstance(v, str | int)})
    try:
        data = parse_visitor_form(form, kiosk=True)
    except DomainError:
        detail = "; ".join(f"{k}: {v}" for k, v in form.errors.items())
        raise _invalid(detail) from None
    event = await Event.get(id=ctx.event_id)
    visitor = await service.register_visitor(event=event, data=data, source=Source.KIOSK)
    code = service.ticket_code(visitor=visitor, signer=_signer(request))
    url = absolute_url(request, "visitors.ticket", token=visitor.link_token)
    return JSONResponse({"code": code, "ticket_url": url, "name": visitor.name,
                         "type": visitor.type.value}, status_code=201)


@device_token
async def offline(request: Request, ctx: GateContext, device: service.Device) -> Response:
    event = await Event.get(id=ctx.event_id)
    bundle = await service.offline_bundle(event=event, signer=_signer(request))
    bundle["gate"] = device.gate_name
    bundle["messages"] = checkin.scanner_messages()
    return JSONResponse(bundle)


@device_token
async def counters(request: Request, ctx: GateContext, device: service.Device) -> Response:
    event = await Event.get(id=ctx.event_id)
    return JSONResponse((await service.counters(event=event)).as_dict())


# A gate needs a handful of searches a minute; a script harvesting visitors needs thousands.
SEARCH_LIMIT = RateLimiter(limit=20, window=60)


@device_token
async def search(request: Request, ctx: GateContext, device: service.Device) -> Response:
    wait = SEARCH_LIMIT.hit(device.id)
    if wait:
        seconds = math.ceil(wait)
        return JSONResponse({"error": "rate_limited", "message": _(
            "Too many searches from this device. Try again in {n} seconds, or scan the ticket."
        ).format(n=seconds)}, status_code=429, headers={"Retry-After": str(seconds)})
    event = await Event.get(id=ctx.event_id)
    found = await service.search_at_gate(event=event, q=request.query_params.get("q", ""))
    signer = _signer(request)
    return JSONResponse({"results": [
        {"name": v.name, "phone": service.mask_phone(v.phone), "type": str(TYPE_LABELS[v.type]),
         "revoked": v.revoked_at is not None,
         "code": service.ticket_code(visitor=v, signer=signer)} for v in found]})


@public
async def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI | {"servers": [{"url": settings_of(request).base_url}]})


routes = [
    Route("/api/v1/openapi.json", openapi, name="api.openapi"),
    Route("/api/v1/events/{slug}/scans", scan_one, methods=["POST"], name="api.scan"),
    Route("/api/v1/events/{slug}/scans/batch", scan_batch, methods=["POST"],
          name="api.scan_batch"),
    Route("/api/v1/events/{slug}/visitors", visitors, methods=["GET", "POST"],
          name="api.visitors"),
    Route("/api/v1/events/{slug}/offline", offline, name="api.offline"),
    Route("/api/v1/events/{slug}/counters", counters, name="api.counters"),
    Route("/api/v1/events/{slug}/search", search, name="api.search"),
]
