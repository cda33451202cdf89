import base64
import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from expo import qr
from expo.visitors import codes
from tests.visitors.helpers import SIGNER

KEY = "0123456789abcd"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
NOW = dt.datetime(2027, 4, 20, 3, 0, tzinfo=dt.UTC)


def event_key(name: str, key_id: str, valid_until: dt.datetime | None = None) -> codes.Signer:
    """One of an event's keys, made from a name (the same every run)."""
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())
    return codes.Signer(private=private, public=private.public_key(), key_id=key_id,
                        valid_until=valid_until)


KEY_A = event_key("a", "a1", valid_until=NOW + dt.timedelta(days=1))  # retired, valid a day
KEY_B = event_key("b", "b2")  # current
RING = codes.Keyring(private=KEY_B.private, public=KEY_B.public, key_id="b2", event_id=42,
                     keys={"a1": KEY_A, "b2": KEY_B}, legacy=SIGNER)
CODE = codes.make_code(signer=RING, event_id=42, key=KEY)  # signed with B, the current key
CODE_A = codes.make_code(signer=KEY_A, event_id=42, key=KEY)
LEGACY = codes.make_code(signer=SIGNER, event_id=42, key=KEY)


def refused(code: str, signer: codes.Signer = RING, now: dt.datetime = NOW) -> bool:
    try:
        codes.read_code(signer=signer, code=code, now=now)
    except codes.CodeInvalid:
        return True
    return False


def test_codes_round_trip_and_fit_qr_version_5_at_level_m():
    ticket = codes.read_code(signer=RING, code=CODE, now=NOW)
    assert ticket == codes.Ticket(event_id=42, key=KEY)
    assert len(CODE) == codes.CODE_LENGTH == 122 and codes.header(CODE) == (42, "b2")
    code = qr.make(CODE)
    assert code.version == 5 and code.error == "M"


def test_codes_legacy_format_still_verifies_with_the_legacy_key():
    assert len(LEGACY) == codes.LEGACY_CODE_LENGTH == 120 and codes.header(LEGACY) == (42, "")
    assert codes.read_code(signer=RING, code=LEGACY) == codes.Ticket(event_id=42, key=KEY)
    assert codes.read_code(signer=SIGNER, code=LEGACY).key == KEY
    # Only the legacy key reads legacy codes: a keyring without one, or another secret's, not.
    assert refused(LEGACY, codes.Keyring(private=KEY_B.private, public=KEY_B.public,
                                         key_id="b2", keys={"b2": KEY_B}))
    other = codes.signer_for("another-secret-key-that-is-long-enough-000")
    assert refused(codes.make_code(signer=other, event_id=42, key=KEY))


def test_codes_pick_the_key_they_name_and_a_retired_one_expires():
    assert codes.header(CODE_A) == (42, "a1")
    assert codes.read_code(signer=RING, code=CODE_A, now=NOW).key == KEY
    assert refused(CODE_A, now=NOW + dt.timedelta(days=1, seconds=1))
    assert not refused(CODE, now=NOW + dt.timedelta(days=365))  # the current key has no end
    assert codes.read_code(signer=KEY_A, code=CODE_A, now=NOW).key == KEY  # one key alone
    assert refused(CODE, KEY_A)


def test_codes_with_an_unknown_key_id_or_a_foreign_key_are_refused():
    stranger = event_key("c", "c3")
    assert refused(codes.make_code(signer=stranger, event_id=42, key=KEY))
    # A key posing under a known id: the signature gives it away.
    impostor = event_key("d", "b2")
    assert refused(codes.make_code(signer=impostor, event_id=42, key=KEY))


def test_codes_tolerate_case_and_spaces_typed_by_people():
    for code in (CODE, LEGACY):
        assert codes.read_code(signer=RING, code=" " + code.lower()[:50] + " " + code[50:])


def test_codes_twins_with_spare_bits_or_foreign_digits_are_refused():
    last = ALPHABET.index(CODE[-1])
    for flip in (1, 2, 3):  # the last character's two spare bits
        assert refused(CODE[:-1] + ALPHABET[last ^ flip])
    assert refused(CODE[:40] + "0" + CODE[41:]) and refused(LEGACY[:40] + "1" + LEGACY[41:])


@given(st.sampled_from([CODE, CODE_A, LEGACY]), st.integers(min_value=0, max_value=121),
       st.sampled_from(ALPHABET))
def test_codes_altered_in_one_character_are_refused(code, position, char):
    altered = code[:position] + char + code[position + 1:]
    assert altered == code or refused(altered)


