"""Password hashing, random tokens, signing and CSRF protection."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the password hasher (the test suite uses a cheap one; production never calls this)."""
    global _hasher, DUMMY_HASH
    _hasher = hasher
    DUMMY_HASH = hasher.hash("expo-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A fixed hash to verify against when the user does not exist, so that timing does not
# reveal which email addresses have accounts.
DUMMY_HASH = _hasher.hash("expo-dummy-password-for-timing")


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Store only digests of one-time tokens: a leaked table gives no usable links."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# ---- CSRF ---------------------------------------------------------------------------------

CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = new_token(24)
        session[CSRF_SESSION_KEY] = token
    return str(token)


class CSRFMiddleware:
    """Session-bound synchronizer token for every state-changing request.

    The token is accepted from the ``X-CSRF-Token`` header (htmx and fetch) or from the
    ``csrf_token`` field of an urlencoded or multipart form. The body is buffered (it is
    already capped by the app's ``max_body_size``) and replayed to the endpoint. Paths under
    an exempt prefix (the bearer-token JSON API, which ignores cookies) are skipped.
    """

    def __init__(self, app: ASGIApp, exempt_prefixes: tuple[str, ...] = ("/api/",),
                 on_failure: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None):
        self.app = app
        self.exempt_prefixes = exempt_prefixes
        self.on_failure = on_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] in SAFE_METHODS
                or scope["path"].startswith(self.exempt_prefixes)):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get(CSRF_SESSION_KEY, "")
        headers = Headers(scope=scope)
        supplied = headers.get(CSRF_HEADER, "")
        body: bytes | None = None
        if not supplied:
            body, more = await _read_body(receive)
            if more is not None:  # the body was larger than allowed; let the app answer 413
                await self.app(scope, _replay(body, more), send)
                return
            supplied, fields = await _form_token(headers, body)
            scope[FORM_FIELDS] = fields  # what was typed: an error page can give it back
        if not expected or not supplied or not constant_time_equals(expected, supplied):
            scope.setdefault("state", {})["csrf_failed"] = True
            if self.on_failure is not None:
                await self.on_failure(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"CSRF token missing or wrong"})
            return
        await self.app(scope, receive if body is None else _replay(body, None), send)


MAX_BUFFER = 600 * 1024 * 1024


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), message
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), None
        if size > MAX_BUFFER:
            return b"".join(chunks), message


def _replay(body: bytes, tail: Message | None) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": tail is not None}
        if tail is not None:
            return tail
        return {"type": "http.disconnect"}

    return receive


async def _form_token(headers: Headers, body: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The form's CSRF token and its text fields (files left out), in the order sent."""
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = _text_fields(body)
        if fields:  # parsed once: the token is one of them
            return next((v for k, v in fields if k == CSRF_FIELD), ""), fields
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD, [""])
        return values[0], []
    if content_type.startswith("multipart/form-data"):
        async def stream():  # type: ignore[no-untyped-def]
            yield body

        try:
            form = await MultiPartParser(headers, stream(), max_files=1000,
                                         max_fields=1000).parse()
        except Exception:  # malformed multipart: no token can be read from it
            return "", []
        value = form.get(CSRF_FIELD, "")
        fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        await form.close()
        return (value if isinstance(value, str) else ""), fields
    return "", []


# Where CSRFMiddleware leaves the text fields of a form it read (scope key), for the error
# page that gives a person back what they typed (expo.errors.form_stash).
FORM_FIELDS = "expo.form_fields"
_MAX_KEPT_BODY = 256 * 1024  # a form bigger than this (with no file) is not kept


def _text_fields(body: bytes) -> list[tuple[str, str]]:
    if len(body) > _MAX_KEPT_BODY:
        return []
    try:
        return parse_qsl(body.decode("latin-1"), keep_blank_values=True, errors="replace",
                         max_num_fields=1000)
    except ValueError:  # more fields than any form of ours has
        return []
