import datetime as dt

import pytest
from PIL import Image

from expo.accounts.models import EventRole, Role
from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.events.models import EventStatus
from expo.exhibitors import curation, service, uploads
from expo.exhibitors.forms import SignupData, match_kabupaten, normalize_nib
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Category,
    Criterion,
    CriterionSource,
    InboxMessage,
    LegalityStatus,
    Producer,
)
from expo.outbox import OutboxMessage
from tests.exhibitors.factories import (
    PDF,
    jpeg_bytes,
    make_application,
    make_producer,
    make_rubric,
    png_bytes,
)
from tests.factories import make_event, make_user

APP_VALUES = {"booth_type": "standard", "booths_needed": 1, "power_watts": 450,
              "needs_water": False, "first_time": True, "note": "", "terms": True}


# ---- normalisation ------------------------------------------------------------------------

# (phones and WhatsApp links: tests/shared/test_phones.py)

def test_normalize_nib_restores_leading_zeros():
    assert normalize_nib(912345678901) == "0912345678901"
    assert normalize_nib("0912345678901") == "0912345678901"
    assert normalize_nib(None) == ""
    with pytest.raises(ValueError):
        normalize_nib("12345678901234")
    with pytest.raises(ValueError):
        normalize_nib("NIB-12")


@pytest.mark.parametrize("raw,expected", [
    ("Kota Samarinda", "Kota Samarinda"), ("samarinda", "Kota Samarinda"),
    ("Kab. Kutai Kartanegara", "Kabupaten Kutai Kartanegara"),
    ("KUKAR", "Kabupaten Kutai Kartanegara"), ("Balikpapan ", "Kota Balikpapan"),
    ("PPU", "Kabupaten Penajam Paser Utara"), ("Luar Kaltim", "luar-kaltim"),
    ("Kutai Kartanegra", None),
])
def test_match_kabupaten_handles_spellings(raw, expected):
    found, suggestions = match_kabupaten(raw)
    assert found == expected
    if expected is None:
        assert suggestions == ["Kabupaten Kutai Kartanegara"]


def test_match_kabupaten_unknown_has_no_match():
    assert match_kabupaten("Atlantis")[0] is None
    assert match_kabupaten("Jakarta Selatan")[0] == "luar-kaltim"  # outside Kaltim, mapped


# ---- legality -----------------------------------------------------------------------------

def test_legality_status_complete_incomplete_expired():
    today = dt.date(2027, 1, 1)
    food = Producer(category=Category.KULINER, nib="0912345678901", pirt_number="P-IRT 1",
                    halal_number="ID123", halal_expires_on=dt.date(2028, 1, 1))
    assert food.legality_status(today) == LegalityStatus.COMPLETE
    food.halal_expires_on = dt.date(2026, 12, 31)
    assert food.legality_status(today) == LegalityStatus.EXPIRED
    assert food.legality_items(today)["halal"] == LegalityStatus.EXPIRED
    food.halal_number = ""
    assert food.legality_status(today) == LegalityStatus.INCOMPLETE
    craft = Producer(category=Category.KRIYA, nib="0912345678901")
    assert craft.legality_status(today) == LegalityStatus.COMPLETE
    assert Producer(category=Category.KRIYA).legality_status(today) == LegalityStatus.INCOMPLETE


# ---- profile, products, documents ---------------------------------------------------------

async def test_signup_creates_user_producer_and_membership(db):
    user, producer = await service.signup(data=SignupData(
        name="Hj. Aminah", email="aminah@example.id", password="amplang-enak-2027",
        profile={"business_name": "Amplang Aminah", "owner_name": "Hj. Aminah",
                 "phone": "+6281234567890", "email": "aminah@example.id",
                 "kabupaten": "Kota Samarinda", "category": "kuliner"}))
    assert (await service.producer_for(user)).id == producer.id
    assert await AuditEntry.exists(action="expo.producer.created")


