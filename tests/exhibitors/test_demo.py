from expo.demo import load_demo
from expo.exhibitors.models import Application, AppStatus, Producer
from expo.exhibitors.service import producer_for


async def test_demo_has_producers_in_mixed_states(db):
    ctx = await load_demo()
    assert await Producer.all().count() >= 40
    statuses = set(await Application.all().values_list("status", flat=True))
    assert statuses == {s.value for s in AppStatus}
    producer = await producer_for(ctx.users["exhibitor"])
    assert producer is not None and producer.email == "umkm@expo.test"
    assert await Application.filter(total_score__isnull=False).count() > 20
