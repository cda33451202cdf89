import asyncio
import datetime as dt

import pytest

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.visitors import checkin, scanstore, service
from expo.visitors.checkin import ScanInput
from expo.visitors.forms import DETAIL_FIELDS, VisitorDetails
from expo.visitors.models import Direction, GateRules, Scan, Visitor, VisitorType
from tests.factories import make_event, make_user
from tests.visitors.helpers import SIGNER, START, code_of, local, make_visitor

OPEN = local(START, "10:00")


@pytest.fixture
def db(scan_db):
    """Every test here runs on each database the scan store drives (a file too)."""
    return scan_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()


async def setup(reentry: bool = True, **rules: object):
    event = await make_event(starts_on=START, days=2, opens="09:00", closes="17:00")
    await GateRules.create(event=event, reentry=reentry, **rules)
    visitor = await make_visitor(event)
    ctx = await checkin.gate_context(event=event)
    return event, visitor, ctx


async def scan(ctx, code, now=OPEN, **kw):
    return await checkin.record_scan(ctx=ctx, scan=ScanInput(code=code, **kw), signer=SIGNER,
                                     now=now)


async def test_scan_first_entry_is_welcomed_and_recorded(db):
    event, visitor, ctx = await setup()
    result = await scan(ctx, code_of(visitor))
    assert (result.status, result.reason, result.name) == ("ok", None, "Siti Rahmawati")
    await visitor.refresh_from_db()
    assert visitor.inside and visitor.entries == 1 and visitor.last_in_day == START
    assert await Scan.filter(event=event, ok=True).count() == 1


async def test_scan_double_entry_is_refused_with_first_time(db):
    _, visitor, ctx = await setup()
    await scan(ctx, code_of(visitor))
    again = await scan(ctx, code_of(visitor), now=OPEN + dt.timedelta(minutes=5))
    assert (again.status, again.reason) == ("rejected", "already_inside")
    assert again.entered_at == OPEN


async def test_scan_reentry_after_exit_when_allowed(db):
    _, visitor, ctx = await setup(reentry=True)
    code = code_of(visitor)
    assert (await scan(ctx, code)).ok
    assert (await scan(ctx, code, direction=Direction.OUT)).ok
    assert (await scan(ctx, code)).ok
    await visitor.refresh_from_db()
    assert visitor.entries == 2


async def test_scan_single_entry_refuses_second_entry_same_day_but_not_next_day(db):
    _, visitor, ctx = await setup(reentry=False)
    code = code_of(visitor)
    assert (await scan(ctx, code)).ok
    assert (await scan(ctx, code, direction=Direction.OUT)).ok
    assert (await scan(ctx, code)).reason == "already_inside"
    tomorrow = local(START + dt.timedelta(days=1), "09:30")
    assert (await scan(ctx, code, now=tomorrow)).ok


async def test_scan_exit_without_entry_is_refused(db):
    _, visitor, ctx = await setup()
    result = await scan(ctx, code_of(visitor), direction=Direction.OUT)
    assert result.reason == "not_inside"


async def test_scan_wrong_event_refused_without_queries(db):
    _, _, ctx = await setup()
    other = await make_event(starts_on=START)
    stranger = await make_visitor(other)
    result = await scan(ctx, code_of(stranger))
    assert result.reason == "wrong_event"
    assert await Scan.all().count() == 0


async def test_scan_forged_code_refused(db):
    _, visitor, ctx = await setup()
    code = code_of(visitor)
    forged = code[:-3] + ("AAA" if code[-3:] != "AAA" else "BBB")
    assert (await scan(ctx, forged)).reason == "invalid"
    assert (await scan(ctx, "hello")).reason == "invalid"


async def test_scan_revoked_ticket_refused(db):
    _, visitor, ctx = await setup()
    await service.revoke_ticket(visitor=visitor, by=None)
    assert (await scan(ctx, code_of(visitor))).reason == "revoked"
    assert await AuditEntry.filter(action="expo.visitor.revoked").count() == 1


