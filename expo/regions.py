"""Places: the kabupaten/kota of Kalimantan Timur."""

from __future__ import annotations

from expo.i18n import lazy_gettext as _l

KALTIM = [
    "Kabupaten Berau",
    "Kabupaten Kutai Barat",
    "Kabupaten Kutai Kartanegara",
    "Kabupaten Kutai Timur",
    "Kabupaten Mahakam Ulu",
    "Kabupaten Paser",
    "Kabupaten Penajam Paser Utara",
    "Kota Balikpapan",
    "Kota Bontang",
    "Kota Samarinda",
]
OUTSIDE = "luar-kaltim"
OUTSIDE_LABEL = _l("Outside Kalimantan Timur")


def region_choices() -> list[tuple[str, object]]:
    return [(name, name) for name in KALTIM] + [(OUTSIDE, OUTSIDE_LABEL)]
