"""Places: the kabupaten/kota of Kalimantan Timur, one canonical list.

Every stored kabupaten is one of ``KALTIM`` or ``OUTSIDE``. Forms offer the list; imports and
typed text go through ``canonical``, which maps the ways people write a place ("Kukar",
"kab. kutai kartanegara", "Kota Samarinda", "BPN", "Surabaya") onto it, or None when it cannot
tell. ``label`` is what a person reads for a stored value.

Migration 0009 carries a frozen copy of ``sql_mapping()`` to canonicalise old rows; its test
checks that the copy still agrees with ``canonical``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

from expo.i18n import lazy_gettext as _l


class Form(Protocol):
    """What ``form_region`` needs of ``expo.forms.Form`` (no import: forms reach templating,
    which reads ``label``)."""

    def raw(self, name: str) -> str: ...

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str: ...

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

# Short names, old names, towns and typos, as keys (see ``key``).
_ALIASES = {
    "kukar": "Kabupaten Kutai Kartanegara", "tenggarong": "Kabupaten Kutai Kartanegara",
    "kutaikertanegara": "Kabupaten Kutai Kartanegara", "kartanegara": "Kabupaten Kutai Kartanegara",
    "kutim": "Kabupaten Kutai Timur", "sangatta": "Kabupaten Kutai Timur",
    "sangata": "Kabupaten Kutai Timur",
    "kubar": "Kabupaten Kutai Barat", "sendawar": "Kabupaten Kutai Barat",
    "mahulu": "Kabupaten Mahakam Ulu", "ujohbilang": "Kabupaten Mahakam Ulu",
    "ppu": "Kabupaten Penajam Paser Utara", "penajam": "Kabupaten Penajam Paser Utara",
    "pasir": "Kabupaten Paser", "tanahgrogot": "Kabupaten Paser", "grogot": "Kabupaten Paser",
    "bpp": "Kota Balikpapan", "bpn": "Kota Balikpapan", "balikpapn": "Kota Balikpapan",
    "smd": "Kota Samarinda", "smr": "Kota Samarinda", "btg": "Kota Bontang",
    "tanjungredeb": "Kabupaten Berau", "tanjungredep": "Kabupaten Berau",
}

# Provinces and towns outside Kalimantan Timur (keys): they all become OUTSIDE.
_OUTSIDE_PROVINCES = (
    "aceh", "sumaterautara", "sumatrautara", "sumut", "sumaterabarat", "sumatrabarat", "sumbar",
    "riau", "kepulauanriau", "kepri", "jambi", "bengkulu", "sumateraselatan", "sumatraselatan",
    "sumsel", "bangkabelitung", "babel", "lampung", "banten", "dkijakarta", "jakarta",
    "jawabarat", "jabar", "jawatengah", "jateng", "diyogyakarta", "yogyakarta", "jogja",
    "jogjakarta", "yogya", "jawatimur", "jatim", "bali", "nusatenggarabarat", "ntb",
    "nusatenggaratimur", "ntt", "kalimantanbarat", "kalbar", "kalimantantengah", "kalteng",
    "kalimantanselatan", "kalsel", "kalimantanutara", "kaltara", "sulawesiutara", "sulut",
    "gorontalo", "sulawesitengah", "sulteng", "sulawesibarat", "sulbar", "sulawesiselatan",
    "sulsel", "sulawesitenggara", "sultra", "maluku", "malukuutara", "malut", "papua",
    "papuabarat", "papuaselatan", "papuatengah", "papuapegunungan", "papuabaratdaya",
    "jawa", "sumatera", "sumatra", "sulawesi", "jabodetabek", "malaysia", "singapura",
)
_OUTSIDE_TOWNS = (
    "jakartapusat", "jakartaselatan", "jakartabarat", "jakartatimur", "jakartautara",
    "surabaya", "bandung", "semarang", "medan", "makassar", "makasar", "banjarmasin",
    "banjarbaru", "martapura", "palangkaraya", "palangkaraya", "pontianak", "tarakan",
    "tanjungselor", "nunukan", "malinau", "denpasar", "solo", "surakarta", "malang", "bogor",
    "depok", "bekasi", "tangerang", "tangerangselatan", "palembang", "pekanbaru", "padang",
    "manado", "palu", "kendari", "mamuju", "ambon", "jayapura", "sorong", "mataram", "kupang",
    "batam", "bandarlampung", "serang", "pangkalpinang", "tanjungpinang", "ternate",
    "manokwari", "kotabaru", "tanahbumbu", "tabalong", "tanjung", "sidoarjo", "gresik",
    "cirebon", "tasikmalaya", "kediri", "jember", "banyuwangi", "parepare", "bulukumba",
)
_OUTSIDE_KEYS = ("luar", "luarkaltim", "luarkalimantantimur", "luardaerah", "luarprovinsi",
                 "luarkota", "outside", "outsidekalimantantimur")

def key(text: str) -> str:
    """A place reduced to the letters that identify it: lower case, no accents, no
    "Kabupaten", "Kab.", "Kota", "Kaltim", no spaces or punctuation."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b(?:kabupaten|kotamadya|kota madya|kodya|kab|kota|provinsi|prov)\b\.?",
                  " ", text)
    text = re.sub(r"\b(?:kalimantan timur|kaltim)\b", " ", text)
    return re.sub(r"[^a-z]", "", text)


