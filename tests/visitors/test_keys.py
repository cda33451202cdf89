"""Per-event ticket keys: made once, rotated with old tickets valid until the event ends,
sealed at rest, surviving a new EXPO_SECRET_KEY; the committee's rotate button."""

import asyncio
import base64
import datetime as dt
import time

import pytest
from bs4 import BeautifulSoup
from tortoise import connections

from expo.accounts.models import Role
from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.settings import Settings, SettingsError
from expo.visitors import checkin, codes, keys, service
from expo.visitors.keys import _private_raw
from expo.visitors.models import GateRules, TicketKey
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_event, make_user
from tests.visitors.helpers import code_of, make_visitor

OLD_SECRET = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()
    keys.forget()


def config(secret: str = TEST_SECRET, *previous: str) -> Settings:
    return Settings(database_url="sqlite://:memory:", secret_key=secret,
                    previous_secret_keys=previous)


async def ticket(event, settings=None):  # type: ignore[no-untyped-def]
    """A visitor and their code as the ticket page shows it now."""
    visitor = await make_visitor(event)
    ring = await keys.keyring(event_id=event.id, settings=settings or config())
    return visitor, service.ticket_code(visitor=visitor, signer=ring)


def refused(ring: codes.Signer, code: str, now: dt.datetime | None = None) -> bool:
    try:
        codes.read_code(signer=ring, code=code, now=now)
    except codes.CodeInvalid:
        return True
    return False


# ---- the service --------------------------------------------------------------------------

async def test_keys_first_use_makes_one_key_also_when_workers_race(db):
    event = await make_event()
    rings = await asyncio.gather(*(keys.keyring(event_id=event.id, settings=config())
                                   for _ in range(8)))
    stored = await TicketKey.filter(event=event)
    assert len(stored) == 1 and stored[0].generation == 1
    assert {ring.key_id for ring in rings} == {stored[0].key_id}
    keys.forget()
    again = await keys.keyring(event_id=event.id, settings=config())
    assert again.key_id == stored[0].key_id and await TicketKey.filter(event=event).count() == 1


async def test_keys_codes_carry_the_event_key_and_old_ones_verify_until_the_event_ends(db):
    event = await make_event(starts_on=dt.date.today() + dt.timedelta(days=30), days=2)
    visitor, code_a = await ticket(event)
    ring_a = await keys.keyring(event_id=event.id, settings=config())
    assert codes.header(code_a) == (event.id, ring_a.key_id)
    user = await make_user(event=event, role=Role.COMMITTEE)

    new = await keys.rotate(event=event, key_id=ring_a.key_id, by=user, settings=config())
    ring_b = await keys.keyring(event_id=event.id, settings=config())
    assert ring_b.key_id == new.key_id != ring_a.key_id and new.generation == 2
    code_b = service.ticket_code(visitor=visitor, signer=ring_b)
    assert code_b != code_a and codes.header(code_b)[1] == new.key_id
    old = await TicketKey.get(event=event, key_id=ring_a.key_id)
    assert old.retired_at is not None and old.valid_until == keys.horizon(event)
    # The end of the last day in Samarinda (WITA, UTC+8), plus the grace.
    assert keys.horizon(event) == dt.datetime.combine(
        event.ends_on, dt.time(16), tzinfo=dt.UTC) + keys.GRACE

    until = old.valid_until
    for code in (code_a, code_b):
        assert codes.read_code(signer=ring_b, code=code, now=until).key == visitor.ticket_key
    assert refused(ring_b, code_a, now=until + dt.timedelta(seconds=1))
    assert not refused(ring_b, code_b, now=until + dt.timedelta(days=1))
    # Through the scan path, today: both admitted (the second as already inside).
    ctx = await checkin.gate_context(event=event)
    assert ctx is not None
    reasons = []
    for code in (code_a, code_b):
        result = await checkin.record_scan(
            ctx=ctx, scan=checkin.ScanInput(code=code),
            now=dt.datetime.combine(event.starts_on, dt.time(3), tzinfo=dt.UTC),
            signer=await keys.keyring_for_code(event_id=event.id, code=code, settings=config()))
        reasons.append(result.reason)
    assert reasons == [None, "already_inside"]


