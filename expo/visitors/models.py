"""Visitors and their tickets, gates, device tokens and scans.

A ticket is the visitor row itself: its ``ticket_key`` (random, never shown alone) is what the
signed QR code carries. Presence (``inside``, ``last_in_day``) lives on the same row so that a
check-in is one conditional UPDATE.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class VisitorType(LabelledEnum):
    UMUM = "umum", _l("General public")
    PELAJAR = "pelajar", _l("Student")
    INSTANSI = "instansi", _l("Government agency (OPD)")
    BUYER = "buyer", _l("Business buyer")
    EXHIBITOR = "exhibitor", _l("Exhibitor staff")
    COMMITTEE = "committee", _l("Committee")
    GUEST = "guest", _l("Guest")


PUBLIC_TYPES = (VisitorType.UMUM, VisitorType.PELAJAR, VisitorType.INSTANSI, VisitorType.BUYER)
BADGE_TYPES = (VisitorType.EXHIBITOR, VisitorType.COMMITTEE, VisitorType.GUEST)


class Source(LabelledEnum):
    ONLINE = "online", _l("Online registration")
    GROUP = "group", _l("Group registration")
    KIOSK = "kiosk", _l("Walk-in kiosk")
    STAFF = "staff", _l("Added by staff")


class Direction(LabelledEnum):
    IN = "in", _l("In")
    OUT = "out", _l("Out")


class VisitorGroup(Model):
    """A class registered by its teacher (or any group): one ticket per member."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="visitor_groups", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=160)
    leader_name = fields.CharField(max_length=120)
    leader_phone = fields.CharField(max_length=20)
    link_token = fields.CharField(max_length=43, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "visitor_groups"


class Visitor(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="visitors", on_delete=fields.CASCADE)
    group: fields.ForeignKeyNullableRelation[VisitorGroup] = fields.ForeignKeyField(
        "models.VisitorGroup", related_name="members", null=True, on_delete=fields.SET_NULL)
    ticket_key = fields.CharField(max_length=14, unique=True)
    link_token = fields.CharField(max_length=43, unique=True)
    name = fields.CharField(max_length=120)
    phone = fields.CharField(max_length=20, default="", db_index=True)
    email = fields.CharField(max_length=254, default="")
    type = fields.CharEnumField(VisitorType, max_length=12, default=VisitorType.UMUM)
    agency = fields.CharField(max_length=160, default="")
    organisation = fields.CharField(max_length=160, default="")
    kabupaten = fields.CharField(max_length=60, default="")
    source = fields.CharEnumField(Source, max_length=8, default=Source.ONLINE)
    locale = fields.CharField(max_length=5, default="id", db_default="id")  # of its messages
    # Consent to share contact details with exhibitors: explicit, timestamped, revocable.
    consent_share = fields.BooleanField(default=False, db_default=False)
    consent_at = fields.DatetimeField(null=True)
    consent_revoked_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    # Set when the visitor deleted their registration: the row stays, anonymised, for counts.
    erased_at = fields.DatetimeField(null=True)
    # Presence, changed only by one conditional UPDATE per scan.
    inside = fields.BooleanField(default=False, db_default=False)
    last_in_day = fields.DateField(null=True)
    last_in_at = fields.DatetimeField(null=True)
    last_out_at = fields.DatetimeField(null=True)
    entries = fields.IntField(default=0, db_default=0)
    rehearsal = fields.BooleanField(default=False, db_default=False)  # a test ticket
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "visitors"
        ordering = ["-id"]
        # The dashboard's counts (registered today, inside now) read the first two indexes
        # only; the third finds the ticket a phone already has (no duplicate registrations).
        indexes = (("event_id", "created_at"), ("event_id", "last_in_day", "inside"),
                   ("event_id", "phone"))

    def __str__(self) -> str:
        return self.name


class GateRules(Model):
    """How an event admits people: re-entry, exit scans, opening hours."""

    id = fields.IntField(primary_key=True)
    event: fields.OneToOneRelation = fields.OneToOneField(
        "models.Event", related_name="gate_rules", on_delete=fields.CASCADE)
    reentry = fields.BooleanField(default=True, db_default=True)
    track_exit = fields.BooleanField(default=True, db_default=True)
    enforce_hours = fields.BooleanField(default=True, db_default=True)
    early_minutes = fields.IntField(default=30, db_default=30)

    class Meta:
        table = "visitor_gate_rules"


class Gate(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="gates", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=60)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "visitor_gates"
        unique_together = (("event", "name"),)
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeviceToken(Model):
    """A bearer token for a scanner or kiosk at one gate. Only the SHA-256 digest is stored."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="device_tokens", on_delete=fields.CASCADE)
    gate: fields.ForeignKeyRelation[Gate] = fields.ForeignKeyField(
        "models.Gate", related_name="tokens", on_delete=fields.CASCADE)
    label = fields.CharField(max_length=80, default="")
    digest = fields.CharField(max_length=64, unique=True)
    kiosk = fields.BooleanField(default=False, db_default=False)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="device_tokens", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "visitor_device_tokens"
        ordering = ["-id"]


class Scan(Model):
    """One scan as the device reported it, with the server's verdict (accepted or not)."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="scans", on_delete=fields.CASCADE)
    visitor: fields.ForeignKeyNullableRelation[Visitor] = fields.ForeignKeyField(
        "models.Visitor", related_name="scans", null=True, on_delete=fields.CASCADE)
    gate: fields.ForeignKeyNullableRelation[Gate] = fields.ForeignKeyField(
        "models.Gate", related_name="scans", null=True, on_delete=fields.SET_NULL)
    device: fields.ForeignKeyNullableRelation[DeviceToken] = fields.ForeignKeyField(
        "models.DeviceToken", related_name="scans", null=True, on_delete=fields.SET_NULL)
    nonce = fields.CharField(max_length=64, null=True)
    direction = fields.CharEnumField(Direction, max_length=3, default=Direction.IN)
    ok = fields.BooleanField()
    reason = fields.CharField(max_length=16, null=True)
    forced = fields.BooleanField(default=False, db_default=False)
    rehearsal = fields.BooleanField(default=False, db_default=False)
    day = fields.DateField(null=True)
    scanned_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "visitor_scans"
        unique_together = (("event", "nonce"),)
        # Covering indexes for the dashboard's per-hour, per-gate and distinct counts.
        indexes = (("event_id", "day", "ok", "direction", "gate_id", "scanned_at"),
                   ("event_id", "day", "ok", "direction", "visitor_id"))


class TicketKey(Model):
    """One of an event's Ed25519 ticket-signing keys (``expo.visitors.keys``).

    The highest generation not retired signs; a retired key still verifies until
    ``valid_until``. The public half is stored plain (scanners and any verifier need it), the
    private half sealed with AES-GCM under a key derived from EXPO_SECRET_KEY.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="ticket_keys", on_delete=fields.CASCADE)
    # 1, 2, ...: unique per event, so that two workers making the same key end with one.
    generation = fields.IntField()
    key_id = fields.CharField(max_length=2)  # hex of the byte carried in every code
    public_key = fields.BinaryField()  # raw, 32 bytes
    private_key = fields.BinaryField()  # sealed: nonce | ciphertext | tag
    created_at = fields.DatetimeField(auto_now_add=True)
    retired_at = fields.DatetimeField(null=True)  # no longer signs
    valid_until = fields.DatetimeField(null=True)  # set on retirement: verifies until then

    class Meta:
        table = "visitor_ticket_keys"
        unique_together = (("event", "generation"), ("event", "key_id"))
        ordering = ["-generation"]
