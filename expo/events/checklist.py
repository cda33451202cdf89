"""The set-up checklist on an event's overview: what a committee must prepare, done or missing,
each with a link to the page that fixes it.

A registry, like the management tabs (``expo.nav``): events (core) registers the items it
knows (dates and hours, registration windows, team, messages); each domain registers its own
from its ``checks`` module (floor plan, curation rubric, required documents, gates and
devices, payments), so this module imports no domain. ``expo.wiring`` imports those modules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from expo.accounts.models import EventRole, Role
from expo.events.models import Event, EventDay
from expo.i18n import LazyString
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.messages import service as messages
from expo.outbox import Channel


@dataclass(frozen=True)
class Status:
    done: bool
    detail: str = ""  # what is there, or what is missing, in a few words


@dataclass(frozen=True)
class Check:
    key: str
    label: LazyString
    route: str  # the page that fixes it: a route name taking the event's ``slug``
    run: Callable[[Event], Awaitable[Status]]
    order: int = 50


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    done: bool
    detail: str
    href: str


CHECKS: list[Check] = []


def register_check(check: Check) -> None:
    """Add ``check`` to the checklist (once per key), kept in ``order``."""
    if all(c.key != check.key for c in CHECKS):
        CHECKS.append(check)
        CHECKS.sort(key=lambda c: (c.order, c.key))


async def run(event: Event, href_of: Callable[[str], str]) -> list[Item]:
    """Every registered check for ``event``; ``href_of(route)`` builds the link to fix it."""
    items = []
    for check in CHECKS:
        status = await check.run(event)
        items.append(Item(check.key, str(check.label), status.done, status.detail,
                          href_of(check.route)))
    return items


# ---- the core's own checks ------------------------------------------------------------------

async def _dates_and_hours(event: Event) -> Status:
    days = await EventDay.filter(event=event).count()
    expected = (event.ends_on - event.starts_on).days + 1
    if days < expected:
        return Status(False, _("Opening hours are missing for some days."))
    return Status(True, _("%(n)s days with opening hours.", n=days))


async def _registration_windows(event: Event) -> Status:
    windows = ((event.exhibitor_reg_opens, event.exhibitor_reg_closes),
               (event.visitor_reg_opens, event.visitor_reg_closes))
    if not all(opens and closes for opens, closes in windows):
        return Status(False, _("Set when producers and visitors can register."))
    if any(opens >= closes for opens, closes in windows if opens and closes):
        return Status(False, _("A registration window closes before it opens."))
    return Status(True, _("Producer and visitor registration dates are set."))


async def _team(event: Event) -> Status:
    roles = set(await EventRole.filter(event=event).values_list("role", flat=True))
    lacking = [role for role in (Role.CURATOR, Role.GATE) if role not in roles]
    if lacking:
        return Status(False, _("Nobody has the role: %(roles)s.",
                               roles=", ".join(Role.label_of(r) for r in lacking)))
    return Status(True, _("Curators and gate staff are invited."))


async def _messages(event: Event) -> Status:
    if messages.configured(Channel.WHATSAPP):
        return Status(True, _("WhatsApp messages are sent automatically."))
    return Status(False, _("No WhatsApp provider is set up: messages wait to be sent by hand "
                           "from the messages page."))


register_check(Check("dates", _l("Dates and opening hours"), "events.edit", _dates_and_hours, 10))
register_check(Check("registration", _l("Registration windows"), "events.edit",
                     _registration_windows, 20))
register_check(Check("team", _l("Team"), "events.team", _team, 70))
register_check(Check("messages", _l("Messages"), "events.messages", _messages, 90))
