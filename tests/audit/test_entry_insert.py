"""``entry_insert`` (an audit entry as SQL, for callers that write their transaction in SQL,
such as the gate's scans) records what ``log_action`` would."""

from tortoise import connections

from expo.audit.models import AuditEntry
from expo.audit.service import entry_insert, log_action
from expo.visitors.scanstore import numbered
from tests.factories import make_event

FIELDS = ("event_id", "actor_id", "action", "object_type", "object_id", "summary", "data", "ip",
          "created_at")


async def test_entry_insert_writes_what_log_action_would(db):
    event = await make_event()
    given = {"action": "expo.test.done", "summary": "Siti " * 80, "ip": "203.0.113.7" * 5,
             "data": {"visitor": 7, "reason": "already_inside", "note": "kué"}}
    logged = await log_action(actor=None, event=event, **given)
    sql, values = entry_insert(event_id=event.id, actor_id=None, at=logged.created_at, **given)
    conn = connections.get("default")
    await conn.execute_query(sql if conn.capabilities.dialect == "sqlite" else numbered(sql),
                             values)
    first, second = await AuditEntry.filter(action="expo.test.done").order_by("id")
    assert len(first.summary) == 300 and len(first.ip) == 45  # cut alike
    assert {f: getattr(second, f) for f in FIELDS} == {f: getattr(first, f) for f in FIELDS}
