"""Sentences for the engine's reason codes (see ``explain.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l

NEED_LABELS = {
    "type": _l("booth type"),
    "power": _l("electricity"),
    "water": _l("water"),
    "zone": _l("zone rule for the category"),
}


def _need(params: dict[str, Any]) -> str:
    return str(NEED_LABELS.get(str(params.get("need")), params.get("need", "")))


def reason_text(reason: Sequence[Any]) -> str:
    code, params = reason[0], dict(reason[1]) if len(reason) > 1 else {}
    texts = {
        "got_rank": lambda: _("Got preference #%(rank)s.", rank=params.get("rank")),
        "unranked": lambda: _("Placed outside their preferences."),
        "no_preferences": lambda: _("Gave no preferences: any fitting booth."),
        "pref_taken": lambda: _("Preference #%(rank)s (%(booth)s) went to an exhibitor with "
                                "more priority or a better lottery draw.",
                                rank=params.get("rank"), booth=params.get("booth")),
        "pref_unfit": lambda: _("Preference #%(rank)s (%(booth)s) does not meet the need: "
                                "%(need)s.", rank=params.get("rank"),
                                booth=params.get("booth"), need=_need(params)),
        "zone_full": lambda: _("Preference #%(rank)s (zone %(zone)s) had no fitting booth "
                               "left.", rank=params.get("rank"), zone=params.get("zone")),
        "locked": lambda: _("Kept from a locked or confirmed assignment."),
        "no_fit": lambda: _("No booth meets the need: %(need)s.", need=_need(params)),
        "no_block": lambda: _("Not enough fitting booths side by side (%(n)s needed).",
                              n=params.get("count")),
        "capacity": lambda: _("Every fitting booth went to exhibitors with more priority."),
        "manual": lambda: _("Placed by hand by the committee."),
        "promoted": lambda: _("Offered %(booth)s from the waitlist.", booth=params.get("booth")),
    }
    maker = texts.get(str(code))
    return maker() if maker else str(code)
