"""Enums that carry their labels: one definition serves models, forms, templates and exports.

    class Rating(LabelledEnum):
        HOT = "hot", _l("Hot")
        WARM = "warm", _l("Warm")

``Rating.HOT == "hot"`` (a ``StrEnum``: stored, compared and sent as its value) and
``Rating.HOT.label`` is the label in the current locale. A stored value that is no longer a
member (an old row, a typo in an import) is shown as itself by ``label_of``, never an error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from expo.i18n import LazyString


class LabelledEnum(StrEnum):
    _label: LazyString | str

    def __new__(cls, value: str, label: LazyString | str | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        return member

    @property
    def label(self) -> str:
        """The label in the current locale."""
        return str(self._label)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, label)`` pairs in definition order, for a form's options."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Value to label, in the current locale (build it per request, not at import)."""
        return {member.value: member.label for member in cls}

    @classmethod
    def label_of(cls, value: Any) -> str:
        """The label of a stored value; a value that is not a member is shown as it is."""
        if value is None:
            return ""
        try:
            return cls(value).label
        except ValueError:
            return str(value)
