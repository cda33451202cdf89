"""Domain errors and the HTTP error pages."""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from expo import i18n
from expo.i18n import gettext as _
from expo.security import CSRF_FIELD, FORM_FIELDS, SAFE_METHODS
from expo.templating import templates
from expo.urls import referer_path

T = TypeVar("T")

log = logging.getLogger("expo")


class DomainError(Exception):
    """A business rule refused an action. ``code`` is stable; ``message`` is for people."""

    status_code = 422

    def __init__(self, message: str, code: str, *, status_code: int | None = None, **data: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.data = data
        if status_code is not None:
            self.status_code = status_code

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process (expo.offload), read in the request's: keep every field.
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[DomainError], args: tuple[Any, ...], state: dict[str, Any]) -> DomainError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str | None = None, code: str = "not_found"):
        super().__init__(message or _("Not found"), code)


def found(row: T | None, message: str | None = None, code: str = "not_found") -> T:
    """``row``, or the 404 a person reads when it does not exist (or is another's)."""
    if row is None:
        raise NotFound(message, code)
    return row


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, message: str | None = None, code: str = "forbidden"):
        super().__init__(message or _("You do not have access to this page."), code)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    ).split(",")[0]


def _texts(status: int) -> tuple[str, str]:
    """The page's title and default detail for a status, in the user's language."""
    texts = {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Please sign in"), _("Please sign in to continue.")),
        403: (_("Access denied"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("The page you are looking for does not exist or was moved.")),
        405: (_("Method not allowed"), _("This action is not allowed here.")),
        413: (_("Too large"),
              _("The upload or form is too large. Make the file smaller and try again.")),
        422: (_("Check your input"), _("An error occurred.")),
        429: (_("Too many attempts"), _("Too many attempts. Wait a moment and try again.")),
        500: (_("Something went wrong"), _("We have been notified. Please try again in a moment.")),
    }
    return texts.get(status) or (_("Error"), _("An error occurred."))


# A field whose name says it holds a secret is never given back (nor a file: not kept).
_SECRET_FIELD = re.compile(r"pass|secret|token|otp|pin$|cvv|card", re.IGNORECASE)
STASH_MAX_VALUE = 10_000  # characters of one field
STASH_MAX_TOTAL = 32_000  # characters of all the fields kept


def _same_origin(request: Request) -> bool:
    """The form was sent from a page of this site (never give back what another site posted)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is not None:
        host = urlsplit(origin).netloc.lower()
        site = {request.headers.get("host", "").lower(),
                urlsplit(request.app.state.settings.base_url).netloc.lower()}
        return bool(host) and host in site
    return referer_path(request) is not None


def form_stash(request: Request) -> dict[str, Any] | None:
    """What a person typed into the form this request sent, for the error page to hand back
    to the browser (expo's formstash.js refills the form from it): text fields only, no
    secrets, size-capped; None when nothing is to be kept."""
    fields = request.scope.get(FORM_FIELDS)
    if request.method in SAFE_METHODS or not fields or not _same_origin(request):
        return None
    kept: list[tuple[str, str]] = []
    total = 0
    for name, value in fields:
        if name == CSRF_FIELD or _SECRET_FIELD.search(name) or len(value) > STASH_MAX_VALUE:
            continue
        total += len(name) + len(value)
        if total > STASH_MAX_TOTAL:
            break
        kept.append((name, value))
    if not kept:
        return None
    return {"action": request.url.path, "fields": kept}


def error_response(request: Request, status: int, detail: str | None = None,
                   code: str | None = None, *, title: str | None = None,
                   back: str | None = None, site: str | None = None) -> Response:
    """The error page (JSON for the API), in the person's language. ``back`` is a way back:
    by default the page the request came from (its Referer, when it is a page of this site;
    "back to the form" for a form that was sent, whose typed fields the page gives back).
    ``site`` makes every link of the page lead there (a request that came by a wrong
    address)."""
    default_title, default_detail = _texts(status)
    message = detail or default_detail
    if _wants_json(request):
        body: dict[str, Any] = {"error": code or str(status), "message": message}
        return JSONResponse(body, status_code=status)
    if back is None and site is None:
        back = referer_path(request)
        if back == request.url.path and request.method in SAFE_METHODS:
            back = None  # the page itself failed: going "back" to it would fail again
    sent = request.method not in SAFE_METHODS
    return templates.TemplateResponse(
        request,
        "errors/error.html",
        {"status": status, "title": title or default_title, "detail": message, "back": back,
         "site": site, "sent": sent, "code": code or "",
         "stash": form_stash(request) if sent and status != 413 else None},
        status_code=status,
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 401 and not _wants_json(request):
        if request.method not in SAFE_METHODS:  # a form sent after the session ended
            return error_response(
                request, 401, _("Your session has ended. Sign in again, then send the form "
                                "again."), "signed_out",
                title=_("Your session has ended"))
        from starlette.responses import RedirectResponse

        login = request.url_for("accounts.login").include_query_params(next=request.url.path)
        return RedirectResponse(str(login), status_code=303)
    detail = exc.detail if exc.detail and exc.detail != _phrase(exc.status_code) else None
    response = error_response(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_response(request, exc.status_code, exc.message, exc.code)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        # Starlette answers a crash outside every middleware, LocaleMiddleware too: the page
        # takes the person's language from the cookie itself.
        with i18n.using(request.cookies.get(i18n.LOCALE_COOKIE) or i18n.DEFAULT_LOCALE):
            return error_response(request, 500)
    except Exception:  # the template itself failed: fall back to plain text
        return Response("500 Internal Server Error", status_code=500, media_type="text/plain")