async def test_keys_rotation_after_the_event_retires_old_tickets_at_once(db):
    event = await make_event(starts_on=dt.date.today() - dt.timedelta(days=5), days=2)
    _visitor, code_a = await ticket(event)
    ring_a = await keys.keyring(event_id=event.id, settings=config())
    await keys.rotate(event=event, key_id=ring_a.key_id, by=None, settings=config())
    ring_b = await keys.keyring(event_id=event.id, settings=config())
    assert refused(ring_b, code_a)
    assert [k["id"] for k in ring_b.verifying_keys()] == [ring_b.key_id, ""]


async def test_keys_an_extended_event_keeps_retired_keys_valid_longer(db):
    event = await make_event(starts_on=dt.date.today() + dt.timedelta(days=3), days=1)
    _visitor, code_a = await ticket(event)
    ring_a = await keys.keyring(event_id=event.id, settings=config())
    await keys.rotate(event=event, key_id=ring_a.key_id, by=None, settings=config())
    first_end = keys.horizon(event)
    event.ends_on += dt.timedelta(days=7)  # postponed and longer
    await event.save()
    keys.forget()
    ring = await keys.keyring(event_id=event.id, settings=config())
    assert not refused(ring, code_a, now=first_end + dt.timedelta(days=3))
    assert refused(ring, code_a, now=keys.horizon(event) + dt.timedelta(seconds=1))


async def test_keys_legacy_tampered_foreign_and_unknown_key_codes(db):
    event, other = await make_event(), await make_event()
    visitor, code = await ticket(event)
    _stranger, foreign = await ticket(other)
    ring = await keys.keyring(event_id=event.id, settings=config())
    legacy = code_of(visitor)  # the version-1 format, signed with the legacy key
    assert len(legacy) == codes.LEGACY_CODE_LENGTH
    assert codes.read_code(signer=ring, code=legacy).key == visitor.ticket_key
    # The legacy key is derived from the secret: under another one it is another key.
    elsewhere = await keys.keyring(event_id=event.id, settings=config(OLD_SECRET))
    assert refused(elsewhere, legacy) and not refused(elsewhere, code)

    tampered = code[:100] + ("B" if code[100] == "A" else "A") + code[101:]
    assert refused(ring, tampered)
    assert refused(ring, foreign)  # another event's key is not in this keyring
    free = next(f"{n:02x}" for n in range(256) if f"{n:02x}" not in ring.keys)
    stranger = codes.Signer(private=ring.private, public=ring.public, key_id=free)
    unknown = codes.make_code(signer=stranger, event_id=event.id, key=visitor.ticket_key)
    assert refused(ring, unknown)
    reloaded = await keys.keyring_for_code(event_id=event.id, code=unknown, settings=config())
    assert refused(reloaded, unknown)
    # At the gate, a real ticket of another event is told apart from a forgery of one.
    for text, reason in ((foreign, "wrong_event"), (foreign[:-8] + "AAAAAAAA", "invalid"),
                         (tampered, "invalid"), (unknown, "invalid"), (legacy, None)):
        signer = await keys.keyring_for_code(event_id=event.id, code=text, settings=config())
        ctx = await checkin.gate_context(event=event)
        assert ctx is not None
        result = await checkin.record_scan(
            ctx=ctx, scan=checkin.ScanInput(code=text), signer=signer,
            now=dt.datetime.combine(event.starts_on, dt.time(3), tzinfo=dt.UTC))
        assert result.reason == reason, text


