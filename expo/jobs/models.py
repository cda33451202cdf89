"""A job: one piece of background work, kept as a row until it is done or dead.

Times the queue writes (``run_at``, ``lease_until``, ``tried_at``, ``finished_at``) are whole
milliseconds since the epoch, so that one claim statement reads the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class JobState(LabelledEnum):
    QUEUED = "queued", _l("Queued")
    RUNNING = "running", _l("Running")
    FAILED = "failed", _l("Failed, will retry")
    DEAD = "dead", _l("Dead")
    DONE = "done", _l("Done")


class Job(Model):
    """One piece of background work, waiting, running or ended.

    ``kind`` names the handler (``expo.jobs.queue.handler``); ``payload`` is its JSON input.
    A worker claims a due job by setting ``state`` to running, ``locked_by`` to itself and
    ``lease_until`` a little ahead (renewed while it runs). A running job whose lease ran out
    belonged to a worker that died: the next claim takes it again. ``key`` (unique, optional)
    makes enqueueing idempotent.
    """

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=60)
    payload: dict = fields.JSONField(default=dict)
    state = fields.CharEnumField(JobState, max_length=8, default=JobState.QUEUED)
    key = fields.CharField(max_length=200, null=True, unique=True)
    event_id = fields.IntField(null=True, db_index=True)  # for the committee's views only
    run_at = fields.BigIntField()
    attempts = fields.IntField(default=0, db_default=0)
    max_attempts = fields.IntField(default=8, db_default=8)
    last_error = fields.TextField(default="")
    locked_by = fields.CharField(max_length=100, default="", db_default="")
    lease_until = fields.BigIntField(default=0, db_default=0)
    tried_at = fields.BigIntField(default=0, db_default=0)  # the last claim (ms), 0: never
    finished_at = fields.BigIntField(default=0, db_default=0)  # done or dead (ms)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "jobs"
        ordering = ["-id"]
        indexes = (("state", "run_at"),)

    def __str__(self) -> str:
        return f"{self.kind}#{self.id}"
