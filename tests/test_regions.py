"""Kabupaten/kota: one canonical list, loose spellings mapped onto it (forms, imports, the
dashboard), and migration 0009's data step that canonicalises old rows on both backends."""

from __future__ import annotations

import importlib
import sqlite3

import pytest
from tortoise import connections

from expo import regions
from expo.forms import Form
from expo.i18n import using
from expo.procurement.models import Organisation
from expo.regions import KALTIM, OUTSIDE, canonical
from expo.visitors.models import Visitor
from tests.exhibitors.factories import make_producer
from tests.factories import make_event
from tests.test_migrations import _migrate, _migrate_to
from tests.visitors.helpers import make_visitor

MIGRATION = importlib.import_module("expo.migrations.0009_on_the_day")
KUKAR, SAMARINDA = "Kabupaten Kutai Kartanegara", "Kota Samarinda"

SPELLINGS = [
    ("Kutai Kartanegara", KUKAR), ("Kabupaten Kutai Kartanegara", KUKAR),
    ("kab. kutai kartanegara", KUKAR), ("Kukar", KUKAR), ("Kab Kukar", KUKAR),
    ("KAB.KUKAR", KUKAR), ("Tenggarong", KUKAR), ("Samarinda", SAMARINDA),
    ("Kota Samarinda", SAMARINDA), ("  kota samarinda ", SAMARINDA),
    ("Kotamadya Samarinda", SAMARINDA), ("Samarinda, Kaltim", SAMARINDA),
    ("BPN", "Kota Balikpapan"), ("Balikpapan", "Kota Balikpapan"),
    ("Bontang", "Kota Bontang"), ("PPU", "Kabupaten Penajam Paser Utara"),
    ("Kab. Pasir", "Kabupaten Paser"), ("Kutim", "Kabupaten Kutai Timur"),
    ("Mahulu", "Kabupaten Mahakam Ulu"), ("Berau", "Kabupaten Berau"),
    ("Surabaya", OUTSIDE), ("Jakarta Selatan", OUTSIDE), ("Kota Banjarmasin", OUTSIDE),
    ("Banjarmasin, Kalsel", OUTSIDE), ("Jawa Timur", OUTSIDE), ("Luar Kaltim", OUTSIDE),
    ("luar-kaltim", OUTSIDE),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_canonical_maps_spellings_onto_the_list(text: str, expected: str) -> None:
    assert canonical(text) == expected
    assert expected in (*KALTIM, OUTSIDE)


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "Kalimantan Timur", "Kabupaten", None])
def test_canonical_is_none_when_it_cannot_tell(text: str | None) -> None:
    assert canonical(text) is None


def test_every_canonical_name_maps_to_itself_and_bali_is_not_balikpapan() -> None:
    for name in (*KALTIM, OUTSIDE):
        assert canonical(name) == name
        assert canonical(name.upper()) == name
    assert canonical("Bali") == OUTSIDE and canonical("Balikpapan") == "Kota Balikpapan"


def test_suggestions_for_a_typo_and_labels() -> None:
    assert regions.suggestions("Kutai Kartanegra") == [KUKAR]
    assert regions.suggestions("Samarindah") == [SAMARINDA]
    assert regions.suggestions("") == []
    with using("id"):
        assert regions.label(OUTSIDE) == "Luar Kalimantan Timur"
    assert regions.label(SAMARINDA) == SAMARINDA and regions.label(None) == ""


def test_form_region_maps_typed_places_and_refuses_unknown_ones() -> None:
    form = Form({"kabupaten": "Kab Kukar", "other": "Atlantis", "blank": ""})
    assert regions.form_region(form) == KUKAR
    assert regions.form_region(form, "blank", required=False) == ""
    assert form.valid
    regions.form_region(form, "other")
    regions.form_region(form, "blank")
    assert set(form.errors) == {"other", "blank"}


def test_migration_keeps_a_frozen_mapping_that_agrees_with_canonical() -> None:
    """0009 cannot import expo.regions; its copy must still map each key as ``canonical``
    does, and every SQL-side key of the spellings above must be in it."""
    assert MIGRATION.REGION_KEYS, "the migration lost its mapping"
    for key, value in MIGRATION.REGION_KEYS.items():
        assert canonical(key) == value, key
    step = MIGRATION.Migration.operations[-1]
    assert step.describe() == "Run SQL"
    assert [s.split()[1] for s in step.sql] == list(MIGRATION.REGION_TABLES)


# The SQL maps whole keys only; Python also reads a province named after a town.
SQL_UNMAPPED = {"Banjarmasin, Kalsel"}


async def test_migration_sql_canonicalises_rows_on_each_backend(db: str) -> None:
    event = await make_event()
    texts = [text for text, _expected in SPELLINGS] + ["Atlantis", ""]
    producers = [await make_producer(kabupaten=text, product=False) for text in texts]
    visitors = [await make_visitor(event, f"V{n}") for n, _t in enumerate(texts)]
    for visitor, text in zip(visitors, texts, strict=True):
        await Visitor.filter(id=visitor.id).update(kabupaten=text)  # as an old row has it
    orgs = [await Organisation.create(name=f"Dinas {n}", kabupaten=text)
            for n, text in enumerate(texts)]
    conn = connections.get("default")
    for table in MIGRATION.REGION_TABLES:
        await conn.execute_script(MIGRATION.canonical_regions_sql(table))
    expected = [text if text in SQL_UNMAPPED else canonical(text) for text in texts[:-2]]
    expected += ["Atlantis", ""]  # unknown and blank stay as they were
    for model, rows in ((type(producers[0]), producers), (Visitor, visitors),
                        (Organisation, orgs)):
        ids = [r.id for r in rows]
        got = dict(await model.filter(id__in=ids).values_list("id", "kabupaten"))
        assert [got[i] for i in ids] == expected, model