async def test_keys_a_worker_learns_a_key_made_by_another_one(db):
    event = await make_event()
    visitor, _code = await ticket(event)
    stale = await keys.keyring(event_id=event.id, settings=config())
    await keys.rotate(event=event, key_id=stale.key_id, by=None, settings=config())
    fresh = await keys.keyring(event_id=event.id, settings=config())
    code_b = service.ticket_code(visitor=visitor, signer=fresh)
    # This worker still holds the keyring from before the rotation, fresh for a while.
    keys._cache()[(event.id, (TEST_SECRET,))] = keys._Entry(
        ring=stale, fresh_until=time.monotonic() + 60, loaded_at=time.monotonic() - 5)
    assert (await keys.keyring(event_id=event.id, settings=config())) is stale
    assert refused(stale, code_b)
    learnt = await keys.keyring_for_code(event_id=event.id, code=code_b, settings=config())
    assert learnt.key_id == fresh.key_id and not refused(learnt, code_b)


async def test_keys_private_key_is_stored_sealed_and_bound_to_its_row(db):
    event = await make_event()
    ring = await keys.keyring(event_id=event.id, settings=config())
    assert ring.private is not None
    private = _private_raw(ring.private)
    row = await TicketKey.get(event=event)
    rows = await connections.get("default").execute_query_dict(
        "SELECT public_key, private_key FROM visitor_ticket_keys")
    column = bytes(rows[0]["private_key"])
    assert private not in column and private.hex().encode() not in column
    assert len(column) == keys.NONCE_BYTES + 32 + 16  # nonce, ciphertext, tag
    assert bytes(rows[0]["public_key"]) == ring.public_raw
    assert keys.unseal(secrets=[TEST_SECRET], event_id=event.id, key_id=row.key_id,
                       sealed=column) == (private, 0)
    # Copied to another event or key id, or opened with another secret: it does not open.
    assert keys.unseal(secrets=[TEST_SECRET], event_id=event.id + 1, key_id=row.key_id,
                       sealed=column) is None
    assert keys.unseal(secrets=[TEST_SECRET], event_id=event.id, key_id="zz",
                       sealed=column) is None
    assert keys.unseal(secrets=[OLD_SECRET], event_id=event.id, key_id=row.key_id,
                       sealed=column) is None


async def test_keys_survive_a_new_secret_and_reencrypt_moves_them(db):
    event = await make_event()
    visitor, code = await ticket(event, config(OLD_SECRET))
    before = await keys.keyring(event_id=event.id, settings=config(OLD_SECRET))
    # EXPO_SECRET_KEY changed, the old one listed in EXPO_PREVIOUS_SECRET_KEYS: all works on.
    moved = config(TEST_SECRET, OLD_SECRET)
    ring = await keys.keyring(event_id=event.id, settings=moved)
    assert ring.key_id == before.key_id and ring.private is not None
    assert codes.read_code(signer=ring, code=code).key == visitor.ticket_key
    assert service.ticket_code(visitor=visitor, signer=ring) == code  # same key, same code
    # Without the old secret the key still verifies (its public half) but cannot sign.
    bare = await keys.keyring(event_id=event.id, settings=config(TEST_SECRET))
    assert bare.private is None and not refused(bare, code)
    with pytest.raises(codes.KeyUnavailable):
        service.ticket_code(visitor=visitor, signer=bare)

    sealed_before = (await TicketKey.get(event=event)).private_key
    assert await keys.reencrypt_keys(settings=moved) == keys.Reencrypted(
        moved=1, current=0, unreadable=0)
    assert (await TicketKey.get(event=event)).private_key != sealed_before
    assert await keys.reencrypt_keys(settings=moved) == keys.Reencrypted(
        moved=0, current=1, unreadable=0)
    assert await keys.reencrypt_keys(settings=config("x" * 40)) == keys.Reencrypted(
        moved=0, current=0, unreadable=1)
    after = await keys.keyring(event_id=event.id, settings=config(TEST_SECRET))
    assert after.private is not None
    assert service.ticket_code(visitor=visitor, signer=after) == code


