"""What the booths domain announces; other domains listen (see ``expo.signals``)."""

from __future__ import annotations

from dataclasses import dataclass

from expo.signals import PageNote, Signal


@dataclass(frozen=True)
class BoothConfirmed:
    """An exhibitor confirmed a booth: sent inside the confirming transaction, once."""

    event_id: int
    application_id: int
    booth_id: int
    by_id: int | None


@dataclass(frozen=True)
class BoothReleased:
    """An exhibitor gave a booth up, or it was taken back: sent after the booth is free."""

    event_id: int
    application_id: int
    booth_id: int
    by_id: int | None


@dataclass(frozen=True)
class BoothPageShown:
    """An exhibitor opened "My booth"."""

    event_id: int
    application_id: int


BoothNote = PageNote  # a line on "My booth" (the invoice to pay), with a link


booth_confirmed: Signal[BoothConfirmed, None] = Signal("booth_confirmed")
booth_released: Signal[BoothReleased, None] = Signal("booth_released")
booth_notes: Signal[BoothPageShown, list[BoothNote]] = Signal("booth_notes")
