"""expo.phones (the one normaliser) and expo.whatsapp (the one link builder)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from expo import phones
from expo.whatsapp import wa_link

MOBILE = "+6281234567890"


@pytest.mark.parametrize("raw", [
    "0812-3456-7890", "0812 3456 7890", "081234567890", "0812.3456.7890", "(0812) 3456-7890",
    "+62 812 3456 7890", "+62-812-3456-7890", "+6281234567890", "+62 (0)812 3456 7890",
    "62 812 3456 7890", "6281234567890", "81234567890", " 0812 3456 7890 ",
    81234567890, 6281234567890, 81234567890.0, "０８１２３４５６７８９０"])
def test_phones_normalise_indonesian_mobiles_to_e164(raw):
    assert phones.normalise(raw) == MOBILE
    assert phones.normalise_or_none(raw) == MOBILE


@pytest.mark.parametrize(("raw", "e164"), [
    ("(0541) 741234", "+62541741234"),  # Samarinda
    ("0541-741234", "+62541741234"),
    ("+62 541 741234", "+62541741234"),
    ("021 5551234", "+62215551234"),  # Jakarta
    ("0542 8765432", "+625428765432"),  # Balikpapan
])
def test_phones_normalise_landlines(raw, e164):
    assert phones.normalise(raw) == e164


def test_phones_normalise_excel_floats_and_foreign_numbers_with_a_plus():
    assert phones.normalise(8.1234567e11) == "+62812345670000"
    assert phones.normalise("+60 12-345 6789") == "+60123456789"  # a Malaysian buyer


@pytest.mark.parametrize("raw", [
    "", "   ", "12", "0812", "abc", "08123456789012", "+6281234567890123", "0062 812 3456 7890",
    "+1 202", "1" * 300, None, True, False, 1.5, -81234567890.0, float("nan"), 0.0])
def test_phones_refuse_what_is_not_a_number(raw):
    with pytest.raises(phones.PhoneInvalid):
        phones.normalise(raw)
    assert phones.normalise_or_none(raw) is None


@pytest.mark.parametrize(("phone", "digits"), [
    (MOBILE, "6281234567890"), ("0812-3456-7890", "6281234567890"),
    ("08123", "628123"),  # not valid, but an old row still gets a link
    ("", "")])
def test_phones_digits_are_what_wa_me_wants(phone, digits):
    assert phones.digits(phone) == digits


def test_wa_link_quotes_the_whole_text():
    assert wa_link(MOBILE, "Halo Bu") == "https://wa.me/6281234567890?text=Halo%20Bu"
    link = wa_link("0812 3456 7890", "Pesanan #12 & 3/4 kg?\nTerima kasih")
    query = urlsplit(link).query
    assert link.startswith("https://wa.me/6281234567890?text=") and "&" not in query[5:]
    assert parse_qs(query)["text"] == ["Pesanan #12 & 3/4 kg?\nTerima kasih"]


def test_wa_link_without_text_or_number():
    assert wa_link(MOBILE) == "https://wa.me/6281234567890"
    assert wa_link("") == "" and wa_link("", "Halo") == ""
