"""Who is signed in, and the permission decorators that routes declare: ``public``,
``login_required``, ``superuser_required`` here; per event, ``expo.events.permissions.event_role``.

Superusers pass every check. Anonymous users are sent to the sign-in page (401 handler);
signed-in users without the role get the friendly 403 page.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from expo.accounts import sessions
from expo.accounts.models import User
from expo.errors import Forbidden
from expo.web import client_ip

Endpoint = Callable[[Request], Awaitable[Response]]


SESSION_KEY = "sid"  # the only sign-in state in the cookie: a random id (see accounts.sessions)
_LEGACY_KEYS = ("uid", "ep")  # cookies from before server-side sessions


class AuthMiddleware:
    """Loads ``request.state.user`` from the session (skips static files and the API)."""

    def __init__(self, app: ASGIApp, skip_prefixes: tuple[str, ...] = ("/static/", "/api/")):
        self.app = app
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self.skip_prefixes):
            conn = HTTPConnection(scope)
            scope.setdefault("state", {})["user"] = await load_session_user(conn)
        await self.app(scope, receive, send)


async def load_session_user(conn: HTTPConnection) -> User | None:
    """The signed-in user, from the live session the cookie names (one query)."""
    session = conn.session
    for key in _LEGACY_KEYS:
        session.pop(key, None)
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    row = await sessions.active_session(token)
    if row is None:  # signed out, revoked, expired or the account was deactivated
        session.pop(SESSION_KEY, None)
        return None
    conn.scope.setdefault("state", {})["session_id"] = row.id
    return row.user  # type: ignore[no-any-return]


async def sign_in(request: Request, user: User) -> None:
    """Start a new session for ``user`` in this browser (ending the one it had, if any)."""
    old = request.session.get(SESSION_KEY)
    if isinstance(old, str):
        await sessions.end_session(old)
    request.session.clear()
    token, row = await sessions.start_session(
        user=user, user_agent=request.headers.get("user-agent", ""), ip=client_ip(request))
    request.session[SESSION_KEY] = token
    request.state.user, request.state.session_id = user, row.id


async def sign_out(request: Request) -> None:
    """End this browser's session on the server too: a copy of the cookie stops working."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        await sessions.end_session(token)
    request.session.clear()


def current_session_id(request: Request) -> int | None:
    return getattr(request.state, "session_id", None)


def current_user(request: Request) -> User | None:
    return getattr(request.state, "user", None)


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise HTTPException(401)
    return user


def login_required(endpoint: Endpoint) -> Endpoint:
    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        require_user(request)
        return await endpoint(request)

    wrapper.__expo_permission__ = "login"  # type: ignore[attr-defined]
    return wrapper


def superuser_required(endpoint: Endpoint) -> Endpoint:
    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        if not require_user(request).is_superuser:
            raise Forbidden()
        return await endpoint(request)

    wrapper.__expo_permission__ = "superuser"  # type: ignore[attr-defined]
    return wrapper


def public(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint as deliberately open to everyone (checked by the route audit test)."""
    endpoint.__expo_permission__ = "public"  # type: ignore[attr-defined]
    return endpoint