def test_keys_settings_read_previous_secret_keys(tmp_path):
    env = {"EXPO_DATA_DIR": str(tmp_path), "EXPO_SECRET_KEY": TEST_SECRET,
           "EXPO_PREVIOUS_SECRET_KEYS": f" {OLD_SECRET} ,,{TEST_SECRET},{OLD_SECRET}"}
    settings = Settings.from_env(env)
    assert settings.previous_secret_keys == (OLD_SECRET,)
    assert settings.secret_keys == (TEST_SECRET, OLD_SECRET)
    assert OLD_SECRET not in repr(settings)
    assert Settings.from_env(env | {"EXPO_PREVIOUS_SECRET_KEYS": ""}).previous_secret_keys == ()
    with pytest.raises(SettingsError, match="EXPO_PREVIOUS_SECRET_KEYS"):
        Settings.from_env(env | {"EXPO_PREVIOUS_SECRET_KEYS": "too-short"})


async def test_keys_rotate_refuses_a_retired_or_foreign_key_and_audits(db):
    event, other = await make_event(), await make_event()
    ring = await keys.keyring(event_id=event.id, settings=config())
    theirs = await keys.keyring(event_id=other.id, settings=config())
    for foreign in {theirs.key_id} - set(ring.keys) | {"zz"}:
        with pytest.raises(NotFound):
            await keys.rotate(event=event, key_id=foreign, by=None, settings=config())
    user = await make_user(event=event, role=Role.COMMITTEE)
    new = await keys.rotate(event=event, key_id=ring.key_id, by=user, settings=config())
    with pytest.raises(DomainError) as again:
        await keys.rotate(event=event, key_id=ring.key_id, by=user, settings=config())
    assert again.value.code == "key_already_rotated"
    entry = await AuditEntry.get(action="expo.visitor.ticket_key_rotated")
    assert entry.actor_id == user.id and entry.event_id == event.id  # type: ignore[attr-defined]
    assert entry.data == {"retired": ring.key_id, "key": new.key_id,
                          "valid_until": keys.horizon(event).isoformat()}
    assert await TicketKey.filter(event=event).count() == 2


# ---- the scan API and the committee page --------------------------------------------------

