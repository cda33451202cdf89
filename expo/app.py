"""The ASGI application: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.contrib.starlette import RegisterTortoise

from expo import i18n, invalidation, offload, paths, wiring
from expo.accounts.jobs_routes import routes as job_routes
from expo.accounts.message_routes import routes as message_routes
from expo.accounts.permissions import AuthMiddleware
from expo.accounts.routes import routes as account_routes
from expo.booths.allocation_routes import routes as booth_allocation_routes
from expo.booths.routes import routes as booth_routes
from expo.compression import CompressionMiddleware
from expo.db import tortoise_config
from expo.errors import (
    DomainError,
    domain_error_handler,
    error_response,
    http_exception_handler,
    server_error_handler,
)
from expo.events.messages_routes import routes as event_message_routes
from expo.events.rehearsal_routes import routes as rehearsal_routes
from expo.events.routes import routes as event_routes
from expo.events.team_routes import routes as team_routes
from expo.exhibitors.broadcast_routes import routes as broadcast_routes
from expo.exhibitors.routes import routes as exhibitor_routes
from expo.i18n import gettext as _
from expo.jobs.worker import Worker
from expo.leads.committee_routes import routes as lead_committee_routes
from expo.leads.routes import routes as lead_routes
from expo.messages import service as messages
from expo.offline import routes as offline_routes
from expo.payments import online as payments_online
from expo.payments.committee_routes import routes as payment_committee_routes
from expo.payments.document_routes import routes as payment_document_routes
from expo.payments.online_routes import routes as payment_online_routes
from expo.payments.routes import routes as payment_routes
from expo.payments.statement_routes import routes as statement_routes
from expo.procurement import web as procurement_web  # noqa: F401 - template globals
from expo.procurement.routes import routes as procurement_routes
from expo.reports.jobs import configure as configure_exports
from expo.reports.jobs import recover_interrupted_jobs
from expo.reports.routes import routes as report_routes
from expo.security import CSRFMiddleware
from expo.settings import Settings
from expo.staticfiles import CachedStaticFiles
from expo.visitors import scanstore
from expo.visitors.api import SCAN_PATH, ScanFastPath
from expo.visitors.api import routes as visitor_api_routes
from expo.visitors.rehearsal_routes import routes as test_ticket_routes
from expo.visitors.routes import routes as visitor_routes

STATIC_DIR = paths.STATIC_DIR
SESSION_COOKIE = "expo_session"
log = logging.getLogger("expo")


class LocaleMiddleware:
    """Sets the request's locale from the ``expo_lang`` cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Bahasa Indonesia unless the person chose otherwise (the choice persists in a cookie
        # and, when signed in, on their account).
        chosen = Request(scope).cookies.get(i18n.LOCALE_COOKIE) or i18n.DEFAULT_LOCALE
        token = i18n.set_locale(chosen)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset_locale(token)


_TRUSTED = "expo.trusted_host"


async def _trusted(scope: Scope, receive: Receive, send: Send) -> None:
    scope[_TRUSTED] = True


async def _discard(message: Message) -> None:
    pass


