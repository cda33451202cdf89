import datetime as dt

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role
from expo.visitors import checkin, service
from expo.visitors.models import DeviceToken, Gate, GateRules, Visitor, VisitorGroup
from tests.factories import PASSWORD, make_event, make_user
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
                                   FORM | {"phone": "12", "agency": "", "kabupaten": "Jakarta"})
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
