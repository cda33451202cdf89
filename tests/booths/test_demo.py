from expo.booths.models import AllocationRun, Booth, Hall, RunStatus
from expo.demo import load_demo


async def test_demo_has_two_halls_and_a_published_allocation(db: str) -> None:
    ctx = await load_demo()
    assert await Hall.filter(event=ctx.event).count() == 2
    assert 55 <= await Booth.filter(event=ctx.event).count() <= 65
    run = await AllocationRun.get(event=ctx.event)
    assert run.status == RunStatus.PUBLISHED and run.seed == 2027
    assert await Booth.filter(event=ctx.event, holder_id__not_isnull=True).count() >= 8
    logins = {role: email for role, email, _pw in ctx.logins}
    # the browser journey signs in as this exhibitor
    assert logins["exhibitor with a booth"] == "produsen24@expo.test"
