"""Notices to producers: their application received and decided, by WhatsApp and email.

``tell`` is how every domain tells a producer something (booths, leads and reports call it
from their own ``notify`` modules): the notice is composed in the language of the producer's
owner (its first login), sent by WhatsApp to the producer's phone when it is a valid number
and by email to its contact address, and by email to the other logins of the producer in
their own language. It is called inside the transaction of the change: the outbox rows commit
with it, or not at all. Each notice has a key naming the change: asking twice is one message.

WhatsApp's Cloud API needs an approved template for a message nobody asked for: every notice
uses the ``notice`` template, its body ``{{1}}`` (a title) and ``{{2}}`` (a one-line text
ending with the link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from expo import i18n
from expo.accounts.models import User
from expo.channels.base import Template
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Producer, ProducerMember
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel, OutboxMessage

TEMPLATE = "notice"
REASON_CHARS = 500  # of the committee's message in a notice; the application page has it all


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


Compose = Callable[[], Notice]


def link(path: str) -> str:
    """An absolute link to ``path`` on the configured public address (works in jobs)."""
    return messages.base_url() + path


def one_line(text: str) -> str:
    """A template parameter: WhatsApp refuses new lines, tabs and runs of spaces in one."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


async def logins_of(producer: Producer) -> list[User]:
    """The producer's logins, the owner (the first one) first."""
    members = await ProducerMember.filter(producer_id=producer.id).order_by("id").select_related(
        "user")
    return [m.user for m in members]


async def tell(*, producer: Producer, kind: str, key: str, event_id: int | None, path: str,
               compose: Compose) -> list[OutboxMessage]:
    """Queue one notice to a producer (see the module's docstring); ``compose`` is called in
    each recipient's language and returns the subject and a short text."""
    logins = await logins_of(producer)
    owner = logins[0] if logins else None
    email = (producer.email or (owner.email if owner else "")).strip().lower()
    main = Recipient(name=producer.owner_name, phone=producer.phone, email=email,
                     locale=owner.locale if owner else i18n.DEFAULT_LOCALE)
    rows = await _send(main, kind=kind, key=key, event_id=event_id, path=path, compose=compose,
                       whatsapp=True)
    for user in logins:
        if user.email.strip().lower() != email:
            rows += await _send(Recipient(name=user.name, email=user.email, locale=user.locale),
                                kind=kind, key=f"{key}:u{user.id}", event_id=event_id,
                                path=path, compose=compose, whatsapp=False)
    return rows


async def _send(to: Recipient, *, kind: str, key: str, event_id: int | None, path: str,
                compose: Compose, whatsapp: bool) -> list[OutboxMessage]:
    url = link(path)
    with i18n.using(to.locale):
        notice = compose()
        hello = _("Hello %(name)s,", name=to.name) if to.name else ""
        rows = await messages.send(
            to=to, kind=kind, key=key, event_id=event_id, subject=notice.subject,
            text=f"{hello}\n\n{notice.text}\n\n{url}".lstrip(), channels=(Channel.EMAIL,))
        if whatsapp:
            rows += await messages.send(
                to=to, kind=kind, key=key, event_id=event_id, subject=notice.subject,
                text=f"*{notice.subject}*\n{notice.text}\n{url}", channels=(Channel.WHATSAPP,),
                template=Template(TEMPLATE, (one_line(notice.subject),
                                             f"{one_line(notice.text)} {url}")))
    return rows


# ---- applications --------------------------------------------------------------------------

def application_path(application: Application) -> str:
    return f"/exhibitor/applications/{application.id}"


async def application_received(*, application: Application, event: Event,
                               producer: Producer) -> list[OutboxMessage]:
    """The application was sent: the committee has it (once per application)."""
    def compose() -> Notice:
        return Notice(_("Application received: %(event)s", event=event.name),
                      _("The committee of %(event)s received your application and will "
                        "review it. We will tell you its decision.", event=event.name))

    return await tell(producer=producer, kind="exhibitors.received",
                      key=f"exhibitors.app_status:{application.id}:{AppStatus.SUBMITTED.value}",
                      event_id=event.id, path=application_path(application), compose=compose)


def decision_notice(status: AppStatus, event: Event, message: str, *,
                    limit: int | None = None) -> Notice:
    """The notice of a decision, with the committee's message (the reason of a rejection)."""
    message = shorten(message.strip(), limit) if limit else message.strip()
    if status == AppStatus.ACCEPTED:
        subject = _("Accepted at %(event)s", event=event.name)
        text = _("Congratulations, your application to %(event)s is accepted. We will tell "
                 "you your booth.", event=event.name)
    elif status == AppStatus.WAITLISTED:
        subject = _("On the waiting list for %(event)s", event=event.name)
        text = _("Your application to %(event)s is on the waiting list. We will tell you "
                 "when a booth becomes free.", event=event.name)
    else:
        subject = _("Not accepted at %(event)s", event=event.name)
        text = _("We are sorry: your application to %(event)s was not accepted.",
                 event=event.name)
    if message and status == AppStatus.REJECTED:
        text += " " + _("Reason: %(reason)s", reason=message)
    elif message:
        text += " " + _("Message from the committee: %(text)s", text=message)
    return Notice(subject, text)


async def application_decided(*, application: Application, event: Event,
                              before: tuple[AppStatus, str]) -> list[OutboxMessage]:
    """Accepted, waitlisted or rejected. Nothing when neither the status nor the committee's
    message changed (the same decision twice); each decision that changes something is its
    own notice (accepted, waitlisted, then accepted again is told twice)."""
    status = AppStatus(application.status)
    if (status, application.decision_message.strip()) == (before[0], before[1].strip()):
        return []
    if status not in (AppStatus.ACCEPTED, AppStatus.WAITLISTED, AppStatus.REJECTED):
        return []
    await application.fetch_related("producer")
    stamp = int(application.decided_at.timestamp() * 1000) if application.decided_at else 0
    return await tell(
        producer=application.producer, kind=f"exhibitors.{status.value}",
        key=f"exhibitors.app_status:{application.id}:{status.value}:{stamp}",
        event_id=event.id, path=application_path(application),
        compose=lambda: decision_notice(status, event, application.decision_message,
                                        limit=REASON_CHARS))
