"""Producers hear about their booth: given by a published run (code and a link to the public
map), by a waitlist promotion or their own pick, and released."""

from __future__ import annotations

import datetime as dt

from expo.app import create_app
from expo.booths import allocation, holding
from expo.booths import notify as notices
from expo.booths.models import AllocationMode, Assignment, Booth, RunOutcome
from expo.events.models import Event
from expo.outbox import Channel, OutboxMessage
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import make_event, make_user


async def _setup(n_booths: int = 3, n_apps: int = 2):  # type: ignore[no-untyped-def]
    event = await make_event()
    hall = await make_hall(event)
    booths = await make_row(hall, n_booths)
    apps = [await make_application(event) for _ in range(n_apps)]
    return event, booths, apps


async def _codes_of(app_id: int) -> list[str]:
    return sorted(await Booth.filter(holder_id=app_id).values_list("code", flat=True))


async def test_notices_published_run_tells_each_producer_its_booth(db):
    event, _booths, apps = await _setup()
    run = await allocation.run_allocation(event=event, by=None, seed=7)
    await allocation.publish(run=run, by=None)
    rows = await OutboxMessage.filter(kind="booths.assigned").order_by("id")
    assert len(rows) == 4  # two producers, WhatsApp and email each
    for app in apps:
        await app.fetch_related("producer")
        code = (await _codes_of(app.id))[0]
        mine = [r for r in rows if r.key.startswith(f"booths.published:{run.id}:{app.id}:")]
        assert {r.channel for r in mine} == {Channel.WHATSAPP, Channel.EMAIL}
        assert {r.to for r in mine} == {app.producer.phone, app.producer.email}
        for row in mine:
            assert code in row.body and code in row.subject
            assert f"http://testserver/e/{event.slug}/map?q={code}" in row.body
            assert row.event_id == event.id


async def test_notices_a_new_run_tells_only_whom_it_changes(db):
    event, booths, apps = await _setup()
    first = await allocation.run_allocation(event=event, by=None, seed=7)
    await allocation.publish(run=first, by=None)
    before = await OutboxMessage.all().count()
    same = await allocation.run_allocation(event=event, by=None, seed=7)
    await allocation.publish(run=same, by=None)
    assert await OutboxMessage.all().count() == before  # nothing moved: nobody is told
    moved = await allocation.run_allocation(event=event, by=None, seed=7)
    taken = set(await Assignment.filter(run=moved).values_list("booth_id", flat=True))
    free = next(b for b in booths if b.id not in taken)
    await allocation.move(run=moved, application_id=apps[0].id, booth=free, by=None)
    await allocation.publish(run=moved, by=None)
    told = await OutboxMessage.filter(key__startswith=f"booths.published:{moved.id}:")
    assert {r.key.split(":")[2] for r in told} == {str(apps[0].id)}
    assert all(free.code in r.body for r in told)


async def test_notices_dropped_by_a_run_is_told_released(db):
    event, booths, apps = await _setup(n_booths=2, n_apps=2)
    first = await allocation.run_allocation(event=event, by=None, seed=3)
    await allocation.publish(run=first, by=None)
    second = await allocation.run_allocation(event=event, by=None, seed=3)
    dropped = apps[1]
    code = (await _codes_of(dropped.id))[0]
    await Assignment.filter(run=second, application_id=dropped.id).delete()
    await allocation.publish(run=second, by=None)
    rows = await OutboxMessage.filter(kind="booths.released")
    assert {r.key for r in rows} == {f"booths.released:run{second.id}:{dropped.id}:whatsapp",
                                     f"booths.released:run{second.id}:{dropped.id}:email"}
    assert all(code in r.body and f"/manage/e/{event.slug}/my-booth" in r.body for r in rows)


async def test_notices_release_tells_the_releaser_and_the_promoted(db):
    event, booths, apps = await _setup(n_booths=1, n_apps=3)
    run = await allocation.run_allocation(event=event, by=None, seed=5)
    await allocation.publish(run=run, by=None)
    winner = (await allocation.run_rows(run))[0].application
    waiting = await RunOutcome.get(run=run, waitlist_position=1)
    promoted = await holding.release(application=winner, booth_id=booths[0].id, by=await make_user())
    assert promoted is not None and promoted.id == waiting.application_id  # type: ignore[attr-defined]
    released = await OutboxMessage.filter(kind="booths.released")
    assert {r.key for r in released} == {f"booths.released:{booths[0].id}:{winner.id}:{c}"
                                         for c in ("whatsapp", "email")}
    assigned = await OutboxMessage.filter(key__startswith=f"booths.assigned:{booths[0].id}:")
    assert {r.key.split(":")[2] for r in assigned} == {str(promoted.id)}
    assert all("A-01" in r.body for r in [*released, *assigned])


async def test_notices_same_booth_notice_twice_is_one(db):
    event, booths, apps = await _setup(n_booths=1, n_apps=1)
    booth = booths[0]
    for _ in range(2):
        await notices.one_booth_assigned(application=apps[0], booth=booth, event=event)
        await notices.one_booth_released(application=apps[0], booth=booth, event=event)
    assert await OutboxMessage.filter(kind="booths.assigned").count() == 2
    assert await OutboxMessage.filter(kind="booths.released").count() == 2


async def test_notices_own_pick_is_confirmed(db):
    event, booths, apps = await _setup(n_booths=2, n_apps=1)
    policy = await allocation.policy_for(event)
    opens = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    policy.mode, policy.selection_opens_at = AllocationMode.SELF, opens
    await policy.save()
    await holding.pick_booth(application=apps[0], booth_id=booths[1].id, by=await make_user(),
                             now=opens)
    rows = await OutboxMessage.filter(kind="booths.assigned")
    assert len(rows) == 2 and all("A-02" in r.body for r in rows)


def test_notices_booth_paths_are_the_routes(settings):
    app = create_app(settings, manage_db=False)
    event = Event(slug="hkn")
    assert notices.map_path(event, []) == app.url_path_for("booths.map", slug="hkn")
    assert notices.map_path(event, ["A 1"]) == "/e/hkn/map?q=A%201"
    assert app.url_path_for("booths.mine", slug="hkn") == "/manage/e/hkn/my-booth"