async def test_signup_duplicate_email_leaves_nothing(db):
    await make_user(email="taken@example.id")
    with pytest.raises(DomainError) as info:
        await service.signup(data=SignupData(
            name="X", email="taken@example.id", password="long-enough-pw",
            profile={"business_name": "X", "owner_name": "X", "phone": "+6281234567890",
                     "email": "taken@example.id", "kabupaten": "Kota Bontang",
                     "category": "kriya"}))
    assert info.value.code == "email_taken"
    assert await Producer.all().count() == 0


async def test_product_photo_is_resized_with_thumbnail(db, tmp_path):
    producer = await make_producer(product=False)
    user = await make_user()
    product = await service.save_product(
        producer=producer, values={"name": "Nastar"}, photo=jpeg_bytes((2400, 1800)),
        uploads_dir=tmp_path, by=user)
    with Image.open(uploads.photo_path(tmp_path, product.photo)) as big:
        assert max(big.size) == uploads.PHOTO_SIZE
    with Image.open(uploads.photo_path(tmp_path, product.photo, thumb=True)) as thumb:
        assert max(thumb.size) == uploads.THUMB_SIZE


async def test_product_photo_refuses_non_image(db, tmp_path):
    producer = await make_producer(product=False)
    with pytest.raises(DomainError) as info:
        await service.save_product(producer=producer, values={"name": "X"}, photo=PDF,
                                   uploads_dir=tmp_path, by=await make_user())
    assert info.value.code == "file_type"


async def test_product_of_other_producer_is_not_found(db):
    mine = await make_producer()
    other = await make_producer()
    product = (await service.products_of(other))[0]
    with pytest.raises(NotFound):
        await service.get_product(producer=mine, product_id=product.id)


async def test_document_type_is_sniffed_from_content(db, tmp_path):
    producer = await make_producer()
    user = await make_user()
    doc = await service.add_document(producer=producer, values={"kind": "nib"}, data=PDF,
                                     original_name="../../nib.png", uploads_dir=tmp_path, by=user)
    assert doc.content_type == "application/pdf"
    assert doc.original_name == "nib.png"
    assert uploads.document_path(tmp_path, doc.stored_name).read_bytes() == PDF
    png = await service.add_document(producer=producer, values={"kind": "halal"},
                                     data=png_bytes(), original_name="halal.pdf",
                                     uploads_dir=tmp_path, by=user)
    assert png.content_type == "image/png"
    with pytest.raises(DomainError) as info:
        await service.add_document(producer=producer, values={"kind": "other"},
                                   data=b"MZ\x90\x00 evil", original_name="x.pdf",
                                   uploads_dir=tmp_path, by=user)
    assert info.value.code == "file_type"


async def test_document_too_large_is_413(db, tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_DOCUMENT_BYTES", 100)
    producer = await make_producer()
    with pytest.raises(DomainError) as info:
        await service.add_document(producer=producer, values={"kind": "nib"},
                                   data=PDF + b"0" * 200, original_name="a.pdf",
                                   uploads_dir=tmp_path, by=await make_user())
    assert info.value.status_code == 413


async def test_document_visible_to_owner_and_event_staff_only(db, tmp_path):
    event = await make_event()
    owner = await make_user()
    producer = await make_producer(user=owner)
    doc = await service.add_document(producer=producer, values={"kind": "nib"}, data=PDF,
                                     original_name="nib.pdf", uploads_dir=tmp_path, by=owner)
    curator = await make_user(event=event, role=Role.CURATOR)
    stranger = await make_user()
    other_event_committee = await make_user(event=await make_event(), role=Role.COMMITTEE)
    assert (await service.viewable_document(user=owner, document_id=doc.id)).id == doc.id
    with pytest.raises(NotFound):  # no application yet
        await service.viewable_document(user=curator, document_id=doc.id)
    app = await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    with pytest.raises(NotFound):  # drafts are private
        await service.viewable_document(user=curator, document_id=doc.id)
    app.status = AppStatus.SUBMITTED
    await app.save()
    assert await service.viewable_document(user=curator, document_id=doc.id)
    for user in (stranger, other_event_committee):
        with pytest.raises(NotFound):
            await service.viewable_document(user=user, document_id=doc.id)


# ---- application transitions --------------------------------------------------------------

async def test_save_application_creates_draft_and_grants_exhibitor_role(db):
    event = await make_event()
    user = await make_user()
    producer = await make_producer(user=user)
    app = await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                         by=user)
    assert app.status == AppStatus.DRAFT and app.terms_accepted_at is not None
    assert await EventRole.exists(event=event, user=user, role=Role.EXHIBITOR)
    again = await service.save_application(producer=producer, event=event,
                                           values={**APP_VALUES, "booths_needed": 2}, by=user)
    assert again.id == app.id and again.booths_needed == 2


