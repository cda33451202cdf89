"""The outbox: every message expo sends is kept here with its delivery state.

Plumbing (a model below every domain), so that ``expo.mail`` and later channels can write it
without importing a domain."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    """Every email expo sends. Without SMTP settings this is where it can be read."""

    id = fields.IntField(primary_key=True)
    to = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=255)
    body = fields.TextField()
    sent = fields.BooleanField(default=False)
    error = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox"
        ordering = ["-id"]
