"""How reports react to other domains' signals (connected by ``expo.wiring``)."""

from __future__ import annotations

from expo.i18n import gettext as _
from expo.reports.draws import prizes_won
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


def connect() -> None:
    ticket_notes.connect(prizes_on_ticket)
