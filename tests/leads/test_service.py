import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from expo.errors import DomainError, NotFound
from expo.leads import matching, service
from expo.leads.exporter import leads_workbook
from expo.leads.forms import LeadUpdate, OfferData
from expo.leads.models import (
    ContactRequest,
    Inquiry,
    InquiryStatus,
    Lead,
    LeadSource,
    LeadStatus,
    OfferStatus,
    Rating,
    ShareStatus,
)
from tests.factories import make_event
from tests.visitors.helpers import SIGNER

from .helpers import code_of, inquiry, make_stand, make_visitor, setup

pytestmark = pytest.mark.usefixtures("db")
TODAY = dt.date.today()


async def test_stand_by_code_only_for_accepted_holders() -> None:
    event, a, _b, _c = await setup()
    stand = await service.stand_by_code(event=event, code=a.booth.code)
    assert stand.application.id == a.application.id and stand.products[0].id == a.product.id
    with pytest.raises(NotFound):
        await service.stand_by_code(event=event, code="Z-99")


async def test_save_stand_is_idempotent_and_makes_one_lead() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event)
    await service.save_stand(visitor=visitor, application=a.application)
    await service.save_stand(visitor=visitor, application=a.application)
    assert await Lead.filter(application_id=a.application.id).count() == 1


async def test_consent_rules_hide_leads_without_consent() -> None:
    event, a, _b, _c = await setup()
    saver = await make_visitor(event, "Tanpa Izin")
    sharer = await make_visitor(event, "Dengan Izin")
    await service.save_stand(visitor=saver, application=a.application)
    await service.set_consent(visitor=sharer, application=a.application, consent=True,
                              wants_contact=True)
    box = await service.inbox(application=a.application)
    assert [lead.visitor.name for lead in box.leads] == ["Dengan Izin"]
    assert box.hidden == 1 and box.total == 2
    hidden = await Lead.get(visitor_id=saver.id)
    with pytest.raises(NotFound):
        await service.get_lead(application=a.application, lead_id=hidden.id)


async def test_consent_is_per_stand_and_revocable() -> None:
    event, a, b, _c = await setup()
    visitor = await make_visitor(event)
    await service.set_consent(visitor=visitor, application=a.application, consent=True)
    await service.save_stand(visitor=visitor, application=b.application)
    assert len((await service.inbox(application=a.application)).leads) == 1
    assert len((await service.inbox(application=b.application)).leads) == 0
    await service.set_consent(visitor=visitor, application=a.application, consent=False)
    box = await service.inbox(application=a.application)
    assert box.leads == [] and box.hidden == 1
    request = await ContactRequest.get(visitor_id=visitor.id, application_id=a.application.id)
    assert request.revoked_at is not None


async def test_scan_shows_contact_only_with_ticket_consent() -> None:
    event, a, _b, _c = await setup()
    yes = await make_visitor(event, "Setuju", consent=True)
    no = await make_visitor(event, "Tidak")
    out_yes = await service.record_scan(event=event, application=a.application,
                                        code=code_of(yes), signer=SIGNER, by=a.user)
    out_no = await service.record_scan(event=event, application=a.application,
                                       code=code_of(no), signer=SIGNER, by=a.user)
    assert out_yes.visible and not out_no.visible
    # a withdrawn per-stand consent wins over the ticket's consent
    await service.set_consent(visitor=yes, application=a.application, consent=False)
    assert (await service.inbox(application=a.application)).leads == []


async def test_repeated_scans_update_one_lead() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event, consent=True)
    code = code_of(visitor)
    first = await service.record_scan(event=event, application=a.application, code=code,
                                      signer=SIGNER, by=a.user, nonce="n1")
    again = await service.record_scan(event=event, application=a.application, code=code,
                                      signer=SIGNER, by=a.user, nonce="n2")
    replay = await service.record_scan(event=event, application=a.application, code=code,
                                       signer=SIGNER, by=a.user, nonce="n2")
    assert first.created and not again.created and not replay.created
    assert first.lead.id == again.lead.id == replay.lead.id
    assert await Lead.filter(application_id=a.application.id).count() == 1
    assert (await Lead.get(id=first.lead.id)).scans == 2  # the replayed nonce counts once


async def test_scan_rejects_bad_codes() -> None:
    event, a, _b, _c = await setup()
    other = await make_event()
    stranger = await make_visitor(other)
    with pytest.raises(DomainError) as bad:
        await service.record_scan(event=event, application=a.application, code="XYZ",
                                  signer=SIGNER, by=None)
    assert bad.value.code == "ticket_invalid"
    with pytest.raises(DomainError) as wrong:
        await service.record_scan(event=event, application=a.application,
                                  code=code_of(stranger), signer=SIGNER, by=None)
    assert wrong.value.code == "wrong_event"


