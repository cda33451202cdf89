"""Helpers shared by the thin route handlers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from expo.forms import Form
from expo.templating import templates

MAX_FIELDS = 2000
MAX_PART = 64 * 1024


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, template, context or {}, status_code=status_code)


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


async def read_form(request: Request) -> Form:
    """The text fields of a form (uploaded files are closed; read uploads with request.form)."""
    data = await request.form(max_fields=MAX_FIELDS, max_part_size=MAX_PART)
    form = Form({k: v for k, v in data.items() if isinstance(v, str)})
    await data.close()
    return form


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def settings_of(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings


def absolute_url(request: Request, name: str, **params: Any) -> str:
    """A URL for emails and QR codes, built on EXPO_BASE_URL rather than the Host header."""
    return settings_of(request).base_url + str(request.app.url_path_for(name, **params))


def page_number(request: Request, *, last: int = 10_000) -> int:
    """The ``page`` query parameter of a list: a whole number from 1 to ``last``; anything
    else (missing, "abc", "-3") is page 1."""
    raw = request.query_params.get("page", "1")
    return min(int(raw), last) if raw.isdigit() and int(raw) > 0 else 1
