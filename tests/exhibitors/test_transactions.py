"""Check, write and audit in one transaction: what the exhibitor and curation services do when
what they checked has changed meanwhile, when two requests meet, or when a write fails."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.exceptions import IntegrityError

from expo.accounts.models import EventRole, Role, User
from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.exhibitors import curation, service
from expo.exhibitors.models import Application, AppStatus, Producer, ProducerMember, Score
from tests.exhibitors.factories import make_application, make_producer, make_rubric
from tests.factories import make_event, make_user


async def _actions() -> list[str]:
    return [e.action for e in await AuditEntry.all().order_by("id")]


async def test_update_weights_changes_all_or_none(db):
    event = await make_event()
    originality, packaging, _smk = await make_rubric(event)
    with pytest.raises(DomainError) as err:
        await curation.update_weights(event=event, by=await make_user(),
                                      weights={originality.id: 10, packaging.id: 101})
    assert err.value.code == "bad_weight"
    assert [c.weight for c in await curation.criteria_of(event)] == [3, 1, 1]
    assert "expo.rubric.weights_changed" not in await _actions()


async def test_record_scores_refuses_an_application_withdrawn_since_it_was_opened(db):
    event = await make_event()
    originality, *_others = await make_rubric(event)
    application = await make_application(event=event)
    opened = await Application.get(id=application.id)  # the curator's page, still "submitted"
    await service.withdraw_application(application=application, by=await make_user())
    with pytest.raises(DomainError) as err:
        await curation.record_scores(application=opened, curator=await make_user(),
                                     values={originality.id: 4})
    assert err.value.code == "not_scorable"
    assert not await Score.exists(application_id=application.id)
    assert "expo.application.scored" not in await _actions()


async def test_withdrawing_from_two_open_pages_withdraws_and_audits_once(db):
    event = await make_event()
    application = await make_application(event=event)
    page_a, page_b = [await Application.get(id=application.id) for _ in range(2)]
    by = await make_user()
    await service.withdraw_application(application=page_a, by=by)
    with pytest.raises(DomainError) as err:
        await service.withdraw_application(application=page_b, by=by)
    assert err.value.code == "already_withdrawn"
    assert (await _actions()).count("expo.application.withdrawn") == 1


async def test_the_same_person_added_twice_at_once_is_added_once(db):
    event = await make_event()
    owner = await make_user()
    producer = await make_producer(user=owner)
    await make_application(event=event, producer=producer)

    async def add() -> str:
        try:
            await service.add_member(producer=producer, email="staf@example.id", name="Staf",
                                     by=owner, settings=None, link_base="http://testserver/set")
        except DomainError as exc:
            return exc.code
        return "added"

    assert sorted(await asyncio.gather(add(), add())) == ["added", "already_member"]
    staff = await User.get(email="staf@example.id")
    assert await ProducerMember.filter(producer=producer, user=staff).count() == 1
    assert await EventRole.filter(event=event, user=staff, role=Role.EXHIBITOR).count() == 1
    assert (await _actions()).count("expo.producer.member_added") == 1


async def test_a_decision_and_a_withdrawal_at_once_end_withdrawn_and_audited_in_order(db):
    event = await make_event()
    committee = await make_user()
    application = await make_application(event=event)

    async def decide() -> str:
        try:
            await curation.decide_many(event=event, application_ids=[application.id],
                                       decision=AppStatus.ACCEPTED, message="", by=committee,
                                       roles={Role.COMMITTEE}, settings=None)
        except DomainError as exc:
            return exc.code
        return "accepted"

    async def withdraw() -> str:
        page = await Application.get(id=application.id)
        await service.withdraw_application(application=page, by=await make_user())
        return "withdrawn"

    decided, _withdrawn = await asyncio.gather(decide(), withdraw())
    assert (await Application.get(id=application.id)).status == AppStatus.WITHDRAWN
    entries = await AuditEntry.filter(action__startswith="expo.application.").order_by("id")
    if decided == "accepted":  # the decision came first: the withdrawal records it
        assert [e.action for e in entries] == ["expo.application.accepted",
                                               "expo.application.withdrawn"]
        assert entries[1].data["from"] == "accepted"
    else:  # the withdrawal came first: a withdrawn application is not decided
        assert decided == "not_decidable"
        assert [e.action for e in entries] == ["expo.application.withdrawn"]


async def test_a_profile_change_whose_audit_entry_fails_is_not_saved(db):
    producer = await make_producer()
    gone = await make_user()  # the account is deleted before the entry naming it is written
    await User.filter(id=gone.id).delete()
    with pytest.raises(IntegrityError):
        await service.update_profile(producer=producer, values={"business_name": "Baru"},
                                     by=gone)
    assert (await Producer.get(id=producer.id)).business_name != "Baru"
