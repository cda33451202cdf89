from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l
from expo.i18n import reset_locale, set_locale


class Rating(LabelledEnum):
    HOT = "hot", _l("Hot")
    RAW = "raw"


def in_locale(locale, fn):
    token = set_locale(locale)
    try:
        return fn()
    finally:
        reset_locale(token)


def test_labelled_enum_is_its_value_and_carries_its_label():
    assert Rating.HOT == "hot" and Rating("hot") is Rating.HOT and f"{Rating.HOT}" == "hot"
    assert in_locale("en", lambda: Rating.HOT.label) == "Hot"
    assert Rating.RAW.label == "raw"  # no label given: the value


def test_labelled_enum_choices_and_labels_follow_the_locale():
    assert in_locale("id", lambda: dict(Rating.choices()))["hot"] == "Panas"
    assert in_locale("en", Rating.labels) == {"hot": "Hot", "raw": "raw"}


def test_labelled_enum_label_of_unknown_value_is_the_value():
    assert Rating.label_of("lukewarm") == "lukewarm"
    assert Rating.label_of(None) == ""
    assert in_locale("id", lambda: Rating.label_of("hot")) == "Panas"
