"""What the visitors domain announces; other domains listen (see ``expo.signals``)."""

from __future__ import annotations

from dataclasses import dataclass

from expo.signals import Signal


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


@dataclass(frozen=True)
class TicketNote:
    """A line another domain adds to the ticket page (a doorprize won), with a link."""

    kind: str  # names the note for styling and tests: "prize"
    text: str
    route: str = ""  # the name of a page of the event (it takes the event's slug)
    route_label: str = ""


visitor_erased: Signal[VisitorErased, None] = Signal("visitor_erased")
ticket_notes: Signal[TicketShown, list[TicketNote]] = Signal("ticket_notes")
