"""Rate-limit counters shared by every worker and host (``expo.ratelimit.SharedRateLimiter``).

Plumbing: one row per key and fixed window, counted with one upsert. Rows of windows long
past are deleted as the limiter goes.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateHit(Model):
    """Hits of one key (a limiter's name and what it limits) in one window."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=200)
    started = fields.BigIntField()  # the window's start, in whole seconds since the epoch
    hits = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "rate_hits"
        unique_together = (("key", "started"),)
        indexes = (("started",),)
