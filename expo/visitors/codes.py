"""Signed ticket codes (their QR images are drawn by ``expo.qr``).

A code is ``base32(version | event id | key id | ticket key | Ed25519 signature)``: 76 bytes,
122 characters from the QR alphanumeric alphabet: exactly what QR version 5 holds at error
level M.
Ed25519 signatures cannot be truncated, which is the price of offline scanners that hold
only public keys: they can verify every code and mint none. HMAC would halve the length,
but every scanner would then hold a key that mints tickets.

Each event signs with keys of its own (``expo.visitors.keys``: stored encrypted, rotated by
the committee). The key id in the code (one byte: an event has few keys) names the key, so
that a verifier picks it without trying them all; a ``Keyring`` holds an event's keys and signs
with the current one.

Codes made before per-event keys (version 1: 75 bytes, 120 characters, no key id) were all
signed with one key derived from EXPO_SECRET_KEY. That *legacy* key still verifies them (the
app signs nothing new with it) for as long as EXPO_SECRET_KEY stays the same: changing the
secret voids every version-1 code, which is why keys are now per event and stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

VERSION = 2
LEGACY_VERSION = 1
KEY_BYTES = 7
KEY_ID_BYTES = 1
PAYLOAD_BYTES = 1 + 3 + KEY_ID_BYTES + KEY_BYTES
LEGACY_PAYLOAD_BYTES = 1 + 3 + KEY_BYTES
SIG_BYTES = 64
CODE_LENGTH = 122  # base32 of 76 bytes, without padding: 2 spare bits, always zero
LEGACY_CODE_LENGTH = 120  # base32 of 75 bytes: no spare bits


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Base32 letters to base-32 digits; the digits base32 lacks (0, 1, 8, 9) to a non-digit.
_B32_TO_INT = str.maketrans(_B32 + "0189", "0123456789abcdefghijklmnopqrstuv" + "////")


class CodeInvalid(ValueError):
    """The code is malformed, altered, expired or not signed by a key we know."""


class KeyUnavailable(RuntimeError):
    """A key that cannot sign: its private half could not be opened (see expo.visitors.keys)."""


@dataclass(frozen=True)
class Ticket:
    event_id: int
    key: str  # hex of the random ticket key


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per key (cached)
class Signer:
    """One Ed25519 key. ``key_id`` (hex) is carried in the codes it signs; the legacy key has
    none. ``private`` is None for a key whose private half could not be opened: it verifies
    with the public half and signs nothing."""

    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey
    key_id: str = ""
    valid_until: dt.datetime | None = None  # verifies until then; None: no end

    @property
    def public_raw(self) -> bytes:
        return self.public.public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    def key_for(self, key_id: str) -> Signer | None:
        """The key that verifies codes carrying ``key_id`` ("" for a legacy code)."""
        return self if key_id == self.key_id else None

    def key_for_code(self, code: str) -> Signer | None:
        """The key that verifies a (normalised) code: the one it names."""
        return self.key_for(_header(code)[1])

    def verifying_keys(self, now: dt.datetime | None = None) -> list[dict[str, str | None]]:
        """What an offline scanner needs to verify: each public key still valid, by key id."""
        if self.valid_until is not None and self.valid_until <= (now or dt.datetime.now(dt.UTC)):
            return []
        return [{"id": self.key_id, "public_key": self.public_b64,
                 "valid_until": self.valid_until.isoformat() if self.valid_until else None}]


@dataclass(frozen=True, eq=False)
class Keyring(Signer):
    """An event's keys. As a ``Signer`` it is the current key (it signs); ``read_code`` with
    it verifies a code with whichever key the code names: one of ``keys`` (the current one
    and those retired but still valid), or ``legacy`` for a code without a key id."""

    event_id: int = 0
    keys: Mapping[str, Signer] = field(default_factory=dict)
    legacy: Signer | None = None
    # The first 8 characters of the event's codes, per key: the scan path's lookup.
    by_prefix: Mapping[str, Signer] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        found = {prefix(self.event_id, key_id): key for key_id, key in self.keys.items()}
        object.__setattr__(self, "by_prefix", found if self.event_id else {})

    def key_for(self, key_id: str) -> Signer | None:
        return self.legacy if key_id == "" else self.keys.get(key_id)

    def key_for_code(self, code: str) -> Signer | None:
        return self.by_prefix.get(code[:8]) or self.key_for(_header(code)[1])

    def verifying_keys(self, now: dt.datetime | None = None) -> list[dict[str, str | None]]:
        found = [entry for key in self.keys.values() for entry in key.verifying_keys(now)]
        return found + (self.legacy.verifying_keys(now) if self.legacy else [])


@lru_cache(maxsize=8)
def signer_for(secret_key: str) -> Signer:
    """The legacy key: it verifies the codes made before per-event keys (see above)."""
    seed = hashlib.sha256(b"expo.visitors.ticket-signing.v1|" + secret_key.encode()).digest()
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return Signer(private=private, public=private.public_key())


def new_ticket_key() -> str:
    return secrets.token_bytes(KEY_BYTES).hex()


def prefix(event_id: int, key_id: str) -> str:
    """How every code of this event and key begins: 8 characters, exactly the 40 bits of its
    version, event id and key id."""
    head = bytes([VERSION]) + event_id.to_bytes(3, "big") + bytes.fromhex(key_id)
    return base64.b32encode(head).decode()


def _payload(event_id: int, key: str, key_id: str) -> bytes:
    if not 0 < event_id < 2**24:
        raise ValueError("event id out of range for a ticket code")
    raw_key = bytes.fromhex(key)
    if len(raw_key) != KEY_BYTES:
        raise ValueError(f"a ticket key is {KEY_BYTES} bytes")
    if not key_id:  # the legacy format: for tests and tools, the app makes no new ones
        return bytes([LEGACY_VERSION]) + event_id.to_bytes(3, "big") + raw_key
    raw_id = bytes.fromhex(key_id)
    if len(raw_id) != KEY_ID_BYTES:
        raise ValueError(f"a key id is {KEY_ID_BYTES} byte(s)")
    return bytes([VERSION]) + event_id.to_bytes(3, "big") + raw_id + raw_key


def make_code(*, signer: Signer, event_id: int, key: str) -> str:
    """A code signed by ``signer`` (a keyring: its current key), carrying its key id."""
    if signer.private is None:
        raise KeyUnavailable(f"ticket key {signer.key_id} cannot sign: its private key did "
                             "not open (see EXPO_PREVIOUS_SECRET_KEYS)")
    payload = _payload(event_id, key, signer.key_id)
    return base64.b32encode(payload + signer.private.sign(payload)).decode().rstrip("=")


def normalise(text: str) -> str:
    """What a handheld scanner or a person typed: spaces and case do not matter."""
    return "".join(text.split()).upper()


def _b32_int(text: str) -> int:
    # base32 as one big integer: C speed, where base64.b32decode loops in Python.
    digits = text.translate(_B32_TO_INT)
    if not digits.isascii() or not digits.isalnum() or digits != digits.lower():
        raise CodeInvalid("alphabet")
    return int(digits, 32)


def _header(code: str) -> tuple[int, str]:
    """(event id, key id) of a normalised code, read but not verified; key id "" for a
    legacy code."""
    if len(code) == CODE_LENGTH:
        head = _b32_int(code[:8]).to_bytes(5, "big")  # 8 characters: exactly 5 bytes
        if head[0] != VERSION:
            raise CodeInvalid("shape")
        return int.from_bytes(head[1:4], "big"), head[4:4 + KEY_ID_BYTES].hex()
    if len(code) == LEGACY_CODE_LENGTH:
        head = _b32_int(code[:8]).to_bytes(5, "big")
        if head[0] != LEGACY_VERSION:
            raise CodeInvalid("shape")
        return int.from_bytes(head[1:4], "big"), ""
    raise CodeInvalid("length")


def header(code: str) -> tuple[int, str]:
    """The event id and key id a code claims (unverified). Raises ``CodeInvalid``."""
    return _header(normalise(code) if isinstance(code, str) else "")


def read_code(*, signer: Signer, code: str, now: dt.datetime | None = None) -> Ticket:
    """Verify a code (no database involved). Raises ``CodeInvalid``.

    ``signer`` is an event's keyring (or one key): the key the code names must be in it and
    still valid at ``now``. The server holds the private keys, so it checks a code's
    signature by computing its S half (``signature_s``): ten times faster than signing again,
    thirty times faster than a verification. Scanners, holding only public keys, verify.
    """
    text = normalise(code) if isinstance(code, str) else ""
    key = signer.key_for_code(text)
    if key is None:
        raise CodeInvalid("key")
    if key.valid_until is not None and (now or dt.datetime.now(dt.UTC)) > key.valid_until:
        raise CodeInvalid("expired")
    return _read_code(key, text)


def _split(code: str) -> tuple[bytes, bytes]:
    """(payload, signature) of a normalised code of either version."""
    if len(code) == CODE_LENGTH:
        size, number = PAYLOAD_BYTES, _b32_int(code)
        if number & 3:  # spare bits set: a twin of a real code at most, never a code
            raise CodeInvalid("alphabet")
        number >>= 2
    elif len(code) == LEGACY_CODE_LENGTH:
        size, number = LEGACY_PAYLOAD_BYTES, _b32_int(code)
    else:
        raise CodeInvalid("length")
    raw = number.to_bytes(size + SIG_BYTES, "big")  # the length bounds the number
    payload = raw[:size]
    if payload[0] != (VERSION if size == PAYLOAD_BYTES else LEGACY_VERSION):
        raise CodeInvalid("shape")
    return payload, raw[size:]


def _ticket(payload: bytes) -> Ticket:
    return Ticket(event_id=int.from_bytes(payload[1:4], "big"), key=payload[-KEY_BYTES:].hex())


def verify_with_public_key(*, public_raw: bytes, code: str) -> Ticket:
    """What an offline scanner does (here for tests and tools): verify, never sign."""
    payload, signature = _split(normalise(code))
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, payload)
    except (InvalidSignature, ValueError):
        raise CodeInvalid("signature") from None
    return _ticket(payload)


# ---- The server's check: the signature's S half, recomputed from the private key ---------
#
# An Ed25519 signature of M is (R, S): r = H(prefix || M) mod L, R = r·B, S = r + H(R || A ||
# M)·a mod L (RFC 8032, 5.1.6), where a and prefix come from the private key's seed. The
# server holds them, so it checks a code's (R, S) by computing S for the R given and comparing:
# two SHA-512 and a multiplication modulo L, where signing again (what the server did before)
# also computes R = r·B, a scalar multiplication on the curve: 42 of a scan's ~300 µs. Only
# the holder of a and prefix can compute an S that passes, for any R, so it refuses what a
# verification refuses (forged or altered codes) and accepts every code expo made; scanners,
# holding only public keys, verify the usual way. ``tests/visitors/test_codes.py`` checks the
# S computed here against OpenSSL's signatures of random keys and messages.

ED25519_L = 2**252 + 27742317777372353535851937790883648493  # the group's order


@dataclass(frozen=True)
class _Secret:
    scalar: int  # a
    prefix: bytes
    public: bytes  # A, encoded


@lru_cache(maxsize=256)
def _secret(private: Ed25519PrivateKey) -> _Secret:
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    digest = hashlib.sha512(seed).digest()
    scalar = bytearray(digest[:32])
    scalar[0] &= 248
    scalar[31] &= 127
    scalar[31] |= 64
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _Secret(int.from_bytes(scalar, "little"), digest[32:], public)


def _sha512_mod_l(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % ED25519_L


def signature_s(private: Ed25519PrivateKey, r_point: bytes, message: bytes) -> bytes:
    """The S half that the signature of ``message`` with this R must have."""
    secret = _secret(private)
    r = _sha512_mod_l(secret.prefix, message)
    k = _sha512_mod_l(r_point, secret.public, message)
    return ((r + k * secret.scalar) % ED25519_L).to_bytes(32, "little")


@lru_cache(maxsize=65536)
def _read_code(signer: Signer, code: str) -> Ticket:
    payload, signature = _split(code)
    key_id = payload[4:4 + KEY_ID_BYTES].hex() if payload[0] == VERSION else ""
    if key_id != signer.key_id:
        raise CodeInvalid("key")
    if signer.private is None:  # a key that only verifies
        try:
            signer.public.verify(signature, payload)
        except InvalidSignature:
            raise CodeInvalid("signature") from None
    elif not hmac.compare_digest(signature_s(signer.private, signature[:32], payload),
                                 signature[32:]):
        raise CodeInvalid("signature")
    return _ticket(payload)
