"""How visitors react to other domains' signals (connected by ``expo.wiring``)."""

from __future__ import annotations

from expo.events.rehearsal import rehearsal_changed, rehearsal_cleared, rehearsal_counts
from expo.visitors import rehearsal


def connect() -> None:
    rehearsal_changed.connect(rehearsal.forget_gate_rules)
    rehearsal_cleared.connect(rehearsal.clear)
    rehearsal_counts.connect(rehearsal.counts)
