"""Factories for payment tests: an event with a fee policy, an exhibitor holding a booth."""

from __future__ import annotations

from dataclasses import dataclass

from expo.accounts.models import Role, User
from expo.booths.models import Booth, BoothStatus, Hall
from expo.events.models import Event
from expo.exhibitors.models import Application
from expo.payments import invoices
from expo.payments.models import FeePolicy, Invoice
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import make_event, make_user


@dataclass
class Stand:
    event: Event
    user: User
    application: Application
    booth: Booth


async def fee_event(**policy: object) -> Event:
    event = await make_event()
    values: dict[str, object] = {"bank_name": "Bankaltimtara", "account_number": "0011223344",
                                 "account_holder": "Panitia HKN Samarinda", "due_days": 14}
    values.update(policy)
    await FeePolicy.create(event=event, prefix="HKN2027", **values)
    return event


async def held_stand(event: Event, *, price: int = 350_000, code: str = "A",
                     **application: object) -> Stand:
    """An accepted exhibitor (with a login) holding one 3 × 3 m booth at ``price``."""
    user = await make_user(event=event, role=Role.EXHIBITOR)
    app = await make_application(event, user=user, **application)  # type: ignore[arg-type]
    hall = await hall_for(event)
    count = await Booth.filter(event=event).count()
    booth = (await make_row(hall, 1, prefix=code, start=count + 1))[0]
    await Booth.filter(id=booth.id).update(price=price, holder_id=app.id,
                                           status=BoothStatus.ASSIGNED)
    return Stand(event=event, user=user, application=app, booth=await Booth.get(id=booth.id))


async def hall_for(event: Event) -> Hall:
    hall = await Hall.filter(event=event).first()
    return hall or await make_hall(event)


async def issued_invoice(stand: Stand) -> Invoice:
    return await invoices.on_booth_confirmed(event=stand.event,
                                             application_id=stand.application.id, by=stand.user)
