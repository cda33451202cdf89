import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.leads import service as leads_service
from expo.visitors import checkin, service
from expo.visitors.identity import COOKIE
from expo.visitors.models import DeviceToken, Gate, GateRules, Visitor, VisitorGroup, VisitorType
from tests.factories import PASSWORD, make_event, make_user
from tests.leads.helpers import inquiry
from tests.leads.helpers import setup as leads_setup
from tests.visitors.helpers import make_visitor

FORM = {"name": "Siti Rahmawati", "phone": "0812-3456-7890", "email": "", "type": "instansi",
        "agency": "Dinas Koperasi dan UKM", "kabupaten": "Kota Samarinda", "consent_share": "1"}


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()


async def signed_in(client, role: Role):
    event = await make_event()
    user = await make_user(event=event, role=role)
    await client.login(user.email, PASSWORD)
    return event, user


async def test_register_issues_ticket_with_consent(client, db):
    event = await make_event()
    page = await client.get(f"/e/{event.slug}/register")
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").select_one("select[name=kabupaten]")
    response = await client.submit(f"/e/{event.slug}/register", FORM)
    assert response.status_code == 303 and response.headers["location"].startswith(
        "http://testserver/t/")
    visitor = await Visitor.get(name="Siti Rahmawati")
    assert visitor.phone == "+6281234567890" and visitor.consent_at is not None
    ticket = await client.get(response.headers["location"])
    assert ticket.status_code == 200
    soup = BeautifulSoup(ticket.text, "html.parser")
    assert soup.select_one(".ticket-qr svg") is not None
    assert "Siti Rahmawati" in soup.select_one(".ticket-name").text


async def test_register_invalid_form_rerenders_422(client, db):
    event = await make_event()
    response = await client.submit(f"/e/{event.slug}/register",
                                   FORM | {"phone": "12", "agency": "", "kabupaten": "Atlantis"})
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert {e.get("id") for e in soup.select("small.error")} >= {"e-phone", "e-agency",
                                                                  "e-kabupaten"}


async def test_register_closed_window_refuses(client, db):
    event = await make_event()
    event.visitor_reg_closes = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await event.save()
    page = await client.get(f"/e/{event.slug}/register")
    assert page.status_code == 200 and "name=\"name\"" not in page.text
    assert (await client.submit(f"/e/{event.slug}/register", FORM)).status_code == 422


async def test_register_unknown_event_404(client, db):
    assert (await client.get("/e/nope/register")).status_code == 404


async def test_group_registration_one_ticket_each(client, db):
    event = await make_event()
    response = await client.submit(f"/e/{event.slug}/register/group", {
        "group_name": "SMKN 1 Samarinda", "leader_name": "Bu Rina", "leader_phone": "081234567890",
        "kabupaten": "Kota Samarinda", "members": "Andi\nBudi\n\nCitra\n"})
    assert response.status_code == 303
    group = await VisitorGroup.get(name="SMKN 1 Samarinda")
    assert await Visitor.filter(group=group).count() == 3
    page = await client.get(response.headers["location"])
    assert len(BeautifulSoup(page.text, "html.parser").select(".ticket svg")) == 3
    bad = await client.submit(f"/e/{event.slug}/register/group", {"group_name": "X"})
    assert bad.status_code == 422


