"""The Jinja2 environment: translations, formatting filters, CSRF and flash helpers."""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from expo import i18n, paths, regions
from expo.nav import NavPhase, Tab, grouped, tabs_for
from expo.security import csrf_token
from expo.staticfiles import VERSION_PARAM, fingerprint

TEMPLATES_DIR = paths.TEMPLATES_DIR  # the checkout's templates/, or the wheel's expo/templates


def _context(request: Request) -> dict[str, Any]:
    return {
        "current_user": getattr(request.state, "user", None),
        "locale": i18n.get_locale(),
        "locales": i18n.LOCALE_NAMES,
    }


env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    extensions=["jinja2.ext.i18n"],
    autoescape=True,
)
templates = Jinja2Templates(env=env, context_processors=[_context])
env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=lambda message, **kw: i18n.gettext(message, **kw),
    ngettext=lambda s, p, n, **kw: i18n.ngettext(s, p, n, **kw),
    newstyle=True,
)
env.filters["date"] = i18n.format_date
env.filters["datetime"] = i18n.format_datetime
env.filters["time"] = i18n.format_time
env.filters["idr"] = i18n.format_idr
env.filters["number"] = i18n.format_number
env.filters["region"] = regions.label  # "luar-kaltim" is read as a place


def _csrf_token(request: Request) -> str:
    # Pages rendered outside the session middleware (e.g. a 413 refused early) have no token.
    return csrf_token(request.session) if "session" in request.scope else ""


def csrf_input(request: Request) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % _csrf_token(request)


def _pop_flashes(request: Request) -> list[tuple[str, str]]:
    if "session" not in request.scope:
        return []
    return [tuple(item) for item in request.session.pop("_flashes", [])]  # type: ignore[misc]


def _event_tabs(request: Request) -> list[Tab]:
    return tabs_for(getattr(request.state, "roles", set()), getattr(request.state, "nav_met", None))


@jinja2.pass_context
def _event_nav(context: dict[str, Any], slug: str) -> list[NavPhase]:
    """The event's tabs for this user, by phase, the current one marked (``expo.nav``)."""
    request = context["request"]
    return grouped(_event_tabs(request), lambda tab: str(_url_for(context, tab.route, slug=slug)),
                   request.url.path)


@jinja2.pass_context
def _url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> URL:
    """Links in pages are paths (with the app's root path), never built on the Host header;
    addresses that leave the site (emails, QR codes) use ``expo.web.absolute_url``."""
    url = context["request"].url_for(name, **path_params)
    if name == "static":  # fingerprinted: cached for a year (expo.staticfiles)
        version = fingerprint(path_params.get("path", ""))
        return URL(url.path + (f"?{VERSION_PARAM}={version}" if version else ""))
    return URL(url.path + (f"?{url.query}" if url.query else ""))


env.globals["url_for"] = _url_for  # replaces Starlette's absolute one
env.globals["event_tabs"] = _event_tabs
env.globals["event_nav"] = _event_nav
env.globals["csrf_input"] = csrf_input
env.globals["csrf_token"] = _csrf_token
env.globals["pop_flashes"] = _pop_flashes


def flash(request: Request, message: str, level: str = "success") -> None:
    """Queue a message for the next page the user sees (levels: success, info, warning, error)."""
    # Assigned, not appended in place: the session store saves what it sees set.
    request.session["_flashes"] = [*request.session.get("_flashes", []), [level, str(message)]]
