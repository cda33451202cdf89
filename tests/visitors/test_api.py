import datetime as dt

import pytest

from expo.accounts.models import Role
from expo.visitors import api, checkin, service
from expo.visitors.models import GateRules, Scan, Visitor
from tests.factories import make_event, make_user
from tests.visitors.helpers import code_of, make_visitor


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()
    api.SEARCH_LIMIT._hits.clear()


async def setup(kiosk: bool = False, reentry: bool = True):
    event = await make_event(starts_on=dt.date.today(), days=1, opens="00:00", closes="23:59",
                             timezone="UTC")
    await GateRules.create(event=event, reentry=reentry, enforce_hours=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    _token, plain = await service.create_device_token(event=event, gate=gate, kiosk=kiosk, by=None)
    return event, {"Authorization": f"Bearer {plain}"}


async def test_api_scan_ok_then_already_inside(client):
    event, auth = await setup()
    visitor = await make_visitor(event)
    url = f"/api/v1/events/{event.slug}/scans"
    first = await client.post(url, json={"code": code_of(visitor)}, headers=auth)
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "ok" and body["reason"] is None
    assert body["visitor"] == {"name": "Siti Rahmawati", "type": "umum"}
    assert body["message"] == "Selamat datang, Siti Rahmawati"
    again = (await client.post(url, json={"code": code_of(visitor)}, headers=auth)).json()
    assert again["reason"] == "already_inside"
    assert again["message"].startswith("sudah masuk pukul ")


async def test_api_scan_messages_in_indonesian_by_default(client):
    event, auth = await setup()
    url = f"/api/v1/events/{event.slug}/scans"
    body = (await client.post(url, json={"code": "X" * 120}, headers=auth)).json()
    assert (body["reason"], body["message"]) == ("invalid", "tiket tidak valid")
    other = await make_event()
    stranger = await make_visitor(other)
    body = (await client.post(url, json={"code": code_of(stranger)}, headers=auth)).json()
    assert (body["reason"], body["message"]) == ("wrong_event", "tiket acara lain")


async def test_api_repeated_nonce_returns_first_answer(client):
    event, auth = await setup()
    visitor = await make_visitor(event)
    url = f"/api/v1/events/{event.slug}/scans"
    payload = {"code": code_of(visitor), "nonce": "abc", "direction": "in"}
    first = (await client.post(url, json=payload, headers=auth)).json()
    second = (await client.post(url, json=payload, headers=auth)).json()
    assert first == second and first["status"] == "ok"
    assert await Scan.filter(event=event).count() == 1


@pytest.mark.parametrize("body,status", [
    (b"{not json", 400), (b"", 400), (b"[]", 422), (b'{"code": 5}', 422),
    (b'{"code": "A", "direction": "up"}', 422), (b'{"code": "A", "nonce": ""}', 422),
    (b'{"code": "A", "scanned_at": "yesterday"}', 422), (b'"text"', 422),
])
async def test_api_malformed_input_gets_4xx_with_message(client, body, status):
    event, auth = await setup()
    response = await client.post(f"/api/v1/events/{event.slug}/scans", content=body,
                                 headers=auth | {"content-type": "application/json"})
    assert response.status_code == status
    assert set(response.json()) == {"error", "message"}


async def test_api_without_valid_token_is_401_and_cookies_do_not_count(client):
    event, _auth = await setup()
    user = await make_user(event=event, role=Role.COMMITTEE)
    from tests.factories import PASSWORD

    await client.login(user.email, PASSWORD)
    url = f"/api/v1/events/{event.slug}/scans"
    assert (await client.post(url, json={"code": "x"})).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    response = await client.post(url, json={"code": "x"}, headers=bad)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


async def test_api_revoked_token_is_refused(client):
    event, auth = await setup()
    token = await service.list_device_tokens(event=event)
    await service.revoke_device_token(event=event, token_id=token[0].id, by=None)
    response = await client.post(f"/api/v1/events/{event.slug}/scans", json={"code": "x"},
                                 headers=auth)
    assert response.status_code == 401


async def test_api_token_of_another_event_is_403_and_unknown_event_404(client):
    event, auth = await setup()
    other = await make_event()
    response = await client.post(f"/api/v1/events/{other.slug}/scans", json={"code": "x"},
                                 headers=auth)
    assert response.status_code == 403
    response = await client.post("/api/v1/events/nope/scans", json={"code": "x"}, headers=auth)
    assert response.status_code == 404


async def test_api_batch_results_in_order_with_duplicates_inside_and_across(client):
    event, auth = await setup(reentry=False)
    a, b = await make_visitor(event, name="A"), await make_visitor(event, name="B")
    url = f"/api/v1/events/{event.slug}/scans/batch"
    scans = [{"code": code_of(a), "nonce": "1"}, {"code": code_of(a), "nonce": "1"},
             {"code": code_of(a), "nonce": "2"}, {"code": code_of(b), "nonce": "3"},
             {"nonce": "4"}]
    results = (await client.post(url, json={"scans": scans}, headers=auth)).json()["results"]
    assert [r["status"] for r in results] == ["ok", "ok", "rejected", "ok", "error"]
    assert results[2]["reason"] == "already_inside"
    again = (await client.post(url, json={"scans": scans[:4]}, headers=auth)).json()["results"]
    assert [r["status"] for r in again] == ["ok", "ok", "rejected", "ok"]
    assert await Scan.filter(event=event).count() == 3
    assert await Scan.filter(event=event, ok=True).count() == 2


async def test_api_batch_limits(client):
    event, auth = await setup()
    url = f"/api/v1/events/{event.slug}/scans/batch"
    too_many = [{"code": "x"}] * 1001
    assert (await client.post(url, json={"scans": too_many}, headers=auth)).status_code == 422
    assert (await client.post(url, json={"scans": 3}, headers=auth)).status_code == 422
    assert (await client.post(url, json=[{"code": "x"}], headers=auth)).status_code == 200


async def test_api_offline_forced_entry_recorded_and_audited(client):
    from expo.audit.models import AuditEntry

    event, auth = await setup()
    visitor = await make_visitor(event)
    url = f"/api/v1/events/{event.slug}/scans/batch"
    scans = [{"code": code_of(visitor), "nonce": "g1"},
             {"code": code_of(visitor), "nonce": "g2", "offline": True}]
    results = (await client.post(url, json={"scans": scans}, headers=auth)).json()["results"]
    assert results[1]["forced"] is True and results[1]["reason"] == "already_inside"
    assert await AuditEntry.filter(action="expo.visitor.forced_entry").count() == 1


async def test_erasure_takes_the_name_out_of_the_audit_entries_about_the_visitor(client):
    from expo.audit.models import AuditEntry

    event, auth = await setup()
    visitor = await make_visitor(event, name="Rahmat Hidayat")
    namesake = await make_visitor(event, name="Rahmat Hidayat")
    url = f"/api/v1/events/{event.slug}/scans/batch"
    scans = [{"code": code_of(visitor), "nonce": "e1"},
             {"code": code_of(visitor), "nonce": "e2", "offline": True}]
    await client.post(url, json={"scans": scans}, headers=auth)
    visitor.event = namesake.event = event
    await service.revoke_ticket(visitor=visitor, by=None)
    await service.revoke_ticket(visitor=namesake, by=None)

    await service.erase_visitor(visitor=visitor)
    forced = await AuditEntry.get(action="expo.visitor.forced_entry")
    assert forced.data["visitor"] == visitor.id
    assert forced.summary.startswith("(dihapus) @ Pintu Utama")
    revoked = {e.object_id: e.summary
               for e in await AuditEntry.filter(action="expo.visitor.revoked")}
    assert revoked == {str(visitor.id): "(dihapus)", str(namesake.id): "Rahmat Hidayat"}


async def test_api_kiosk_creates_visitor(client):
    event, auth = await setup(kiosk=True)
    url = f"/api/v1/events/{event.slug}/visitors"
    response = await client.post(url, json={"name": "Walk In", "phone": "0812 3456 7890",
                                            "type": "pelajar"}, headers=auth)
    assert response.status_code == 201
    body = response.json()
    assert body["ticket_url"].startswith("http://testserver/t/")
    visitor = await Visitor.get(name="Walk In")
    assert visitor.phone == "+6281234567890" and visitor.source == "kiosk"
    scan = await client.post(f"/api/v1/events/{event.slug}/scans", json={"code": body["code"]},
                             headers=auth)
    assert scan.json()["status"] == "ok"
    bad = await client.post(url, json={"name": "", "phone": "12"}, headers=auth)
    assert bad.status_code == 422 and "name" in bad.json()["message"]


async def test_api_gate_token_cannot_list_or_create_visitors(client):
    event, auth = await setup(kiosk=False)
    url = f"/api/v1/events/{event.slug}/visitors"
    assert (await client.get(url, headers=auth)).status_code == 403
    assert (await client.post(url, json={"name": "X"}, headers=auth)).status_code == 403


async def test_api_search_offline_bundle_and_counters(client):
    event, auth = await setup()
    visitor = await make_visitor(event, name="Rahmat Hidayat")
    await service.revoke_ticket(visitor=await make_visitor(event, name="Gone"), by=None)
    base = f"/api/v1/events/{event.slug}"
    found = (await client.get(base + "/search?q=rahmat", headers=auth)).json()["results"]
    assert [r["name"] for r in found] == ["Rahmat Hidayat"]
    assert "4567" not in found[0]["phone"]
    assert (await client.get(base + "/search?q=ra", headers=auth)).status_code == 422
    bundle = (await client.get(base + "/offline", headers=auth)).json()
    assert bundle["event_id"] == event.id and len(bundle["revoked"]) == 1
    assert bundle["messages"]["invalid"] == "tiket tidak valid"
    await client.post(base + "/scans", json={"code": code_of(visitor)}, headers=auth)
    numbers = (await client.get(base + "/counters", headers=auth)).json()
    assert numbers["checked_in"] == 1 and numbers["per_gate"] == [{"gate": "Pintu Utama",
                                                                    "entries": 1}]


async def test_api_search_is_rate_limited_per_device(client):
    event, auth = await setup()
    await make_visitor(event, name="Rahmat Hidayat")
    gate = await service.create_gate(event=event, name="Pintu Dua", by=None)
    _token, other = await service.create_device_token(event=event, gate=gate, by=None)
    url = f"/api/v1/events/{event.slug}/search?q=rahmat"
    for _ in range(api.SEARCH_LIMIT.limit):
        assert (await client.get(url, headers=auth)).status_code == 200
    refused = await client.get(url, headers=auth)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "pindai tiketnya" in refused.json()["message"]
    # Another gate's device has its own allowance.
    assert (await client.get(url, headers={"Authorization": f"Bearer {other}"})).status_code == 200


async def test_api_openapi_document(client):
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/events/{slug}/scans/batch" in doc["paths"]


async def test_api_answers_in_english_when_asked(client):
    event, auth = await setup()
    response = await client.post(f"/api/v1/events/{event.slug}/scans", json={"code": "X" * 120},
                                 headers=auth | {"Accept-Language": "en-US,en;q=0.9"})
    assert response.json()["message"] == "invalid ticket"
