"""The audit log: who did what, when, on which object."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Event", related_name="audit_entries", null=True, on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=80, db_index=True)
    object_type = fields.CharField(max_length=40, default="")
    object_id = fields.CharField(max_length=64, default="")
    summary = fields.CharField(max_length=300, default="")
    data: dict[str, Any] = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=45, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"
        ordering = ["-id"]
