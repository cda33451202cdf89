import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from expo.visitors import codes
from tests.visitors.helpers import SIGNER

KEY = "0123456789abcd"
CODE = codes.make_code(signer=SIGNER, event_id=42, key=KEY)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def refused(code: str) -> bool:
    try:
        codes.read_code(signer=SIGNER, code=code)
    except codes.CodeInvalid:
        return True
    return False


def test_codes_round_trip_and_fit_qr_version_5_at_level_m():
    ticket = codes.read_code(signer=SIGNER, code=CODE)
    assert ticket == codes.Ticket(event_id=42, key=KEY)
    assert len(CODE) == codes.CODE_LENGTH
    qr = codes.qr(CODE)
    assert qr.version <= 6 and qr.error == "M"


def test_codes_tolerate_case_and_spaces_typed_by_people():
    assert codes.read_code(signer=SIGNER, code=" " + CODE.lower()[:50] + " " + CODE[50:])


def test_codes_from_another_instance_are_refused():
    other = codes.signer_for("another-secret-key-that-is-long-enough-000")
    assert refused(codes.make_code(signer=other, event_id=42, key=KEY))


@given(st.integers(min_value=0, max_value=len(CODE) - 1), st.sampled_from(ALPHABET))
def test_codes_altered_in_one_character_are_refused(position, char):
    altered = CODE[:position] + char + CODE[position + 1:]
    assert altered == CODE or refused(altered)


@given(st.integers(min_value=0, max_value=len(CODE) - 1))
def test_codes_truncated_are_refused(length):
    assert refused(CODE[:length])


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_codes_arbitrary_text_is_refused(text):
    assert refused(text)


@given(st.binary(min_size=75, max_size=75))
def test_codes_forged_with_random_signatures_are_refused(raw):
    forged = base64.b32encode(bytes([codes.VERSION]) + raw[1:]).decode().rstrip("=")
    assert refused(forged)


@given(st.integers(min_value=1, max_value=2**24 - 1), st.binary(min_size=7, max_size=7))
def test_codes_with_swapped_payloads_are_refused(event_id, key):
    raw = base64.b32decode(CODE + "=" * (-len(CODE) % 8))
    payload = bytes([codes.VERSION]) + event_id.to_bytes(3, "big") + key
    forged = base64.b32encode(payload + raw[11:]).decode().rstrip("=")
    assert forged == CODE or refused(forged)


def test_codes_render_svg_and_png_cached():
    assert codes.qr_svg(CODE).startswith("<svg")
    assert codes.qr_png(CODE).startswith(b"\x89PNG")
    assert codes.qr_svg(CODE) is codes.qr_svg(CODE)


def test_codes_verify_with_the_public_key_alone():
    ticket = codes.verify_with_public_key(public_raw=SIGNER.public_raw, code=CODE)
    assert ticket.key == KEY
    other = codes.signer_for("another-secret-key-that-is-long-enough-000")
    try:
        codes.verify_with_public_key(public_raw=other.public_raw, code=CODE)
    except codes.CodeInvalid:
        return
    raise AssertionError("a code verified with the wrong public key")


def test_codes_svg_draws_exactly_the_dark_modules():
    import re

    svg = codes.qr_svg(CODE, 3, True)
    matrix = codes.qr(CODE, True).matrix
    drawn = set()
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        drawn |= {(int(x) - 2 + i, int(y) - 2) for i in range(int(w))}
    dark = {(x, y) for y, row in enumerate(matrix) for x, bit in enumerate(row) if bit & 1}
    assert drawn == dark