async def test_save_application_refused_on_draft_event(db):
    event = await make_event(status=EventStatus.DRAFT)
    producer = await make_producer()
    with pytest.raises(DomainError) as info:
        await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                       by=await make_user())
    assert info.value.code == "event_not_open"


async def test_submit_moves_draft_to_submitted_and_notifies(db, settings):
    event = await make_event()
    user = await make_user()
    producer = await make_producer(user=user)
    app = await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                         by=user)
    await service.submit_application(application=app, by=user, settings=settings)
    app = await Application.get(id=app.id)
    assert app.status == AppStatus.SUBMITTED and app.submitted_at is not None
    assert await InboxMessage.filter(producer=producer).count() == 1
    assert await OutboxMessage.filter(to=user.email).exists()
    assert await AuditEntry.exists(action="expo.application.submitted")


async def test_submit_refused_twice_and_after_edit_attempt(db):
    event = await make_event()
    user = await make_user()
    producer = await make_producer(user=user)
    app = await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                         by=user)
    await service.submit_application(application=app, by=user)
    with pytest.raises(DomainError) as info:
        await service.submit_application(application=await Application.get(id=app.id), by=user)
    assert info.value.code == "not_draft"
    with pytest.raises(DomainError) as info:
        await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                       by=user)
    assert info.value.code == "not_editable"


async def test_submit_refused_without_terms_or_products(db):
    event = await make_event()
    user = await make_user()
    producer = await make_producer(user=user, product=False)
    app = await service.save_application(producer=producer, event=event,
                                         values={**APP_VALUES, "terms": False}, by=user)
    with pytest.raises(DomainError) as info:
        await service.submit_application(application=app, by=user)
    assert info.value.code == "incomplete"
    assert len(info.value.data["missing"]) == 2


async def test_submit_refused_outside_registration_window(db):
    event = await make_event()
    user = await make_user()
    producer = await make_producer(user=user)
    app = await service.save_application(producer=producer, event=event, values=APP_VALUES,
                                         by=user)
    now = dt.datetime.now(dt.UTC)
    event.exhibitor_reg_opens = now + dt.timedelta(days=1)
    await event.save()
    with pytest.raises(DomainError) as info:
        await service.submit_application(application=await Application.get(id=app.id), by=user)
    assert info.value.code == "registration_not_open"
    event.exhibitor_reg_opens, event.exhibitor_reg_closes = now - dt.timedelta(days=9), now
    await event.save()
    with pytest.raises(DomainError) as info:
        await service.submit_application(application=await Application.get(id=app.id), by=user)
    assert info.value.code == "registration_closed"


@pytest.mark.parametrize("status", [AppStatus.DRAFT, AppStatus.SUBMITTED, AppStatus.ACCEPTED,
                                    AppStatus.WAITLISTED, AppStatus.REJECTED])
async def test_withdraw_allowed_from_any_live_status(db, status):
    event = await make_event()
    app = await make_application(event=event, status=status)
    await service.withdraw_application(application=app, by=await make_user())
    assert (await Application.get(id=app.id)).status == AppStatus.WITHDRAWN


async def test_withdraw_twice_refused(db):
    app = await make_application(event=await make_event(), status=AppStatus.WITHDRAWN)
    with pytest.raises(DomainError) as info:
        await service.withdraw_application(application=app, by=await make_user())
    assert info.value.code == "already_withdrawn"


