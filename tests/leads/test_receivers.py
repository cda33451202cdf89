"""Leads listen to the visitors domain: an erased visitor disappears from the stands' leads in
the same transaction as the erasure."""

import pytest

from expo.leads import service
from expo.leads.models import ContactRequest
from expo.visitors import service as visitor_service
from expo.visitors.models import Visitor
from expo.visitors.signals import VisitorErased, visitor_erased

from .helpers import make_visitor, setup

pytestmark = pytest.mark.usefixtures("db")


async def test_erasing_a_visitor_forgets_them_at_every_stand() -> None:
    event, a, b, _c = await setup()
    visitor = await make_visitor(event, "Bu Hapus", consent=True)
    await service.save_stand(visitor=visitor, application=b.application)
    await service.set_consent(visitor=visitor, application=a.application, consent=True)
    await visitor_service.erase_visitor(visitor=visitor)
    assert not await ContactRequest.filter(visitor_id=visitor.id, consent=True).exists()
    assert (await service.my_expo(visitor=visitor)).saved == []


async def test_a_failing_listener_rolls_the_erasure_back() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event, "Bu Tetap", consent=True)
    await service.set_consent(visitor=visitor, application=a.application, consent=True)

    async def broken(erased: VisitorErased) -> None:
        raise RuntimeError("listener down")

    visitor_erased.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            await visitor_service.erase_visitor(visitor=visitor)
    finally:
        visitor_erased.disconnect(broken)
    row = await Visitor.get(id=visitor.id)
    assert row.erased_at is None and row.name == "Bu Tetap"
    assert await ContactRequest.filter(visitor_id=visitor.id, consent=True).exists()
