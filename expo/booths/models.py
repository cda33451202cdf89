"""Halls, booths, the per-event allocation policy, allocation runs and their assignments.

Integrity: a booth has one ``holder`` column (one exhibitor at most), filled only by a
conditional ``UPDATE ... WHERE holder_id IS NULL`` (see ``service.claim_booth``), and within a
run ``Assignment`` is unique per booth.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class BoothKind(LabelledEnum):
    STANDARD = "standard", _l("Standard")
    CORNER = "corner", _l("Corner")
    ISLAND = "island", _l("Island")
    FOOD = "food", _l("Food stall")
    OUTDOOR = "outdoor", _l("Outdoor tent")




class BoothStatus(LabelledEnum):
    AVAILABLE = "available", _l("Available")
    BLOCKED = "blocked", _l("Blocked")
    ASSIGNED = "assigned", _l("Assigned")




class AllocationMode(LabelledEnum):
    OPTIMAL = "optimal", _l("Committee runs the allocation")
    SELF = "self", _l("Exhibitors pick in time slots")


class ClusterMode(LabelledEnum):
    NONE = "none", _l("No cluster rule")
    TOGETHER = "together", _l("Keep each product cluster together")
    APART = "apart", _l("Keep same-cluster producers apart")


class RunStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")
    SUPERSEDED = "superseded", _l("Superseded")


class Hall(Model):
    """A hall (or outdoor area) of an event, measured in metres."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="halls", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=80)
    width = fields.FloatField(default=40)
    depth = fields.FloatField(default=30)
    position = fields.IntField(default=0)

    booths: fields.ReverseRelation[Booth]

    class Meta:
        table = "booth_halls"
        unique_together = (("event", "name"),)
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Booth(Model):
    """A booth on a hall's grid. ``x``, ``y``, ``w``, ``h`` in metres from the top left.

    ``holder`` is the application that holds the booth once an allocation is published or a
    booth is picked, ``confirmed_at`` set when the exhibitor confirms it.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="booths", on_delete=fields.CASCADE)
    hall: fields.ForeignKeyRelation[Hall] = fields.ForeignKeyField(
        "models.Hall", related_name="booths", on_delete=fields.CASCADE)
    code = fields.CharField(max_length=20)
    x = fields.FloatField()
    y = fields.FloatField()
    w = fields.FloatField(default=3)
    h = fields.FloatField(default=3)
    kind = fields.CharEnumField(BoothKind, max_length=10, default=BoothKind.STANDARD)
    zone = fields.CharField(max_length=60, default="")
    price = fields.IntField(default=0)
    power_watts = fields.IntField(default=0)
    water = fields.BooleanField(default=False)
    status = fields.CharEnumField(BoothStatus, max_length=10, default=BoothStatus.AVAILABLE,
                                  db_index=True)
    holder: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Application", related_name="booths", null=True, on_delete=fields.SET_NULL)
    confirmed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "booths"
        unique_together = (("event", "code"),)
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class AllocationPolicy(Model):
    """Per-event allocation rules: priority points, zone rules and the cluster rule.

    ``zone_rules`` maps a producer category to the zones it may use. ``early_points`` go to
    the earliest submission and shrink linearly to 0 for the latest. ``curation_points`` are
    given per 10 points of curation score.
    """

    id = fields.IntField(primary_key=True)
    event: fields.OneToOneRelation = fields.OneToOneField(
        "models.Event", related_name="booth_policy", on_delete=fields.CASCADE)
    mode = fields.CharEnumField(AllocationMode, max_length=10, default=AllocationMode.OPTIMAL)
    smk_points = fields.IntField(default=20)
    micro_points = fields.IntField(default=15)
    first_time_points = fields.IntField(default=10)
    rotation_penalty = fields.IntField(default=10)
    curation_points = fields.IntField(default=3)
    early_points = fields.IntField(default=5)
    cluster_mode = fields.CharEnumField(ClusterMode, max_length=10, default=ClusterMode.NONE)
    zone_rules: dict = fields.JSONField(default=dict)
    preferences_open = fields.BooleanField(default=False)
    selection_opens_at = fields.DatetimeField(null=True)
    slot_minutes = fields.IntField(default=30)
    slot_size = fields.IntField(default=10)

    class Meta:
        table = "booth_policies"


class BoothPreference(Model):
    """An exhibitor's ranked wish: a booth, or any booth of a zone."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="booth_preferences", on_delete=fields.CASCADE)
    rank = fields.IntField()
    booth: fields.ForeignKeyNullableRelation[Booth] = fields.ForeignKeyField(
        "models.Booth", related_name="wished_by", null=True, on_delete=fields.CASCADE)
    zone = fields.CharField(max_length=60, default="")

    class Meta:
        table = "booth_preferences"
        unique_together = (("application", "rank"),)
        ordering = ["rank"]


class AllocationRun(Model):
    """One run of the engine (a draft until published). The lottery seed is kept so that
    the run can be reproduced, ``metrics`` holds the run figures."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="allocation_runs", on_delete=fields.CASCADE)
    number = fields.IntField()
    label = fields.CharField(max_length=80, default="")
    status = fields.CharEnumField(RunStatus, max_length=12, default=RunStatus.DRAFT)
    seed = fields.BigIntField()
    cluster_mode = fields.CharEnumField(ClusterMode, max_length=10, default=ClusterMode.NONE)
    metrics: dict = fields.JSONField(default=dict)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="allocation_runs", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "allocation_runs"
        unique_together = (("event", "number"),)
        ordering = ["-number"]


class Assignment(Model):
    """A booth given to an application in a run. Unique per (run, booth)."""

    id = fields.IntField(primary_key=True)
    run: fields.ForeignKeyRelation[AllocationRun] = fields.ForeignKeyField(
        "models.AllocationRun", related_name="assignments", on_delete=fields.CASCADE)
    booth: fields.ForeignKeyRelation[Booth] = fields.ForeignKeyField(
        "models.Booth", related_name="assignments", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="booth_assignments", on_delete=fields.CASCADE)
    locked = fields.BooleanField(default=False)
    manual = fields.BooleanField(default=False)

    class Meta:
        table = "booth_assignments"
        unique_together = (("run", "booth"),)
        ordering = ["id"]


class RunOutcome(Model):
    """What a run decided for one application: the rank obtained, reasons, waitlist place."""

    id = fields.IntField(primary_key=True)
    run: fields.ForeignKeyRelation[AllocationRun] = fields.ForeignKeyField(
        "models.AllocationRun", related_name="outcomes", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="booth_outcomes", on_delete=fields.CASCADE)
    priority = fields.IntField(default=0)
    rank = fields.IntField(null=True)
    waitlist_position = fields.IntField(null=True)
    reasons: list = fields.JSONField(default=list)

    class Meta:
        table = "booth_run_outcomes"
        unique_together = (("run", "application"),)
        ordering = ["id"]
