"""A small, typed signal registry: how one domain reacts to another without importing upwards.

The announcing domain defines a signal beside its service and sends it; it imports nothing of
its listeners. A listener (a domain above, or beside) connects a receiver in its
``receivers.py``; ``expo.wiring.connect()`` imports every receivers module once, at start-up
(the app, the command line, the test suite).

    # expo/visitors/signals.py
    visitor_erased: Signal[VisitorErased, None] = Signal("visitor_erased")

    # expo/leads/receivers.py
    @visitor_erased.connect
    async def forget_leads(event: VisitorErased) -> None: ...

    # expo/visitors/service.py, inside the erasing transaction
    await visitor_erased.send(VisitorErased(visitor_id=visitor.id))

Receivers run in the order they were connected, awaited one after another in the sender's
task, so they share its transaction: a receiver that raises rolls the sender's work back with
its own. ``send`` returns the receivers' answers, for a signal that asks (``ticket_notes``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

P = TypeVar("P")  # what is announced: a frozen dataclass
R = TypeVar("R")  # what a receiver answers (None for a plain announcement)

Receiver = Callable[[P], Awaitable[R]]


class Signal(Generic[P, R]):
    def __init__(self, name: str) -> None:
        self.name = name
        self.receivers: list[Receiver[P, R]] = []

    def connect(self, receiver: Receiver[P, R]) -> Receiver[P, R]:
        """Add a receiver (usable as a decorator); connecting it twice keeps one."""
        if receiver not in self.receivers:
            self.receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver[P, R]) -> None:
        if receiver in self.receivers:
            self.receivers.remove(receiver)

    async def send(self, payload: P) -> list[R]:
        return [await receiver(payload) for receiver in list(self.receivers)]

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, {len(self.receivers)} receivers)"


@dataclass(frozen=True)
class PageNote:
    """What a listener of an asking signal adds to another domain's page (a doorprize won on
    the ticket page, the invoice to pay on "My booth"): a line of text and a link."""

    kind: str  # names the note for styling and tests: "prize", "invoice"
    text: str
    route: str = ""  # the name of a page of the event (it takes the event's slug)
    route_label: str = ""