async def test_inquiry_needs_consent_and_carries_the_agency() -> None:
    event, a, _b, _c = await setup()
    opd = await make_visitor(event, "Pak Dinas", type="instansi")
    opd.agency = "Dinas Pariwisata Kaltim"
    await opd.save()
    with pytest.raises(DomainError) as refused:
        await service.create_inquiry(visitor=opd, application=a.application,
                                     data=inquiry(a.product, consent=False))
    assert refused.value.code == "consent_required"
    item = await service.create_inquiry(visitor=opd, application=a.application,
                                        data=inquiry(a.product, 300))
    assert item.agency == "Dinas Pariwisata Kaltim" and item.is_procurement
    assert item.unit == "kotak"
    lead = await Lead.get(id=item.lead_id)  # type: ignore[attr-defined]
    assert lead.source == LeadSource.INQUIRY


async def test_inquiry_with_another_stands_product_is_not_found() -> None:
    event, a, b, _c = await setup()
    visitor = await make_visitor(event)
    with pytest.raises(NotFound):
        await service.create_inquiry(visitor=visitor, application=a.application,
                                     data=inquiry(b.product))


async def test_lead_of_another_exhibitor_is_not_found() -> None:
    event, a, b, _c = await setup()
    visitor = await make_visitor(event)
    await service.set_consent(visitor=visitor, application=a.application, consent=True)
    lead = await Lead.get(application_id=a.application.id)
    with pytest.raises(NotFound):
        await service.get_lead(application=b.application, lead_id=lead.id)
    with pytest.raises(NotFound):
        await service.update_lead(application=b.application, lead_id=lead.id,
                                  data=LeadUpdate(), by=b.user)
    assert await service.inquiries_of(application=b.application) == []


async def test_update_lead_sets_follow_up() -> None:
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event)
    await service.set_consent(visitor=visitor, application=a.application, consent=True)
    lead = await Lead.get(application_id=a.application.id)
    updated = await service.update_lead(
        application=a.application, lead_id=lead.id, by=a.user,
        data=LeadUpdate(rating=Rating.HOT, status=LeadStatus.QUOTED, notes="Minta sampel",
                        tags="hotel, katering", value=1_500_000))
    assert updated.rating == Rating.HOT and updated.tag_list == ["hotel", "katering"]


async def test_export_reads_back_with_only_consented_contacts() -> None:
    event, a, b, _c = await setup()
    shared = await make_visitor(event, "Rina Buyer", phone="+6281255501234")
    hidden = await make_visitor(event, "Rahasia")
    await service.create_inquiry(visitor=shared, application=a.application,
                                 data=inquiry(a.product, 250, budget=15_000_000))
    await service.save_stand(visitor=hidden, application=a.application)
    other = await make_visitor(event, "Pembeli Lain")
    await service.set_consent(visitor=other, application=b.application, consent=True)
    book = load_workbook(io.BytesIO(await leads_workbook(event=event,
                                                         application=a.application)))
    leads = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    names = [r[0] for r in leads[1:] if r[0]]
    assert "Rina Buyer" in names
    assert "Rahasia" not in str(leads) and "Pembeli Lain" not in str(leads)
    assert leads[1][1] == "+6281255501234"
    inquiries = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert inquiries[1][3] == "Nastar nanas" and inquiries[1][4] == 250
    assert inquiries[1][7] == 15_000_000


async def test_capacity_check_finds_cluster_producers_with_spare() -> None:
    event, a, b, _c = await setup()
    c = await make_stand(event, capacity=700, lead_time=0)
    far = await make_stand(event, cluster="amplang")
    visitor = await make_visitor(event)
    item = await service.create_inquiry(
        visitor=visitor, application=a.application,
        data=inquiry(a.product, 2000, needed_by=TODAY + dt.timedelta(days=17)))
    check = await matching.capacity_check(inquiry=item, today=TODAY)
    assert check.own.producible == 500 * 14 // 7  # 17 days minus 3 days of lead time
    assert not check.enough
    ids = [x.application.id for x in check.others]
    assert ids[0] == c.application.id and b.application.id in ids
    assert far.application.id not in ids
    assert check.split.shares == {a.application.id: 1000, c.application.id: 1000}


