"""Broadcasts: a message the committee sends to a group of an event's exhibitors."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Broadcast(Model):
    """One broadcast: what was written, on which channels (``channels``: outbox channel
    values), to whom (``audience``: the filters chosen, ``producer_ids``: the producers they
    matched when it was sent, ``recipients`` of them), by whom.

    The messages are outbox rows (kind ``exhibitors.broadcast``, keys
    ``broadcast:<id>:<producer id>:<channel>``), made by one job that sets ``done_at``.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="broadcasts", on_delete=fields.CASCADE)
    subject = fields.CharField(max_length=120)
    text = fields.TextField()
    channels: list = fields.JSONField(default=list)
    audience: dict = fields.JSONField(default=dict)
    producer_ids: list = fields.JSONField(default=list)
    recipients = fields.IntField(default=0)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="broadcasts", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "exhibitor_broadcasts"
        ordering = ["-id"]
