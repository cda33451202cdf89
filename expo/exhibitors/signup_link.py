"""Signing up from an event's page: the event the link names, and the application it leads to.

The public event page links to ``/exhibitor/signup?event=SLUG``. The slug is only ever
looked up, never echoed into a redirect: where the producer lands is built from the event
found in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from expo.accounts.models import User
from expo.errors import DomainError
from expo.events.models import Event, EventStatus
from expo.exhibitors.forms import SignupData
from expo.exhibitors.models import Application, BoothType, Producer
from expo.exhibitors.service import (
    application_for,
    create_producer,
    registration_state,
    save_application,
    signup,
)
from expo.forms import SLUG_RE
from expo.i18n import gettext as _

# What a new draft asks for until the producer changes it on the application page.
DRAFT_DEFAULTS: dict[str, Any] = {"booth_type": BoothType.STANDARD, "booths_needed": 1,
                                  "power_watts": 450, "needs_water": False,
                                  "first_time": False, "note": "", "terms": False}


@dataclass(frozen=True)
class SignupEvent:
    """The event named by a sign-up link and whether it takes applications.

    ``state`` is ``open`` or ``not_yet`` (a draft can be prepared), ``closed`` (the event or
    its application window is closed) or ``unknown`` (no such published event).
    """

    slug: str
    state: str
    event: Event | None = None

    @property
    def accepts(self) -> bool:
        return self.event is not None and self.state in ("open", "not_yet")

    @property
    def notice(self) -> str:
        """Why the link does not lead to an application (empty when it does)."""
        if self.accepts:
            return ""
        if self.event is not None:
            return _("Applications for %(event)s are closed. You can still register your "
                     "business and apply to other events.", event=self.event.name)
        return _("The event in your link does not exist or does not take applications. You "
                 "can still register your business and apply to an open event later.")


async def signup_event(slug: str | None, *, now: dt.datetime | None = None) -> SignupEvent | None:
    """The event a sign-up link names (None when it names none). Never raises."""
    slug = (slug or "").strip().lower()
    if not slug:
        return None
    if not SLUG_RE.match(slug):  # never send a malformed value to the database
        return SignupEvent(slug="", state="unknown")
    event = await Event.get_or_none(slug=slug)
    if event is None or event.status == EventStatus.DRAFT:
        return SignupEvent(slug=slug, state="unknown")
    if event.status == EventStatus.CLOSED:
        return SignupEvent(slug=slug, state="closed", event=event)
    state = registration_state(event, now)
    return SignupEvent(slug=slug, state="open" if state == "unset" else state, event=event)


async def start_application(*, producer: Producer, event: Event, by: User) -> Application:
    """The producer's application to ``event``: the existing one (whatever its status), or a
    new draft with default booth needs. Raises ``DomainError`` when the event takes none."""
    existing = await application_for(producer=producer, event=event)
    if existing is not None:
        return existing
    try:
        return await save_application(producer=producer, event=event,
                                      values=dict(DRAFT_DEFAULTS), by=by)
    except IntegrityError:  # the same producer started it a moment ago (a double click)
        existing = await application_for(producer=producer, event=event)
        if existing is None:
            raise
        return existing


@dataclass(frozen=True)
class Registration:
    """A new business profile, and the application to ``event`` it leads to (None with a
    ``notice`` saying why, when the link named an event that takes no applications)."""

    user: User
    producer: Producer
    application: Application | None = None
    event: Event | None = None
    notice: str = ""


async def register(*, data: SignupData, user: User | None,
                   target: SignupEvent | None) -> Registration:
    """Sign up (or give a signed-in user a profile), then start the application to the event
    of the link. A closed or unknown event never stops the sign-up itself."""
    if user is None:
        user, producer = await signup(data=data)
    else:
        producer = await create_producer(user=user, values=data.profile)
    if target is None:
        return Registration(user=user, producer=producer)
    if not target.accepts:
        return Registration(user=user, producer=producer, notice=target.notice)
    assert target.event is not None
    try:
        application = await start_application(producer=producer, event=target.event, by=user)
    except DomainError as exc:  # the event closed between the page and the form
        return Registration(user=user, producer=producer, notice=exc.message)
    return Registration(user=user, producer=producer, application=application,
                        event=target.event)
