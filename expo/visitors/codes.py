"""Signed ticket codes and their QR images.

A code is ``base32(version | event id | ticket key | Ed25519 signature)``: 75 bytes, 120
characters from the QR alphanumeric alphabet, which fits QR version 5 at error level M.
Ed25519 signatures cannot be truncated, which is the price of offline scanners that hold
only the public key: they can verify every code and mint none. HMAC would halve the length,
but every scanner would then hold a key that mints tickets.

The signing key is derived from the instance's secret key, so nothing extra is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 1
KEY_BYTES = 7
PAYLOAD_BYTES = 1 + 3 + KEY_BYTES
SIG_BYTES = 64
CODE_LENGTH = 120  # base32 of 75 bytes, without padding
FAST_MASK = 2  # mask pattern for bulk rendering; single tickets let segno choose


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_TO_INT = str.maketrans(_B32, "0123456789abcdefghijklmnopqrstuv")


class CodeInvalid(ValueError):
    """The code is malformed, altered or not signed by this instance."""


@dataclass(frozen=True)
class Ticket:
    event_id: int
    key: str  # hex of the random ticket key


@dataclass(frozen=True, eq=False)  # hashed by identity: one per secret key (cached)
class Signer:
    private: Ed25519PrivateKey
    public: Ed25519PublicKey

    @property
    def public_raw(self) -> bytes:
        return self.public.public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()


@lru_cache(maxsize=8)
def signer_for(secret_key: str) -> Signer:
    seed = hashlib.sha256(b"expo.visitors.ticket-signing.v1|" + secret_key.encode()).digest()
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return Signer(private=private, public=private.public_key())


def new_ticket_key() -> str:
    return secrets.token_bytes(KEY_BYTES).hex()


def _payload(event_id: int, key: str) -> bytes:
    if not 0 < event_id < 2**24:
        raise ValueError("event id out of range for a ticket code")
    raw_key = bytes.fromhex(key)
    if len(raw_key) != KEY_BYTES:
        raise ValueError("a ticket key is 7 bytes")
    return bytes([VERSION]) + event_id.to_bytes(3, "big") + raw_key


def make_code(*, signer: Signer, event_id: int, key: str) -> str:
    payload = _payload(event_id, key)
    return base64.b32encode(payload + signer.private.sign(payload)).decode().rstrip("=")


def normalise(text: str) -> str:
    """What a handheld scanner or a person typed: spaces and case do not matter."""
    return "".join(text.split()).upper()


def read_code(*, signer: Signer, code: str) -> Ticket:
    """Verify a code (no database involved). Raises ``CodeInvalid``.

    The server holds the private key and Ed25519 signatures are deterministic, so it checks a
    code by signing the payload again and comparing: four times faster than a verification.
    Scanners, holding only the public key, verify.
    """
    return _read_code(signer, normalise(code) if isinstance(code, str) else "")


def verify_with_public_key(*, public_raw: bytes, code: str) -> Ticket:
    """What an offline scanner does (here for tests and tools): verify, never sign."""
    raw = base64.b32decode(normalise(code) + "=" * (-len(normalise(code)) % 8))
    payload, signature = raw[:PAYLOAD_BYTES], raw[PAYLOAD_BYTES:]
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, payload)
    except (InvalidSignature, ValueError):
        raise CodeInvalid("signature") from None
    return Ticket(event_id=int.from_bytes(payload[1:4], "big"), key=payload[4:].hex())


@lru_cache(maxsize=65536)
def _read_code(signer: Signer, code: str) -> Ticket:
    if len(code) != CODE_LENGTH:
        raise CodeInvalid("length")
    # base32 as one big integer: C speed, where base64.b32decode loops in Python.
    digits = code.translate(_B32_TO_INT)
    if not digits.isalnum() or not digits.isascii() or digits != digits.lower():
        raise CodeInvalid("alphabet")
    try:
        raw = int(digits, 32).to_bytes(PAYLOAD_BYTES + SIG_BYTES, "big")
    except (ValueError, OverflowError):
        raise CodeInvalid("alphabet") from None
    payload, signature = raw[:PAYLOAD_BYTES], raw[PAYLOAD_BYTES:]
    if len(signature) != SIG_BYTES or payload[0] != VERSION:
        raise CodeInvalid("shape")
    # 600 bits in 120 characters: exactly, so there are no spare bits and no twin encodings.
    if not hmac.compare_digest(signer.private.sign(payload), signature):
        raise CodeInvalid("signature")
    return Ticket(event_id=int.from_bytes(payload[1:4], "big"), key=payload[4:].hex())


# ---- images -----------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def qr(code: str, fast: bool = False) -> segno.QRCode:
    """``fast`` fixes the mask (about 4x quicker, for sheets of thousands of badges)."""
    return segno.make(code, error="m", boost_error=False, mask=FAST_MASK if fast else None)


@lru_cache(maxsize=8192)
def qr_svg(code: str, scale: int = 4, fast: bool = False) -> str:
    """An inline SVG: one path of filled runs per row (smaller and quicker than segno's)."""
    matrix = qr(code, fast).matrix
    border = 2
    size = len(matrix) + 2 * border
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x] & 1:
                start = x
                while x < width and row[x] & 1:
                    x += 1
                runs.append(f"M{start + border} {y + border}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return (f'<svg viewBox="0 0 {size} {size}" width="{size * scale}" height="{size * scale}" '
            f'class="segno" shape-rendering="crispEdges"><rect width="{size}" height="{size}" '
            f'fill="#fff"/><path fill="#111" d="{"".join(runs)}"/></svg>')


@lru_cache(maxsize=512)
def qr_png(code: str, scale: int = 8) -> bytes:
    import io

    out = io.BytesIO()
    qr(code).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
