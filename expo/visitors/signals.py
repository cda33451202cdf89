"""What the visitors domain announces; other domains listen (see ``expo.signals``)."""

from __future__ import annotations

from dataclasses import dataclass

from expo.signals import PageNote, Signal


@dataclass(frozen=True)
class VisitorErased:
    """A visitor used their right to erasure (UU PDP): sent inside the erasing transaction."""

    visitor_id: int
    event_id: int


@dataclass(frozen=True)
class TicketShown:
    """A visitor opened their ticket page."""

    visitor_id: int
    event_id: int


TicketNote = PageNote  # a line on the ticket page (a doorprize won), with a link


visitor_erased: Signal[VisitorErased, None] = Signal("visitor_erased")
ticket_notes: Signal[TicketShown, list[TicketNote]] = Signal("ticket_notes")