async def test_own_application_of_other_producer_is_not_found(db):
    event = await make_event()
    app = await make_application(event=event)
    with pytest.raises(NotFound):
        await service.own_application(producer=await make_producer(), application_id=app.id)


async def test_dashboard_lists_next_steps_and_events_to_apply_to(db):
    event = await make_event()
    closed = await make_event()
    closed.exhibitor_reg_closes = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await closed.save()
    producer = await make_producer(product=False)
    board = await service.dashboard(producer)
    assert [e.id for e in board.open_events] == [event.id]
    assert len(board.next_steps) == 3  # product, documents, apply
    await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    board = await service.dashboard(producer)
    assert board.open_events == [] and len(board.applications) == 1


# ---- scoring ------------------------------------------------------------------------------

def test_compute_total_weighted_mean():
    a, b = Criterion(id=1, weight=3), Criterion(id=2, weight=1)
    assert curation.compute_total([a, b], {1: 5, 2: 1}) == 80.0
    assert curation.compute_total([a, b], {1: 4.5, 2: None}) == 67.5
    assert curation.compute_total([], {}) is None
    assert curation.compute_total([Criterion(id=3, weight=0)], {3: 5}) is None


async def test_scores_from_two_curators_are_averaged(db):
    event = await make_event()
    orig, pack, smk = await make_rubric(event)
    app = await make_application(event=event, producer=await make_producer(smk_interns=2))
    c1 = await make_user(event=event, role=Role.CURATOR)
    c2 = await make_user(event=event, role=Role.CURATOR)
    await curation.record_scores(application=app, curator=c1, values={orig.id: 4, pack.id: 2})
    total = await curation.record_scores(application=app, curator=c2,
                                         values={orig.id: 5, pack.id: 4})
    # originality mean 4.5 (w3), packaging 3 (w1), SMK auto 5 (w1): 100*(13.5+3+5)/25
    assert total == 86.0
    assert (await Application.get(id=app.id)).total_score == 86.0
    result = await curation.breakdown(app)
    assert result.matrix[c1.id] == {orig.id: 4, pack.id: 2}
    assert result.values[smk.id] == 5.0
    # a curator changes a score: updated, not duplicated
    total = await curation.record_scores(application=app, curator=c1, values={orig.id: 5})
    assert total == 92.0  # originality 5, packaging 3, SMK 5


async def test_scoring_refused_for_drafts_and_bad_values(db):
    event = await make_event()
    orig, _pack, smk = await make_rubric(event)
    curator = await make_user(event=event, role=Role.CURATOR)
    draft = await make_application(event=event, status=AppStatus.DRAFT)
    with pytest.raises(DomainError) as info:
        await curation.record_scores(application=draft, curator=curator, values={orig.id: 3})
    assert info.value.code == "not_scorable"
    app = await make_application(event=event)
    for values, code in [({orig.id: 6}, "bad_score"), ({smk.id: 3}, "unknown_criterion")]:
        with pytest.raises(DomainError) as info:
            await curation.record_scores(application=app, curator=curator, values=values)
        assert info.value.code == code


async def test_auto_criteria(db):
    event = await make_event()
    app = await make_application(event=event, first_time=True, producer=await make_producer(
        category=Category.KRIYA, nib="0912345678901", is_micro=False))
    await app.fetch_related("producer")
    assert curation.auto_score(CriterionSource.FIRST_TIME, app, app.producer) == 5
    assert curation.auto_score(CriterionSource.MICRO, app, app.producer) == 0
    assert curation.auto_score(CriterionSource.LEGALITY, app, app.producer) == 5
    assert curation.auto_score(CriterionSource.SMK, app, app.producer) == 0


