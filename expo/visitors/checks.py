"""The gates' item of the set-up checklist (``expo.events.checklist``)."""

from __future__ import annotations

from expo.events.checklist import Check, Status, register_check
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.visitors.models import DeviceToken, Gate


async def _gates(event: Event) -> Status:
    gates = await Gate.filter(event=event).count()
    if not gates:
        return Status(False, _("No gates: add a gate and a scanner device for it."))
    devices = await DeviceToken.filter(event=event, revoked_at__isnull=True).count()
    if not devices:
        return Status(False, _("%(n)s gates but no scanner device: create a device link.",
                               n=gates))
    return Status(True, _("%(gates)s gates, %(devices)s scanner devices.", gates=gates,
                          devices=devices))


register_check(Check("gates", _l("Gates and devices"), "visitors.gates", _gates, 50))
