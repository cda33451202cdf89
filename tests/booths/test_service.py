"""Floor plan rules and the allocation workflow, on a fresh database."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.booths import allocation, holding, service
from expo.booths.models import (
    AllocationMode,
    Assignment,
    Booth,
    BoothPreference,
    BoothStatus,
    ClusterMode,
    Hall,
    RunOutcome,
    RunStatus,
)
from expo.booths.service import BoothData
from expo.errors import DomainError
from expo.exhibitors.models import AppStatus
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import make_event, make_user


async def test_service_create_booths_refuses_overlap_and_outside(db: str) -> None:
    event = await make_event()
    hall = await make_hall(event, width=10, depth=10)
    await service.create_booths(event=event, hall=hall, items=[BoothData("A-01", 0, 0)], by=None)
    with pytest.raises(DomainError) as err:
        await service.create_booths(event=event, hall=hall,
                                    items=[BoothData("A-02", 2, 2)], by=None)
    assert err.value.code == "overlap"
    with pytest.raises(DomainError) as err:
        await service.create_booths(event=event, hall=hall,
                                    items=[BoothData("A-03", 8, 0)], by=None)
    assert err.value.code == "outside_hall"
    with pytest.raises(DomainError) as err:
        await service.create_booths(event=event, hall=hall,
                                    items=[BoothData("A-01", 3, 0)], by=None)
    assert err.value.code == "duplicate_code"
    assert await Booth.filter(event=event).count() == 1


async def test_service_duplicate_row_is_all_or_nothing(db: str) -> None:
    event = await make_event()
    hall = await make_hall(event, width=30, depth=10)
    [first] = await make_row(hall, 1)
    made = await service.duplicate_row(booth=first, count=9, by=None)
    assert [b.code for b in made][-1] == "A-10" and made[-1].x == 27
    with pytest.raises(DomainError) as err:
        await service.duplicate_row(booth=made[-1], count=1, by=None)
    assert err.value.code == "outside_hall"
    assert await Booth.filter(event=event).count() == 10
    assert service.next_code("B-09") == "B-10" and service.next_code("K") == "K-2"


async def test_service_update_booth_moves_and_blocks(db: str) -> None:
    event = await make_event()
    hall = await make_hall(event)
    a, b = await make_row(hall, 2)
    await service.update_booth(booth=a, data=BoothData("A-01", 10, 10, blocked=True), by=None)
    assert (await Booth.get(id=a.id)).status == BoothStatus.BLOCKED
    with pytest.raises(DomainError):
        await service.update_booth(booth=b, data=BoothData("A-02", 11, 11), by=None)


async def test_service_claim_is_conditional(db: str) -> None:
    event = await make_event()
    hall = await make_hall(event)
    [booth] = await make_row(hall, 1)
    one, two = await make_application(event), await make_application(event)
    await service.claim_booth(booth_id=booth.id, application_id=one.id)
    with pytest.raises(DomainError) as err:
        await service.claim_booth(booth_id=booth.id, application_id=two.id)
    assert err.value.code == "booth_taken"
    assert (await Booth.get(id=booth.id)).holder_id == one.id  # type: ignore[attr-defined]
    with pytest.raises(DomainError):
        await service.delete_booth(booth=await Booth.get(id=booth.id), by=None)


async def _setup(n_booths: int = 3, n_apps: int = 2):  # type: ignore[no-untyped-def]
    event = await make_event()
    hall = await make_hall(event)
    booths = await make_row(hall, n_booths)
    apps = [await make_application(event, smk=i == 0) for i in range(n_apps)]
    return event, booths, apps


async def test_allocation_run_publish_confirm(db: str) -> None:
    event, booths, apps = await _setup()
    committee = await make_user()
    await make_application(event, status=AppStatus.REJECTED)
    run = await allocation.run_allocation(event=event, by=committee, seed=7)
    assert run.seed == 7 and run.metrics["placed"] == 2
    assert await Assignment.filter(run=run).count() == 2
    await allocation.publish(run=run, by=committee)
    assert (await allocation.published_run(event)).id == run.id  # type: ignore[union-attr]
    held = await holding.booths_held(apps[0])
    assert len(held) == 1
    await holding.confirm(application=apps[0], booth_id=held[0].id, by=committee)
    assert (await Booth.get(id=held[0].id)).confirmed_at is not None
    assert await AuditEntry.filter(action="expo.allocation.published").exists()
    assert await AuditEntry.filter(action="expo.booth.assigned").count() == 2
    with pytest.raises(DomainError) as err:
        await allocation.move(run=run, application_id=apps[0].id, booth=booths[2], by=None)
    assert err.value.code == "run_not_draft"


async def test_allocation_priority_from_policy(db: str) -> None:
    event, booths, apps = await _setup(n_booths=1)
    run = await allocation.run_allocation(event=event, by=None, seed=1)
    rows = await allocation.run_rows(run)
    assert rows[0].application.id == apps[0].id  # the SMK producer wins the only booth
    outcome = await RunOutcome.get(run=run, application_id=apps[1].id)
    assert outcome.waitlist_position == 1 and outcome.reasons == [["capacity", {}]]


async def test_allocation_move_swap_lock_and_rerun(db: str) -> None:
    event, booths, apps = await _setup()
    run = await allocation.run_allocation(event=event, by=None, seed=3)
    await allocation.move(run=run, application_id=apps[1].id, booth=booths[2], by=None)
    with pytest.raises(DomainError) as err:
        await allocation.move(run=run, application_id=apps[0].id, booth=booths[2], by=None)
    assert err.value.code == "booth_taken"
    await allocation.swap(run=run, first=apps[0].id, second=apps[1].id, by=None)
    rows = {r.application.id: r for r in await allocation.run_rows(run)}
    assert rows[apps[0].id].booths[0].id == booths[2].id and rows[apps[0].id].locked
    again = await allocation.run_allocation(event=event, by=None, seed=99)
    rows2 = {r.application.id: r for r in await allocation.run_rows(again)}
    assert rows2[apps[0].id].booths[0].id == booths[2].id  # locks survive a re-run
    assert again.number == run.number + 1
    await allocation.set_lock(run=again, application_id=apps[0].id, locked=False, by=None)
    assert allocation.compare(await allocation.run_rows(run),
                              await allocation.run_rows(again)) == []


async def test_allocation_same_seed_same_result(db: str) -> None:
    event, _booths, _apps = await _setup(n_booths=2, n_apps=4)
    first = await allocation.run_allocation(event=event, by=None, seed=11)
    second = await allocation.run_allocation(event=event, by=None, seed=11,
                                             cluster_mode=ClusterMode.NONE)
    pairs = [sorted(await Assignment.filter(run=r).values_list("booth_id", "application_id"))
             for r in (first, second)]
    assert pairs[0] == pairs[1]


async def test_allocation_without_applicants_is_refused(db: str) -> None:
    event = await make_event()
    with pytest.raises(DomainError) as err:
        await allocation.run_allocation(event=event, by=None)
    assert err.value.code == "no_applicants"


async def test_release_promotes_the_waitlist(db: str) -> None:
    event, booths, apps = await _setup(n_booths=1, n_apps=3)
    user = await make_user()
    run = await allocation.run_allocation(event=event, by=None, seed=5)
    await allocation.publish(run=run, by=None)
    winner = (await allocation.run_rows(run))[0].application
    first_waiting = await RunOutcome.get(run=run, waitlist_position=1)
    promoted = await holding.release(application=winner, booth_id=booths[0].id, by=user)
    assert promoted is not None and promoted.id == first_waiting.application_id  # type: ignore[attr-defined]
    assert (await Booth.get(id=booths[0].id)).holder_id == promoted.id  # type: ignore[attr-defined]
    with pytest.raises(DomainError):
        await holding.release(application=winner, booth_id=booths[0].id, by=user)


async def test_preferences_and_their_effect(db: str) -> None:
    event, booths, apps = await _setup()
    user = await make_user()
    with pytest.raises(DomainError) as err:
        await holding.set_preferences(application=apps[1], choices=["A-03"], by=user)
    assert err.value.code == "preferences_closed"
    policy = await allocation.policy_for(event)
    policy.preferences_open = True
    await policy.save()
    await holding.set_preferences(application=apps[1], choices=["A-03", "zone:Kriya", ""],
                                  by=user)
    with pytest.raises(DomainError) as err:
        await holding.set_preferences(application=apps[1], choices=["Z-99"], by=user)
    assert err.value.code == "unknown_booth"
    run = await allocation.run_allocation(event=event, by=None, seed=2)
    outcome = await RunOutcome.get(run=run, application_id=apps[1].id)
    assert outcome.rank == 1
    assert run.metrics["first_choice_share"] == 1.0


async def test_self_selection_slots_by_priority(db: str) -> None:
    event, booths, apps = await _setup(n_booths=3, n_apps=2)
    user = await make_user()
    policy = await allocation.policy_for(event)
    opens = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    policy.mode, policy.selection_opens_at, policy.slot_size = AllocationMode.SELF, opens, 1
    await policy.save()
    slots = await holding.selection_slots(event)
    assert slots[apps[0].id] == opens and slots[apps[1].id] > opens
    with pytest.raises(DomainError) as err:
        await holding.pick_booth(application=apps[1], booth_id=booths[0].id, by=user, now=opens)
    assert err.value.code == "slot_not_open"
    await holding.pick_booth(application=apps[0], booth_id=booths[0].id, by=user, now=opens)
    with pytest.raises(DomainError) as err:
        await holding.pick_booth(application=apps[0], booth_id=booths[1].id, by=user, now=opens)
    assert err.value.code == "already_holding"
    later = opens + dt.timedelta(hours=1)
    with pytest.raises(DomainError) as err:
        await holding.pick_booth(application=apps[1], booth_id=booths[0].id, by=user, now=later)
    assert err.value.code == "booth_taken"


async def test_rotation_penalty_uses_earlier_events(db: str) -> None:
    earlier = await make_event(starts_on=dt.date(2026, 1, 1))
    event = await make_event(starts_on=dt.date(2027, 1, 1))
    hall = await make_hall(earlier)
    [old_booth] = await make_row(hall, 1)
    old_app = await make_application(earlier)
    await service.claim_booth(booth_id=old_booth.id, application_id=old_app.id)
    assert await allocation.previous_producers(event) == {old_app.producer_id}  # type: ignore[attr-defined]
    assert RunStatus.DRAFT == "draft"


async def test_import_creates_halls_and_booths_then_round_trips(db: str) -> None:
    from expo.booths import importer
    from expo.xlsx import read_rows

    event = await make_event()
    report = await importer.import_booths(event=event, data=importer.template_bytes(), by=None)
    assert report.created == 3 and report.halls_created == ["Hall A", "Hall B"]
    exported = await importer.export_booths(event)
    header, rows = read_rows(exported)
    assert header[:2] == ["Hall", "Code"] and len(rows) == 3
    again = await importer.import_booths(event=event, data=exported, by=None)
    assert again.updated == 3 and again.created == 0


async def test_import_is_all_or_nothing_with_row_errors(db: str) -> None:
    from expo.booths import importer
    from expo.xlsx import Sheet, workbook_bytes

    event = await make_event()
    cols = importer._columns()
    bad = workbook_bytes([Sheet("B", cols, [
        ["Hall A", "A-01", 0, 0, 3, 3, "standard", "", 0, 0, "no", "no"],
        ["Hall A", "A-02", "kiri", 0, 3, 3, "castle", "", 0, 0, "maybe", "no"],
        ["Hall A", "A-01", 9, 0, 3, 3, "standard", "", 0, 0, "no", "no"],
        ["Hall A", "A-05", "inf", 0, 3, 3, "standard", "", 10**12, 0, "no", "no"]])])
    with pytest.raises(DomainError) as err:
        await importer.import_booths(event=event, data=bad, by=None)
    rows = err.value.data["rows"]
    assert any(" 3:" in r for r in rows) and any(" 4:" in r for r in rows)
    assert sum(" 5:" in r for r in rows) == 2  # infinite X and a price beyond the column
    overlap = workbook_bytes([Sheet("B", cols, [
        ["Hall A", "A-01", 0, 0, 3, 3, "standard", "", 0, 0, "no", "no"],
        ["Hall A", "A-02", 1, 0, 3, 3, "standard", "", 0, 0, "no", "no"]])])
    with pytest.raises(DomainError) as err:
        await importer.import_booths(event=event, data=overlap, by=None)
    assert err.value.code == "import_invalid"
    with pytest.raises(DomainError) as err:
        await importer.import_booths(event=event, data=b"not excel", by=None)
    assert err.value.code == "not_xlsx"
    assert await Booth.filter(event=event).count() == 0


# -- deleting a hall ----------------------------------------------------------------------------


async def test_delete_hall_takes_its_booths_draft_places_and_wishes(db: str) -> None:
    event, booths, apps = await _setup(n_booths=3, n_apps=2)
    other = await make_row(await make_hall(event, name="Halaman"), 2, prefix="B")
    hall = await booths[0].hall
    run = await allocation.run_allocation(event=event, by=None, seed=4)
    await BoothPreference.create(application=apps[1], rank=1, booth=booths[2])
    usage = await service.hall_usage(hall=hall)
    assert not usage.in_use and usage.booths == 3
    assert usage.run_places == 2 and usage.wishes == 1
    committee = await make_user()
    await service.delete_hall(hall=hall, by=committee)
    assert not await Hall.exists(id=hall.id)
    assert sorted(await Booth.filter(event=event).values_list("code", flat=True)) == [
        b.code for b in other]
    assert not await Assignment.filter(run=run).exists()
    assert not await BoothPreference.exists()
    entry = await AuditEntry.get(action="expo.hall.deleted")
    assert entry.actor_id == committee.id and entry.data["booths"] == 3  # type: ignore[attr-defined]


async def test_delete_hall_refuses_a_booth_held_by_an_exhibitor(db: str) -> None:
    _event, booths, apps = await _setup()
    await service.claim_booth(booth_id=booths[1].id, application_id=apps[0].id)
    hall = await booths[0].hall
    assert (await service.hall_usage(hall=hall)).held == ["A-02"]
    with pytest.raises(DomainError) as err:
        await service.delete_hall(hall=hall, by=None)
    assert err.value.code == "hall_in_use" and err.value.status_code == 409
    assert "A-02" in err.value.message
    assert await Booth.filter(hall=hall).count() == 3


async def test_delete_hall_refuses_published_and_locked_places(db: str) -> None:
    event, booths, apps = await _setup(n_booths=3, n_apps=1)
    hall = await booths[0].hall
    run = await allocation.run_allocation(event=event, by=None, seed=1)
    await allocation.move(run=run, application_id=apps[0].id, booth=booths[2], by=None)
    usage = await service.hall_usage(hall=hall)
    assert usage.locked == ["A-03"] and not usage.held and usage.in_use
    await allocation.set_lock(run=run, application_id=apps[0].id, locked=False, by=None)
    assert not (await service.hall_usage(hall=hall)).in_use
    await allocation.publish(run=run, by=None)
    await service.free_booth(booth_id=booths[2].id)  # released, but still the allocation
    usage = await service.hall_usage(hall=hall)
    assert usage.published == ["A-03"] and not usage.held
    with pytest.raises(DomainError) as err:
        await service.delete_hall(hall=hall, by=None)
    assert err.value.code == "hall_in_use"
    assert await Hall.exists(id=hall.id) and await Booth.filter(hall=hall).count() == 3


async def test_delete_hall_keeps_everything_when_a_booth_is_claimed_meanwhile(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _event, booths, apps = await _setup()
    hall = await booths[0].hall
    free = await service.hall_usage(hall=hall)
    await service.claim_booth(booth_id=booths[0].id, application_id=apps[0].id)
    real = service.hall_usage
    calls: list[int] = []

    async def stale_then_real(*, hall: Hall) -> service.HallUsage:
        calls.append(1)
        return free if len(calls) == 1 else await real(hall=hall)

    monkeypatch.setattr(service, "hall_usage", stale_then_real)
    with pytest.raises(DomainError) as err:
        await service.delete_hall(hall=hall, by=None)
    assert err.value.code == "hall_in_use" and "A-01" in err.value.message
    assert await Booth.filter(hall=hall).count() == 3 and await Hall.exists(id=hall.id)
    assert not await AuditEntry.exists(action="expo.hall.deleted")


async def test_save_hall_renames_and_refuses_a_taken_name(db: str) -> None:
    event = await make_event()
    hall = await make_hall(event, name="Hall A")
    await make_hall(event, name="Halaman")
    await service.save_hall(event=event, name="Hall Utama", width=40, depth=30, by=None,
                            hall=hall)
    assert (await Hall.get(id=hall.id)).name == "Hall Utama"
    with pytest.raises(DomainError) as err:
        await service.save_hall(event=event, name="Halaman", width=40, depth=30, by=None,
                                hall=hall)
    assert err.value.code == "duplicate_hall"
