"""Each event's ticket-signing keys: Ed25519, made on first use, rotated by the committee,
stored with the private half sealed.

- The current key (the highest generation, not retired) signs every code shown from then on.
  A key retired by ``rotate`` still verifies until its ``valid_until``: the end of the
  event's last day in its time zone plus ``GRACE`` (or later, if the event was extended
  since), so that tickets sent before a rotation keep working until the event is over.
- Private keys are sealed with AES-GCM under a key derived by HKDF-SHA256 from
  EXPO_SECRET_KEY and a purpose label, with the event id and key id as associated data (a
  sealed key copied to another row or event does not open). After the secret changes, an old
  secret listed in EXPO_PREVIOUS_SECRET_KEYS still opens them, and ``reencrypt_keys`` seals
  them under the new one. A key no secret opens still verifies, with its public half, but
  cannot sign: rotate it.
- Codes made before per-event keys carry no key id: the legacy key derived from
  EXPO_SECRET_KEY verifies them (``expo.visitors.codes``), until that secret changes.
- Each process keeps an event's keyring for ``CACHE_SECONDS`` (the scan path asks for it on
  every scan). A code naming a key this process does not know yet (another worker rotated a
  moment ago) reloads it, at most every ``RELOAD_SECONDS``. A rotation also tells every worker
  to forget the event's keyring (``expo.invalidation``, topic ``keys``), so that the others
  stop signing with the retired key at once; a worker that missed it signs with the retired
  key for at most ``CACHE_SECONDS`` more, and those codes stay valid until the key's
  ``valid_until``, like every code sent before the rotation: nothing breaks, no cache needs a
  shorter life while notifications may be lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from tortoise.context import TortoiseContext, get_current_context
from tortoise.exceptions import IntegrityError

from expo import invalidation
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.settings import Settings
from expo.visitors import codes
from expo.visitors.models import TicketKey

GRACE = dt.timedelta(hours=6)
CACHE_SECONDS = 10.0
RELOAD_SECONDS = 1.0
MAX_CACHED = 1024  # keyrings (and "no keys" answers) kept per process
SEAL_LABEL = b"expo.visitors.ticket-keys.seal.v1"
NONCE_BYTES = 12
log = logging.getLogger("expo.visitors")


# ---- sealing ------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=SEAL_LABEL).derive(secret.encode())
    return AESGCM(key)


def _bound_to(event_id: int, key_id: str) -> bytes:
    return f"expo.ticket-key|{event_id}|{key_id}".encode()


def seal(*, secret: str, event_id: int, key_id: str, private_raw: bytes) -> bytes:
    """``nonce | ciphertext | tag`` of a raw private key, bound to its event and key id."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(secret).encrypt(nonce, private_raw, _bound_to(event_id, key_id))


def unseal(*, secrets: Sequence[str], event_id: int, key_id: str,
           sealed: bytes) -> tuple[bytes, int] | None:
    """The raw private key and the index of the secret that opened it; None if none did."""
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    for index, secret in enumerate(secrets):
        try:
            return _aead(secret).decrypt(nonce, body, _bound_to(event_id, key_id)), index
        except InvalidTag:
            continue
    return None


@lru_cache(maxsize=1024)
def _signer(event_id: int, key_id: str, public: bytes, sealed: bytes,
            valid_until: dt.datetime | None, secrets: tuple[str, ...]) -> codes.Signer:
    opened = unseal(secrets=secrets, event_id=event_id, key_id=key_id, sealed=sealed)
    if opened is None:
        log.warning("ticket key %s of event %s opens with none of the secret keys given: it "
                    "only verifies (EXPO_PREVIOUS_SECRET_KEYS?)", key_id, event_id)
    return codes.Signer(
        private=Ed25519PrivateKey.from_private_bytes(opened[0]) if opened else None,
        public=Ed25519PublicKey.from_public_bytes(public), key_id=key_id,
        valid_until=valid_until)


# ---- the keys of an event -----------------------------------------------------------------

def horizon(event: Event) -> dt.datetime:
    """When a retired key stops verifying: the end of the event's last day, in its time
    zone, plus ``GRACE`` (for scans taken offline and synced late)."""
    end = dt.datetime.combine(event.ends_on + dt.timedelta(days=1), dt.time(),
                              tzinfo=ZoneInfo(event.timezone))
    return (end + GRACE).astimezone(dt.UTC)


def _valid_until(row: TicketKey, ends: dt.datetime) -> dt.datetime | None:
    if row.retired_at is None:
        return None  # the current key verifies as long as it is current
    return max(row.valid_until or row.retired_at, ends)  # an event extended since: later


