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

import asyncio
import datetime as dt
import functools
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expo import i18n
from expo.accounts.permissions import public
from expo.errors import (
    DomainError,
    Forbidden,
    NotFound,
    domain_error_handler,
    http_exception_handler,
)
from expo.events.models import Event
from expo.forms import Form, storable
from expo.i18n import gettext as _
from expo.ratelimit import SharedRateLimiter
from expo.visitors import checkin, codes, keys, notify, service
from expo.visitors.checkin import GateContext, ScanInput, ScanResult
from expo.visitors.forms import parse_visitor_form
from expo.visitors.models import Direction, Source, VisitorType
from expo.visitors.openapi import OPENAPI
from expo.web import absolute_url, settings_of

MAX_BATCH = 1000
MAX_NONCE = 64
MAX_SLUG = 60  # Event.slug
# Any time a zone can show: a day inside the calendar's ends (offsets are under 24 hours).
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
BATCH_LANES = 32  # tickets of one batch recorded at once (one ticket's scans stay in order)
log = logging.getLogger("expo.visitors")
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
        slug = request.path_params["slug"]
        # No event has a longer or unstorable slug: say so without asking the database.
        ctx = await checkin.gate_context(slug=slug) if _slug_ok(slug) else None
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


def _slug_ok(slug: str) -> bool:
    return len(slug) <= MAX_SLUG and storable(slug)


def _invalid(message: str) -> DomainError:
    return DomainError(message, "invalid_input", status_code=422)


def _unstorable(field: str) -> DomainError:
    return _invalid(_("\"%(field)s\" contains a character that cannot be stored (a NUL or an "
                      "unpaired surrogate).", field=field))


async def _json(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("The body must be JSON, such as {\"code\": \"...\"}."),
                          "malformed_json", status_code=400) from None
    except RecursionError:
        raise DomainError(_("The JSON is nested too deeply."), "malformed_json",
                          status_code=400) from None


def parse_scan(item: Any) -> ScanInput:
    if not isinstance(item, dict):
        raise _invalid(_("A scan is an object with at least \"code\"."))
    for name in ("code", "direction", "nonce", "scanned_at"):
        value = item.get(name)
        if isinstance(value, str) and not storable(value):
            raise _unstorable(name)
    code = item.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 512:
        raise _invalid(_("\"code\" is required: the text read from the QR code."))
    direction = item.get("direction", "in") or "in"
    if direction not in ("in", "out"):
        raise _invalid(_("\"direction\" is \"in\" or \"out\"."))
    nonce = item.get("nonce")
    if nonce is not None and (not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE):
        raise _invalid(_("\"nonce\" is a string of 1 to 64 characters, unique per scan."))
    return ScanInput(code=code, direction=Direction(direction), nonce=nonce,
                     scanned_at=_scanned_at(item.get("scanned_at")),
                     offline=item.get("offline") is True)


def _scanned_at(value: Any) -> dt.datetime | None:
    """The device's time in UTC (a time without offset is UTC)."""
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        when = dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        when = when.replace(tzinfo=when.tzinfo or dt.UTC).astimezone(dt.UTC)
        if not EARLIEST <= when <= LATEST:
            raise ValueError(value)
    except (ValueError, OverflowError):  # year 1 at +14:00 is before the calendar's start
        raise _invalid(_("\"scanned_at\" is an ISO 8601 time, such as "
                         "2027-04-20T09:12:00+08:00.")) from None
    return when


def result_json(result: ScanResult, ctx: GateContext) -> dict[str, Any]:
    return {
        "status": result.status, "reason": result.reason,
        "visitor": None if result.name is None else {"name": result.name, "type": result.type},
        "at": result.at.isoformat() if result.at else None,
        "entered_at": result.entered_at.isoformat() if result.entered_at else None,
        "direction": result.direction, "forced": result.forced,
        "message": checkin.message_for(result, ctx.tz),
    }


async def _signer(request: Request, ctx: GateContext) -> codes.Keyring:
    """The event's keys (cached): the current one signs, each one still valid verifies."""
    return await keys.keyring(event_id=ctx.event_id, settings=settings_of(request))


async def _scan(request: Request, ctx: GateContext, device: service.Device,
                item: ScanInput) -> ScanResult:
    signer = await keys.keyring_for_code(event_id=ctx.event_id, code=item.code,
                                         settings=settings_of(request))
    # A forced entry is audited by record_scan, in the scan's own transaction.
    return await checkin.record_scan(ctx=ctx, scan=item, signer=signer,
                                     gate_id=device.gate_id, device_id=device.id,
                                     gate_name=device.gate_name)


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
    results: list[dict[str, Any] | None] = [None] * len(items)
    tickets: dict[str, list[tuple[int, ScanInput]]] = {}
    for index, item in enumerate(items):
        try:
            parsed = parse_scan(item)
        except DomainError as exc:
            results[index] = _item_error(exc.code, exc.message)
            continue
        tickets.setdefault(codes.normalise(parsed.code), []).append((index, parsed))
    lanes = iter(tickets.values())

    async def lane() -> None:
        for scans in lanes:  # a ticket's scans one after another, in the order sent
            for index, parsed in scans:
                results[index] = await _batch_scan(request, ctx, device, parsed)

    await asyncio.gather(*(lane() for _ in range(min(BATCH_LANES, len(tickets)))))
    return JSONResponse({"results": results})


