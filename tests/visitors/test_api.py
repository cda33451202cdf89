import asyncio
import datetime as dt
import json

import pytest

from expo.accounts.models import Role
from expo.outbox import Channel, OutboxMessage
from expo.visitors import api, checkin, service
from expo.visitors.models import GateRules, Scan, Visitor
from tests.factories import make_event, make_user
from tests.visitors.helpers import code_of, make_visitor


@pytest.fixture
def db(scan_db):
    """Every test here runs on each database the scan store drives (a file too)."""
    return scan_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()  # the search limit counts in the test's fresh database


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
    # The ticket went to the visitor's WhatsApp (held: no provider in tests).
    [sent] = await OutboxMessage.filter(kind="visitors.ticket", channel=Channel.WHATSAPP)
    assert sent.to == "+6281234567890" and body["ticket_url"] in sent.body
    # The same phone again: that ticket, sent again, and no second visitor.
    again = await client.post(url, json={"name": "Walk In Lagi", "phone": "+62 812-3456-7890",
                                         "type": "umum"}, headers=auth)
    assert again.status_code == 200, again.text
    assert again.json()["existing"] is True and again.json()["ticket_url"] == body["ticket_url"]
    assert await Visitor.filter(event=event).count() == 1
    assert body["existing"] is False


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
    assert bundle["track_exit"] is True  # the scanner shows its In/Out switch from this
    await service.update_rules(event=event, reentry=True, track_exit=False, enforce_hours=False,
                               early_minutes=0, by=None)
    checkin.forget_event(event.id)
    assert (await client.get(base + "/offline", headers=auth)).json()["track_exit"] is False
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


def ascii_json(payload: object) -> bytes:
    """JSON with escapes only: httpx's ``json=`` cannot send a lone surrogate."""
    return json.dumps(payload).encode()


async def _devices(event, n: int) -> list[dict[str, str]]:
    """Bearer headers of n devices, each at its own gate."""
    headers = []
    for i in range(n):
        gate = await service.create_gate(event=event, name=f"Pintu {i + 2}", by=None)
        _token, plain = await service.create_device_token(event=event, gate=gate, by=None)
        headers.append({"Authorization": f"Bearer {plain}"})
    return headers


async def test_api_poison_scan_fails_alone_among_concurrent_scans(client):
    event, auth = await setup(reentry=False)
    devices = await _devices(event, 4)
    people = [await make_visitor(event, name=f"Pengunjung {i}") for i in range(40)]
    url = f"/api/v1/events/{event.slug}/scans"
    posts = [client.post(url, json={"code": code_of(p), "nonce": f"n{i}"}, headers=devices[i % 4])
             for i, p in enumerate(people)]
    poison = await make_visitor(event, name="Racun")
    posts.insert(20, client.post(url, content=ascii_json({"code": code_of(poison),
                                                          "nonce": "\ud83c"}), headers=auth))
    responses = await asyncio.gather(*posts)
    refused = responses.pop(20)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_input"
    assert [(r.status_code, r.json()["status"]) for r in responses] == [(200, "ok")] * 40
    assert await Scan.filter(event=event, ok=True).count() == 40


async def test_api_batch_bad_items_get_their_own_error_results(client):
    event, auth = await setup(reentry=False)
    a, b, c, d = [await make_visitor(event, name=n) for n in "ABCD"]
    scans = [{"code": code_of(a), "nonce": "1"},
             {"code": code_of(b), "nonce": "2", "scanned_at": "0001-01-01T00:00:00+14:00"},
             {"code": code_of(a), "nonce": "3", "direction": "out"},
             {"code": code_of(c), "nonce": "\ud83c"},
             {"code": code_of(d), "nonce": "5", "scanned_at": "9999-12-31T23:59:59-14:00"},
             {"code": code_of(a), "nonce": "6"}, {"code": code_of(d), "nonce": "7"}]
    response = await client.post(f"/api/v1/events/{event.slug}/scans/batch",
                                 content=ascii_json({"scans": scans}), headers=auth)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["ok", "error", "ok", "error", "error", "rejected",
                                              "ok"]
    assert (results[2]["direction"], results[5]["reason"]) == ("out", "already_inside")
    assert {r["error"] for r in results if r["status"] == "error"} == {"invalid_input"}
    assert all(r["message"] for r in results)
    nonces = await Scan.filter(event=event).values_list("nonce", flat=True)
    assert sorted(nonces) == ["1", "3", "6", "7"]


