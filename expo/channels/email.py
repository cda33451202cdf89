"""Email by SMTP: one connection per message, in a thread (``smtplib`` blocks).

The message carries a ``Message-ID`` made from the outbox key, so that a message sent again
after a crash is recognisably the same one (mail clients and many servers drop the copy).
SMTP's own codes decide what may pass: a 4xx answer, a refused connection or a timeout is a
``TemporaryError``; a 5xx answer (an unknown mailbox, a refused message, a wrong password) is a
``PermanentError``.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from expo.channels.base import Outgoing, PermanentError, Sent, TemporaryError
from expo.settings import SmtpSettings

TIMEOUT = 15.0  # seconds, for the connection and each command
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def message_id(key: str, sender: str) -> str:
    """A stable ``Message-ID`` for the message named ``key``: readable, and unique (a digest
    of the whole key follows the readable part)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "expo.invalid"
    readable = _UNSAFE.sub(".", key).strip(".")[:60] or "m"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"<expo.{readable}.{digest}@{domain}>"


def build(message: Outgoing, sender: str) -> EmailMessage:
    """The email for ``message``: plain text, with its attachment when it has one."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id(message.key, sender)
    email.set_content(message.body)
    if message.attachment is not None:
        name = message.attachment_name or "attachment"
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        email.add_attachment(message.attachment, maintype=maintype, subtype=subtype,
                             filename=name)
    return email


def _code_error(code: int, text: str) -> TemporaryError | PermanentError:
    return (PermanentError if code >= 500 else TemporaryError)(f"SMTP {code}: {text}")


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip()


def classify(exc: Exception) -> TemporaryError | PermanentError:
    """What an ``smtplib`` or socket error means for this message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values()) or [(550, b"recipient refused")]
        code, text = max(answers, key=lambda answer: answer[0])
        return _code_error(int(code), _text(text))
    if isinstance(exc, smtplib.SMTPResponseException):  # data, sender, auth, HELO, connect
        return _code_error(int(exc.smtp_code), _text(exc.smtp_error))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentError(f"SMTP server: {exc} (check EXPO_SMTP_STARTTLS)")
    if isinstance(exc, TimeoutError):
        return TemporaryError(f"SMTP timed out after {TIMEOUT:.0f} s")
    return TemporaryError(f"SMTP: {type(exc).__name__}: {exc}")


class SmtpAdapter:
    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: Outgoing) -> Sent:
        email = build(message, self.settings.sender)
        try:
            await asyncio.to_thread(self._deliver, email)
        except (OSError, smtplib.SMTPException) as exc:
            raise classify(exc) from exc
        return Sent(provider_id=str(email["Message-ID"]))

    def _deliver(self, email: EmailMessage) -> None:
        smtp = self.settings
        with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT) as client:
            client.ehlo()
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if smtp.user:
                client.login(smtp.user, smtp.password)
            client.send_message(email)

    async def aclose(self) -> None:
        return None
