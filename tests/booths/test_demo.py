from expo.booths.models import AllocationRun, Assignment, Booth, Hall, RunStatus
from expo.demo import load_demo
from expo.exhibitors.models import ProducerMember


async def test_demo_has_two_halls_and_a_published_allocation(db: str) -> None:
    ctx = await load_demo()
    assert await Hall.filter(event=ctx.event).count() == 2
    assert 55 <= await Booth.filter(event=ctx.event).count() <= 65
    run = await AllocationRun.get(event=ctx.event)
    assert run.status == RunStatus.PUBLISHED and run.seed == 2027
    assert await Booth.filter(event=ctx.event, holder_id__not_isnull=True).count() >= 8
    # The demo lists the exhibitor on the run's first booth (by id), still to be confirmed:
    # the browser journey signs in as them and confirms it.
    first = await Assignment.filter(run=run).order_by("booth_id").select_related(
        "booth", "application").first()
    assert first is not None and first.booth.confirmed_at is None
    member = await ProducerMember.filter(
        producer_id=first.application.producer_id).select_related("user").first()  # type: ignore[attr-defined]
    logins = {role: email for role, email, _pw in ctx.logins}
    assert member is not None and logins["exhibitor with a booth"] == member.user.email
