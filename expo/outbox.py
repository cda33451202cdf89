"""The outbox: every message expo sends, by email or WhatsApp, with its delivery state.

Plumbing (models below every domain), so that ``expo.messages`` can write them without
importing a domain. ``event_id`` is a plain number (the committee's view of an event's
messages), not a foreign key: the outbox sits below the events.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class Channel(LabelledEnum):
    EMAIL = "email", _l("Email")
    WHATSAPP = "whatsapp", _l("WhatsApp")


class Delivery(LabelledEnum):
    QUEUED = "queued", _l("Queued")
    SENDING = "sending", _l("Sending")
    SENT = "sent", _l("Sent")
    DELIVERED = "delivered", _l("Delivered")
    READ = "read", _l("Read")
    FAILED = "failed", _l("Failed")
    HELD = "held", _l("Waiting: channel not set up")
    SKIPPED = "skipped", _l("Not sent: opted out")


# How far a message has got; a late or repeated receipt never moves it back.
PROGRESS = {Delivery.QUEUED: 0, Delivery.HELD: 0, Delivery.SENDING: 1, Delivery.FAILED: 2,
            Delivery.SENT: 3, Delivery.DELIVERED: 4, Delivery.READ: 5, Delivery.SKIPPED: 6}
DONE = (Delivery.SENT, Delivery.DELIVERED, Delivery.READ, Delivery.SKIPPED)


class OutboxMessage(Model):
    """One message to one address on one channel.

    ``key`` (unique) is the message's idempotency key: asking to send the same message again
    returns this row. ``template`` holds what a WhatsApp template message needs (its name and
    body parameters, a header image); ``body`` the same message as plain text (email, gateways,
    the wa.me link). ``attachment`` is a small file sent with an email (the ticket's QR code).
    """

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=8, default=Channel.EMAIL,
                                   db_default="email")
    to = fields.CharField(max_length=254)
    name = fields.CharField(max_length=120, default="", db_default="")
    kind = fields.CharField(max_length=60, default="", db_default="")
    locale = fields.CharField(max_length=5, default="id", db_default="id")
    event_id = fields.IntField(null=True)
    subject = fields.CharField(max_length=255)
    body = fields.TextField()
    template: dict | None = fields.JSONField(null=True)
    media_url = fields.CharField(max_length=500, default="", db_default="")
    attachment_name = fields.CharField(max_length=100, default="", db_default="")
    attachment = fields.BinaryField(null=True)
    key = fields.CharField(max_length=200, null=True, unique=True)
    state = fields.CharEnumField(Delivery, max_length=10, default=Delivery.QUEUED,
                                 db_default="queued")
    provider = fields.CharField(max_length=20, default="", db_default="")
    provider_id = fields.CharField(max_length=128, default="", db_default="")
    attempts = fields.IntField(default=0, db_default=0)
    error = fields.CharField(max_length=500, default="")
    marketing = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    read_at = fields.DatetimeField(null=True)
    handled_by = fields.CharField(max_length=254, default="", db_default="")  # sent by hand

    class Meta:
        table = "outbox"
        ordering = ["-id"]
        # An event's messages page; receipts by the provider's id; resend limits per address.
        indexes = (("event_id", "state"), ("provider", "provider_id"), ("to", "kind", "created_at"))

    @property
    def sent(self) -> bool:
        return self.state in DONE and self.state != Delivery.SKIPPED


class OptOut(Model):
    """An address that asked for no more broadcasts (a phone in E.164 digits, or an email)."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=8)
    address = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_opt_outs"
        unique_together = (("channel", "address"),)