_BY_KEY = {key(name): name for name in KALTIM}


def _lookup(k: str) -> str | None:
    if k in _BY_KEY:
        return _BY_KEY[k]
    if k in _ALIASES:
        return _ALIASES[k]
    if k in _OUTSIDE_KEYS or k in _OUTSIDE_TOWNS or k in _OUTSIDE_PROVINCES:
        return OUTSIDE
    return None


def canonical(text: str | None) -> str | None:
    """The canonical kabupaten/kota (one of ``KALTIM``, or ``OUTSIDE``) for a loose spelling,
    or None when it is empty or unknown."""
    raw = (text or "").strip()
    if raw in KALTIM or raw == OUTSIDE:
        return raw
    k = key(raw)
    if not k:
        return None
    found = _lookup(k)
    if found is not None:
        return found
    if k.startswith("jakarta"):
        return OUTSIDE
    # "Banjarmasin, Kalsel", "Tanah Laut Kalimantan Selatan": a province named last.
    for province in _OUTSIDE_PROVINCES:
        if len(province) >= 4 and k.endswith(province) and len(k) > len(province):
            return OUTSIDE
    return None


def suggestions(text: str, n: int = 2) -> list[str]:
    """Kaltim places close to an unknown spelling ("Samarindah" -> Kota Samarinda)."""
    k = key(text)
    if not k:
        return []
    names = {**_BY_KEY, **_ALIASES}
    return list(dict.fromkeys(names[m] for m in difflib.get_close_matches(
        k, list(names), n=n, cutoff=0.75)))


def label(value: str | None) -> str:
    """What a person reads for a stored kabupaten ("luar-kaltim" is a key, not a place)."""
    if value == OUTSIDE:
        return str(OUTSIDE_LABEL)
    return value or ""


def form_region(form: Form, name: str = "kabupaten", *, required: bool = True) -> str:
    """A form's kabupaten field, mapped onto the list (a list option, or a typed place such as
    "Kukar" from an old bookmark or an API client); an unknown place is a field error."""
    found = canonical(form.raw(name))
    if found is not None:
        return found
    return form.choice(name, [*KALTIM, OUTSIDE], required=required)


def region_choices() -> list[tuple[str, object]]:
    return [(name, name) for name in KALTIM] + [(OUTSIDE, OUTSIDE_LABEL)]


def sql_mapping() -> dict[str, str]:
    """Keys (as migration 0009 computes them in SQL) to canonical values."""
    mapping = {**_BY_KEY, **_ALIASES}
    mapping.update({k: OUTSIDE for k in (*_OUTSIDE_KEYS, *_OUTSIDE_TOWNS, *_OUTSIDE_PROVINCES)})
    return dict(sorted(mapping.items()))
