"""What every channel adapter takes, returns and raises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Template:
    """A WhatsApp template message: the approved template's name (without the configured
    prefix), its body parameters in order, and an optional header image URL."""

    name: str
    params: tuple[str, ...] = ()
    image_url: str = ""


@dataclass(frozen=True)
class Outgoing:
    to: str  # an email address, or a phone number in E.164 (+62...)
    subject: str
    body: str  # plain text, already in the recipient's language
    key: str  # idempotency key: the same key is the same message (headers, provider fields)
    locale: str = "id"
    template: Template | None = None
    media_url: str = ""
    attachment_name: str = ""
    attachment: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Sent:
    provider_id: str = ""  # the provider's message id, when it gives one (receipts name it)


class TemporaryError(Exception):
    """Sending failed in a way that may pass: retry (not before ``after`` seconds if given)."""

    def __init__(self, message: str, *, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


class PermanentError(Exception):
    """This message cannot be sent as it is: do not retry."""


@dataclass(frozen=True)
class Receipt:
    """A provider's word on a message it took: sent, delivered, read or failed."""

    provider_id: str
    status: str  # "sent", "delivered", "read" or "failed"
    at: dt.datetime | None = None
    error: str = ""


class Adapter(Protocol):
    name: str  # "smtp", "wa_cloud", "wa_gateway": kept on the outbox row

    async def send(self, message: Outgoing) -> Sent: ...

    async def aclose(self) -> None: ...
