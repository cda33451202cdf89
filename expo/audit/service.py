"""Record and read the audit log. Action names are dotted: ``expo.event.created``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.models import Model

from expo.accounts.models import User
from expo.audit.models import AuditEntry
from expo.events.models import Event

PAGE_SIZE = 50


async def log_action(*, action: str, actor: User | None, event: Event | None = None,
                     obj: Model | None = None, summary: str = "",
                     data: dict[str, Any] | None = None, ip: str = "") -> AuditEntry:
    return await AuditEntry.create(
        action=action,
        actor=actor,
        event=event,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        data=data or {},
        ip=ip[:45],
    )


async def forget_name(*, event: Event, name: str, object_type: str, object_id: int,
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


async def list_entries(*, event: Event, action_prefix: str = "", page: int = 1) -> AuditPage:
    page = max(1, page)
    query = AuditEntry.filter(event=event)
    if action_prefix:
        query = query.filter(action__startswith=action_prefix)
    rows = await query.select_related("actor").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    actions = await (AuditEntry.filter(event=event).order_by("action").distinct()
                     .values_list("action", flat=True))
    return AuditPage(entries=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE,
                     actions=sorted(set(actions)))  # type: ignore[arg-type]
