"""Record and read the audit log. Action names are dotted: ``expo.event.created``.

The lowest of the core: it knows users and events only as rows (``actor``, ``event``), so that
accounts and events can both write to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tortoise.fields.data import JSON_DUMPS
from tortoise.models import Model

from expo.audit.models import AuditEntry

PAGE_SIZE = 50
MAX_PAGE = 100_000


async def log_action(*, action: str, actor: Model | None, event: Model | None = None,
                     obj: Model | None = None, summary: str = "",
                     data: dict[str, Any] | None = None, ip: str = "") -> AuditEntry:
    return await AuditEntry.create(actor=actor, event=event, **_columns(
        action=action, object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "", summary=summary, data=data, ip=ip))


def _columns(*, action: str, object_type: str, object_id: str, summary: str,
             data: dict[str, Any] | None, ip: str) -> dict[str, Any]:
    """An entry's own columns, cut to size: ``log_action`` and ``entry_insert`` write alike."""
    return {"action": action, "object_type": object_type, "object_id": object_id,
            "summary": summary[:300], "data": data or {}, "ip": ip[:45]}


_INSERT_COLUMNS = ("event_id", "actor_id", *_columns(action="", object_type="", object_id="",
                                                     summary="", data=None, ip=""), "created_at")
ENTRY_INSERT = (f"INSERT INTO {AuditEntry.Meta.table} ({', '.join(_INSERT_COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})")


def entry_insert(*, action: str, event_id: int | None, actor_id: int | None, at: dt.datetime,
                 object_type: str = "", object_id: str = "", summary: str = "",
                 data: dict[str, Any] | None = None, ip: str = "") -> tuple[str, list[Any]]:
    """The statement (``?`` placeholders: ``ENTRY_INSERT``) and values that record the entry
    ``log_action`` would, for a caller that writes its transaction in SQL (the gate's scans,
    whose forced entries are audited in the scan's own transaction)."""
    columns = _columns(action=action, object_type=object_type, object_id=object_id,
                       summary=summary, data=data, ip=ip)
    columns["data"] = JSON_DUMPS(columns["data"])  # as the JSONField stores it
    return ENTRY_INSERT, [event_id, actor_id, *columns.values(), at]


async def forget_name(*, event: Model, name: str, object_type: str, object_id: int,
                      placeholder: str) -> int:
    """Replace a person's name in the summaries of the entries about them (right to erasure):
    the entries stay, as a record of what was done, without saying to whom by name. Entries
    are "about" the person when they name them as their object or in ``data["visitor"]``."""
    if not name:
        return 0
    changed = 0
    for entry in await AuditEntry.filter(event=event, summary__contains=name):
        mine = (entry.object_type, entry.object_id) == (object_type, str(object_id))
        if mine or entry.data.get("visitor") == object_id:
            entry.summary = entry.summary.replace(name, placeholder)
            await entry.save(update_fields=["summary"])
            changed += 1
    return changed


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    page: int
    has_next: bool
    actions: list[str]


async def list_entries(*, event: Model, action_prefix: str = "", page: int = 1) -> AuditPage:
    page = min(max(1, page), MAX_PAGE)  # a huge page number would overflow the offset
    query = AuditEntry.filter(event=event)
    if action_prefix:
        query = query.filter(action__startswith=action_prefix)
    rows = await query.select_related("actor").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    actions = await (AuditEntry.filter(event=event).order_by("action").distinct()
                     .values_list("action", flat=True))
    return AuditPage(entries=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE,
                     actions=sorted(set(actions)))  # type: ignore[arg-type]
