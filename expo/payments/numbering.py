"""Gapless document numbers per event: ``INV/HKN2027/0001``, ``KW/HKN2027/0001``,
``NK/HKN2027/0001``.

``take`` must run inside the transaction that issues the document. It increments the
event's counter with one ``UPDATE ... RETURNING``: on PostgreSQL the row lock makes a second
issuer wait until the first commits or rolls back (a rolled-back number is given again, so
there is no gap); on SQLite ``expo.db.atomic`` holds the write lock already. The counter row
is created on first use with an insert that ignores a concurrent twin.
"""

from __future__ import annotations

import re

from tortoise import connections

from expo.events.models import Event

INVOICE, RECEIPT, CREDIT = "INV", "KW", "NK"


def default_prefix(event: Event) -> str:
    """``hkn-samarinda-2027`` → ``HKNSAMARINDA2027``, cut to 16 characters."""
    return re.sub(r"[^A-Z0-9]", "", event.slug.upper())[:16] or f"E{event.id}"


def format_number(kind: str, prefix: str, seq: int) -> str:
    return f"{kind}/{prefix}/{seq:04d}"


async def take(*, event_id: int, kind: str) -> int:
    """The next number of ``kind`` for the event (call inside the issuing transaction)."""
    conn = connections.get("default")  # the caller's transaction
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(
            "INSERT INTO payment_counters (event_id, kind, value) VALUES ($1, $2, 0) "
            "ON CONFLICT (event_id, kind) DO NOTHING", [event_id, kind])
        rows = await conn.execute_query_dict(
            "UPDATE payment_counters SET value = value + 1 WHERE event_id = $1 AND kind = $2 "
            "RETURNING value", [event_id, kind])
    else:
        await conn.execute_query(
            "INSERT OR IGNORE INTO payment_counters (event_id, kind, value) VALUES (?, ?, 0)",
            [event_id, kind])
        rows = await conn.execute_query_dict(
            "UPDATE payment_counters SET value = value + 1 WHERE event_id = ? AND kind = ? "
            "RETURNING value", [event_id, kind])
    return int(rows[0]["value"])
