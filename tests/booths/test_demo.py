"""Checks of the booths demo: the halls, the published allocation and the exhibitor listed with a booth.

They run on the one demo load every domain shares (tests/test_live_demo.py): a load costs
seconds, once is enough."""

from expo.booths.models import AllocationRun, Booth, Hall, RunStatus
from expo.events.demo import DemoContext
from expo.exhibitors.models import ProducerMember


async def check_two_halls_and_a_published_allocation(ctx: DemoContext) -> None:
    assert await Hall.filter(event=ctx.event).count() == 2
    assert await Booth.filter(event=ctx.event).count() == 58
    run = await AllocationRun.get(event=ctx.event)
    assert run.status == RunStatus.PUBLISHED and run.seed == 2027
    assert await Booth.filter(event=ctx.event, holder_id__not_isnull=True).count() >= 15
    # The demo lists an exhibitor holding one booth, still to be confirmed: the browser
    # journey signs in as them, moves them and confirms it.
    logins = {role: email for role, email, _pw in ctx.logins}
    member = await ProducerMember.get(user__email=logins["exhibitor with a booth"])
    held = await Booth.filter(event=ctx.event, holder__producer_id=member.producer_id)  # type: ignore[attr-defined]
    assert len(held) == 1 and held[0].confirmed_at is None
    assert held[0].holder_id == ctx.marks["booth holder"]  # type: ignore[attr-defined]
    assert await Booth.filter(event=ctx.event, confirmed_at__not_isnull=True).count() >= 3


CHECKS = [check_two_halls_and_a_published_allocation]