async def test_grouped_offer_splits_and_tracks_each_share() -> None:
    event, a, b, committee = await setup()
    visitor = await make_visitor(event)
    item = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product, 900))
    offer = await matching.create_offer(
        event=event, inquiry=item, by=committee,
        data=OfferData(title="Nastar", quantity=900, unit="kotak", needed_by=None,
                       shares={a.application.id: 500, b.application.id: 400}))
    shares = await matching.shares_of(offer)
    assert sorted(s.quantity for s in shares) == [400, 500]
    assert (await Inquiry.get(id=item.id)).status == InquiryStatus.GROUPED
    # committed shares reduce spare capacity
    check = await matching.capacity_check(inquiry=item, today=TODAY)
    assert check.own.committed == 500
    share_b = next(s for s in shares if s.application_id == b.application.id)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):  # a cannot answer b's share
        await matching.set_share_status(event=event, share_id=share_b.id, by=a.user,
                                        status=ShareStatus.ACCEPTED, application=a.application)
    for share in shares:
        await matching.set_share_status(event=event, share_id=share.id, by=None,
                                        status=ShareStatus.ACCEPTED,
                                        application=await share.application)
    assert (await matching.get_offer(event=event, offer_id=offer.id)).status == \
        OfferStatus.CONFIRMED


async def test_grouped_offer_rejects_wrong_totals_and_strangers() -> None:
    event, a, _b, committee = await setup()
    other = await make_stand(await make_event())
    with pytest.raises(DomainError) as mismatch:
        await matching.create_offer(event=event, inquiry=None, by=committee, data=OfferData(
            title="X", quantity=10, unit="", needed_by=None, shares={a.application.id: 5}))
    assert mismatch.value.code == "shares_mismatch"
    with pytest.raises(DomainError) as stranger:
        await matching.create_offer(event=event, inquiry=None, by=committee, data=OfferData(
            title="X", quantity=10, unit="", needed_by=None,
            shares={other.application.id: 10}))
    assert stranger.value.code == "share_not_exhibitor"


async def test_committee_summary_has_no_personal_data() -> None:
    event, a, b, _c = await setup()
    v1 = await make_visitor(event, "Nama Pribadi", type="instansi")
    v1.agency = "Bappeda Kaltim"
    await v1.save()
    await service.create_inquiry(visitor=v1, application=a.application,
                                 data=inquiry(a.product, 100, budget=5_000_000))
    await service.save_stand(visitor=await make_visitor(event), application=b.application)
    summary = await matching.committee_summary(event=event)
    assert summary.total_leads == 2 and summary.total_inquiries == 1
    assert [(r.label, r.leads, r.inquiries, r.quantity, r.value)
            for r in summary.per_agency] == [("Bappeda Kaltim", 1, 1, 100, 5_000_000)]
    assert "Nama Pribadi" not in repr(summary)
    assert summary.per_cluster[0].label == "nastar" and summary.per_cluster[0].leads == 2


async def test_inbox_filters_procurement_buyers() -> None:
    event, a, _b, _c = await setup()
    opd = await make_visitor(event, "Pak OPD", type="instansi")
    umum = await make_visitor(event, "Bu Umum")
    for visitor in (opd, umum):
        await service.set_consent(visitor=visitor, application=a.application, consent=True)
    box = await service.inbox(application=a.application,
                              filters=service.InboxFilter(procurement=True))
    assert [lead.visitor.name for lead in box.leads] == ["Pak OPD"]
    box = await service.inbox(application=a.application, filters=service.InboxFilter(q="umum"))
    assert [lead.visitor.name for lead in box.leads] == ["Bu Umum"]


async def test_forget_visitor_hides_every_lead_and_keeps_the_counts() -> None:
    event, a, b, _c = await setup()
    visitor = await make_visitor(event, "Bu Hapus", consent=True)
    other = await make_visitor(event, "Pak Tetap", consent=True)
    item = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product, 50, note="Telepon 0812 saya"))
    await service.record_scan(event=event, application=b.application, code=code_of(visitor),
                              signer=SIGNER, by=b.user)
    await service.save_stand(visitor=visitor, application=b.application)
    await service.set_consent(visitor=other, application=a.application, consent=True)
    lead = await Lead.get(id=item.lead_id)  # type: ignore[attr-defined]
    lead.notes = "Rumahnya di Jl. Pahlawan"
    await lead.save()
    await service.forget_visitor(visitor_id=visitor.id)  # the ticket's consent is still on here
    assert [x.visitor.name for x in (await service.inbox(application=a.application)).leads] == [
        "Pak Tetap"]
    assert (await service.inbox(application=b.application)).leads == []
    assert await service.visible_inquiries(application=a.application) == []
    assert not await ContactRequest.filter(visitor_id=visitor.id, consent=True).exists()
    assert await ContactRequest.filter(visitor_id=visitor.id, revoked_at__isnull=True).count() == 0
    assert await ContactRequest.filter(visitor_id=other.id, consent=True).exists()
    assert (await service.my_expo(visitor=visitor)).saved == []
    assert await Lead.filter(visitor_id=visitor.id).count() == 2  # counted still
    assert (await Inquiry.get(id=item.id)).note == "" and (await Lead.get(id=lead.id)).notes == ""
    with pytest.raises(NotFound):
        await service.get_lead(application=a.application, lead_id=lead.id)
