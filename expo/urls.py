"""Where a person may be sent back to: same-site paths only (a leaf: errors and routes use it)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are accepted as a place to go back to.

    Browsers read a backslash as a slash and drop tabs and newlines, so a backslash or a
    control character could turn ``/x`` into ``//evil.example``: such targets are refused.
    """
    if not target:
        return default
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def referer_path(request: Request) -> str | None:
    """The page the request came from (its Referer) as a path, if that page is on this site
    (the Host the request was sent to, or EXPO_BASE_URL's); otherwise None."""
    referer = request.headers.get("referer", "")
    try:
        parts = urlsplit(referer)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    site = {request.headers.get("host", "").lower(),
            urlsplit(request.app.state.settings.base_url).netloc.lower()}
    if parts.netloc.lower() not in site:
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(target, "") or None
