"""The conditions of the event tabs that only a producer with an accepted application can use
(``expo.nav``): without one, those pages answer "not found", so their tabs are not shown."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from expo.accounts.models import Role
from expo.exhibitors.models import Application, AppStatus, ProducerMember
from expo.nav import ACCEPTED_EXHIBITOR, EXHIBITOR_OR_COMMITTEE, register_condition


async def has_accepted_application(user: Any, event: Any, roles: Collection[str]) -> bool:
    producers = ProducerMember.filter(user=user).values_list("producer_id", flat=True)
    return await Application.exists(event=event, producer_id__in=list(await producers),
                                    status=AppStatus.ACCEPTED)


async def exhibitor_or_committee(user: Any, event: Any, roles: Collection[str]) -> bool:
    return Role.COMMITTEE in roles or await has_accepted_application(user, event, roles)


register_condition(ACCEPTED_EXHIBITOR, has_accepted_application)
register_condition(EXHIBITOR_OR_COMMITTEE, exhibitor_or_committee)