def _item_error(code: str, message: str) -> dict[str, Any]:
    return {"status": "error", "error": code, "message": message}


async def _batch_scan(request: Request, ctx: GateContext, device: service.Device,
                      item: ScanInput) -> dict[str, Any]:
    """One scan of a batch: whatever goes wrong with it is its own error result."""
    try:
        return result_json(await _scan(request, ctx, device, item), ctx)
    except Exception:
        log.exception("a scan of a batch failed on %s", request.url.path)
        return _item_error("scan_failed", _("This scan could not be recorded. Send it again."))


@device_token
async def visitors(request: Request, ctx: GateContext, device: service.Device) -> Response:
    if request.method == "GET" or not device.kiosk:
        raise Forbidden(_("Device tokens cannot list visitors; only kiosk tokens can add them."),
                        "forbidden")
    body = await _json(request)
    if not isinstance(body, dict):
        raise _invalid(_("Send an object: {\"name\", \"phone\", \"type\"}."))
    for key, value in body.items():  # a key that cannot be stored is no field: ignored
        if isinstance(value, str) and not storable(value) and storable(key):
            raise _unstorable(key)
    form = Form({k: str(v) for k, v in body.items() if isinstance(v, str | int)})
    try:
        data = parse_visitor_form(form, kiosk=True)
    except DomainError:
        detail = "; ".join(f"{k}: {v}" for k, v in form.errors.items())
        raise _invalid(detail) from None
    event = await Event.get(id=ctx.event_id)
    signer = await _signer(request, ctx)
    # As the kiosk page does: the ticket goes to the visitor's WhatsApp too, and a phone that
    # has a ticket already gets that one again (200) instead of a second (201).
    done = await service.register(event=event, data=data, source=Source.KIOSK,
                                  post=notify.Post(url_for=functools.partial(absolute_url, request),
                                                   signer=signer))
    visitor = done.visitor
    code = service.ticket_code(visitor=visitor, signer=signer)
    url = absolute_url(request, "visitors.ticket", token=visitor.link_token)
    return JSONResponse({"code": code, "ticket_url": url, "name": visitor.name,
                         "type": visitor.type.value, "existing": not done.created},
                        status_code=201 if done.created else 200)


@device_token
async def offline(request: Request, ctx: GateContext, device: service.Device) -> Response:
    event = await Event.get(id=ctx.event_id)
    bundle = await service.offline_bundle(event=event, signer=await _signer(request, ctx))
    bundle["gate"] = device.gate_name
    bundle["messages"] = checkin.scanner_messages()
    return JSONResponse(bundle)


@device_token
async def counters(request: Request, ctx: GateContext, device: service.Device) -> Response:
    event = await Event.get(id=ctx.event_id)
    return JSONResponse((await service.counters(event=event)).as_dict())


# A gate needs a handful of searches a minute; a script harvesting visitors needs thousands.
SEARCH_LIMIT = SharedRateLimiter("gate_search", limit=20, window=60)  # across workers


@device_token
async def search(request: Request, ctx: GateContext, device: service.Device) -> Response:
    wait = await SEARCH_LIMIT.hit(device.id)
    if wait:
        seconds = math.ceil(wait)
        return JSONResponse({"error": "rate_limited", "message": _(
            "Too many searches from this device. Try again in {n} seconds, or scan the ticket."
        ).format(n=seconds)}, status_code=429, headers={"Retry-After": str(seconds)})
    q = request.query_params.get("q", "")
    if not storable(q):
        raise _unstorable("q")
    event = await Event.get(id=ctx.event_id)
    found = await service.search_at_gate(event=event, q=q)
    signer = await _signer(request, ctx)
    return JSONResponse({"results": [
        {"name": v.name, "phone": service.mask_phone(v.phone), "type": VisitorType.label_of(v.type),
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


# ---- The gate's fast path -------------------------------------------------------------------

SCAN_PATH = re.compile(r"/api/v1/events/([^/]+)/scans(/batch)?")


class ScanFastPath:
    """POST .../scans and .../scans/batch go straight to their endpoints.

    A scanner sends a bearer token, never a cookie, and its answers are small JSON: the
    middlewares of the pages (compression, locale cookie, sessions, CSRF, the account lookup)
    and the router have nothing to do for it, and cost a quarter of a scan's CPU. What still
    applies: the Host check (it runs before this), the body limit (here: the JSON error the
    full stack gives), the same error answers (``domain_error_handler``), and Starlette's
    500 handler around everything. Any other request goes on to ``app`` unchanged.
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = SCAN_PATH.fullmatch(scope["path"])
            if match is not None:
                scope["path_params"] = {"slug": match.group(1)}
                request = Request(scope, self._limited(receive))
                endpoint = scan_batch if match.group(2) else scan_one
                try:
                    length = request.headers.get("content-length", "")
                    if length and (not length.isdigit() or int(length) > self.max_body_size):
                        raise self._too_large()
                    response = await endpoint(request)
                except DomainError as exc:
                    response = await domain_error_handler(request, exc)
                except HTTPException as exc:
                    response = await http_exception_handler(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_size:  # a body longer than it said, or not saying
                raise self._too_large()
            return message

        return limited

    @staticmethod
    def _too_large() -> DomainError:
        return DomainError(_("The request is too large: send at most 1,000 scans a batch."),
                           "too_large", status_code=413)