async def test_scan_outside_opening_hours_refused(db):
    _, visitor, ctx = await setup(early_minutes=30)
    code = code_of(visitor)
    assert (await scan(ctx, code, now=local(START, "08:00"))).reason == "closed"
    assert (await scan(ctx, code, now=local(START, "17:30"))).reason == "closed"
    assert (await scan(ctx, code, now=local(START - dt.timedelta(days=1), "10:00"))).reason == "closed"
    assert (await scan(ctx, code, now=local(START, "08:45"))).ok  # the early queue


async def test_scan_hours_not_enforced_when_rule_off(db):
    _, visitor, ctx = await setup(enforce_hours=False)
    assert (await scan(ctx, code_of(visitor), now=local(START, "06:00"))).ok


async def test_scan_repeated_nonce_returns_first_answer_and_records_nothing(db):
    event, visitor, ctx = await setup()
    code = code_of(visitor)
    first = await scan(ctx, code, nonce="n-1")
    second = await scan(ctx, code, nonce="n-1", now=OPEN + dt.timedelta(minutes=1))
    assert first.ok and second.ok and second.at == first.at
    assert await Scan.filter(event=event).count() == 1
    third = await scan(ctx, code, nonce="n-2")
    assert third.reason == "already_inside"


async def test_scan_offline_time_is_used_and_forced_entries_marked(db):
    event, visitor, ctx = await setup()
    code = code_of(visitor)
    await scan(ctx, code, nonce="a")
    late = await scan(ctx, code, nonce="b", offline=True, scanned_at=OPEN + dt.timedelta(minutes=3),
                      now=OPEN + dt.timedelta(hours=1))
    assert late.reason == "already_inside" and late.forced
    assert late.at == OPEN + dt.timedelta(minutes=3)
    assert await Scan.filter(event=event, forced=True).count() == 1


async def test_scan_future_device_clock_is_not_trusted(db):
    _, visitor, ctx = await setup()
    result = await scan(ctx, code_of(visitor), scanned_at=OPEN + dt.timedelta(days=3))
    assert result.ok and result.at == OPEN


async def test_scan_two_gates_at_once_give_one_entry(db):
    event, visitor, ctx = await setup(reentry=False)
    gates = [await service.create_gate(event=event, name=f"Pintu {i}", by=None) for i in range(8)]
    code = code_of(visitor)
    results = await asyncio.gather(*[
        checkin.record_scan(ctx=ctx, scan=ScanInput(code=code, nonce=f"g{g.id}"), signer=SIGNER,
                            gate_id=g.id, now=OPEN) for g in gates])
    assert sum(r.ok for r in results) == 1
    await visitor.refresh_from_db()
    assert visitor.entries == 1
    assert await Scan.filter(event=event, ok=True).count() == 1


async def test_scan_same_nonce_at_once_is_recorded_once(db):
    event, visitor, ctx = await setup()
    code = code_of(visitor)
    results = await asyncio.gather(*[scan(ctx, code, nonce="same") for _ in range(6)])
    assert {r.status for r in results} == {"ok"}
    assert await Scan.filter(event=event).count() == 1


async def test_counters_count_today_inside_gate_and_hour(db):
    event, visitor, ctx = await setup()
    other = await make_visitor(event, name="Andi")
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    for v in (visitor, other):
        await checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(v)), signer=SIGNER,
                                  gate_id=gate.id, now=OPEN)
    await scan(ctx, code_of(other), direction=Direction.OUT)
    numbers = await service.counters(event=event, now=OPEN)
    assert (numbers.checked_in, numbers.inside) == (2, 1)
    assert numbers.per_gate == [("Pintu Utama", 2)]
    assert numbers.per_hour == [(10, 2)]


async def test_device_tokens_are_hashed_cached_and_revocable(db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=user)
    token, plain = await service.create_device_token(event=event, gate=gate, by=user, kiosk=True)
    assert plain not in token.digest
    device = await service.device_for(plain=plain)
    assert device is not None and device.kiosk and device.gate_name == "Pintu Utama"
    await service.revoke_device_token(event=event, token_id=token.id, by=user)
    assert await service.device_for(plain=plain) is None
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"expo.device_token.created", "expo.device_token.revoked"} <= actions


