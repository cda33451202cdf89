"""Domain errors and the HTTP error pages."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from expo.i18n import gettext as _

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


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str | None = None, code: str = "not_found"):
        super().__init__(message or _("Not found"), code)


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, message: str | None = None, code: str = "forbidden"):
        super().__init__(message or _("You do not have access to this page."), code)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    ).split(",")[0]


_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Access denied",
    404: "Page not found",
    405: "Method not allowed",
    413: "Too large",
    422: "Check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _title(status: int) -> str:
    return _(_TITLES.get(status, "Error"))


def _default_detail(status: int) -> str:
    details = {
        400: _("The request could not be understood."),
        401: _("Please sign in to continue."),
        403: _("You do not have access to this page."),
        404: _("The page you are looking for does not exist or was moved."),
        405: _("This action is not allowed here."),
        413: _("The upload or form is too large. Make the file smaller and try again."),
        429: _("Too many attempts. Wait a moment and try again."),
        500: _("We have been notified. Please try again in a moment."),
    }
    return details.get(status, _("An error occurred."))


def error_response(request: Request, status: int, detail: str | None = None,
                   code: str | None = None) -> Response:
    from expo.templating import templates

    message = detail or _default_detail(status)
    if _wants_json(request):
        body: dict[str, Any] = {"error": code or str(status), "message": message}
        return JSONResponse(body, status_code=status)
    return templates.TemplateResponse(
        request,
        "errors/error.html",
        {"status": status, "title": _title(status), "detail": message},
        status_code=status,
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 401 and not _wants_json(request):
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
        return error_response(request, 500)
    except Exception:  # the template itself failed: fall back to plain text
        return Response("500 Internal Server Error", status_code=500, media_type="text/plain")
