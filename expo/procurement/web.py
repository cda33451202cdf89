"""What every procurement page shares: the section links a viewer sees (``procurement_nav``,
a template global) by their standing: trade office, buyer staff, producer."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.routing import NoMatchFound

from expo.i18n import LazyString
from expo.i18n import lazy_gettext as _l
from expo.templating import env

from .access import Viewer


@dataclass(frozen=True)
class Link:
    route: str
    label: LazyString
    who: str  # "office", "buyer", "producer", or "any"


LINKS = [
    Link("procurement.home", _l("Overview"), "any"),
    Link("procurement.requests", _l("Requests"), "buyer"),
    Link("procurement.orders", _l("Orders"), "buyer"),
    Link("procurement.supplier", _l("My quotes and orders"), "producer"),
    Link("procurement.organisations", _l("Buyers"), "office"),
    Link("procurement.office_listings", _l("Catalogue curation"), "office"),
    Link("procurement.watch", _l("Late and unpaid"), "office"),
    Link("procurement.reports", _l("Reports"), "office"),
    Link("procurement.catalogue", _l("Catalogue"), "any"),
]


def _shown(link: Link, viewer: Viewer) -> bool:
    return (link.who == "any" or (link.who == "office" and viewer.office)
            or (link.who == "buyer" and (viewer.office or viewer.is_buyer))
            or (link.who == "producer" and viewer.is_producer))


def procurement_nav(request: Request) -> list[tuple[str, LazyString]]:
    """(href, label) of the sections the viewer may open (the ones mounted)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is None:
        return []
    out = []
    for link in LINKS:
        if not _shown(link, viewer):
            continue
        try:
            out.append((str(request.url_for(link.route).path), link.label))
        except NoMatchFound:
            continue
    return out


env.globals["procurement_nav"] = procurement_nav


def procurement_top(request: Request) -> list[tuple[str, LazyString]]:
    """The main menu's links: the public catalogue, and procurement when signed in."""
    wanted = [("procurement.catalogue", _l("Catalogue"))]
    if getattr(request.state, "user", None) is not None:
        wanted.append(("procurement.home", _l("Procurement")))
    out = []
    for route, label in wanted:
        try:
            out.append((str(request.url_for(route).path), label))
        except NoMatchFound:
            continue
    return out


env.globals["procurement_top"] = procurement_top
