"""Reports: producers' daily sales, doorprize draws and background export jobs.

``SalesReport`` is one producer's sales on one event day (omzet in Rupiah and units sold),
optionally split per product in ``SalesLine`` rows (then the report holds their sums).
``DrawRun`` keeps everything needed to re-run a doorprize draw (seed, filters, the candidate
list's digest, the algorithm version) and ``DrawWinner`` is unique per event and visitor, so
that nobody wins twice. ``ExportJob`` tracks a workbook being written in the background.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class SalesReport(Model):
    """A producer's sales on one event day: omzet (IDR) and units sold."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="sales_reports", on_delete=fields.CASCADE)
    producer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Producer", related_name="sales_reports", on_delete=fields.CASCADE)
    day = fields.DateField()
    omzet = fields.BigIntField(default=0, db_default=0)
    units = fields.IntField(default=0, db_default=0)
    per_product = fields.BooleanField(default=False, db_default=False)
    rehearsal = fields.BooleanField(default=False, db_default=False)
    note = fields.CharField(max_length=300, default="")
    reported_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="sales_reports", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    lines: fields.ReverseRelation[SalesLine]

    class Meta:
        table = "sales_reports"
        unique_together = (("event", "producer", "day"),)
        ordering = ["day", "id"]


class SalesLine(Model):
    """The part of a day's sales made with one product."""

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation[SalesReport] = fields.ForeignKeyField(
        "models.SalesReport", related_name="lines", on_delete=fields.CASCADE)
    product: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Product", related_name="sales_lines", on_delete=fields.CASCADE)
    omzet = fields.BigIntField(default=0, db_default=0)
    units = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "sales_lines"
        unique_together = (("report", "product"),)
        ordering = ["id"]


class DrawRun(Model):
    """One doorprize draw (undian). See ``expo.reports.draw`` for the algorithm.

    ``filters`` holds the day (ISO date or null) and the visitor types drawn from,
    ``candidates_digest`` the SHA-256 of the candidate numbers (visitor ids, ascending,
    comma separated), ``pool_size`` their count.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="draws", on_delete=fields.CASCADE)
    number = fields.IntField()
    prize = fields.CharField(max_length=160)
    seed = fields.CharField(max_length=64)
    algorithm = fields.CharField(max_length=20)
    filters: dict = fields.JSONField(default=dict)
    requested = fields.IntField()
    pool_size = fields.IntField()
    candidates_digest = fields.CharField(max_length=64)
    candidates: list = fields.JSONField(default=list)
    performed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="draws", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    winners: fields.ReverseRelation[DrawWinner]

    class Meta:
        table = "report_draws"
        unique_together = (("event", "number"),)
        ordering = ["-number"]


class DrawWinner(Model):
    """A winner of a draw. Unique per event and visitor: nobody wins twice."""

    id = fields.IntField(primary_key=True)
    draw: fields.ForeignKeyRelation[DrawRun] = fields.ForeignKeyField(
        "models.DrawRun", related_name="winners", on_delete=fields.CASCADE)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="draw_winners", on_delete=fields.CASCADE)
    visitor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Visitor", related_name="draw_wins", on_delete=fields.CASCADE)
    position = fields.IntField()

    class Meta:
        table = "report_draw_winners"
        unique_together = (("event", "visitor"),)
        ordering = ["position"]


class JobStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting")
    RUNNING = "running", _l("Writing")
    DONE = "done", _l("Ready")
    FAILED = "failed", _l("Failed")




class ExportJob(Model):
    """A workbook written in the background into ``data_dir/exports/<file_name>``.

    The process writing it (``worker``: host and pid) touches ``heartbeat_at`` while it
    works; a pending or running job with an old heartbeat, or whose worker on this host is
    gone, was interrupted (see ``expo.reports.jobs``).
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="export_jobs", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=30, default="event_workbook")
    status = fields.CharEnumField(JobStatus, max_length=10, default=JobStatus.PENDING)
    progress = fields.IntField(default=0, db_default=0)
    stage = fields.CharField(max_length=60, default="")
    rows_written = fields.IntField(default=0, db_default=0)
    file_name = fields.CharField(max_length=120, default="")
    error = fields.CharField(max_length=300, default="")
    requested_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="export_jobs", null=True, on_delete=fields.SET_NULL)
    worker = fields.CharField(max_length=100, default="", db_default="")
    heartbeat_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report_export_jobs"
        ordering = ["-id"]
