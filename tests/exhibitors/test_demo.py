"""Checks of the exhibitors demo: producers and applications in every state.

They run on the one demo load every domain shares (tests/test_live_demo.py): a load costs
seconds, once is enough."""

from expo.events.demo import DemoContext
from expo.exhibitors.models import Application, AppStatus, Producer
from expo.exhibitors.service import producer_for


async def check_producers_in_mixed_states(ctx: DemoContext) -> None:
    assert await Producer.all().count() >= 40
    statuses = set(await Application.all().values_list("status", flat=True))
    assert statuses == {s.value for s in AppStatus}
    producer = await producer_for(ctx.users["exhibitor"])
    assert producer is not None and producer.email == "umkm@expo.test"
    assert await Application.filter(total_score__isnull=False).count() > 20


CHECKS = [check_producers_in_mixed_states]
