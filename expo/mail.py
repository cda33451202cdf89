"""Outgoing email: one call for the places that send a plain email (a password link, an
invitation). It queues the message (``expo.messages``); the job worker delivers it by SMTP when
configured, and the outbox keeps it either way."""

from __future__ import annotations

import secrets

from expo.i18n import get_locale
from expo.messages.service import send_email
from expo.outbox import OutboxMessage
from expo.settings import Settings


async def send_mail(settings: Settings, *, to: str, subject: str, body: str,
                    key: str | None = None, kind: str = "email",
                    event_id: int | None = None) -> OutboxMessage | None:
    """Queue an email to ``to`` in the current language. ``key`` names it (the same key twice
    is one message); without one, each call is a new message."""
    del settings  # delivery reads the settings the worker was configured with
    return await send_email(to=to, subject=subject, body=body,
                            key=key or f"mail:{secrets.token_urlsafe(12)}", kind=kind,
                            event_id=event_id, locale=get_locale())
