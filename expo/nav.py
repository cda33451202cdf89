"""Navigation of the event management area: each domain registers its tabs here.

Plumbing: a tab names the roles (strings: ``expo.accounts.models.Role`` is a ``StrEnum``) that
see it, so this module knows nothing of accounts; the core tabs are registered by
``expo.events.routes``.

Each tab belongs to a phase of the event's life (set-up, registration, on the day, afterwards):
the committee sees a row of phases and the tabs of one phase at a time, so twenty tabs fit a
phone. A tab that declares no phase is a set-up tab.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from expo.i18n import LazyString
from expo.i18n import lazy_gettext as _l

SETUP = "setup"
REGISTRATION = "registration"
DAY = "day"
AFTER = "after"

PHASES: dict[str, LazyString] = {
    SETUP: _l("Set-up"),
    REGISTRATION: _l("Registration period"),
    DAY: _l("On the day"),
    AFTER: _l("After the event"),
}


@dataclass(frozen=True)
class Tab:
    route: str
    label: LazyString
    roles: frozenset[str]
    order: int = 50
    phase: str = SETUP
    needs: str = ""  # a condition (``register_condition``) the user must meet to see the tab

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"tab {self.route}: unknown phase {self.phase!r}")


EVENT_TABS: list[Tab] = []


def register_tab(tab: Tab) -> None:
    if all(t.route != tab.route for t in EVENT_TABS):
        EVENT_TABS.append(tab)
        EVENT_TABS.sort(key=lambda t: t.order)


def tabs_for(roles: Collection[str], met: Collection[str] | None = None) -> list[Tab]:
    """The tabs of ``roles``; with ``met``, only those whose condition is in it."""
    return [t for t in EVENT_TABS if t.roles & set(roles)
            and (met is None or not t.needs or t.needs in met)]


# Conditions a tab may need beyond a role, checked by the domain that knows (exhibitors: an
# accepted application), so no tab leads to a "not found" page: (user, event, roles) -> bool.
ACCEPTED_EXHIBITOR = "accepted_exhibitor"  # an accepted application at the event
EXHIBITOR_OR_COMMITTEE = "exhibitor_or_committee"  # that, or the committee
Condition = Callable[[Any, Any, Collection[str]], Awaitable[bool]]
CONDITIONS: dict[str, Condition] = {}


def register_condition(name: str, check: Condition) -> None:
    CONDITIONS[name] = check


async def conditions_met(user: Any, event: Any, roles: Collection[str]) -> frozenset[str]:
    """The conditions of this user's tabs that hold (one check each, only those needed)."""
    needed = {tab.needs for tab in tabs_for(roles) if tab.needs}
    met = set()
    for name in sorted(needed & CONDITIONS.keys()):
        if await CONDITIONS[name](user, event, roles):
            met.add(name)
    return frozenset(met)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class NavPhase:
    key: str
    label: str
    href: str  # its first tab
    current: bool
    tabs: list[NavLink]


FLAT_UP_TO = 8  # a role with this few tabs sees them in one row, without phases


def grouped(tabs: list[Tab], href_of: Callable[[Tab], str], path: str) -> list[NavPhase]:
    """``tabs`` by phase (in the phases' order, empty phases left out), the tab at ``path``
    (or the one whose address is the longest prefix of it, for the pages under a tab) marked
    current and its phase too. With few tabs, or all in one phase, one phase holds them all."""
    hrefs = [href_of(tab) for tab in tabs]
    current = _current(hrefs, path)
    links = [NavLink(str(tab.label), href, i == current)
             for i, (tab, href) in enumerate(zip(tabs, hrefs, strict=True))]
    if len(tabs) <= FLAT_UP_TO or len({tab.phase for tab in tabs}) == 1:
        return [NavPhase("", "", links[0].href if links else "", True, links)] if links else []
    phases: list[NavPhase] = []
    for key, label in PHASES.items():
        mine = [link for tab, link in zip(tabs, links, strict=True) if tab.phase == key]
        if mine:
            current_here = any(link.current for link in mine)
            phases.append(NavPhase(key, str(label), mine[0].href, current_here, mine))
    if not any(phase.current for phase in phases):
        phases[0] = NavPhase(phases[0].key, phases[0].label, phases[0].href, True, phases[0].tabs)
    return phases


def _current(hrefs: list[str], path: str) -> int | None:
    """The tab at ``path``, else the tab with the longest address ``path`` is under; the
    event's home (an address most other tabs are under) counts only when it is ``path``."""
    best, best_len = None, -1
    for i, href in enumerate(hrefs):
        if path == href:
            return i
        under = href.rstrip("/") + "/"
        home = sum(other.startswith(under) for other in hrefs) * 2 > len(hrefs)
        if not home and path.startswith(under) and len(href) > best_len:
            best, best_len = i, len(href)
    return best
