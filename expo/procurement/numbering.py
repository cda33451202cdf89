"""Gapless document numbers per series and year: ``RFQ/2027/0001`` (requests),
``SP/2027/0001`` (orders, Surat Pesanan), ``BAST/2027/0001`` (handovers).

``take`` must run inside the transaction that gives the number (``expo.db.atomic``): one
``UPDATE ... RETURNING`` on the series' row, so a second issuer waits on PostgreSQL's row lock
(SQLite's write lock is held already) and a rolled-back number is given again.
"""

from __future__ import annotations

from tortoise import connections

REQUEST, ORDER, BAST = "RFQ", "SP", "BAST"


async def take(*, kind: str, year: int) -> str:
    """The next number of ``kind`` in ``year``, formatted (call inside the transaction)."""
    series = f"{kind}/{year}"
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(
            "INSERT INTO proc_counters (series, value) VALUES ($1, 0) "
            "ON CONFLICT (series) DO NOTHING", [series])
        rows = await conn.execute_query_dict(
            "UPDATE proc_counters SET value = value + 1 WHERE series = $1 RETURNING value",
            [series])
    else:
        await conn.execute_query(
            "INSERT OR IGNORE INTO proc_counters (series, value) VALUES (?, 0)", [series])
        rows = await conn.execute_query_dict(
            "UPDATE proc_counters SET value = value + 1 WHERE series = ? RETURNING value",
            [series])
    return f"{series}/{int(rows[0]['value']):04d}"
