"""Required documents per category: sending waits for them; the committee may except one
application (a reason, audited)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.errors import DomainError
from expo.exhibitors import requirements, service
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Category,
    Document,
    DocumentKind,
    RequiredDocument,
)
from tests.exhibitors.factories import PDF, make_application, make_producer
from tests.factories import PASSWORD, make_event, make_user

FOOD_RULES = {Category.KULINER: [[DocumentKind.PIRT, DocumentKind.BPOM], [DocumentKind.HALAL]]}
APPLY = {"booth_type": "food", "booths_needed": "1", "power_watts": "900", "terms": "1"}


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


async def _document(producer, kind: DocumentKind) -> Document:
    n = await Document.all().count()
    return await Document.create(producer=producer, kind=kind, stored_name=f"doc-{kind}-{n}",
                                 content_type="application/pdf", size=len(PDF))


async def _food_event():
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await requirements.set_rules(event=event, rules=FOOD_RULES, by=committee)
    return event, committee


# ---- service --------------------------------------------------------------------------------

async def test_set_rules_replaces_and_audits(db):
    event, committee = await _food_event()
    rules = await requirements.rules_for(event)
    assert [r.key for r in rules[Category.KULINER]] == ["pirt,bpom", "halal"]
    assert rules[Category.KRIYA] == []
    await requirements.set_rules(event=event, rules={Category.KRIYA: [[DocumentKind.NIB]]},
                                 by=committee)
    assert await RequiredDocument.filter(event=event).count() == 1
    assert await AuditEntry.filter(action="expo.event.required_documents_set").count() == 2


async def test_set_rules_drops_empty_and_repeated_lines(db):
    event, committee = await _food_event()
    rules = await requirements.set_rules(event=event, by=committee, rules={
        Category.KULINER: [[], [DocumentKind.HALAL], [DocumentKind.HALAL]]})
    assert [r.key for r in rules[Category.KULINER]] == ["halal"]


async def test_set_rules_too_many_lines(db):
    event, committee = await _food_event()
    with pytest.raises(DomainError) as info:
        await requirements.set_rules(event=event, by=committee, rules={
            Category.KULINER: [[k] for k in (DocumentKind.NIB, DocumentKind.PIRT,
                                             DocumentKind.HALAL, DocumentKind.KTP)]})
    assert info.value.code == "too_many_requirements"


async def test_submit_blocked_until_documents_uploaded(db):
    event, _committee = await _food_event()
    producer = await make_producer(category=Category.KULINER)
    draft = await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    user = await make_user()
    with pytest.raises(DomainError) as info:
        await service.submit_application(application=draft, by=user)
    assert info.value.code == "incomplete"
    assert all(word in info.value.message.lower() for word in ("pirt", "bpom", "halal"))
    assert (await Application.get(id=draft.id)).status == AppStatus.DRAFT
    await _document(producer, DocumentKind.BPOM)  # one of PIRT or BPOM will do
    missing = await requirements.missing_documents(producer=producer, event_id=event.id)
    assert [r.key for r in missing] == ["halal"]
    await _document(producer, DocumentKind.HALAL)
    sent = await service.submit_application(application=draft, by=user)
    assert sent.status == AppStatus.SUBMITTED


async def test_other_categories_are_not_asked(db):
    event, _committee = await _food_event()
    producer = await make_producer(category=Category.KRIYA)
    draft = await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    sent = await service.submit_application(application=draft, by=await make_user())
    assert sent.status == AppStatus.SUBMITTED


async def test_waiver_lets_it_be_sent_and_is_audited(db):
    event, committee = await _food_event()
    producer = await make_producer(category=Category.KULINER)
    draft = await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    with pytest.raises(DomainError) as info:
        await requirements.waive(application=draft, reason="  ", by=committee)
    assert info.value.code == "reason_required"
    await requirements.waive(application=draft, reason="PIRT sedang diurus di Dinkes",
                             by=committee)
    draft = await Application.get(id=draft.id)
    assert draft.documents_waived_at is not None and draft.documents_waived_by_id == committee.id
    entry = await AuditEntry.get(action="expo.application.documents_waived")
    assert "PIRT sedang diurus" in entry.summary and entry.actor_id == committee.id
    waiting = await requirements.drafts_missing_documents(event)
    assert [w.application.id for w in waiting] == [draft.id] and waiting[0].missing
    sent = await service.submit_application(application=draft, by=await make_user())
    assert sent.status == AppStatus.SUBMITTED


async def test_revoked_waiver_blocks_again(db):
    event, committee = await _food_event()
    producer = await make_producer(category=Category.KULINER)
    draft = await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    await requirements.waive(application=draft, reason="Menyusul", by=committee)
    await requirements.revoke_waiver(application=draft, by=committee)
    with pytest.raises(DomainError):
        await service.submit_application(application=await Application.get(id=draft.id),
                                         by=committee)
    assert await AuditEntry.exists(action="expo.application.documents_waiver_revoked")


async def test_waiver_refused_once_decided(db):
    event, committee = await _food_event()
    accepted = await make_application(event=event, status=AppStatus.ACCEPTED)
    with pytest.raises(DomainError) as info:
        await requirements.waive(application=accepted, reason="x", by=committee)
    assert info.value.code == "decided"


# ---- HTTP -----------------------------------------------------------------------------------

async def test_apply_page_lists_missing_documents_with_upload_link(client, db):
    event, _committee = await _food_event()
    user = await make_user()
    producer = await make_producer(user=user, category=Category.KULINER)
    await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    await client.login(user.email, PASSWORD)
    page = soup(await client.get(f"/exhibitor/apply/{event.slug}"))
    assert "halal" in page.select_one("#required-documents").text.lower()
    assert page.select_one("#upload-documents")["href"] == "/exhibitor/documents"
    response = await client.submit(f"/exhibitor/apply/{event.slug}", {**APPLY, "action": "submit"})
    assert response.status_code == 422
    assert "BPOM" in soup(response).select_one(".alert-error").text
    assert (await Application.get(producer=producer)).status == AppStatus.DRAFT
    documents = soup(await client.get("/exhibitor/documents"))  # and back to the draft
    assert documents.select_one(".back-to-draft a")["href"] == f"/exhibitor/apply/{event.slug}"


async def test_committee_sets_rules_by_form(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    url = f"/manage/e/{event.slug}/required-documents"
    page = soup(await client.get(url))
    assert page.select_one("input[name=r-kuliner-0-pirt]")
    response = await client.submit(url, {"r-kuliner-0-pirt": "1", "r-kuliner-0-bpom": "1",
                                         "r-oleh-oleh-0-halal": "1"})
    assert response.status_code == 303
    rules = await requirements.rules_for(event)
    assert [r.key for r in rules[Category.KULINER]] == ["pirt,bpom"]
    assert [r.key for r in rules[Category.OLEH_OLEH]] == ["halal"]
    page = soup(await client.get(url))
    assert page.select_one("input[name=r-kuliner-0-bpom]").has_attr("checked")


async def test_committee_grants_waiver_by_form(client, db):
    event, committee = await _food_event()
    producer = await make_producer(category=Category.KULINER)
    draft = await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    await client.login(committee.email, PASSWORD)
    url = f"/manage/e/{event.slug}/required-documents"
    page = soup(await client.get(url))
    assert page.select_one(f"#draft-{draft.id}")
    waive = f"/manage/e/{event.slug}/applications/{draft.id}/waive"
    response = await client.submit(waive, {"reason": ""})
    assert response.status_code == 422
    assert soup(response).select_one(f"#draft-{draft.id} .error")
    response = await client.submit(waive, {"reason": "Dokumen dibawa saat loading"})
    assert response.status_code == 303
    assert (await Application.get(id=draft.id)).documents_waived_at is not None
    revoke = f"/manage/e/{event.slug}/applications/{draft.id}/waiver/revoke"
    assert (await client.submit(revoke)).status_code == 303
    assert (await Application.get(id=draft.id)).documents_waived_at is None


@pytest.mark.parametrize("role", [Role.CURATOR, Role.GATE, Role.EXHIBITOR])
async def test_required_documents_committee_only(client, db, role):
    event, _committee = await _food_event()
    user = await make_user(event=event, role=role)
    draft = await make_application(event=event, status=AppStatus.DRAFT)
    await client.login(user.email, PASSWORD)
    assert (await client.get(f"/manage/e/{event.slug}/required-documents")).status_code == 403
    response = await client.submit(f"/manage/e/{event.slug}/applications/{draft.id}/waive",
                                   {"reason": "tolong"})
    assert response.status_code == 403
    assert (await Application.get(id=draft.id)).documents_waived_at is None


async def test_waiver_of_another_events_application_404(client, db):
    event, committee = await _food_event()
    other = await make_event()
    draft = await make_application(event=other, status=AppStatus.DRAFT)
    await client.login(committee.email, PASSWORD)
    response = await client.submit(f"/manage/e/{event.slug}/applications/{draft.id}/waive",
                                   {"reason": "x"})
    assert response.status_code == 404


async def test_waiver_post_without_csrf_refused(client, db):
    event, committee = await _food_event()
    draft = await make_application(event=event, status=AppStatus.DRAFT)
    await client.login(committee.email, PASSWORD)
    response = await client.post(f"/manage/e/{event.slug}/applications/{draft.id}/waive",
                                 data={"reason": "x"})
    assert response.status_code == 403
    assert (await Application.get(id=draft.id)).documents_waived_at is None
