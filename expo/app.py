"""The ASGI application: ``create_app(settings)``."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from tortoise.contrib.starlette import RegisterTortoise

from expo import i18n
from expo.accounts.permissions import AuthMiddleware
from expo.accounts.routes import LOCALE_COOKIE
from expo.accounts.routes import routes as account_routes
from expo.audit.routes import routes as audit_routes
from expo.booths.allocation_routes import routes as booth_allocation_routes
from expo.booths.routes import routes as booth_routes
from expo.db import tortoise_config
from expo.errors import (
    DomainError,
    domain_error_handler,
    error_response,
    http_exception_handler,
    server_error_handler,
)
from expo.events.routes import routes as event_routes
from expo.exhibitors.routes import routes as exhibitor_routes
from expo.i18n import gettext as _
from expo.leads.committee_routes import routes as lead_committee_routes
from expo.leads.routes import routes as lead_routes
from expo.offline import routes as offline_routes
from expo.reports.routes import routes as report_routes
from expo.security import CSRFMiddleware
from expo.settings import Settings
from expo.visitors.api import routes as visitor_api_routes
from expo.visitors.routes import routes as visitor_routes

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
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
        chosen = Request(scope).cookies.get(LOCALE_COOKIE) or i18n.DEFAULT_LOCALE
        token = i18n.set_locale(chosen)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset_locale(token)


class BodyLimitMiddleware:
    """Refuses bodies over the limit with the friendly 413 page."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        try:
            too_big = length is not None and int(length) > self.max_body_size
        except ValueError:
            too_big = True
        if too_big:
            response = error_response(Request(scope), 413)
            await response(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive():  # type: ignore[no-untyped-def]
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_size:
                    raise HTTPException(413)
            return message

        async def watch_send(message):  # type: ignore[no-untyped-def]
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watch_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await error_response(Request(scope), 413)(scope, receive, send)


async def _csrf_failed(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        Request(scope), 403,
        _("This form has expired or was sent from another site. Reload the page and try again."),
        "csrf_failed")
    await response(scope, receive, send)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """Build the app. ``manage_db=False`` leaves the database to the caller (tests)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_db:
            yield
            return
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            yield

    routes = [
        Route("/healthz", healthz, name="healthz"),
        *visitor_api_routes,  # first: the gate's hot path should not walk the page routes
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        *offline_routes,
        *event_routes,
        *account_routes,
        *audit_routes,
        *exhibitor_routes,
        *visitor_routes,
        *booth_routes,
        *booth_allocation_routes,
        *report_routes,
        *lead_routes,
        *lead_committee_routes,
    ]
    middleware = [
        Middleware(LocaleMiddleware),
        Middleware(BodyLimitMiddleware, max_body_size=settings.max_body_size),
        Middleware(SessionMiddleware, secret_key=settings.secret_key,
                   session_cookie=SESSION_COOKIE, max_age=14 * 86400, same_site="lax",
                   https_only=settings.https_only),
        Middleware(CSRFMiddleware, on_failure=_csrf_failed),
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


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory expo.app:app_factory`` (settings from the env)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    # Fewer, shorter collector pauses under a scan rush: the objects loaded at start-up
    # (modules, templates, routes) are moved out of the collector's sight, and the young
    # generation is collected less often (allocation-heavy request handling).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app
