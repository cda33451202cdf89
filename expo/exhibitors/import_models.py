"""A large workbook import, run by the job queue: its state and, once it ends, its result.

Small imports are written during their request and need no record. A large one (producers or
booths, see ``expo.exhibitors.import_jobs``) is a row here and a queue job: the committee's
page polls the row.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class ImportKind(LabelledEnum):
    PRODUCERS = "producers", _l("Producers")
    BOOTHS = "booths", _l("Booths")


class ImportStatus(LabelledEnum):
    QUEUED = "queued", _l("Waiting to start")
    RUNNING = "running", _l("Importing")
    DONE = "done", _l("Imported")
    FAILED = "failed", _l("Not imported")


ENDED = (ImportStatus.DONE, ImportStatus.FAILED)


class ImportJob(Model):
    """The upload waits in ``uploads_dir/imports/<event id>-<token>.xlsx`` until the import
    ends (then it is removed). ``result`` holds the counts written, ``error`` and
    ``problems`` (the rows' errors) why nothing was, in the requester's language
    (``locale``)."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="import_jobs", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(ImportKind, max_length=10)
    status = fields.CharEnumField(ImportStatus, max_length=8, default=ImportStatus.QUEUED)
    token = fields.CharField(max_length=32)
    locale = fields.CharField(max_length=5, default="id")
    result: dict = fields.JSONField(default=dict)
    error = fields.CharField(max_length=500, default="")
    problems: list = fields.JSONField(default=list)
    requested_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="import_jobs", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "import_jobs"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind}#{self.id}"
