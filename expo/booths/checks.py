"""The booths' items of the set-up checklist (``expo.events.checklist``)."""

from __future__ import annotations

from expo.booths.models import Booth, Hall
from expo.events.checklist import Check, Status, register_check
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l


async def _floor_plan(event: Event) -> Status:
    halls = await Hall.filter(event=event).count()
    booths = await Booth.filter(event=event).count()
    if not booths:
        return Status(False, _("No booths yet: draw the halls and their booths."))
    return Status(True, _("%(booths)s booths in %(halls)s halls.", booths=booths, halls=halls))


register_check(Check("floor_plan", _l("Floor plan"), "booths.plan", _floor_plan, 30))
