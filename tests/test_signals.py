from dataclasses import dataclass

import pytest

from expo import wiring
from expo.signals import Signal
from expo.visitors.signals import ticket_notes, visitor_erased


@dataclass(frozen=True)
class Ping:
    n: int


async def test_signal_runs_receivers_in_order_and_returns_their_answers():
    ping: Signal[Ping, int] = Signal("ping")
    seen: list[str] = []

    async def first(p: Ping) -> int:
        seen.append("first")
        return p.n + 1

    async def second(p: Ping) -> int:
        seen.append("second")
        return p.n * 10

    ping.connect(first)
    ping.connect(second)
    ping.connect(first)  # connecting twice keeps one
    assert await ping.send(Ping(2)) == [3, 20]
    assert seen == ["first", "second"]
    ping.disconnect(first)
    assert await ping.send(Ping(2)) == [20]


async def test_signal_error_reaches_the_sender():
    ping: Signal[Ping, None] = Signal("ping")

    async def broken(p: Ping) -> None:
        raise ValueError("no")

    ping.connect(broken)
    with pytest.raises(ValueError):
        await ping.send(Ping(1))


def test_wiring_connects_each_listener_once():
    wiring.connect()
    wiring.connect()
    names = [r.__name__ for r in visitor_erased.receivers]
    assert names.count("forget_erased_visitor") == 1
    assert [r.__name__ for r in ticket_notes.receivers] == ["prizes_on_ticket"]
