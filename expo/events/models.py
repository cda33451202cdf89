"""Events and their days. Every other domain row belongs to an event."""

from __future__ import annotations

import datetime as dt

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import DEFAULT_TIMEZONE
from expo.i18n import lazy_gettext as _l


class EventStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")
    CLOSED = "closed", _l("Closed")




class Event(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=60, unique=True)
    name = fields.CharField(max_length=160)
    description = fields.TextField(default="")
    venue = fields.CharField(max_length=160)
    address = fields.CharField(max_length=300, default="")
    city = fields.CharField(max_length=80, default="")
    timezone = fields.CharField(max_length=64, default=DEFAULT_TIMEZONE)
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    exhibitor_reg_opens = fields.DatetimeField(null=True)
    exhibitor_reg_closes = fields.DatetimeField(null=True)
    visitor_reg_opens = fields.DatetimeField(null=True)
    visitor_reg_closes = fields.DatetimeField(null=True)
    status = fields.CharEnumField(EventStatus, max_length=12, default=EventStatus.DRAFT)
    # Rehearsal mode (gate staff practise with test tickets before opening): while on, the
    # gates take only test tickets at any hour; what it records is marked and cleared.
    rehearsal = fields.BooleanField(default=False, db_default=False)
    rehearsal_cleared_at = fields.DatetimeField(null=True)
    # Bumped by every change the public floor map shows (booths, halls, assignments, the
    # exhibitors on it): the map's cache key, the same on every worker and host.
    plan_version = fields.IntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    days: fields.ReverseRelation[EventDay]

    class Meta:
        table = "events"
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.name


class EventDay(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="days", on_delete=fields.CASCADE
    )
    date = fields.DateField()
    # Local wall-clock times "HH:MM" in the event's time zone (portable across databases).
    opens_at = fields.CharField(max_length=5)
    closes_at = fields.CharField(max_length=5)

    @property
    def opens(self) -> dt.time:
        return dt.time.fromisoformat(self.opens_at)

    @property
    def closes(self) -> dt.time:
        return dt.time.fromisoformat(self.closes_at)

    class Meta:
        table = "event_days"
        unique_together = (("event", "date"),)
        ordering = ["date"]
