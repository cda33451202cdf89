import datetime as dt
import io

import httpx
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from expo.leads import matching, service
from expo.leads.forms import OfferData
from expo.leads.models import Inquiry, Lead, OfferShare, SavedStand
from expo.outbox import Channel, OutboxMessage
from expo.visitors.identity import COOKIE
from expo.visitors.models import Visitor
from tests.conftest import Client
from tests.factories import PASSWORD, make_user

from .helpers import code_of, inquiry, make_visitor, setup

pytestmark = pytest.mark.usefixtures("db", "english")


@pytest.fixture
def english(client):  # type: ignore[no-untyped-def]
    client.cookies.set("expo_lang", "en")


async def _lead_for(a, event, name="Buyer Satu"):  # type: ignore[no-untyped-def]
    visitor = await make_visitor(event, name)
    item = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product, 120))
    return visitor, await Lead.get(id=item.lead_id), item  # type: ignore[attr-defined]


async def test_stand_page_is_public_and_light(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    r = await client.get(f"/e/{event.slug}/s/{a.booth.code}")
    assert r.status_code == 200
    assert a.product.name in r.text and "wa.me/62" in r.text
    assert "<script" not in r.text.split("</head>")[1]  # no JavaScript on a cheap phone
    assert (await client.get(f"/e/{event.slug}/s/NOPE")).status_code == 404
    png = await client.get(f"/e/{event.slug}/s/{a.booth.code}/qr.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


async def test_ticket_link_sets_the_visitor_cookie_then_save_and_contact(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event)
    stand = f"/e/{event.slug}/s/{a.booth.code}"
    await client.fetch_csrf(stand)
    refused = await client.submit(stand + "/save")
    assert refused.status_code == 403
    r = await client.get(f"/t/{visitor.link_token}")
    assert r.status_code == 200 and COOKIE in r.cookies
    assert (await client.submit(stand + "/save")).status_code == 303
    assert await SavedStand.exists(visitor_id=visitor.id, application_id=a.application.id)
    assert (await client.submit(stand + "/contact", {})).status_code == 422
    assert (await client.submit(stand + "/contact", {"consent": "1"})).status_code == 303
    mine = await client.get(f"/e/{event.slug}/my-expo")
    assert a.application.producer_id and "contact shared" in mine.text


async def test_inquiry_form_requires_consent_and_valid_numbers(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event)
    await client.get(f"/t/{visitor.link_token}")
    url = f"/e/{event.slug}/s/{a.booth.code}/inquiry"
    await client.fetch_csrf(url)
    bad = await client.submit(url, {"product": str(a.product.id), "quantity": "banyak",
                                    "needed_by": "2020-01-01"})
    assert bad.status_code == 422
    assert "Enter a whole number" in bad.text and "share your contact" in bad.text
    ok = await client.submit(url, {"product": str(a.product.id), "quantity": "300",
                                   "unit": "kotak", "budget": "18000000", "consent": "1",
                                   "needed_by": (dt.date.today() + dt.timedelta(days=30)).isoformat()})
    assert ok.status_code == 303
    item = await Inquiry.get(application_id=a.application.id)
    assert item.quantity == 300 and item.budget == 18_000_000


async def test_identify_short_form_registers_and_returns_to_the_stand(client, app) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    url = f"/e/{event.slug}/me?stand={a.booth.code}"
    await client.fetch_csrf(url)
    bad = await client.submit(url, {"name": "", "phone": "123"})
    assert bad.status_code == 422
    ok = await client.submit(url, {"name": "Dewi", "phone": "0812 5550 1234", "type": "buyer",
                                   "kabupaten": "Kota Samarinda", "stand": a.booth.code})
    assert ok.status_code == 303 and ok.headers["location"].endswith(f"/s/{a.booth.code}")
    assert COOKIE in ok.cookies
    [ticket] = await OutboxMessage.filter(kind="visitors.ticket", channel=Channel.WHATSAPP)
    assert ticket.to == "+6281255501234"  # the ticket went to the phone
    # Someone else typing the same number on another phone: no second visitor, and not
    # signed in as Dewi either; the link went to Dewi's phone again.
    async with Client(transport=httpx.ASGITransport(app=app),
                      base_url="http://testserver") as other:
        await other.fetch_csrf(url)
        again = await other.submit(url, {"name": "Bukan Dewi", "phone": "+62 812-5550-1234",
                                         "type": "umum", "kabupaten": "Kota Samarinda",
                                         "stand": a.booth.code})
    assert again.status_code == 303 and COOKIE not in again.cookies
    assert await Visitor.filter(event=event).count() == 1
    assert await OutboxMessage.filter(kind="visitors.ticket_resend").count() >= 1


async def test_inbox_shows_consented_and_counts_the_others(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    await _lead_for(a, event, "Buyer Terbuka")
    await service.save_stand(visitor=await make_visitor(event, "Rahasia Sekali"),
                             application=a.application)
    await client.login(a.user.email, PASSWORD)
    r = await client.get(f"/manage/e/{event.slug}/leads")
    assert r.status_code == 200
    assert "Buyer Terbuka" in r.text and "Rahasia Sekali" not in r.text
    assert "wa.me/62" in r.text
    filtered = await client.get(f"/manage/e/{event.slug}/leads?q=zzz&status=won")
    assert "Buyer Terbuka" not in filtered.text.split('data-testid="leads"')[1].split("</table>")[0]


async def test_every_lead_route_with_another_exhibitors_ids_is_404(client) -> None:  # type: ignore[no-untyped-def]
    event, a, b, committee = await setup()
    _visitor, lead, item = await _lead_for(a, event)
    offer = await matching.create_offer(event=event, inquiry=item, by=committee, data=OfferData(
        title="Nastar", quantity=120, unit="kotak", needed_by=None,
        shares={a.application.id: 120}))
    share = await OfferShare.get(offer=offer)
    await client.login(b.user.email, PASSWORD)
    base = f"/manage/e/{event.slug}/leads"
    assert (await client.get(f"{base}/{lead.id}")).status_code == 404
    assert (await client.submit(f"{base}/{lead.id}", {"status": "won"})).status_code == 404
    assert (await client.submit(f"{base}/shares/{share.id}",
                                {"status": "accepted"})).status_code == 404
    inbox = await client.get(base)
    assert "Buyer Satu" not in inbox.text and "120" not in inbox.text.split("Inquiries")[-1]
    book = load_workbook(io.BytesIO((await client.get(f"{base}/export.xlsx")).content))
    assert "Buyer Satu" not in str([list(r) for r in book.worksheets[0].iter_rows(values_only=True)])
    assert (await client.get(f"{base}/99999")).status_code == 404


async def test_lead_update_validates_and_saves(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    _visitor, lead, _item = await _lead_for(a, event)
    await client.login(a.user.email, PASSWORD)
    url = f"/manage/e/{event.slug}/leads/{lead.id}"
    assert (await client.get(url)).status_code == 200
    bad = await client.submit(url, {"rating": "lukewarm", "status": "won", "value": "-5"})
    assert bad.status_code == 422
    ok = await client.submit(url, {"rating": "hot", "status": "quoted", "value": "2.500.000",
                                   "tags": "hotel, katering", "notes": "Kirim sampel"})
    assert ok.status_code == 303
    saved = await Lead.get(id=lead.id)
    assert saved.rating == "hot" and saved.value == 2_500_000 and saved.status == "quoted"


async def test_export_xlsx_reads_back(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    await _lead_for(a, event, "Pembeli Ekspor")
    await client.login(a.user.email, PASSWORD)
    r = await client.get(f"/manage/e/{event.slug}/leads/export.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    book = load_workbook(io.BytesIO(r.content))
    rows = [list(x) for x in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "Name" and rows[1][0] == "Pembeli Ekspor"
    assert [list(x) for x in book.worksheets[1].iter_rows(values_only=True)][1][4] == 120


async def test_scan_route_json_dedups_and_rejects(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    visitor = await make_visitor(event, "Dipindai", consent=True)
    await client.login(a.user.email, PASSWORD)
    url = f"/manage/e/{event.slug}/leads/scan"
    headers = {"X-CSRF-Token": client.csrf, "Accept": "application/json"}
    first = await client.post(url, json={"code": code_of(visitor), "nonce": "a"}, headers=headers)
    assert first.status_code == 200 and first.json()["created"] and first.json()["visible"]
    again = await client.post(url, json={"code": code_of(visitor), "nonce": "b"}, headers=headers)
    assert again.json()["lead"] == first.json()["lead"] and not again.json()["created"]
    assert await Lead.filter(application_id=a.application.id).count() == 1
    bad = await client.post(url, json={"code": "HELLO"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"] == "ticket_invalid"
    missing = await client.post(url, content=b"not json", headers=headers)
    assert missing.status_code == 422
    assert (await client.get(f"/manage/e/{event.slug}/leads/scanner")).status_code == 200


async def test_exhibitor_pages_need_the_role(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    stranger = await make_user()
    await client.login(stranger.email, PASSWORD)
    for path in ("", "/scanner", "/export.xlsx", "/overview", "/posters"):
        assert (await client.get(f"/manage/e/{event.slug}/leads{path}")).status_code == 403


async def test_exhibitor_cannot_open_committee_pages(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    await client.login(a.user.email, PASSWORD)
    assert (await client.get(f"/manage/e/{event.slug}/leads/overview")).status_code == 403
    posters = await client.get(f"/manage/e/{event.slug}/leads/posters?size=a5")
    assert posters.status_code == 200 and a.booth.code in posters.text
    assert posters.text.count('class="poster poster-a5"') == 1


async def test_committee_overview_group_and_offer(client) -> None:  # type: ignore[no-untyped-def]
    event, a, b, committee = await setup()
    visitor = await make_visitor(event, "Orang Dinas", type="instansi")
    visitor.agency = "Dispar Kaltim"
    await visitor.save()
    item = await service.create_inquiry(visitor=visitor, application=a.application,
                                        data=inquiry(a.product, 1500,
                                                     needed_by=dt.date.today() + dt.timedelta(days=10)))
    await client.login(committee.email, PASSWORD)
    base = f"/manage/e/{event.slug}/leads"
    overview = await client.get(base + "/overview")
    assert overview.status_code == 200 and "Dispar Kaltim" in overview.text
    assert "Orang Dinas" not in overview.text
    # Categories read as labels, not stored keys ("kuliner").
    cells = [td.get_text(strip=True)
             for td in BeautifulSoup(overview.text, "html.parser").select("td")]
    assert {"Kuliner", "Culinary (kuliner)"} & set(cells) and "kuliner" not in cells
    posters = await client.get(base + "/posters")
    assert a.booth.code in posters.text and b.booth.code in posters.text
    page = await client.get(f"{base}/inquiries/{item.id}/group")
    assert page.status_code == 200
    wrong = await client.submit(f"{base}/inquiries/{item.id}/group", {
        "title": "Nastar", "quantity": "1500", f"share_{a.application.id}": "100"})
    assert wrong.status_code == 422 and "add up to" in wrong.text
    ok = await client.submit(f"{base}/inquiries/{item.id}/group", {
        "title": "Nastar Dispar", "quantity": "1500", "unit": "kotak",
        f"share_{a.application.id}": "700", f"share_{b.application.id}": "800"})
    assert ok.status_code == 303
    offer_url = ok.headers["location"]
    share = await OfferShare.get(application_id=b.application.id)
    assert (await client.submit(f"{base}/offers/shares/{share.id}",
                                {"status": "delivered"})).status_code == 303
    assert (await client.submit(f"{base}/offers/shares/{share.id}",
                                {"status": "eaten"})).status_code == 422
    page = await client.get(offer_url)
    assert "Nastar Dispar" in page.text and "Delivered" in page.text
    assert (await client.get(f"{base}/inquiries/99999/group")).status_code == 404
    assert (await client.get(f"{base}/offers/99999")).status_code == 404


async def test_a_forged_or_foreign_visitor_cookie_is_ignored(client) -> None:  # type: ignore[no-untyped-def]
    event, a, _b, _c = await setup()
    stand = f"/e/{event.slug}/s/{a.booth.code}"
    await client.fetch_csrf(stand)
    client.cookies.set(COOKIE, "eyJ2IjoxfQ.forged.signature")
    assert (await client.submit(stand + "/save")).status_code == 403
    other_event = (await setup())[0]
    stranger = await make_visitor(other_event)
    await client.get(f"/t/{stranger.link_token}")  # a ticket of another event
    assert (await client.submit(stand + "/save")).status_code == 403
    inquiry_page = await client.get(stand + "/inquiry")
    assert inquiry_page.status_code == 303 and "/me?stand=" in inquiry_page.headers["location"]


async def test_posters_encode_the_base_url_not_the_host_header(client) -> None:  # type: ignore[no-untyped-def]
    from expo import qr

    event, _a, b, committee = await setup()
    await client.login(committee.email, PASSWORD)
    page = await client.get(f"/manage/e/{event.slug}/leads/posters",
                            headers={"host": "127.0.0.1"})
    assert page.status_code == 200
    link = f"http://testserver/e/{event.slug}/s/{b.booth.code}"
    assert link in page.text and "127.0.0.1" not in page.text
    assert qr.svg(link, scale=8) in page.text


async def test_lead_pages_and_export_show_the_enums_labels(client) -> None:  # type: ignore[no-untyped-def]
    """Labels come from the enums (LabelledEnum), in the reader's language, never raw values."""
    from bs4 import BeautifulSoup

    event, a, _b, _committee = await setup()
    _visitor, lead, _item = await _lead_for(a, event)
    await Lead.filter(id=lead.id).update(rating="hot", status="quoted")
    await client.login(a.user.email, PASSWORD)
    base = f"/manage/e/{event.slug}/leads"
    row = BeautifulSoup((await client.get(base)).text, "html.parser").select_one("tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert "Inquiry" in cells and "Hot" in cells and "Quoted" in cells
    assert "General public" in cells[0]
    inbox = BeautifulSoup((await client.get(base)).text, "html.parser")
    options = {o["value"]: o.get_text() for o in inbox.select("select[name=rating] option")}
    assert options == {"": "All ratings", "hot": "Hot", "warm": "Warm", "cold": "Cold"}
    detail = BeautifulSoup((await client.get(f"{base}/{lead.id}")).text, "html.parser")
    assert [o.get_text() for o in detail.select("select[name=status] option")][:2] == [
        "New", "Contacted"]
    book = load_workbook(io.BytesIO((await client.get(f"{base}/export.xlsx")).content))
    first = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)][1]
    assert ["General public", "Inquiry", "Hot", "Quoted"] == [first[3], first[5], first[6],
                                                                 first[7]]
    client.cookies.delete("expo_lang")  # the exhibitor switches to Indonesian
    client.cookies.set("expo_lang", "id")
    row = BeautifulSoup((await client.get(base)).text, "html.parser").select_one("tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert "Panas" in cells and "Umum" in cells[0], cells