async def test_ticket_png_consent_and_bad_link(client, db):
    event = await make_event()
    visitor = await make_visitor(event, consent=True)
    png = await client.get(f"/t/{visitor.link_token}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert "attachment" in png.headers["content-disposition"]
    await client.fetch_csrf(f"/t/{visitor.link_token}")
    response = await client.submit(f"/t/{visitor.link_token}/consent", {"share": "0"})
    assert response.status_code == 303
    await visitor.refresh_from_db()
    assert not visitor.consent_share and visitor.consent_revoked_at is not None
    assert (await client.get("/t/not-a-token")).status_code == 404
    assert (await client.get("/g/not-a-token")).status_code == 404


@pytest.mark.parametrize("path", ["visitors", "gates", "badges", "badges/sheet"])
async def test_committee_pages_refuse_gate_staff_and_anonymous(client, db, path):
    event, _user = await signed_in(client, Role.GATE)
    assert (await client.get(f"/manage/e/{event.slug}/{path}")).status_code == 403
    client.cookies.clear()
    response = await client.get(f"/manage/e/{event.slug}/{path}")
    assert response.status_code == 303 and "/login" in response.headers["location"]


async def test_device_token_does_not_open_committee_pages(client, db):
    event = await make_event()
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    _t, plain = await service.create_device_token(event=event, gate=gate, by=None)
    for path in ("visitors", "gates", "gate"):
        response = await client.get(f"/manage/e/{event.slug}/{path}",
                                    headers={"Authorization": f"Bearer {plain}"})
        assert response.status_code == 303 and "/login" in response.headers["location"]


async def test_committee_lists_searches_and_revokes(client, db):
    event, _user = await signed_in(client, Role.COMMITTEE)
    visitor = await make_visitor(event, name="Rahmat")
    await make_visitor(event, name="Dewi")
    page = await client.get(f"/manage/e/{event.slug}/visitors?q=rahm")
    rows = BeautifulSoup(page.text, "html.parser").select("tbody tr")
    assert len(rows) == 1 and "Rahmat" in rows[0].text
    response = await client.submit(f"/manage/e/{event.slug}/visitors/{visitor.id}/revoke")
    assert response.status_code == 303
    await visitor.refresh_from_db()
    assert visitor.revoked_at is not None
    assert (await client.submit(f"/manage/e/{event.slug}/visitors/999999/revoke")).status_code == 404


async def test_committee_gates_rules_and_tokens(client, db):
    event, _user = await signed_in(client, Role.COMMITTEE)
    base = f"/manage/e/{event.slug}/gates"
    assert (await client.get(base)).status_code == 200
    assert (await client.submit(base + "/new", {"name": "Pintu Utama"})).status_code == 303
    assert (await client.submit(base + "/new", {"name": "  "})).status_code == 422
    gate = await Gate.get(event=event)
    response = await client.submit(base + "/rules", {"reentry": "", "track_exit": "1",
                                                     "early_minutes": "15"})
    assert response.status_code == 303
    rules = await GateRules.get(event=event)
    assert (rules.reentry, rules.enforce_hours, rules.early_minutes) == (False, False, 15)
    assert (await client.submit(base + "/rules", {"early_minutes": "999"})).status_code == 422
    page = await client.submit(base + "/tokens", {"gate": str(gate.id), "label": "Tablet 1",
                                                  "kiosk": "1"})
    token = BeautifulSoup(page.text, "html.parser").select_one("#new-token")["value"]
    assert token.startswith("exd_")
    assert (await service.device_for(plain=token)).kiosk
    row = await DeviceToken.get(event=event)
    assert (await client.submit(f"{base}/tokens/{row.id}/revoke")).status_code == 303
    assert await service.device_for(plain=token) is None
    assert (await client.submit(base + "/tokens", {"gate": ""})).status_code == 422


async def test_badges_issue_and_print_sheets(client, db):
    event, _user = await signed_in(client, Role.COMMITTEE)
    base = f"/manage/e/{event.slug}/badges"
    assert (await client.get(base)).status_code == 200
    response = await client.submit(base, {"type": "exhibitor", "organisation": "Amplang Aminah",
                                          "names": "Aminah\nRudi\nSari\nTono\nUla"})
    assert response.status_code == 303
    assert (await client.submit(base, {"type": "exhibitor", "names": ""})).status_code == 422
    a6 = await client.get(base + "/sheet?size=a6&type=exhibitor")
    soup = BeautifulSoup(a6.text, "html.parser")
    assert len(soup.select(".sheet-page")) == 2 and len(soup.select(".badge-card svg")) == 5
    a7 = await client.get(base + "/sheet?size=a7")
    assert len(BeautifulSoup(a7.text, "html.parser").select(".sheet-page")) == 1
    assert (await client.get(base + "/sheet?size=a3")).status_code == 422


async def test_gate_staff_opens_scanner_with_token_in_fragment(client, db):
    event, _user = await signed_in(client, Role.GATE)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    page = await client.get(f"/manage/e/{event.slug}/gate")
    assert page.status_code == 200 and "Pintu Utama" in page.text
    response = await client.submit(f"/manage/e/{event.slug}/gate", {"gate": str(gate.id)})
    assert response.status_code == 303
    location = response.headers["location"]
    assert "/gate/scanner#token=exd_" in location
    plain = location.split("#token=")[1]
    assert await service.device_for(plain=plain) is not None
    scanner = await client.get(f"/manage/e/{event.slug}/gate/scanner")
    assert scanner.status_code == 200 and "scanner-config" in scanner.text
    assert (await client.submit(f"/manage/e/{event.slug}/gate", {"gate": "999"})).status_code == 404


async def test_kiosk_issues_printable_ticket(client, db):
    event, _user = await signed_in(client, Role.GATE)
    assert (await client.get(f"/manage/e/{event.slug}/kiosk")).status_code == 200
    done = await client.submit(f"/manage/e/{event.slug}/kiosk", {"name": "Walk In",
                                                                 "type": "umum"})
    assert done.status_code == 200
    assert BeautifulSoup(done.text, "html.parser").select_one(".ticket-qr svg") is not None
    assert (await Visitor.get(name="Walk In")).source == "kiosk"
    bad = await client.submit(f"/manage/e/{event.slug}/kiosk", {"name": ""})
    assert bad.status_code == 422


async def test_gate_pages_unknown_event_404(client, db):
    await signed_in(client, Role.COMMITTEE)
    assert (await client.get("/manage/e/nope/gate")).status_code == 404


async def test_public_event_page_links_to_registration(client, db):
    event = await make_event()
    page = await client.get(f"/e/{event.slug}")
    assert f"/e/{event.slug}/register" in page.text


async def test_gate_counters_partial_refreshes(client, db):
    event, _user = await signed_in(client, Role.GATE)
    await make_visitor(event)
    response = await client.get(f"/manage/e/{event.slug}/gate/counters")
    assert response.status_code == 200
    block = BeautifulSoup(response.text, "html.parser").select_one("#counters")
    assert block["hx-trigger"] == "every 10s"
    assert block.select_one("[data-counter=checked_in]").text.strip() == "0"


# ---- editing, reinstating and erasing ----------------------------------------------------

EDIT = {"name": "Siti Aminah", "phone": "0813-1111-2222", "email": "Siti@Example.id",
        "type": "instansi", "agency": "Dinas Pariwisata", "organisation": "",
        "kabupaten": "Kota Balikpapan"}


def errors_of(response) -> dict[str, str]:
    soup = BeautifulSoup(response.text, "html.parser")
    return {e["id"]: e.text.strip() for e in soup.select("small.error[id]")}


async def test_committee_edits_a_visitor_and_the_ticket_stays_valid(client, db):
    event, user = await signed_in(client, Role.COMMITTEE)
    visitor = await make_visitor(event)
    url = f"/manage/e/{event.slug}/visitors/{visitor.id}/edit"
    page = await client.get(url)
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("input[name=name]")["value"] == "Siti Rahmawati"
    assert soup.select_one("input[name=consent_share]") is None  # consent is the visitor's
    listing = await client.get(f"/manage/e/{event.slug}/visitors")
    assert url in listing.text
    response = await client.submit(url, EDIT | {"consent_share": "1"})
    assert response.status_code == 303
    stored = await Visitor.get(id=visitor.id)
    assert (stored.name, stored.phone, stored.email, stored.type, stored.agency,
            stored.kabupaten) == ("Siti Aminah", "+6281311112222", "siti@example.id",
                                  "instansi", "Dinas Pariwisata", "Kota Balikpapan")
    assert stored.ticket_key == visitor.ticket_key and not stored.consent_share
    entry = await AuditEntry.get(action="expo.visitor.updated")
    assert entry.actor_id == user.id
    assert entry.data["fields"] == ["name", "phone", "email", "type", "agency", "kabupaten"]


async def test_committee_edit_shows_errors_next_to_the_fields(client, db):
    event, user = await signed_in(client, Role.COMMITTEE)
    visitor = await make_visitor(event)
    url = f"/manage/e/{event.slug}/visitors/{visitor.id}/edit"
    response = await client.submit(url, EDIT | {"name": " ", "phone": "12345", "agency": ""})
    assert response.status_code == 422
    errors = errors_of(response)
    assert errors["e-name"] == "Kolom ini wajib diisi."
    assert errors["e-phone"] == "Masukkan nomor WhatsApp, misalnya 0812 3456 7890."
    assert "e-agency" in errors
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("input[name=phone]")["value"] == "12345"  # what was typed stays
    assert (await Visitor.get(id=visitor.id)).name == "Siti Rahmawati"
    # a badge holder without a phone or kabupaten can still be corrected
    badge = (await service.issue_badges(event=event, names=["Pak Tamu"], type=VisitorType.GUEST,
                                        organisation="", by=user))[0]
    fixed = await client.submit(f"/manage/e/{event.slug}/visitors/{badge.id}/edit",
                                {"name": "Pak Tamu Besar", "type": "guest"})
    assert fixed.status_code == 303
    assert (await Visitor.get(id=badge.id)).name == "Pak Tamu Besar"


@pytest.mark.parametrize("role", [Role.GATE, Role.CURATOR, Role.EXHIBITOR])
async def test_visitor_edit_and_reinstate_refuse_other_roles(client, db, role):
    event, _user = await signed_in(client, role)
    visitor = await make_visitor(event)
    base = f"/manage/e/{event.slug}/visitors/{visitor.id}"
    assert (await client.get(base + "/edit")).status_code == 403
    assert (await client.submit(base + "/edit", EDIT)).status_code == 403
    await service.revoke_ticket(visitor=visitor, by=None)
    assert (await client.submit(base + "/reinstate")).status_code == 403
    stored = await Visitor.get(id=visitor.id)
    assert stored.name == "Siti Rahmawati" and stored.revoked_at is not None


async def test_visitor_edit_is_open_to_superusers_and_scoped_to_the_event(client, db):
    event = await make_event()
    other = await make_event()
    admin = await make_user(superuser=True)
    await client.login(admin.email, PASSWORD)
    mine, stranger = await make_visitor(event), await make_visitor(other)
    assert (await client.get(f"/manage/e/{event.slug}/visitors/{mine.id}/edit")).status_code == 200
    foreign = f"/manage/e/{event.slug}/visitors/{stranger.id}"
    assert (await client.get(foreign + "/edit")).status_code == 404
    assert (await client.submit(foreign + "/edit", EDIT)).status_code == 404
    assert (await client.submit(foreign + "/reinstate")).status_code == 404
    assert (await Visitor.get(id=stranger.id)).name == "Siti Rahmawati"


async def test_committee_reinstates_a_revoked_ticket(client, db):
    event, user = await signed_in(client, Role.COMMITTEE)
    visitor = await make_visitor(event)
    base = f"/manage/e/{event.slug}/visitors/{visitor.id}"
    assert (await client.submit(base + "/revoke")).status_code == 303
    listing = BeautifulSoup((await client.get(f"/manage/e/{event.slug}/visitors")).text,
                            "html.parser")
    assert listing.select_one(f"form[action$='{base}/reinstate']") is not None
    assert (await client.submit(base + "/reinstate")).status_code == 303
    assert (await Visitor.get(id=visitor.id)).revoked_at is None
    assert await AuditEntry.filter(action="expo.visitor.reinstated", actor=user).exists()


async def test_committee_cannot_edit_or_reinstate_an_erased_registration(client, db):
    event, _user = await signed_in(client, Role.COMMITTEE)
    visitor = await make_visitor(event)
    await service.erase_visitor(visitor=visitor)
    base = f"/manage/e/{event.slug}/visitors/{visitor.id}"
    page = await client.get(base + "/edit")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("[data-testid=erased]") and soup.select_one("input[name=name]") is None
    assert (await client.submit(base + "/edit", EDIT)).status_code == 422
    assert (await client.submit(base + "/reinstate")).status_code == 422
    stored = await Visitor.get(id=visitor.id)
    assert stored.name == service.ERASED_NAME and stored.revoked_at is not None


async def test_new_visitor_posts_refuse_a_missing_csrf_token(client, db):
    event, _user = await signed_in(client, Role.COMMITTEE)
    visitor = await make_visitor(event)
    await service.revoke_ticket(visitor=visitor, by=None)
    base = f"/manage/e/{event.slug}/visitors/{visitor.id}"
    for url, data in [(base + "/edit", EDIT), (base + "/reinstate", {}),
                      (f"/t/{visitor.link_token}/edit", EDIT),
                      (f"/t/{visitor.link_token}/delete", {"confirm": "1"})]:
        response = await client.post(url, data=data)
        assert response.status_code == 403, url
    stored = await Visitor.get(id=visitor.id)
    assert stored.name == "Siti Rahmawati" and stored.erased_at is None
    assert stored.revoked_at is not None


async def test_visitor_edits_own_details_on_the_ticket_link(client, db):
    event = await make_event()
    visitor = await make_visitor(event, consent=True)
    ticket = await client.get(f"/t/{visitor.link_token}")
    url = f"/t/{visitor.link_token}/edit"
    assert url in ticket.text and f"/t/{visitor.link_token}/delete" in ticket.text
    page = await client.get(url)
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("input[name=phone]")["value"] == "+6281234567890"
    assert {o["value"] for o in soup.select("select[name=type] option")} == {
        "umum", "pelajar", "instansi", "buyer"}
    await client.fetch_csrf(url)
    response = await client.submit(url, EDIT | {"type": "buyer", "agency": "",
                                                "organisation": "Hotel Mesra"})
    assert response.status_code == 303 and response.headers["location"].endswith(
        f"/t/{visitor.link_token}")
    stored = await Visitor.get(id=visitor.id)
    assert (stored.name, stored.phone, stored.type, stored.organisation) == (
        "Siti Aminah", "+6281311112222", "buyer", "Hotel Mesra")
    assert stored.ticket_key == visitor.ticket_key and stored.consent_share
    entry = await AuditEntry.get(action="expo.visitor.updated")
    assert entry.actor_id is None and entry.data["by"] == "visitor"


async def test_visitor_edit_refuses_bad_input_and_unknown_links(client, db):
    event = await make_event()
    visitor = await make_visitor(event)
    url = f"/t/{visitor.link_token}/edit"
    await client.fetch_csrf(url)
    bad = await client.submit(url, EDIT | {"name": "", "phone": "0812"})
    assert bad.status_code == 422 and {"e-name", "e-phone"} <= set(errors_of(bad))
    blank = await client.submit(url, EDIT | {"phone": "", "kabupaten": ""})  # registered online
    assert blank.status_code == 422 and {"e-phone", "e-kabupaten"} <= set(errors_of(blank))
    badge = await client.submit(url, EDIT | {"type": "committee"})  # not the visitor's to pick
    assert badge.status_code == 422 and "e-type" in errors_of(badge)
    assert (await Visitor.get(id=visitor.id)).name == "Siti Rahmawati"
    assert (await client.get("/t/not-a-token/edit")).status_code == 404
    assert (await client.submit("/t/not-a-token/edit", EDIT)).status_code == 404
    assert (await client.get("/t/not-a-token/delete")).status_code == 404
    assert (await client.submit("/t/not-a-token/delete", {"confirm": "1"})).status_code == 404


async def test_visitor_deletes_registration_after_confirming(client, db):
    event = await make_event()
    visitor = await make_visitor(event, consent=True)
    await client.get(f"/t/{visitor.link_token}")  # the stand pages' cookie is set
    assert COOKIE in client.cookies
    url = f"/t/{visitor.link_token}/delete"
    page = await client.get(url)
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").select_one("input[name=confirm]")
    await client.fetch_csrf(url)
    unconfirmed = await client.submit(url, {})
    assert unconfirmed.status_code == 422
    assert BeautifulSoup(unconfirmed.text, "html.parser").select_one(".has-error small.error")
    assert (await Visitor.get(id=visitor.id)).erased_at is None
    done = await client.submit(url, {"confirm": "1"})
    assert done.status_code == 200 and COOKIE not in client.cookies
    stored = await Visitor.get(id=visitor.id)
    assert (stored.name, stored.phone, stored.consent_share) == (service.ERASED_NAME, "", False)
    assert stored.revoked_at is not None and stored.erased_at is not None
    assert (await client.get(f"/t/{visitor.link_token}")).status_code == 404
    assert (await client.get(f"/t/{visitor.link_token}/qr.png")).status_code == 404


async def test_erasure_removes_the_contact_from_the_exhibitors_lead_views(client, db):
    event, stand, _b, _committee = await leads_setup()
    visitor = await make_visitor(event, "Bu Hapus Saya", phone="+6281355554444", consent=True)
    item = await leads_service.create_inquiry(visitor=visitor, application=stand.application,
                                              data=inquiry(stand.product, 40))
    await client.login(stand.user.email, PASSWORD)
    inbox_url = f"/manage/e/{event.slug}/leads"
    lead_url = f"{inbox_url}/{item.lead_id}"
    assert "Bu Hapus Saya" in (await client.get(inbox_url)).text
    before = await client.get(lead_url)
    assert before.status_code == 200 and "+6281355554444" in before.text
    assert "+6281355554444" in await exported(client, inbox_url)
    client.cookies.clear()
    await client.fetch_csrf(f"/t/{visitor.link_token}/delete")
    assert (await client.submit(f"/t/{visitor.link_token}/delete",
                                {"confirm": "1"})).status_code == 200
    await client.login(stand.user.email, PASSWORD)
    inbox = await client.get(inbox_url)
    assert "Bu Hapus Saya" not in inbox.text and "6281355554444" not in inbox.text
    assert (await client.get(lead_url)).status_code == 404
    export = await exported(client, inbox_url)
    assert "6281355554444" not in export and "Bu Hapus" not in export


async def exported(client, inbox_url: str) -> str:
    """Every cell of the exhibitor's leads workbook, as one string."""
    book = load_workbook(io.BytesIO((await client.get(f"{inbox_url}/export.xlsx")).content))
    return str([list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)])


async def test_badges_for_accepted_exhibitors_route(client, db):
    from expo.exhibitors.models import AppStatus
    from expo.visitors.models import Visitor, VisitorType
    from tests.exhibitors.factories import make_application

    event, _user = await signed_in(client, Role.COMMITTEE)
    await make_application(event=event, status=AppStatus.ACCEPTED)
    url = f"/manage/e/{event.slug}/badges/exhibitors"
    first = await client.submit(url)
    assert first.status_code == 303
    assert await Visitor.filter(event=event, type=VisitorType.EXHIBITOR).count() == 2
    page = await client.get(first.headers["location"])
    assert "2 tanda pengenal diterbitkan untuk 1 peserta pameran" in page.text
    again = await client.get((await client.submit(url)).headers["location"])
    assert "sudah punya tanda pengenal" in again.text
    assert await Visitor.filter(event=event, type=VisitorType.EXHIBITOR).count() == 2
    # No CSRF token: refused; gate staff: forbidden.
    assert (await client.post(url)).status_code == 403
    client.cookies.clear()
    client.csrf = ""
    gate_event, _gate = await signed_in(client, Role.GATE)
    response = await client.submit(f"/manage/e/{gate_event.slug}/badges/exhibitors")
    assert response.status_code == 403