async def test_rubric_changes_recompute_totals(db):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    app = await make_application(event=event, first_time=True)
    first = await curation.add_criterion(event=event, name="Pertama", weight=1,
                                         source=CriterionSource.FIRST_TIME, by=committee)
    assert (await Application.get(id=app.id)).total_score == 100.0
    await curation.add_criterion(event=event, name="Mikro", weight=1,
                                 source=CriterionSource.MICRO, by=committee)
    await curation.update_weights(event=event, weights={first.id: 3}, by=committee)
    assert (await Application.get(id=app.id)).total_score == 100.0  # is_micro default True
    await curation.delete_criterion(event=event, criterion_id=first.id, by=committee)
    assert len(await curation.criteria_of(event)) == 1
    with pytest.raises(DomainError):
        await curation.add_criterion(event=event, name="X", weight=101,
                                     source=CriterionSource.MANUAL, by=committee)


# ---- decisions and quotas -----------------------------------------------------------------

async def test_committee_accepts_and_producer_is_notified(db, settings):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    app = await make_application(event=event)
    await curation.decide_many(event=event, application_ids=[app.id],
                               decision=AppStatus.ACCEPTED, message="Selamat", by=committee,
                               roles={Role.COMMITTEE}, settings=settings)
    app = await Application.get(id=app.id)
    assert app.status == AppStatus.ACCEPTED and app.decided_by_id == committee.id
    message = await InboxMessage.get(application=app)
    assert "Selamat" in message.body
    assert await AuditEntry.exists(action="expo.application.accepted", object_id=str(app.id))
    assert await OutboxMessage.exists()


async def test_curator_cannot_decide_unless_allowed(db):
    event = await make_event()
    curator = await make_user(event=event, role=Role.CURATOR)
    app = await make_application(event=event)
    with pytest.raises(DomainError) as info:
        await curation.decide_many(event=event, application_ids=[app.id],
                                   decision=AppStatus.ACCEPTED, message="", by=curator,
                                   roles={Role.CURATOR}, settings=None)
    assert info.value.code == "cannot_decide" and info.value.status_code == 403
    await curation.update_settings(event=event, terms="", curators_can_decide=True,
                                   by=curator)
    await curation.decide_many(event=event, application_ids=[app.id],
                               decision=AppStatus.WAITLISTED, message="", by=curator,
                               roles={Role.CURATOR}, settings=None)
    assert (await Application.get(id=app.id)).status == AppStatus.WAITLISTED


async def test_reject_needs_a_reason(db):
    event = await make_event()
    app = await make_application(event=event)
    with pytest.raises(DomainError) as info:
        await curation.decide_many(event=event, application_ids=[app.id],
                                   decision=AppStatus.REJECTED, message="  ",
                                   by=await make_user(), roles={Role.COMMITTEE}, settings=None)
    assert info.value.code == "reason_required"


@pytest.mark.parametrize("status", [AppStatus.DRAFT, AppStatus.WITHDRAWN])
async def test_decision_refused_for_draft_and_withdrawn(db, status):
    event = await make_event()
    app = await make_application(event=event, status=status)
    with pytest.raises(DomainError) as info:
        await curation.decide_many(event=event, application_ids=[app.id],
                                   decision=AppStatus.ACCEPTED, message="",
                                   by=await make_user(), roles={Role.COMMITTEE}, settings=None)
    assert info.value.code == "not_decidable"


@pytest.mark.parametrize("start,decision", [
    (AppStatus.SUBMITTED, AppStatus.WAITLISTED), (AppStatus.WAITLISTED, AppStatus.ACCEPTED),
    (AppStatus.ACCEPTED, AppStatus.REJECTED), (AppStatus.REJECTED, AppStatus.ACCEPTED)])
async def test_decisions_can_be_revised(db, start, decision):
    event = await make_event()
    app = await make_application(event=event, status=start)
    await curation.decide_many(event=event, application_ids=[app.id], decision=decision,
                               message="alasan", by=await make_user(), roles={Role.COMMITTEE},
                               settings=None)
    assert (await Application.get(id=app.id)).status == decision


async def test_decision_for_other_event_application_is_not_found(db):
    event, other = await make_event(), await make_event()
    app = await make_application(event=other)
    with pytest.raises(NotFound):
        await curation.decide_many(event=event, application_ids=[app.id],
                                   decision=AppStatus.ACCEPTED, message="",
                                   by=await make_user(), roles={Role.COMMITTEE}, settings=None)


