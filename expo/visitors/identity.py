"""Who the visitor on a stand page is: a signed cookie set by their ticket link (or by the
short form), holding only the visitor's id."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from expo.events.models import Event
from expo.visitors.models import Visitor

COOKIE = "expo_visitor"
MAX_AGE = 60 * 86400


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    # The salt names the old home of this module: cookies already set stay valid.
    return URLSafeTimedSerializer(secret_key, salt="expo.leads.visitor")


def remember(response: Response, *, visitor: Visitor, secret_key: str,
             https_only: bool = False) -> None:
    value = _serializer(secret_key).dumps({"v": visitor.id})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="lax",
                        secure=https_only, path="/")


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def visitor_id(request: Request, secret_key: str) -> int | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(secret_key).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    value = data.get("v") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


async def current_visitor(request: Request, *, event: Event, secret_key: str) -> Visitor | None:
    """The visitor of this event known by the cookie (none if revoked or of another event)."""
    vid = visitor_id(request, secret_key)
    if vid is None:
        return None
    return await Visitor.get_or_none(id=vid, event=event, revoked_at=None)
