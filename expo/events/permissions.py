"""The per-event permission that routes declare.

    @event_role(Role.COMMITTEE)
    async def audit_list(request): ...   # request.state.event is loaded, 404 if unknown

Superusers pass every check; signed-in users without the role get the friendly 403 page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from expo.accounts.models import Role
from expo.accounts.permissions import Endpoint, require_user
from expo.errors import Forbidden, found
from expo.events.models import Event
from expo.events.team import roles_for
from expo.nav import conditions_met


def event_role(*allowed: Role) -> Callable[[Endpoint], Endpoint]:
    """Require one of ``allowed`` roles on the event named by the ``slug`` path parameter."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            user = require_user(request)
            event = found(await Event.get_or_none(slug=request.path_params["slug"]))
            roles = await roles_for(user, event)
            if not roles & set(allowed):
                raise Forbidden()
            request.state.event = event
            request.state.roles = roles
            request.state.nav_met = await conditions_met(user, event, roles)  # tabs shown
            return await endpoint(request)

        wrapper.__expo_permission__ = "event:" + ",".join(r.value for r in allowed)  # type: ignore[attr-defined]
        return wrapper

    return decorate
