"""Navigation of the event management area: each domain registers its tabs here."""

from __future__ import annotations

from dataclasses import dataclass

from expo.accounts.models import Role
from expo.i18n import LazyString
from expo.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Tab:
    route: str
    label: LazyString
    roles: frozenset[Role]
    order: int = 50


EVENT_TABS: list[Tab] = [
    Tab("events.overview", _l("Overview"), frozenset(Role), 0),
    Tab("events.edit", _l("Settings"), frozenset({Role.COMMITTEE}), 80),
    Tab("accounts.team", _l("Team"), frozenset({Role.COMMITTEE}), 85),
    Tab("audit.list", _l("Audit log"), frozenset({Role.COMMITTEE}), 90),
]


def register_tab(tab: Tab) -> None:
    if all(t.route != tab.route for t in EVENT_TABS):
        EVENT_TABS.append(tab)
        EVENT_TABS.sort(key=lambda t: t.order)


def tabs_for(roles: set[Role]) -> list[Tab]:
    return [t for t in EVENT_TABS if t.roles & roles]
