"""Who may see what in procurement, declared on routes and checked again on each object.

- **Trade office**: superusers and ``OfficeStaff``: every organisation, request and order.
- **Buyer staff**: ``BuyerMember`` of one organisation: only that organisation's rows.
- **Producers**: ``ProducerMember`` of a producer: only their own quotes and orders.

Another's id is a 404 (its existence is not shown), never a 403.

    @buyer_or_office
    async def request_page(request):
        viewer = request.state.viewer          # a Viewer
        req = await access.visible_request(viewer, request.path_params["request_id"])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q

from expo.accounts.models import User
from expo.accounts.permissions import Endpoint, require_user
from expo.errors import Forbidden, found
from expo.exhibitors.models import ProducerMember
from expo.i18n import gettext as _

from .models import (
    BuyerMember,
    MemberRole,
    OfficeStaff,
    Organisation,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
)


@dataclass
class Viewer:
    """A signed-in person's procurement standing."""

    user: User
    office: bool = False
    memberships: list[BuyerMember] = field(default_factory=list)
    producer_ids: list[int] = field(default_factory=list)

    @property
    def organisation_ids(self) -> list[int]:
        return [m.organisation_id for m in self.memberships]

    @property
    def is_buyer(self) -> bool:
        return bool(self.memberships)

    @property
    def is_producer(self) -> bool:
        return bool(self.producer_ids)

    def membership(self, organisation_id: int) -> BuyerMember | None:
        return next((m for m in self.memberships if m.organisation_id == organisation_id),
                    None)

    def can_act_for(self, organisation_id: int) -> bool:
        """Officer or head of the organisation (the trade office reads, and may act too)."""
        return self.office or self.membership(organisation_id) is not None

    def is_head_of(self, organisation_id: int) -> bool:
        member = self.membership(organisation_id)
        return member is not None and member.role == MemberRole.HEAD


async def is_office(user: User) -> bool:
    return user.is_superuser or await OfficeStaff.exists(user_id=user.id)


async def viewer_of(user: User) -> Viewer:
    return Viewer(
        user=user, office=await is_office(user),
        memberships=await BuyerMember.filter(user_id=user.id).select_related("organisation"),
        producer_ids=[int(r["producer_id"]) for r in await ProducerMember.filter(
            user_id=user.id).values("producer_id")])


def _guard(kind: str, allowed: Callable[[Viewer], bool]) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            viewer = await viewer_of(require_user(request))
            if not allowed(viewer):
                raise Forbidden(_("This page is for the trade office and buyers' staff; your "
                                  "account has no access to it.") if kind != "producer" else
                                _("This page is for producers; your account is not linked to "
                                  "a business."))
            request.state.viewer = viewer
            return await endpoint(request)

        wrapper.__expo_permission__ = "procurement:" + kind  # type: ignore[attr-defined]
        return wrapper

    return decorate


office_required = _guard("office", lambda v: v.office)
buyer_or_office = _guard("buyer", lambda v: v.office or v.is_buyer)
producer_required = _guard("producer", lambda v: v.is_producer)
any_procurement = _guard("any", lambda v: v.office or v.is_buyer or v.is_producer)


# --- objects ------------------------------------------------------------------------------

async def visible_organisation(viewer: Viewer, organisation_id: int) -> Organisation:
    if not viewer.office and organisation_id not in viewer.organisation_ids:
        found(None, _("This organisation does not exist."))
    return found(await Organisation.get_or_none(id=organisation_id),
                 _("This organisation does not exist."))


async def visible_request(viewer: Viewer, request_id: int) -> PurchaseRequest:
    """The trade office sees every request; buyer staff their organisation's."""
    query = PurchaseRequest.filter(id=request_id)
    if not viewer.office:
        query = query.filter(organisation_id__in=viewer.organisation_ids)
    return found(await query.select_related("organisation").first(),
                 _("This request does not exist."))


async def visible_order(viewer: Viewer, order_id: int) -> PurchaseOrder:
    """The trade office sees every order; buyer staff their organisation's; a producer its
    own."""
    query = PurchaseOrder.filter(id=order_id)
    if not viewer.office:
        query = query.filter(Q(organisation_id__in=viewer.organisation_ids or [0])
                             | Q(producer_id__in=viewer.producer_ids or [0]))
    return found(await query.select_related("organisation", "producer", "request").first(),
                 _("This order does not exist."))


async def producer_quote(viewer: Viewer, quote_id: int) -> Quote:
    """A quote of one of the viewer's producers."""
    return found(await Quote.filter(id=quote_id, producer_id__in=viewer.producer_ids)
                 .select_related("item__request__organisation", "producer", "product").first(),
                 _("This quote does not exist."))
