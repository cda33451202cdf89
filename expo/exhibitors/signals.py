"""What the exhibitors domain announces; other domains listen (see ``expo.signals``)."""

from __future__ import annotations

from dataclasses import dataclass

from expo.signals import Signal

# The profile fields that are legality numbers, and the item each one proves.
LEGALITY_FIELDS = {"nib": "nib", "pirt_number": "pirt", "halal_number": "halal",
                   "halal_expires_on": "halal", "bpom_number": "bpom"}


@dataclass(frozen=True)
class LegalityChanged:
    """A producer's legality numbers changed (``items``: ``nib``, ``pirt``, ``halal``,
    ``bpom``): what was checked against a document is checked no more. Sent inside the
    transaction that saved the profile."""

    producer_id: int
    items: frozenset[str]
    by_id: int | None


legality_changed: Signal[LegalityChanged, None] = Signal("legality_changed")


@dataclass(frozen=True)
class ProfileChanged:
    """A producer's profile changed (``fields``: the model fields whose values changed), as
    other domains show it (the public floor map shows the business's name, category and
    cluster). Sent inside the transaction that saved the profile."""

    producer_id: int
    fields: frozenset[str]
    by_id: int | None


profile_changed: Signal[ProfileChanged, None] = Signal("profile_changed")
