"""How reports react to other domains' signals (connected by ``expo.wiring``)."""

from __future__ import annotations

from expo.events.rehearsal import (
    RehearsalAsked,
    RehearsalCleared,
    RehearsalCount,
    rehearsal_cleared,
    rehearsal_counts,
)
from expo.i18n import gettext as _
from expo.reports.draws import prizes_won
from expo.reports.models import SalesReport
from expo.visitors.signals import TicketNote, TicketShown, ticket_notes


async def prizes_on_ticket(shown: TicketShown) -> list[TicketNote]:
    """A winner's ticket page says what they won, with a link to the public results."""
    runs = await prizes_won(visitor_id=shown.visitor_id)
    if not runs:
        return []
    return [TicketNote(
        kind="prize",
        text=_("Congratulations! You won the doorprize #%(n)s: %(prize)s. Show this ticket to "
               "the committee to collect it.", n=run.number, prize=run.prize),
        route="reports.public_draws", route_label=_("Doorprize winners"))
        for run in runs]


async def clear_rehearsal(cleared: RehearsalCleared) -> int:
    """The sales reports sent in the rehearsal go (their lines with them)."""
    return int(await SalesReport.filter(event_id=cleared.event_id, rehearsal=True).delete())


async def rehearsal_sales(asked: RehearsalAsked) -> list[RehearsalCount]:
    n = await SalesReport.filter(event_id=asked.event_id, rehearsal=True).count()
    return [RehearsalCount("sales", _("Sales reports"), n)]


def connect() -> None:
    ticket_notes.connect(prizes_on_ticket)
    rehearsal_cleared.connect(clear_rehearsal)
    rehearsal_counts.connect(rehearsal_sales)
