import datetime as dt
import re

from expo import i18n
from expo.i18n_tools import extracted, missing, translated

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_string_has_an_indonesian_translation():
    todo = missing("id")
    assert todo == {}, f"{len(todo)} untranslated; run `make messages` and fill expo/locale/id/"


def test_translations_keep_their_placeholders():
    for msgid, msgstr in translated("id").items():
        if msgstr:
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_extraction_finds_template_and_python_strings():
    found = extracted()
    assert "Sign in" in found and "Wrong email or password." in found


def test_locale_switch_changes_gettext_and_formats():
    token = i18n.set_locale("id")
    try:
        assert i18n.gettext("Sign in") == "Masuk"
        assert i18n.format_idr(1500000) == "Rp 1.500.000"
        assert i18n.format_date(dt.date(2027, 4, 20), "long") == "20 April 2027"
        assert i18n.format_time(dt.time(9, 12)) == "09.12"
        i18n.set_locale("en")
        assert i18n.gettext("Sign in") == "Sign in"
        assert i18n.format_idr(1500000) == "Rp 1,500,000"
        assert i18n.format_time(dt.time(9, 12)) == "09:12"
        i18n.set_locale("xx")
        assert i18n.get_locale() == "id"
    finally:
        i18n.reset_locale(token)


def test_datetime_is_shown_in_event_time_zone():
    token = i18n.set_locale("id")
    try:
        utc = dt.datetime(2027, 4, 20, 1, 30, tzinfo=dt.UTC)
        assert i18n.format_datetime(utc, "Asia/Makassar") == "20 Apr 2027, 09.30"
    finally:
        i18n.reset_locale(token)
