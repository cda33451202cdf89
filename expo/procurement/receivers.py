"""How procurement reacts to other domains (connected by ``expo.wiring``): a legality number
the producer changed loses its catalogue badge until the committee checks it again."""

from __future__ import annotations

from expo.audit.service import log_action
from expo.exhibitors.signals import LegalityChanged, legality_changed

from .models import Listing


async def unverify_changed_numbers(changed: LegalityChanged) -> None:
    """Same transaction as the profile's save: a new number is not the verified one."""
    cleared = {f"{item}_verified_at": None for item in sorted(changed.items)}
    if await Listing.filter(producer_id=changed.producer_id).update(**cleared):
        await log_action(action="procurement.listing.unverified", actor=None,
                         summary=", ".join(sorted(changed.items)),
                         data={"producer_id": changed.producer_id, "by_id": changed.by_id,
                               "reason": "number changed"})


def connect() -> None:
    legality_changed.connect(unverify_changed_numbers)
