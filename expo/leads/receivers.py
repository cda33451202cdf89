"""How leads react to other domains' signals (connected by ``expo.wiring``)."""

from __future__ import annotations

from expo.leads import service
from expo.visitors.signals import VisitorErased, visitor_erased


async def forget_erased_visitor(erased: VisitorErased) -> None:
    """An erased visitor disappears from every stand's leads (same transaction)."""
    await service.forget_visitor(visitor_id=erased.visitor_id)


def connect() -> None:
    visitor_erased.connect(forget_erased_visitor)
