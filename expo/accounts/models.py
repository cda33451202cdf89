"""Users, their sessions and per-event roles, one-time tokens, login throttling."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class Role(LabelledEnum):
    COMMITTEE = "committee", _l("Committee")
    CURATOR = "curator", _l("Curator")
    GATE = "gate", _l("Gate staff")
    EXHIBITOR = "exhibitor", _l("Exhibitor")




class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255, default="")
    is_superuser = fields.BooleanField(default=False, db_default=False)
    is_active = fields.BooleanField(default=True, db_default=True)
    locale = fields.CharField(max_length=5, default="id", db_default="id")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    roles: fields.ReverseRelation[EventRole]
    sessions: fields.ReverseRelation[UserSession]

    class Meta:
        table = "users"

    def __str__(self) -> str:
        return self.name


class EventRole(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="roles", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="roles", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(Role, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event_roles"
        unique_together = (("event", "user", "role"),)


class PasswordToken(Model):
    """A one-time link to set a password (reset or invitation). Only the digest is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="password_tokens", on_delete=fields.CASCADE
    )
    digest = fields.CharField(max_length=64, unique=True)
    purpose = fields.CharField(max_length=16, default="reset")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "password_tokens"


class UserSession(Model):
    """A signed-in browser. Its cookie holds a random id, this table only a digest of it."""

    id = fields.IntField(primary_key=True)
    digest = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    agent = fields.CharField(max_length=80, default="", db_default="")  # "Chrome, Android"
    ip = fields.CharField(max_length=45, default="", db_default="")

    class Meta:
        table = "user_sessions"
        indexes = (("user_id", "revoked_at"),)


class LoginThrottle(Model):
    """Failed sign-ins per key (an email or a client address) within a window."""

    key = fields.CharField(max_length=300, primary_key=True)
    failures = fields.IntField(default=0)
    window_start = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "login_throttle"
