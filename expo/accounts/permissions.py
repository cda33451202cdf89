"""Who is signed in, and the permission decorators that routes declare.

    @event_role(Role.COMMITTEE)
    async def audit_list(request): ...   # request.state.event is loaded, 404 if unknown

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

from expo.accounts.models import Role, User
from expo.accounts.service import roles_for
from expo.errors import Forbidden, NotFound
from expo.events.models import Event

Endpoint = Callable[[Request], Awaitable[Response]]


class AuthMiddleware:
    """Loads ``request.state.user`` from the signed session (skips static files and the API)."""

    def __init__(self, app: ASGIApp, skip_prefixes: tuple[str, ...] = ("/static/", "/api/")):
        self.app = app
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self.skip_prefixes):
            conn = HTTPConnection(scope)
            scope.setdefault("state", {})["user"] = await load_session_user(conn)
        await self.app(scope, receive, send)


async def load_session_user(conn: HTTPConnection) -> User | None:
    session = conn.session
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    user = await User.get_or_none(id=uid, is_active=True)
    if user is None or user.session_epoch != session.get("ep"):
        session.pop("uid", None)
        session.pop("ep", None)
        return None
    return user


def sign_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session["uid"] = user.id
    request.session["ep"] = user.session_epoch


def sign_out(request: Request) -> None:
    request.session.clear()


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


def event_role(*allowed: Role) -> Callable[[Endpoint], Endpoint]:
    """Require one of ``allowed`` roles on the event named by the ``slug`` path parameter."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            user = require_user(request)
            event = await Event.get_or_none(slug=request.path_params["slug"])
            if event is None:
                raise NotFound()
            roles = await roles_for(user, event)
            if not roles & set(allowed):
                raise Forbidden()
            request.state.event = event
            request.state.roles = roles
            return await endpoint(request)

        wrapper.__expo_permission__ = "event:" + ",".join(r.value for r in allowed)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def public(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint as deliberately open to everyone (checked by the route audit test)."""
    endpoint.__expo_permission__ = "public"  # type: ignore[attr-defined]
    return endpoint
