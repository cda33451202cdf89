"""Notices to producers about visitors to follow up: a new inquiry, a visitor asking to be
contacted.

A visitor's name and phone number go into the notice only when that visitor shares their
contact with this stand (a consent given and not withdrawn); otherwise the notice says that
someone asked, and the producer opens expo for what it may see. Called inside the transaction
that recorded the inquiry or the request (``expo.exhibitors.notify.tell``).
"""

from __future__ import annotations

from expo.events.models import Event
from expo.exhibitors.models import Application
from expo.exhibitors.notify import Notice, shorten, tell
from expo.i18n import gettext as _
from expo.outbox import OutboxMessage
from expo.visitors.models import Visitor

from .models import ContactRequest, Inquiry

NAME_CHARS = 60


async def shares_contact(*, visitor: Visitor, application: Application) -> bool:
    """Whether ``visitor`` consented to share their contact with this stand."""
    return await ContactRequest.exists(visitor_id=visitor.id, application_id=application.id,
                                       consent=True, revoked_at__isnull=True)


def _who(visitor: Visitor, shared: bool) -> str:
    if not shared:
        return _("A visitor")
    name = shorten(visitor.name.strip(), NAME_CHARS) or _("A visitor")
    return f"{name} ({visitor.phone})" if visitor.phone else name


async def new_inquiry(*, inquiry: Inquiry, application: Application,
                      visitor: Visitor) -> list[OutboxMessage]:
    """A visitor asked for a product (once per inquiry)."""
    await application.fetch_related("producer", "event")
    event: Event = application.event
    shared = await shares_contact(visitor=visitor, application=application)
    what = shorten(f"{inquiry.quantity} {inquiry.unit} {inquiry.product_name}".replace(
        "  ", " "), 120)
    path = (f"/manage/e/{event.slug}/leads/{inquiry.lead_id}"  # type: ignore[attr-defined]
            if shared else f"/manage/e/{event.slug}/leads")

    def compose() -> Notice:
        return Notice(_("New inquiry at %(event)s", event=event.name),
                      _("%(who)s asks for %(what)s. Open expo to answer.",
                        who=_who(visitor, shared), what=what))

    return await tell(producer=application.producer, kind="leads.inquiry",
                      key=f"leads.inquiry:{inquiry.id}", event_id=event.id, path=path,
                      compose=compose)


async def contact_requested(*, request: ContactRequest, application: Application,
                            visitor: Visitor) -> list[OutboxMessage]:
    """A visitor asked the stand to contact them (once per visitor and stand)."""
    if not (request.consent and request.wants_contact and request.revoked_at is None):
        return []
    await application.fetch_related("producer", "event")
    event: Event = application.event

    def compose() -> Notice:  # asking to be contacted is consenting to share (checked above)
        return Notice(_("A visitor wants to hear from you"),
                      _("%(who)s visited your stand at %(event)s and asks you to get in "
                        "touch. Open expo to follow up.", who=_who(visitor, True),
                        event=event.name))

    return await tell(producer=application.producer, kind="leads.contact",
                      key=f"leads.contact:{request.id}", event_id=event.id,
                      path=f"/manage/e/{event.slug}/leads", compose=compose)