async def test_consent_is_timestamped_and_revocable(db):
    event = await make_event()
    visitor = await make_visitor(event, consent=True)
    assert visitor.consent_share and visitor.consent_at is not None
    visitor = await service.set_consent(visitor=await Visitor.get(id=visitor.id).select_related("event"),
                                        share=False)
    assert not visitor.consent_share and visitor.consent_revoked_at is not None


async def test_gate_search_needs_three_letters_and_returns_few(db):
    event = await make_event()
    for i in range(15):
        await make_visitor(event, name=f"Budi {i}")
    with pytest.raises(DomainError) as err:
        await service.search_at_gate(event=event, q="Bu")
    assert err.value.code == "query_too_short"
    assert len(await service.search_at_gate(event=event, q="budi")) == 10


async def test_scan_forged_and_foreign_codes_never_reach_the_database(db, monkeypatch):
    _, visitor, ctx = await setup()
    other = await make_event(starts_on=START)
    foreign = code_of(await make_visitor(other))
    code = code_of(visitor)

    def no_database(*args, **kwargs):
        raise AssertionError("the database was asked")

    monkeypatch.setattr(scanstore, "store_for", no_database)
    for forged in (code[:-1] + ("A" if code[-1] != "A" else "B"), code[:60], "", "x" * 500):
        assert (await scan(ctx, forged)).reason == "invalid"
    assert (await scan(ctx, foreign)).reason == "wrong_event"


def details(visitor: Visitor, **changes: object) -> VisitorDetails:
    current = {name: getattr(visitor, name) for name in DETAIL_FIELDS}
    return VisitorDetails(**(current | changes))  # type: ignore[arg-type]


async def test_update_visitor_saves_changes_and_keeps_the_ticket_valid(db):
    event, visitor, ctx = await setup()
    user = await make_user(event=event, role=Role.COMMITTEE)
    key, code = visitor.ticket_key, code_of(visitor)
    changed = await service.update_visitor(visitor=visitor, by=user, details=details(
        visitor, name="Siti Aminah", phone="+6281299998888", type=VisitorType.INSTANSI,
        agency="Dinas Pariwisata"))
    assert changed == ["name", "phone", "type", "agency"]
    stored = await Visitor.get(id=visitor.id)
    assert (stored.name, stored.phone, stored.type, stored.agency) == (
        "Siti Aminah", "+6281299998888", VisitorType.INSTANSI, "Dinas Pariwisata")
    assert stored.ticket_key == key and code_of(stored) == code
    assert (await scan(ctx, code)).name == "Siti Aminah"
    entry = await AuditEntry.get(action="expo.visitor.updated")
    assert entry.actor_id == user.id and entry.object_id == str(visitor.id)
    assert entry.data == {"fields": changed, "by": "committee"}
    assert "Aminah" not in entry.summary and "9999" not in entry.summary  # names, not values


async def test_update_visitor_without_changes_records_nothing(db):
    _, visitor, _ctx = await setup()
    assert await service.update_visitor(visitor=visitor, details=details(visitor), by=None) == []
    assert not await AuditEntry.filter(action="expo.visitor.updated").exists()


async def test_update_visitor_refuses_an_erased_registration(db):
    _, visitor, _ctx = await setup()
    stale = await Visitor.get(id=visitor.id).select_related("event")
    await service.erase_visitor(visitor=visitor)
    with pytest.raises(DomainError) as err:
        await service.update_visitor(visitor=visitor, details=details(visitor, name="Lagi"),
                                     by=None)
    assert err.value.code == "visitor_erased"
    # A form opened before the erasure and saved after it brings nothing back.
    with pytest.raises(DomainError) as err:
        await service.update_visitor(visitor=stale, details=details(stale, name="Siti Lagi"),
                                     by=None)
    assert err.value.code == "visitor_erased"
    stored = await Visitor.get(id=visitor.id)
    assert stored.name == service.ERASED_NAME and stored.phone == ""


