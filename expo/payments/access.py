"""Who may see an invoice: the event's committee, or the exhibitor whose invoice it is."""

from __future__ import annotations

from collections.abc import Collection

from expo.accounts.models import Role, User
from expo.errors import found
from expo.events.models import Event
from expo.exhibitors import service as exhibitors
from expo.i18n import gettext as _

from .models import Invoice


async def own_invoice(*, user: User, event: Event, invoice_id: int) -> Invoice:
    """The exhibitor's own invoice at the event, or 404 (another's is not shown to exist)."""
    application = await exhibitors.accepted_application(user=user, event=event)
    return found(await Invoice.get_or_none(id=invoice_id, event_id=event.id,
                                           application_id=application.id),
                 _("This invoice does not exist."))


async def visible_invoice(*, user: User, roles: Collection[str], event: Event,
                          invoice_id: int) -> Invoice:
    """For a page both sides open (the PDF, the print view): the committee sees every
    invoice of the event, an exhibitor only its own."""
    if Role.COMMITTEE in roles:
        return found(await Invoice.get_or_none(id=invoice_id, event_id=event.id),
                     _("This invoice does not exist."))
    return await own_invoice(user=user, event=event, invoice_id=invoice_id)