@given(st.sampled_from([CODE, LEGACY]), st.integers(min_value=0, max_value=121))
def test_codes_truncated_are_refused(code, length):
    assert length >= len(code) or refused(code[:length])


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_codes_arbitrary_text_is_refused(text):
    assert refused(text)


@given(st.binary(min_size=75, max_size=75))
def test_codes_forged_with_random_signatures_are_refused(raw):
    legacy = base64.b32encode(bytes([codes.LEGACY_VERSION]) + raw[1:]).decode().rstrip("=")
    keyed = base64.b32encode(bytes([codes.VERSION, 0, 0, 42, 0xB2]) + raw[4:]).decode()
    assert refused(legacy) and refused(keyed.rstrip("="))


@given(st.integers(min_value=1, max_value=2**24 - 1), st.binary(min_size=7, max_size=7))
def test_codes_with_swapped_payloads_are_refused(event_id, key):
    raw = base64.b32decode(CODE + "=" * (-len(CODE) % 8))
    payload = bytes([codes.VERSION]) + event_id.to_bytes(3, "big") + bytes([0xB2]) + key
    forged = base64.b32encode(payload + raw[codes.PAYLOAD_BYTES:]).decode().rstrip("=")
    assert forged == CODE or refused(forged)


def test_codes_verify_with_the_public_key_alone():
    assert codes.verify_with_public_key(public_raw=KEY_B.public_raw, code=CODE).key == KEY
    assert codes.verify_with_public_key(public_raw=SIGNER.public_raw, code=LEGACY).key == KEY
    for public, code in ((KEY_A.public_raw, CODE), (KEY_B.public_raw, LEGACY)):
        with pytest.raises(codes.CodeInvalid):
            codes.verify_with_public_key(public_raw=public, code=code)


def test_codes_a_key_without_its_private_half_verifies_but_cannot_sign():
    sealed_off = codes.Signer(private=None, public=KEY_B.public, key_id="b2")
    assert codes.read_code(signer=sealed_off, code=CODE).key == KEY
    assert refused(CODE_A, sealed_off)
    with pytest.raises(codes.KeyUnavailable):
        codes.make_code(signer=sealed_off, event_id=42, key=KEY)


def test_codes_keyring_lists_the_public_keys_still_valid():
    listed = RING.verifying_keys(NOW)
    assert [(k["id"], k["public_key"]) for k in listed] == [
        ("a1", KEY_A.public_b64), ("b2", KEY_B.public_b64), ("", SIGNER.public_b64)]
    assert listed[0]["valid_until"] == KEY_A.valid_until.isoformat()  # type: ignore[union-attr]
    later = RING.verifying_keys(NOW + dt.timedelta(days=2))
    assert [k["id"] for k in later] == ["b2", ""]


# ---- the server's check of the S half (issue 17) -------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=100))
def test_signature_s_is_openssls_for_any_key_and_message(seed, message):
    private = Ed25519PrivateKey.from_private_bytes(seed)
    signature = private.sign(message)
    assert codes.signature_s(private, signature[:32], message) == signature[32:]


def _signature_of(code: str) -> tuple[bytes, bytes]:
    number = codes._b32_int(code) >> 2
    raw = number.to_bytes(codes.PAYLOAD_BYTES + codes.SIG_BYTES, "big")
    return raw[:codes.PAYLOAD_BYTES], raw[codes.PAYLOAD_BYTES:]


def _with_signature(payload: bytes, signature: bytes) -> str:
    number = int.from_bytes(payload + signature, "big") << 2
    text = ""
    for _ in range(codes.CODE_LENGTH):
        text = ALPHABET[number & 31] + text
        number >>= 5
    return text


@pytest.mark.parametrize("part", ["R", "S"])
def test_a_code_with_another_r_or_s_is_refused_by_the_servers_check(part):
    payload, signature = _signature_of(CODE)
    assert _with_signature(payload, signature) == CODE
    r_point, s_half = signature[:32], signature[32:]
    for bit in (0, 77, 255):
        flipped = bytearray(r_point if part == "R" else s_half)
        flipped[bit // 8] ^= 1 << (bit % 8)
        other = (bytes(flipped) + s_half) if part == "R" else (r_point + bytes(flipped))
        assert refused(_with_signature(payload, other))


def test_an_s_not_reduced_modulo_the_order_is_refused():
    payload, signature = _signature_of(CODE)
    s_int = int.from_bytes(signature[32:], "little") + codes.ED25519_L  # the same S, mod L
    assert s_int < 2**256
    assert refused(_with_signature(payload, signature[:32] + s_int.to_bytes(32, "little")))
