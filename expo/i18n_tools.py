"""Catalog maintenance: ``python -m expo.i18n_tools missing|add DOMAIN``.

Extracts every translatable string from ``expo/`` and ``templates/`` (Babel's extractors)
and compares with the Indonesian catalogs in ``expo/locale/id/*.po``.
``add DOMAIN [PATH_PREFIX ...]`` appends the missing strings (only those used in files whose
path starts with a prefix, e.g. ``expo/exhibitors templates/exhibitors``) to
``expo/locale/id/DOMAIN.po``, to be translated there.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from expo.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used."""
    found: dict[str, list[str]] = {}
    for folder in ("expo", "templates"):
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
                ROOT / folder, METHODS, keywords=KEYWORDS, options_map=OPTIONS):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, []).append(f"{folder}/{filename}:{lineno}")
    return found


def _texts(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's ids or strings: Babel keeps a plural's in a tuple (or list), others in a str."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def translated(locale: str = "id") -> dict[str, str]:
    result: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / locale).glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if not message.id:
                    continue
                ids, strings = _texts(message.id), _texts(message.string)
                for msgid in ids:
                    result[msgid] = strings[0] if strings and not message.fuzzy else ""
    return result


def missing(locale: str = "id") -> dict[str, list[str]]:
    have = translated(locale)
    return {k: v for k, v in extracted().items() if not have.get(k)}


def add(domain: str, prefixes: list[str] | None = None, locale: str = "id") -> int:
    """Append untranslated strings used under ``prefixes`` (all when empty) to DOMAIN.po."""
    path = LOCALE_DIR / locale / f"{domain}.po"
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="expo", domain=domain)
    todo = {k: v for k, v in missing(locale).items()
            if not prefixes or any(w.startswith(tuple(prefixes)) for w in v)}
    known = translated(locale)
    for msgid, where in sorted(todo.items()):
        if msgid not in known:
            catalog.add(msgid, "", locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1]))
                                              for w in where[:3]])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)
    return len(todo)


def main(argv: list[str]) -> int:
    if argv[:1] == ["missing"]:
        todo = missing()
        for msgid, where in sorted(todo.items()):
            print(f"{where[0]}: {msgid!r}")
        print(f"{len(todo)} strings without an Indonesian translation")
        return 1 if todo else 0
    if len(argv) >= 2 and argv[0] == "add":
        print(f"{add(argv[1], argv[2:])} strings added to {argv[1]}.po")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
