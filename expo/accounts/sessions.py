"""Server-side sessions: a row per signed-in browser, so that signing out ends it for good.

The browser's (signed) session cookie carries a random session id; the table keeps only its
SHA-256 digest, the user, when it began, was last seen and expires, a short description of
the browser and the address. Loading it is one query on every page request; ``last_seen_at``
(and with it the sliding expiry) is written at most every ``TOUCH_EVERY``.
"""

from __future__ import annotations

import datetime as dt

from tortoise.expressions import Q

from expo.accounts.models import User, UserSession
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import NotFound
from expo.security import new_token, token_digest

SESSION_TTL = dt.timedelta(days=14)  # idle time after which a session ends (as the cookie)
TOUCH_EVERY = dt.timedelta(minutes=5)
KEEP_ENDED = dt.timedelta(days=30)  # ended sessions are deleted after this long

_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def describe_agent(user_agent: str) -> str:
    """A short, recognisable name for a browser ("Chrome, Android"); no full header is kept."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)[:80]


async def start_session(*, user: User, user_agent: str = "",
                        ip: str = "") -> tuple[str, UserSession]:
    """Begin a session for ``user``: the id for the cookie (never stored) and the row."""
    now = _now()
    cutoff = now - KEEP_ENDED
    await UserSession.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff),
                             user_id=user.id).delete()
    token = new_token()
    row = await UserSession.create(digest=token_digest(token), user=user, last_seen_at=now,
                                   expires_at=now + SESSION_TTL,
                                   agent=describe_agent(user_agent), ip=ip[:45])
    return token, row


async def active_session(token: str) -> UserSession | None:
    """The live session for a cookie's id, with its (active) user loaded: one query."""
    now = _now()
    row = await UserSession.filter(
        digest=token_digest(token), revoked_at=None, expires_at__gt=now, user__is_active=True,
    ).select_related("user").first()
    if row is not None and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at, row.expires_at = now, now + SESSION_TTL
        await UserSession.filter(id=row.id, revoked_at=None).update(
            last_seen_at=row.last_seen_at, expires_at=row.expires_at)
    return row


async def end_session(token: str) -> None:
    """Sign-out: the session id stops working, also in copies of the cookie."""
    await UserSession.filter(digest=token_digest(token), revoked_at=None).update(revoked_at=_now())


async def revoke_sessions(*, user: User, keep_id: int | None = None) -> int:
    """End every live session of ``user`` (but ``keep_id``); returns how many ended."""
    now = _now()
    query = UserSession.filter(user_id=user.id, revoked_at=None, expires_at__gt=now)
    if keep_id is not None:
        query = query.exclude(id=keep_id)
    return await query.update(revoked_at=now)


async def list_sessions(user: User) -> list[UserSession]:
    return await UserSession.filter(user_id=user.id, revoked_at=None,
                                    expires_at__gt=_now()).order_by("-last_seen_at", "-id")


async def sign_out_everywhere(*, user: User, current_id: int | None, keep_current: bool,
                              ip: str = "") -> int:
    """End the user's sessions, all or all but the current one (audited)."""
    async with atomic():
        ended = await revoke_sessions(user=user, keep_id=current_id if keep_current else None)
        await log_action(action="expo.user.sessions_revoked", actor=user, obj=user,
                         summary=f"{user.email}: {ended}", ip=ip,
                         data={"count": ended, "scope": "others" if keep_current else "all"})
        return ended


async def end_one(*, user: User, session_id: int, ip: str = "") -> None:
    """End one of the user's own live sessions; another user's (or an ended) id is 404."""
    now = _now()
    async with atomic():
        ended = await UserSession.filter(id=session_id, user_id=user.id, revoked_at=None,
                                         expires_at__gt=now).update(revoked_at=now)
        if not ended:
            raise NotFound()
        await log_action(action="expo.user.sessions_revoked", actor=user, obj=user,
                         summary=f"{user.email}: 1", ip=ip,
                         data={"count": 1, "scope": "one", "session": session_id})
