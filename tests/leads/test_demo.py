from expo.demo import load_demo
from expo.leads import matching
from expo.leads.models import GroupedOffer, Inquiry, Lead, OfferShare


async def test_demo_has_leads_inquiries_and_the_nastar_offer(db):  # type: ignore[no-untyped-def]
    ctx = await load_demo()
    assert await Lead.filter(event=ctx.event).count() > 50
    assert await Inquiry.filter(event=ctx.event, buyer_type="instansi").count() >= 3
    offer = await GroupedOffer.get(event=ctx.event)
    shares = await OfferShare.filter(offer=offer)
    assert offer.quantity == 2000 and len(shares) == 4
    assert sum(s.quantity for s in shares) == 2000
    summary = await matching.committee_summary(event=ctx.event)
    assert any(r.label == "Dinas Pariwisata Provinsi Kaltim" for r in summary.per_agency)
