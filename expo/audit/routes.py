"""The committee's view of the audit log."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.models import Role
from expo.accounts.permissions import event_role
from expo.audit.service import list_entries
from expo.web import render


@event_role(Role.COMMITTEE)
async def audit_list(request: Request) -> Response:
    event = request.state.event
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 1
    action = request.query_params.get("action", "")[:80]
    result = await list_entries(event=event, action_prefix=action, page=page)
    return render(request, "audit/list.html", {"event": event, "result": result,
                                               "action": action})


routes = [Route("/manage/e/{slug}/audit", audit_list, name="audit.list")]