async def api_setup():  # type: ignore[no-untyped-def]
    event = await make_event(starts_on=dt.date.today(), days=1, opens="00:00", closes="23:59",
                             timezone="UTC")
    await GateRules.create(event=event, enforce_hours=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    _token, plain = await service.create_device_token(event=event, gate=gate, kiosk=True,
                                                      by=None)
    return event, {"Authorization": f"Bearer {plain}"}


async def test_keys_offline_bundle_lists_every_valid_key_and_kiosk_codes_use_them(client):
    event, auth = await api_setup()
    base = f"/api/v1/events/{event.slug}"
    made = (await client.post(base + "/visitors", json={"name": "Walk In", "type": "umum"},
                              headers=auth)).json()
    ring = await keys.keyring(event_id=event.id, settings=config())
    assert codes.header(made["code"]) == (event.id, ring.key_id)
    await keys.rotate(event=event, key_id=ring.key_id, by=None, settings=config())
    bundle = (await client.get(base + "/offline", headers=auth)).json()
    current = await keys.keyring(event_id=event.id, settings=config())
    assert bundle["public_key"] == current.public_b64
    assert [(k["id"], k["public_key"]) for k in bundle["keys"]] == [
        (current.key_id, current.public_b64), (ring.key_id, ring.public_b64),
        ("", codes.signer_for(TEST_SECRET).public_b64)]
    assert bundle["keys"][1]["valid_until"] == keys.horizon(event).isoformat()
    old = base64.b64decode(bundle["keys"][1]["public_key"])  # what a scanner does with it
    assert codes.verify_with_public_key(public_raw=old, code=made["code"]).event_id == event.id
    scan = await client.post(base + "/scans", json={"code": made["code"]}, headers=auth)
    assert scan.json()["status"] == "ok"


async def signed_in(client, role: Role):  # type: ignore[no-untyped-def]
    event = await make_event()
    user = await make_user(event=event, role=role)
    await client.login(user.email, PASSWORD)
    return event, user


async def test_keys_rotate_button_on_gate_setup_rotates_and_audits(client):
    event, user = await signed_in(client, Role.COMMITTEE)
    page = await client.get(f"/manage/e/{event.slug}/gates")
    soup = BeautifulSoup(page.text, "html.parser")
    row = await TicketKey.get(event=event)
    form = soup.select_one("form#ticket-key-rotate")
    assert form is not None and form["action"].endswith(f"/ticket-keys/{row.key_id}/rotate")
    assert form.select_one("input[name=confirm_rotation][type=checkbox]")
    assert "tetap berlaku" in soup.select_one("#ticket-keys").text  # the explanation, in ID

    url = f"/manage/e/{event.slug}/gates/ticket-keys/{row.key_id}/rotate"
    unticked = await client.submit(url, {})
    assert unticked.status_code == 303 and await TicketKey.filter(event=event).count() == 1
    done = await client.submit(url, {"confirm_rotation": "1"})
    assert done.status_code == 303 and done.headers["location"].endswith("/gates#ticket-keys")
    assert await TicketKey.filter(event=event).count() == 2
    entry = await AuditEntry.get(action="expo.visitor.ticket_key_rotated")
    assert entry.actor_id == user.id  # type: ignore[attr-defined]
    page = BeautifulSoup((await client.get(f"/manage/e/{event.slug}/gates")).text,
                         "html.parser")
    assert len(page.select("#ticket-keys tbody tr")) == 2
    again = await client.submit(url, {"confirm_rotation": "1"})  # the old key, pressed twice
    assert again.status_code == 303 and await TicketKey.filter(event=event).count() == 2


async def test_keys_rotate_route_refuses_others_csrf_and_foreign_keys(client):
    event, _user = await signed_in(client, Role.GATE)
    ring = await keys.keyring(event_id=event.id, settings=config())
    url = f"/manage/e/{event.slug}/gates/ticket-keys/{ring.key_id}/rotate"
    assert (await client.submit(url, {"confirm_rotation": "1"})).status_code == 403
    committee = await make_user(event=event, role=Role.COMMITTEE)
    client.cookies.clear()
    await client.login(committee.email, PASSWORD)
    assert (await client.post(url, data={"confirm_rotation": "1"})).status_code == 403  # no CSRF
    other = await make_event()
    theirs = await keys.keyring(event_id=other.id, settings=config())
    foreign = f"/manage/e/{event.slug}/gates/ticket-keys/{theirs.key_id}/rotate"
    if theirs.key_id not in ring.keys:
        assert (await client.submit(foreign, {"confirm_rotation": "1"})).status_code == 404
    assert (await client.submit(f"/manage/e/{event.slug}/gates/ticket-keys/nope/rotate",
                                {"confirm_rotation": "1"})).status_code == 404
    assert (await client.submit(f"/manage/e/{other.slug}/gates/ticket-keys/{theirs.key_id}"
                                "/rotate", {"confirm_rotation": "1"})).status_code == 403
    assert await TicketKey.filter(retired_at__isnull=False).count() == 0
    assert not await AuditEntry.filter(action="expo.visitor.ticket_key_rotated").exists()


async def test_keys_codes_naming_unknown_events_cannot_flush_the_gates_keyring(db, monkeypatch):
    """Made-up codes for events without keys fill the cache with "no keys" answers: when it is
    full those go, and the keyring of the event at the gate stays (no reload, same object)."""
    monkeypatch.setattr(keys, "MAX_CACHED", 4)
    event = await make_event()
    settings = config()
    ring = await keys.keyring(event_id=event.id, settings=settings)
    for other in range(event.id + 1, event.id + 12):
        forged = codes.prefix(other, "ab").ljust(codes.CODE_LENGTH, "A")
        assert await keys.keyring_for_code(event_id=event.id, code=forged,
                                           settings=settings) is ring
    cache = keys._cache()
    assert len(cache) <= 4
    assert cache[(event.id, settings.secret_keys)].ring is ring