def _insert_orgs_sql(texts: list[str], placeholder: str) -> str:
    return ("INSERT INTO proc_organisations (name, kind, kabupaten, address, phone, email, "
            "requires_approval, approval_threshold, active, created_at) VALUES "
            f"('Dinas', 'agency', {placeholder}, '', '', '', TRUE, 0, TRUE, "
            "'2026-11-30 10:00:00+00:00')")


MIGRATED = [("Kab. Kukar", KUKAR), ("Samarinda", SAMARINDA), ("BPN", "Kota Balikpapan"),
            ("Surabaya", OUTSIDE), ("Atlantis", "Atlantis"), (SAMARINDA, SAMARINDA)]


def test_migration_0009_canonicalises_an_old_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Rows written at 0008 come out of ``expo migrate`` canonical (unknown ones untouched).

    SQLite only: the walk through every migration costs half a minute per backend, and the
    step's SQL itself runs on both backends in the test above."""
    texts = [t for t, _e in MIGRATED]
    path = tmp_path / "old.sqlite3"
    _migrate_to(f"sqlite://{path}", "models.0008_procurement")
    with sqlite3.connect(path) as conn:
        conn.executemany(_insert_orgs_sql(texts, "?"), [(t,) for t in texts])
    _migrate(f"sqlite://{path}", tmp_path)
    with sqlite3.connect(path) as conn:
        got = [r[0] for r in conn.execute("SELECT kabupaten FROM proc_organisations "
                                          "ORDER BY id")]
    assert got == [e for _t, e in MIGRATED]


async def test_workbook_shows_labels_not_keys_and_one_row_per_region(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Visitor source and kabupaten are labels in the workbook; the summary counts "Kutai
    Kartanegara" and "Kabupaten Kutai Kartanegara" as one kabupaten."""
    from openpyxl import load_workbook

    from expo.exhibitors.models import Application, AppStatus
    from expo.reports.workbook import build_event_workbook
    from expo.visitors.models import Source

    event = await make_event()
    for text in ("Kutai Kartanegara", KUKAR, OUTSIDE):
        producer = await make_producer(kabupaten=text, product=False)
        await Application.create(event=event, producer=producer, status=AppStatus.ACCEPTED)
    for n, source in enumerate(Source):
        visitor = await make_visitor(event, f"Tamu {n}")
        await Visitor.filter(id=visitor.id).update(source=source, kabupaten=OUTSIDE)
    path = tmp_path / "report.xlsx"
    with using("id"):
        await build_event_workbook(event=event, target=path)
    book = load_workbook(path)
    rows = [list(r) for r in book.worksheets[3].iter_rows(values_only=True)]
    header, rows = rows[0], [r for r in rows[1:] if isinstance(r[0], int)]  # not the notes
    assert len(rows) == len(Source)
    sources = {r[header.index("Sumber")] for r in rows}
    assert sources == {"Pendaftaran daring", "Pendaftaran rombongan",
                       "Kios pengunjung langsung", "Ditambahkan panitia"}
    assert {r[header.index("Kabupaten/kota")] for r in rows} == {"Luar Kalimantan Timur"}
    summary = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    regions_rows = {r[1]: r[3] for r in summary if r[0] == "Peserta pameran per kabupaten/kota"}
    assert regions_rows == {KUKAR: 2, "Luar Kalimantan Timur": 1}, summary


async def test_dashboard_counts_one_kabupaten_however_it_was_written(db: str) -> None:
    from expo.exhibitors.models import Application, AppStatus
    from expo.reports import dashboard

    event = await make_event()
    for text in ("Kutai Kartanegara", KUKAR, "kab. kukar", SAMARINDA, OUTSIDE):
        producer = await make_producer(kabupaten=text, product=False)
        await Application.create(event=event, producer=producer, status=AppStatus.ACCEPTED)
    with using("id"):
        board = await dashboard.build(event=event)
    assert board.by_kabupaten == [(KUKAR, 3), (SAMARINDA, 1), ("Luar Kalimantan Timur", 1)]


async def test_import_maps_places_and_reports_the_ones_it_cannot(db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from expo.exhibitors import importer
    from tests.exhibitors.test_import import row, xlsx

    event = await make_event()
    data = xlsx([row(name=f"U{n}", email=f"u{n}@contoh.id", kab=kab, phone=f"0812 3456 000{n}",
                     nib=f"091234567890{n}")
                 for n, kab in enumerate(("Kab Kukar", "BPN", "Surabaya", "Samarindah"))])
    with using("id"):
        preview = await importer.preview(data=data, event=event, uploads_dir=tmp_path)
    assert [r.values["kabupaten"] for r in preview.rows] == [
        KUKAR, "Kota Balikpapan", OUTSIDE, None]
    assert not preview.ok
    assert [r.errors for r in preview.rows] == [[], [], [], [
        "Kabupaten/Kota: tempat Samarindah tidak dikenal. Maksud Anda Kota Samarinda?"]]


async def test_buyer_organisation_form_maps_a_typed_place(client, db: str) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD
    from tests.procurement.factories import office_user

    office = await office_user()
    await client.login(office.email, PASSWORD)
    form = {"name": "Dinas Pariwisata", "kind": "agency", "kabupaten": "BPN",
            "requires_approval": "1"}
    made = await client.submit("/procurement/office/organisations", form)
    assert made.status_code == 303, made.text[:300]
    assert (await Organisation.get(name="Dinas Pariwisata")).kabupaten == "Kota Balikpapan"
    bad = await client.submit("/procurement/office/organisations", {**form, "name": "Dinas X",
                                                             "kabupaten": "Atlantis"})
    assert bad.status_code == 422
    assert not await Organisation.exists(name="Dinas X")
