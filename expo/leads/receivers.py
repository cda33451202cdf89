"""How leads react to other domains' signals (connected by ``expo.wiring``)."""

from __future__ import annotations

from expo.events.rehearsal import (
    RehearsalAsked,
    RehearsalCleared,
    RehearsalCount,
    rehearsal_cleared,
    rehearsal_counts,
)
from expo.i18n import gettext as _
from expo.leads import service
from expo.leads.models import Lead
from expo.visitors.signals import VisitorErased, visitor_erased


async def forget_erased_visitor(erased: VisitorErased) -> None:
    """An erased visitor disappears from every stand's leads (same transaction)."""
    await service.forget_visitor(visitor_id=erased.visitor_id)


async def clear_rehearsal(cleared: RehearsalCleared) -> int:
    """The rehearsal's leads go (their inquiries with them), before the test tickets do."""
    return int(await Lead.filter(event_id=cleared.event_id, rehearsal=True).delete())


async def rehearsal_leads(asked: RehearsalAsked) -> list[RehearsalCount]:
    n = await Lead.filter(event_id=asked.event_id, rehearsal=True).count()
    return [RehearsalCount("leads", _("Leads at stands"), n)]


def connect() -> None:
    visitor_erased.connect(forget_erased_visitor)
    rehearsal_cleared.connect(clear_rehearsal)
    rehearsal_counts.connect(rehearsal_leads)
