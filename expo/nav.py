"""Navigation of the event management area: each domain registers its tabs here.

Plumbing: a tab names the roles (strings: ``expo.accounts.models.Role`` is a ``StrEnum``) that
see it, so this module knows nothing of accounts; the core tabs are registered by
``expo.events.routes``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from expo.i18n import LazyString


@dataclass(frozen=True)
class Tab:
    route: str
    label: LazyString
    roles: frozenset[str]
    order: int = 50


EVENT_TABS: list[Tab] = []


def register_tab(tab: Tab) -> None:
    if all(t.route != tab.route for t in EVENT_TABS):
        EVENT_TABS.append(tab)
        EVENT_TABS.sort(key=lambda t: t.order)


def tabs_for(roles: Collection[str]) -> list[Tab]:
    return [t for t in EVENT_TABS if t.roles & set(roles)]