async def test_reinstate_ticket_makes_the_same_key_valid_again(db):
    event, visitor, ctx = await setup()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await service.revoke_ticket(visitor=visitor, by=user)
    bundle = await service.offline_bundle(event=event, signer=SIGNER)
    assert bundle["revoked"] == [visitor.ticket_key]
    assert (await scan(ctx, code_of(visitor))).reason == "revoked"
    await service.reinstate_ticket(visitor=visitor, by=user)
    assert (await Visitor.get(id=visitor.id)).revoked_at is None
    assert (await service.offline_bundle(event=event, signer=SIGNER))["revoked"] == []
    assert (await scan(ctx, code_of(visitor), nonce="after")).ok
    assert await AuditEntry.filter(action="expo.visitor.reinstated", actor=user).count() == 1
    await service.reinstate_ticket(visitor=visitor, by=user)  # already valid: nothing to do
    assert await AuditEntry.filter(action="expo.visitor.reinstated").count() == 1


async def test_reinstate_ticket_refuses_an_erased_registration(db):
    _, visitor, _ctx = await setup()
    await service.erase_visitor(visitor=visitor)
    with pytest.raises(DomainError) as err:
        await service.reinstate_ticket(visitor=visitor, by=None)
    assert err.value.code == "visitor_erased"
    assert (await Visitor.get(id=visitor.id)).revoked_at is not None


async def test_erase_visitor_anonymises_but_keeps_counting(db):
    event, visitor, ctx = await setup()
    await Visitor.filter(id=visitor.id).update(email="siti@example.id", organisation="Toko Siti",
                                               consent_share=True)
    visitor = await Visitor.get(id=visitor.id).select_related("event")
    old_link, code = visitor.link_token, code_of(visitor)
    assert (await scan(ctx, code)).ok
    await service.erase_visitor(visitor=visitor)
    stored = await Visitor.get(id=visitor.id)
    assert (stored.name, stored.phone, stored.email, stored.organisation) == (
        service.ERASED_NAME, "", "", "")
    assert not stored.consent_share and stored.consent_revoked_at is not None
    assert stored.revoked_at is not None and stored.erased_at is not None
    assert (stored.type, stored.kabupaten, stored.entries) == ("umum", "Kota Samarinda", 1)
    assert stored.ticket_key == visitor.ticket_key and stored.link_token != old_link
    with pytest.raises(NotFound):
        await service.visitor_by_link(token=old_link)
    assert (await service.counters(event=event, now=OPEN)).checked_in == 1
    assert await Scan.filter(event=event, visitor_id=visitor.id, ok=True).count() == 1
    assert (await service.offline_bundle(event=event, signer=SIGNER))["revoked"] == [
        visitor.ticket_key]
    assert (await scan(ctx, code, nonce="later")).reason == "revoked"
    entry = await AuditEntry.get(action="expo.visitor.erased")
    assert entry.actor_id is None and "Siti" not in entry.summary
    await service.erase_visitor(visitor=visitor)  # twice: nothing more happens
    assert await AuditEntry.filter(action="expo.visitor.erased").count() == 1


async def test_exhibitor_badges_for_accepted_staff_once_each(db):
    from expo.exhibitors.models import AppStatus, ProducerMember
    from tests.exhibitors.factories import make_application, make_producer
    from tests.factories import make_user

    event = await make_event()
    committee = await make_user()
    accepted = await make_producer(business_name="Amplang Aminah", owner_name="Hj. Aminah")
    await ProducerMember.create(producer=accepted, user=await make_user(name="Rudi Kasir"))
    await make_application(event=event, producer=accepted, status=AppStatus.ACCEPTED)
    await make_application(event=event, status=AppStatus.SUBMITTED)  # not yet: no badge
    # A badge issued by hand earlier, spelt in another case, is not issued again.
    await service.issue_badges(event=event, names=["HJ. AMINAH"], type=VisitorType.EXHIBITOR,
                               organisation="amplang aminah", by=committee)

    made, exhibitors = await service.issue_exhibitor_badges(event=event, by=committee)
    assert (made, exhibitors) == (2, 1)  # the first login (the factory's user) and Rudi
    badges = await Visitor.filter(event=event, type=VisitorType.EXHIBITOR,
                                  organisation="Amplang Aminah").values_list("name", flat=True)
    assert "Rudi Kasir" in badges and "Hj. Aminah" not in badges
    assert await service.issue_exhibitor_badges(event=event, by=committee) == (0, 0)