async def test_api_batch_unexpected_error_in_one_item_is_that_items_error(client, monkeypatch,
                                                                         caplog):
    event, auth = await setup()
    people = [await make_visitor(event, name=f"P{i}") for i in range(3)]
    real = checkin.record_scan

    async def flaky(**kw):
        if kw["scan"].nonce == "boom":
            raise RuntimeError("the disk is on fire")
        return await real(**kw)

    monkeypatch.setattr(checkin, "record_scan", flaky)
    scans = [{"code": code_of(p), "nonce": n} for p, n in zip(people, ["1", "boom", "3"], strict=True)]
    response = await client.post(f"/api/v1/events/{event.slug}/scans/batch",
                                 json={"scans": scans}, headers=auth)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["ok", "error", "ok"]
    assert results[1]["error"] == "scan_failed" and results[1]["message"]
    assert sorted(await Scan.filter(event=event).values_list("nonce", flat=True)) == ["1", "3"]
    assert "the disk is on fire" in caplog.text


DEEP = b"[" * 5000 + b"]" * 5000


@pytest.mark.parametrize("body,status", [
    (DEEP, 400), (b'{"code": ' + DEEP + b"}", 400),
    (b'{"code": "A", "scanned_at": "0001-01-01T00:00:00+14:00"}', 422),
    (b'{"code": "A", "scanned_at": "9999-12-31T23:59:59-14:00"}', 422),
    (b'{"code": "A", "scanned_at": 20270420}', 422),
    (b'{"code": "A", "nonce": "\\ud83c"}', 422), (b'{"code": "A", "nonce": "a\\u0000b"}', 422),
    (b'{"code": "A\\ud83c"}', 422), (b'{"code": "A\\u0000"}', 422),
], ids=["deep", "deep_field", "year1_east", "year9999_west", "number_time", "surrogate_nonce",
        "nul_nonce", "surrogate_code", "nul_code"])
async def test_api_odd_input_gets_4xx_with_message(client, body, status):
    event, auth = await setup()
    response = await client.post(f"/api/v1/events/{event.slug}/scans", content=body,
                                 headers=auth | {"content-type": "application/json"})
    assert response.status_code == status
    assert set(response.json()) == {"error", "message"} and response.json()["message"]
    assert await Scan.filter(event=event).count() == 0


@pytest.mark.parametrize("slug", ["e" * 61, "bad%00slug"], ids=["overlong", "nul"])
async def test_api_odd_slug_is_404_without_a_query(client, monkeypatch, slug):
    _event, auth = await setup()
    looked_up = []

    async def spy(**kw):
        looked_up.append(kw)
        return None

    monkeypatch.setattr(checkin, "gate_context", spy)
    response = await client.post(f"/api/v1/events/{slug}/scans", json={"code": "x"},
                                 headers=auth)
    assert response.status_code == 404 and response.json()["message"]
    assert looked_up == []


@pytest.mark.parametrize("name", ["Budi \ud83c", "Budi\x00"], ids=["surrogate", "nul"])
async def test_api_kiosk_unstorable_text_is_422(client, name):
    event, auth = await setup(kiosk=True)
    response = await client.post(f"/api/v1/events/{event.slug}/visitors",
                                 content=ascii_json({"name": name, "agency": "Dinas"}),
                                 headers=auth)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input" and "name" in response.json()["message"]
    assert await Visitor.filter(event=event).count() == 0


async def test_api_search_unstorable_text_is_422(client):
    event, auth = await setup()
    response = await client.get(f"/api/v1/events/{event.slug}/search", params={"q": "Ra\x00hmat"},
                                headers=auth)
    assert response.status_code == 422 and response.json()["message"]


async def test_api_kiosk_overlong_organisation_is_422(client):
    event, auth = await setup(kiosk=True)
    response = await client.post(f"/api/v1/events/{event.slug}/visitors",
                                 json={"name": "Budi", "organisation": "x" * 161}, headers=auth)
    assert response.status_code == 422 and "organisation" in response.json()["message"]
    assert await Visitor.filter(event=event).count() == 0
