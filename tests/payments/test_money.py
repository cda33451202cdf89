"""parse_rupiah: every way people and banks write rupiah, and what it refuses (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expo import i18n
from expo.money import AmountHasSen, AmountInvalid, parse_rupiah

AMOUNTS = st.integers(min_value=-(10**13), max_value=10**13)


@pytest.mark.parametrize(("text", "expected"), [
    ("Rp 350.127,00", 350127),
    ("350.127", 350127),
    ("350,127", 350127),
    ("350,127.00", 350127),
    ("IDR 1.500.000", 1500000),
    ("1.500.000 IDR", 1500000),
    ("1500000", 1500000),
    ("Rp1.500.000,-", 1500000),
    ("Rp. 1.500.000", 1500000),
    ("rp 1.500.000", 1500000),
    ("350127.00", 350127),
    ("350127,00", 350127),
    ("350127,0", 350127),
    ("1,500,000", 1500000),
    ("1.500.000,00", 1500000),
    ("  Rp\u00a0350.127  ", 350127),
    ("0", 0),
    ("007", 7),
    ("(350.127)", -350127),
    ("-350.127", -350127),
    ("Rp -350.127", -350127),
    ("-Rp 350.127", -350127),
    ("(Rp 350.127,00)", -350127),
    ("\u2212350.127", -350127),
])
def test_parse_rupiah_reads_what_people_write(text: str, expected: int) -> None:
    assert parse_rupiah(text) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (350127, 350127),
    (350127.0, 350127),
    (350126.99999999994, 350127),  # a sum in Excel
    (Decimal("350127"), 350127),
    (Decimal("350127.00"), 350127),
    (-5000, -5000),
])
def test_parse_rupiah_takes_excel_numbers(value: int | float | Decimal, expected: int) -> None:
    assert parse_rupiah(value) == expected


@pytest.mark.parametrize("value", ["350.127,50", "350127.5", "350,127.05", 350127.5,
                                   Decimal("350127.01"), "12.34"])
def test_parse_rupiah_refuses_sen(value: str | float | Decimal) -> None:
    with pytest.raises(AmountHasSen, match="sen"):
        parse_rupiah(value)


@pytest.mark.parametrize("value", ["abc", "1.2.3,4,5", "", "   ", None, "1.2.3", "350127.000",
                                   "1,5000", ".5", "5.", "Rp", "--5", "350.127 CR", "1e5",
                                   "35O.127", True, float("nan"), float("inf"),
                                   Decimal("NaN"), "1" * 70, "1.500,000.00", "12,34.567"])
def test_parse_rupiah_refuses_junk(value: object) -> None:
    with pytest.raises(AmountInvalid):
        parse_rupiah(value)  # type: ignore[arg-type]


def test_parse_rupiah_errors_are_value_errors_with_a_person_s_message() -> None:
    with i18n.using("en"), pytest.raises(ValueError, match=r"“Rp 35O.127” is not an amount. Write it like 350.127"):
        parse_rupiah("Rp 35O.127")
    with i18n.using("en"), pytest.raises(ValueError, match=r"Write it like 350,127"):
        parse_rupiah("abc", locale_hint="en")
    with i18n.using("en"), pytest.raises(ValueError, match="No amount given"):
        parse_rupiah("")


def test_parse_rupiah_messages_are_translated() -> None:
    with i18n.using("id"), pytest.raises(AmountInvalid, match="bukan jumlah uang"):
        parse_rupiah("abc")
    with i18n.using("id"), pytest.raises(AmountHasSen, match="memuat sen"):
        parse_rupiah("350.127,50")


def test_parse_rupiah_ambiguity_rule_three_digits_are_thousands() -> None:
    assert parse_rupiah("1.500") == parse_rupiah("1,500") == 1500
    assert parse_rupiah("1500,00") == parse_rupiah("1500.00") == 1500


@settings(max_examples=150, deadline=None)
@given(AMOUNTS)
def test_parse_rupiah_inverts_format_idr_in_both_locales(amount: int) -> None:
    for locale in ("id", "en"):
        with i18n.using(locale):
            assert parse_rupiah(i18n.format_idr(amount), locale_hint=locale) == amount


@settings(max_examples=150, deadline=None)
@given(AMOUNTS)
def test_parse_rupiah_reads_plain_and_decimal_forms(amount: int) -> None:
    english = f"{amount:,.2f}"  # 1,500,000.00
    indonesian = english.translate(str.maketrans(",.", ".,"))  # 1.500.000,00
    for text in (str(amount), f"{amount:,}", english, indonesian, f"Rp {indonesian}",
                 f"{amount}.00"):
        assert parse_rupiah(text) == amount, text
    assert parse_rupiah(Decimal(amount)) == amount


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-(2**52), max_value=2**52))
def test_parse_rupiah_reads_excel_floats(amount: int) -> None:
    assert parse_rupiah(float(amount)) == amount


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=99))
def test_parse_rupiah_refuses_any_non_zero_sen(amount: int, sen: int) -> None:
    with pytest.raises(AmountHasSen):
        parse_rupiah(f"{amount},{sen:02d}")
    with pytest.raises(AmountHasSen):
        parse_rupiah(f"{amount:,}.{sen:02d}")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_parse_rupiah_never_fails_otherwise(text: str) -> None:
    try:
        assert isinstance(parse_rupiah(text), int)
    except AmountInvalid:
        pass
