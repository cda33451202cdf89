"""How the booths domain reacts to its own and other domains' signals (connected by
``expo.wiring``): every change the public floor map shows moves the plan's version on."""

from __future__ import annotations

from tortoise.expressions import F, Subquery

from expo.events.models import Event
from expo.exhibitors.signals import ProfileChanged, profile_changed

from .models import Booth

# What the map shows of a booth's holder (``mapview.FIELDS``): its business, category, cluster.
MAP_PROFILE_FIELDS = frozenset({"business_name", "category", "cluster"})


async def profile_on_map(changed: ProfileChanged) -> None:
    """The maps of every event where this producer holds a booth show its new name,
    category or cluster (same transaction as the profile's change)."""
    if not changed.fields & MAP_PROFILE_FIELDS:
        return
    held = Booth.filter(holder__producer_id=changed.producer_id).values("event_id")
    await Event.filter(id__in=Subquery(held)).update(plan_version=F("plan_version") + 1)


def connect() -> None:
    profile_changed.connect(profile_on_map)
