"""Outgoing email. Every message is kept in the outbox; SMTP delivers it when configured."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage

from expo.outbox import OutboxMessage
from expo.settings import Settings

log = logging.getLogger("expo.mail")


def _deliver(settings: Settings, to: str, subject: str, body: str) -> None:
    smtp = settings.smtp
    assert smtp is not None
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(msg)


async def send_mail(settings: Settings, *, to: str, subject: str, body: str) -> OutboxMessage:
    message = await OutboxMessage.create(to=to, subject=subject, body=body)
    if settings.smtp is None:
        log.info("mail to %s (SMTP not configured, kept in the outbox #%s): %s\n%s",
                 to, message.id, subject, body)
        return message
    try:
        await asyncio.to_thread(_deliver, settings, to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s failed: %s", to, exc)
        message.error = str(exc)[:255]
    else:
        message.sent = True
    await message.save(update_fields=["sent", "error"])
    return message
