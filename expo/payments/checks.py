"""The payments' item of the set-up checklist (``expo.events.checklist``)."""

from __future__ import annotations

from expo.events.checklist import Check, Status, register_check
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.payments.models import FeePolicy


async def _payments(event: Event) -> Status:
    policy = await FeePolicy.get_or_none(event=event)
    if policy is None:
        return Status(False, _("Booth fees are not set up."))
    if not (policy.account_number or policy.online):
        return Status(False, _("No bank account and no online payment: exhibitors cannot pay."))
    return Status(True, _("Booth fees and how to pay are set."))


register_check(Check("payments", _l("Payments"), "payments.settings", _payments, 60))