class HostMiddleware:
    """Refuses a request whose Host header is not one of ``allowed_hosts`` with the 400 page.

    Starlette's ``TrustedHostMiddleware`` judges the header; the refusal is the friendly page,
    in the person's language, with every link on it built on EXPO_BASE_URL (never on the
    forged host). ``exempt`` paths (the health check, probed by address) are not checked.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str], base_url: str,
                 exempt: tuple[str, ...] = ("/healthz",)) -> None:
        self.app = app
        self.base_url = base_url
        self.exempt = exempt
        self.judge = TrustedHostMiddleware(_trusted, allowed_hosts=list(allowed_hosts),
                                           www_redirect=False)
        self.refuse = LocaleMiddleware(self._refuse)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        await self.judge(scope, receive, _discard)  # calls _trusted, or answers a plain 400
        if scope.pop(_TRUSTED, False):
            await self.app(scope, receive, send)
        else:
            await self.refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = Headers(scope=scope).get("host", "")[:100]
        log.info("refused the Host header %r", host)
        base = urlsplit(self.base_url)
        headers = [(b"host", base.netloc.encode("latin-1")),
                   *((k, v) for k, v in scope["headers"] if k != b"host")]
        request = Request({**scope, "scheme": base.scheme, "headers": headers})
        response = error_response(
            request, 400,
            _("This server does not answer to the address %(host)s. Open %(site)s instead "
              "(the administrator can allow more addresses with EXPO_ALLOWED_HOSTS).",
              host=host or "?", site=self.base_url),
            "bad_host", title=_("Unknown address"), site=self.base_url)
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


DRAIN_LIMIT = 64 * 2**20


async def _drain(receive: Receive, limit: int = DRAIN_LIMIT) -> None:
    """Read and drop the rest of the request body (at most ``limit`` bytes)."""
    dropped = 0
    while dropped <= limit:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        dropped += len(message.get("body", b""))


def _too_large(scope: Scope) -> Response:
    response = error_response(Request(scope), 413)
    response.headers["Connection"] = "close"
    return response


class BodyLimitMiddleware:
    """Refuses bodies over the limit with the friendly 413 page.

    A browser sends the whole body before it reads the answer: if the server closes the
    connection while the upload still arrives, the person sees "connection reset" instead of
    the page. So the rest of a refused body is read and dropped first (up to DRAIN_LIMIT;
    beyond that the connection is closed anyway), then the page is sent with
    ``Connection: close``. A client that waits for ``100 Continue`` is answered at once.
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        raw = headers.get("content-length")
        length = int(raw) if raw is not None and raw.isdigit() else None
        if raw is not None and (length is None or length > self.max_body_size):
            if (length is not None and length <= self.max_body_size + DRAIN_LIMIT
                    and headers.get("expect", "").lower() != "100-continue"):
                await _drain(receive)
            await _too_large(scope)(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_size:  # a body without Content-Length, or a lie
                    if message.get("more_body", False):
                        await _drain(receive)
                    raise HTTPException(413, headers={"Connection": "close"})
            return message

        async def watch_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watch_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _too_large(scope)(scope, receive, send)

async def _csrf_failed(scope: Scope, receive: Receive, send: Send) -> None:
    # Mostly a session that ended (signed out in another tab, cookies cleared) under an open
    # form: the page says so, in the person's language, and gives back what was typed.
    response = error_response(
        Request(scope), 403,
        _("This form has expired or was sent from another site. Sign in again or reload the "
          "form, then send it again."),
        "csrf_failed", title=_("This form has expired"))
    await response(scope, receive, send)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _stop_worker(worker: Worker, task: asyncio.Task[None]) -> None:
    worker.stop()
    await task


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """Build the app. ``manage_db=False`` leaves the database to the caller (tests)."""
    settings = settings or Settings.from_env()
    wiring.connect()
    messages.configure(settings)
    payments_online.configure(settings)
    configure_exports(database_url=settings.database_url)  # exports: a child process

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if manage_db:
                await stack.enter_async_context(
                    RegisterTortoise(app, config=tortoise_config(settings.database_url)))
                await stack.enter_async_context(invalidation.listening(settings))  # workers
            stack.callback(offload.shutdown)  # the worker processes stop with the app
            stack.push_async_callback(scanstore.close_all)  # the scans' connection, first
            # Start-up work goes here, one line each (the database is ready).
            if manage_db:  # jobs a killed process left "running": failed, partial files gone
                await recover_interrupted_jobs(data_dir=settings.data_dir)
            stack.push_async_callback(messages.close)
            stack.push_async_callback(payments_online.close)
            if settings.worker:  # the job worker, in this process (EXPO_WORKER=off: elsewhere)
                worker = Worker(concurrency=settings.worker_concurrency)
                task = asyncio.create_task(worker.run())
                stack.push_async_callback(_stop_worker, worker, task)
            yield

    routes = [
        Route("/healthz", healthz, name="healthz"),
        *visitor_api_routes,  # first: the gate's hot path should not walk the page routes
        Mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static"),
        *offline_routes,
        *event_routes,
        *rehearsal_routes,
        *account_routes,
        *team_routes,
        *exhibitor_routes,
        *visitor_routes,
        *test_ticket_routes,
        *booth_routes,
        *booth_allocation_routes,
        *report_routes,
        *lead_routes,
        *lead_committee_routes,
        *message_routes,  # webhooks (delivery receipts) and the opt-out page
        *event_message_routes,
        *broadcast_routes,
        *payment_routes,
        *payment_committee_routes,
        *statement_routes,
        *procurement_routes,
        *payment_online_routes,
        *payment_document_routes,
        *job_routes,
    ]
    middleware = [
        # First: a request with a forged Host is refused before anything else runs.
        Middleware(HostMiddleware, allowed_hosts=settings.trusted_hosts,
                   base_url=settings.base_url),
        # The gate's scans: straight to their endpoint, past the page middlewares below.
        Middleware(ScanFastPath, max_body_size=settings.max_body_size),
        Middleware(CompressionMiddleware),  # gzip for text bodies over 500 bytes
        Middleware(LocaleMiddleware),
        Middleware(BodyLimitMiddleware, max_body_size=settings.max_body_size),
        Middleware(SessionMiddleware, secret_key=settings.secret_key,
                   session_cookie=SESSION_COOKIE, max_age=14 * 86400, same_site="lax",
                   https_only=settings.https_only),
        # Webhooks carry a provider's signature, not a CSRF token (accounts.message_routes).
        Middleware(CSRFMiddleware, on_failure=_csrf_failed,
                   exempt_prefixes=("/api/", "/webhooks/")),
        Middleware(AuthMiddleware),
    ]
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: http_exception_handler,
            DomainError: domain_error_handler,
            500: server_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app


def quiet_scans(record: logging.LogRecord) -> bool:
    """uvicorn's access log, less the gate's accepted scans: each one is recorded already
    (``visitor_scans``: device, gate, time, answer), and at a rush writing a line for each cost
    5-8% of a scan's CPU. Refused requests (401, 403, 422, ...) are still logged."""
    args = record.args
    if isinstance(args, tuple) and len(args) == 5:
        _client, method, path, _version, status = args
        if (method == "POST" and isinstance(status, int) and 200 <= status < 300
                and isinstance(path, str) and SCAN_PATH.fullmatch(path)):
            return False
    return True


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory expo.app:app_factory`` (settings from the env)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("uvicorn.access").addFilter(quiet_scans)
    app = create_app()
    # Fewer, shorter collector pauses under a scan rush: the objects loaded at start-up
    # (modules, templates, routes) are moved out of the collector's sight, and the young
    # generation is collected less often (allocation-heavy request handling).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app