def _keyring(rows: list[TicketKey], settings: Settings) -> codes.Keyring:
    """``rows``: the event's keys, newest generation first, with their event."""
    event: Event = rows[0].event
    ends = horizon(event)
    keys = {row.key_id: _signer(event.id, row.key_id, bytes(row.public_key),
                                bytes(row.private_key), _valid_until(row, ends),
                                settings.secret_keys) for row in rows}
    top = keys[rows[0].key_id]
    return codes.Keyring(
        private=top.private if rows[0].retired_at is None else None, public=top.public,
        key_id=top.key_id, event_id=event.id, keys=keys,
        legacy=codes.signer_for(settings.secret_key))


def _private_raw(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


async def _new_key(*, event_id: int, generation: int, settings: Settings) -> TicketKey:
    """A fresh key row: its key id one the event does not use yet."""
    used = set(await TicketKey.filter(event_id=event_id).values_list("key_id", flat=True))
    ids = (n.to_bytes(codes.KEY_ID_BYTES, "big").hex() for n in range(256 ** codes.KEY_ID_BYTES))
    free = [key_id for key_id in ids if key_id not in used]
    if not free:
        raise DomainError(_("This event has used all of its %(n)s ticket keys.",
                            n=256 ** codes.KEY_ID_BYTES), "keys_exhausted")
    key_id = secrets.choice(free)
    private = Ed25519PrivateKey.generate()
    return await TicketKey.create(
        event_id=event_id, generation=generation, key_id=key_id,
        public_key=private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        private_key=seal(secret=settings.secret_key, event_id=event_id, key_id=key_id,
                         private_raw=_private_raw(private)))


async def _rows(event_id: int) -> list[TicketKey]:
    return await TicketKey.filter(event_id=event_id).select_related("event").order_by(
        "-generation")


async def _load(event_id: int, settings: Settings, *, create: bool) -> codes.Keyring | None:
    rows = await _rows(event_id)
    for _attempt in range(3):
        if not create or (rows and rows[0].retired_at is None):
            break
        try:  # race-safe: two workers making the same generation end with one (unique)
            async with atomic():
                await _new_key(event_id=event_id, generation=rows[0].generation + 1 if rows
                               else 1, settings=settings)
        except IntegrityError:
            pass  # another worker's key stands (or the same key id drawn: draw again)
        rows = await _rows(event_id)
    return _keyring(rows, settings) if rows else None


# ---- the per-process cache ----------------------------------------------------------------

@dataclass
class _Entry:
    ring: codes.Keyring | None
    fresh_until: float
    loaded_at: float


# Per Tortoise context: a test's fresh database never sees another database's keys.
_Slot = tuple[int, tuple[str, ...]]  # event id, the secrets that open its keys
_caches: weakref.WeakKeyDictionary[TortoiseContext, dict[_Slot, _Entry]] = (
    weakref.WeakKeyDictionary())


def _cache() -> dict[_Slot, _Entry]:
    context = get_current_context()
    if context is None:
        return {}
    cache = _caches.get(context)
    if cache is None:
        cache = _caches[context] = {}
    return cache


def forget(event_id: int | None = None) -> None:
    """Drop cached keyrings (all of them, or one event's) in this process."""
    for cache in list(_caches.values()):
        for slot in [s for s in cache if event_id is None or s[0] == event_id]:
            cache.pop(slot, None)


KEYS = "keys"  # the bus's topic: key, the event id
invalidation.register(KEYS, lambda key: forget(None if key is None else int(key)))
# The event's days: how long its retired keys verify (an event extended: later).
invalidation.register("event", lambda key: forget(None if key is None else int(key)))


async def _ring(event_id: int, settings: Settings, *, create: bool,
                refresh: bool = False) -> codes.Keyring | None:
    cache = _cache()
    slot = (event_id, settings.secret_keys)
    entry = cache.get(slot)
    now = time.monotonic()
    if entry is not None and (entry.ring is not None or not create):
        if now < entry.fresh_until and not refresh:
            return entry.ring
        if now - entry.loaded_at < RELOAD_SECONDS:
            return entry.ring  # loaded a moment ago, or being reloaded: that one meanwhile
        entry.loaded_at = now
    ring = await _load(event_id, settings, create=create)
    done = time.monotonic()
    if len(cache) >= MAX_CACHED and slot not in cache:
        # Full: drop what is stale and the "no keys" answers (codes naming events that have
        # none: typos or forgeries); if every entry is a live keyring, only the oldest one.
        # Never the whole cache: the events at the gate keep theirs.
        drop = [s for s, e in cache.items() if e.fresh_until < done or e.ring is None]
        for stale in drop or [next(iter(cache))]:
            cache.pop(stale, None)
    cache[slot] = _Entry(ring=ring, fresh_until=done + CACHE_SECONDS, loaded_at=done)
    return ring


async def keyring(*, event_id: int, settings: Settings) -> codes.Keyring:
    """The event's keys: it signs with the current one (made on first use) and verifies
    with each key still valid, and with the legacy key codes that carry no key id."""
    entry = _cache().get((event_id, settings.secret_keys))
    if entry is not None and entry.ring is not None and time.monotonic() < entry.fresh_until:
        return entry.ring  # the scan path, nearly always
    ring = await _ring(event_id, settings, create=True)
    if ring is None:
        raise NotFound()
    return ring


async def keyring_for_code(*, event_id: int, code: str, settings: Settings) -> codes.Keyring:
    """The keys to check a code scanned for ``event_id`` with: the event's own, or those of
    the event the code names (so that a real ticket of another event is told apart from a
    forgery), reloaded if the code names a key this process has not seen yet."""
    own = await keyring(event_id=event_id, settings=settings)
    if code[:8] in own.by_prefix:
        return own  # the hot path: this event's code, of a key we know
    try:
        named, key_id = codes.header(code)
    except codes.CodeInvalid:
        return own  # refused by read_code
    if not key_id or (named == event_id and key_id in own.keys):
        return own  # a legacy code, or a key we know (the code typed in lower case)
    mine = named == event_id
    ring = own if mine else await _ring(named, settings, create=False)
    if ring is None or key_id not in ring.keys:
        ring = await _ring(named, settings, create=mine, refresh=True)
    return ring or own


# ---- the committee's rotation and the key list --------------------------------------------

@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    valid_until: dt.datetime | None  # None: the current key

    @property
    def current(self) -> bool:
        return self.retired_at is None


async def event_keys(*, event: Event, settings: Settings) -> list[KeyInfo]:
    """The current key (made if there is none yet) and the retired keys still valid."""
    await keyring(event_id=event.id, settings=settings)
    ends, now = horizon(event), dt.datetime.now(dt.UTC)
    found = [KeyInfo(key_id=row.key_id, created_at=row.created_at, retired_at=row.retired_at,
                     valid_until=_valid_until(row, ends)) for row in await _rows(event.id)]
    return [k for k in found if k.valid_until is None or k.valid_until > now]


async def rotate(*, event: Event, key_id: str, by: User | None,
                 settings: Settings) -> TicketKey:
    """Retire the event's current key ``key_id`` and make the one that signs from now on.

    Codes already sent stay valid until the event is over (the old key's ``valid_until``);
    revoking a ticket is how one ticket stops working.
    """
    now = dt.datetime.now(dt.UTC)
    until = horizon(event)
    try:
        async with atomic():
            old = await TicketKey.get_or_none(event_id=event.id, key_id=key_id) if (
                _is_key_id(key_id)) else None
            if old is None:
                raise NotFound(_("This event has no ticket key %(key)s.", key=key_id[:8]))
            retired = await TicketKey.filter(id=old.id, retired_at__isnull=True).update(
                retired_at=now, valid_until=until)
            if not retired:
                raise _already_rotated()
            new = await _new_key(event_id=event.id, generation=old.generation + 1,
                                 settings=settings)
            await log_action(action="expo.visitor.ticket_key_rotated", actor=by, event=event,
                             obj=new, summary=f"{old.key_id} → {new.key_id}",
                             data={"retired": old.key_id, "key": new.key_id,
                                   "valid_until": until.isoformat()})
            await invalidation.changed(KEYS, event.id)  # every worker, at commit
    except IntegrityError:  # a newer generation exists: rotated at the same moment
        raise _already_rotated() from None
    return new


def _is_key_id(text: str) -> bool:
    return len(text) == 2 * codes.KEY_ID_BYTES and all(c in "0123456789abcdef" for c in text)


def _already_rotated() -> DomainError:
    return DomainError(_("This key was rotated already: the list shows the current one."),
                       "key_already_rotated", status_code=409)


# ---- a new EXPO_SECRET_KEY ----------------------------------------------------------------

@dataclass(frozen=True)
class Reencrypted:
    moved: int  # were sealed under a previous secret, now under the current one
    current: int  # were sealed under the current secret already
    unreadable: int  # open with none of the secrets given: they only verify; rotate them


async def reencrypt_keys(*, settings: Settings) -> Reencrypted:
    """Seal every ticket key under the current EXPO_SECRET_KEY (for the command line, after
    the secret changed with the old one in EXPO_PREVIOUS_SECRET_KEYS). Safe to run again."""
    moved = current = unreadable = 0
    async with atomic():
        for row in await TicketKey.all().select_for_update():
            event_id: int = row.event_id  # type: ignore[attr-defined]
            opened = unseal(secrets=settings.secret_keys, event_id=event_id, key_id=row.key_id,
                            sealed=bytes(row.private_key))
            if opened is None:
                unreadable += 1
            elif opened[1] == 0:
                current += 1
            else:
                row.private_key = seal(secret=settings.secret_key, event_id=event_id,
                                       key_id=row.key_id, private_raw=opened[0])
                await row.save(update_fields=["private_key"])
                moved += 1
        await invalidation.changed(KEYS)  # the running servers too, at commit
    return Reencrypted(moved=moved, current=current, unreadable=unreadable)