async def test_quota_warns_then_allows_with_confirmation(db):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await curation.set_quotas(event=event, limits={("category", "kuliner"): 1,
                                                   ("kabupaten", "Kota Bontang"): 5},
                              by=committee)
    first = await make_application(event=event)
    second = await make_application(event=event)
    await curation.decide_many(event=event, application_ids=[first.id],
                               decision=AppStatus.ACCEPTED, message="", by=committee,
                               roles={Role.COMMITTEE}, settings=None)
    with pytest.raises(DomainError) as info:
        await curation.decide_many(event=event, application_ids=[second.id],
                                   decision=AppStatus.ACCEPTED, message="", by=committee,
                                   roles={Role.COMMITTEE}, settings=None)
    assert info.value.code == "quota_exceeded" and len(info.value.data["warnings"]) == 1
    assert (await Application.get(id=second.id)).status == AppStatus.SUBMITTED
    await curation.decide_many(event=event, application_ids=[second.id],
                               decision=AppStatus.ACCEPTED, message="", by=committee,
                               roles={Role.COMMITTEE}, settings=None, confirm_over_quota=True)
    assert (await Application.get(id=second.id)).status == AppStatus.ACCEPTED


async def test_bulk_decision_counts_quota_together(db):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await curation.set_quotas(event=event, limits={("kabupaten", "Kota Samarinda"): 2},
                              by=committee)
    apps = [await make_application(event=event) for _ in range(3)]
    with pytest.raises(DomainError):
        await curation.decide_many(event=event, application_ids=[a.id for a in apps],
                                   decision=AppStatus.ACCEPTED, message="", by=committee,
                                   roles={Role.COMMITTEE}, settings=None)
    await curation.decide_many(event=event, application_ids=[a.id for a in apps[:2]],
                               decision=AppStatus.ACCEPTED, message="", by=committee,
                               roles={Role.COMMITTEE}, settings=None)
    assert await Application.filter(status=AppStatus.ACCEPTED).count() == 2
    await curation.set_quotas(event=event, limits={("kabupaten", "Kota Samarinda"): None},
                              by=committee)
    assert await curation.quotas_of(event) == {}


# ---- queue --------------------------------------------------------------------------------

async def test_queue_filters_sorts_and_marks_ties(db):
    event = await make_event()
    a = await make_application(event=event, total_score=80.0, producer=await make_producer(
        cluster="nastar", smk_workers=1))
    b = await make_application(event=event, total_score=80.0, producer=await make_producer(
        kabupaten="Kota Bontang", category=Category.KRIYA, cluster="rotan"))
    c = await make_application(event=event, total_score=95.0, status=AppStatus.ACCEPTED)
    await make_application(event=event, status=AppStatus.DRAFT)
    result = await curation.queue(event=event, filters=curation.QueueFilters())
    assert [r.application.id for r in result.rows] == [c.id, a.id, b.id]
    assert [r.tie for r in result.rows] == [False, True, True]
    assert "draft" not in result.counts

    async def ids(**kw):
        rows = (await curation.queue(event=event, filters=curation.QueueFilters(**kw))).rows
        return [r.application.id for r in rows]

    assert await ids(status="accepted") == [c.id]
    assert await ids(category="kriya") == [b.id]
    assert await ids(kabupaten="Kota Bontang") == [b.id]
    assert await ids(cluster="Nastar") == [a.id]
    assert await ids(smk="1") == [a.id]
    assert await ids(legality="complete") == []
    assert await ids(q=b.producer.business_name.lower()) == [b.id]


async def test_profile_change_refreshes_automatic_scores(db):
    event = await make_event()
    await make_rubric(event)  # includes an automatic SMK criterion
    app = await make_application(event=event)
    from expo.exhibitors.curation import recompute_total

    assert await recompute_total(app) == 0.0
    await app.fetch_related("producer")
    await service.update_profile(producer=app.producer, values={"smk_workers": 2},
                                 by=await make_user())
    assert (await Application.get(id=app.id)).total_score == 20.0
