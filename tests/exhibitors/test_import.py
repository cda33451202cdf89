import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from expo.accounts.models import EventRole, PasswordToken, Role, User
from expo.errors import DomainError, NotFound
from expo.exhibitors import importer
from expo.exhibitors.models import Application, AppStatus, Producer
from expo.outbox import OutboxMessage
from tests.exhibitors.factories import make_producer
from tests.factories import PASSWORD, make_event, make_user

HEADER = [h for _k, h, _a in importer.COLUMNS]


def xlsx(rows, header=None):
    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(name="Amplang Hj. Aminah", phone="0812 3456 7890", email="aminah@contoh.id",
        kab="Kota Samarinda", category="kuliner", nib="0912345678901", apply="ya", **extra):
    values = {"business_name": name, "owner_name": "Hj. Aminah", "phone": phone,
              "email": email, "kabupaten": kab, "category": category, "cluster": "Amplang",
              "address": "Jl. Pahlawan", "nib": nib, "halal_expires_on": dt.date(2028, 6, 30),
              "halal_number": "ID6411", "workers": 6, "smk_workers": 1, "smk_interns": 2,
              "is_micro": "ya", "apply": apply, "booth_type": "standar", "booths_needed": 1,
              "power_watts": 450, "needs_water": "tidak", "first_time": "ya", **extra}
    return [values.get(k) for k, _h, _a in importer.COLUMNS]


async def test_preview_accepts_clean_file(db, tmp_path):
    event = await make_event()
    preview = await importer.preview(data=xlsx([row()]), event=event, uploads_dir=tmp_path)
    assert preview.ok and preview.rows[0].values["phone"] == "+6281234567890"


async def test_preview_repairs_excel_numbers(db, tmp_path):
    event = await make_event()
    data = xlsx([row(phone=8.1234567e11, nib=912345678901),
                 row(name="B", email="b@contoh.id", phone=6281299990000, nib=None,
                     kab="kab. kutai kartanegara")])
    preview = await importer.preview(data=data, event=event, uploads_dir=tmp_path)
    assert preview.ok, [r.errors for r in preview.rows]
    first, second = preview.rows
    assert first.values["phone"] == "+62812345670000"
    assert first.values["nib"] == "0912345678901"
    assert second.values["kabupaten"] == "Kabupaten Kutai Kartanegara"


async def test_preview_lists_row_errors(db, tmp_path):
    event = await make_event()
    data = xlsx([
        row(),
        row(name=None, email="x@contoh.id", phone="0812 1111 2222"),  # empty required cell
        row(name="Dup", email="AMINAH@contoh.id", phone="0812 3333 4444"),  # duplicate email
        row(name="Kab", email="k@contoh.id", phone="0812 5555 6666", kab="Kutai Kartanegra"),
        row(name="Tel", email="t@contoh.id", phone="12345", nib="12345678901234"),
        row(name="Cat", email="c@contoh.id", phone="0812 7777 8888", category="elektronik",
            booth_type="vip"),
    ])
    preview = await importer.preview(data=data, event=event, uploads_dir=tmp_path)
    assert not preview.ok
    errors = {r.number: " ".join(r.errors) for r in preview.rows}
    assert errors[2] == ""
    assert "Nama usaha*" in errors[3]
    assert "row 2" in errors[4] or "baris 2" in errors[4]
    assert "Kabupaten Kutai Kartanegara" in errors[5]  # suggestion
    assert "12345" in errors[6] and "NIB" in errors[6]
    assert "elektronik" in errors[7] and "standar" in errors[7]
    assert preview.error_count == 5


async def test_preview_flags_producers_already_registered(db, tmp_path):
    event = await make_event()
    await make_producer(user=await make_user(email="aminah@contoh.id"))
    preview = await importer.preview(data=xlsx([row()]), event=event, uploads_dir=tmp_path)
    assert not preview.ok and "aminah@contoh.id" in preview.rows[0].errors[0]


async def test_preview_reports_missing_columns(db, tmp_path):
    event = await make_event()
    preview = await importer.preview(data=xlsx([["x"]], header=["Nama usaha*"]), event=event,
                                     uploads_dir=tmp_path)
    assert not preview.ok and "No. WhatsApp*" in preview.missing_columns


async def test_preview_refuses_non_excel(db, tmp_path):
    event = await make_event()
    with pytest.raises(DomainError) as info:
        await importer.preview(data=b"%PDF-1.4 nope", event=event, uploads_dir=tmp_path)
    assert info.value.code == "not_xlsx"
    with pytest.raises(DomainError) as info:
        await importer.preview(data=xlsx([]), event=event, uploads_dir=tmp_path)
    assert info.value.code == "empty_file"


async def test_commit_creates_everything_with_invitations(db, tmp_path, settings):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    data = xlsx([row(), row(name="Batik Bu Rina", email="rina@contoh.id",
                            phone="0813 4444 5555", category="batik", apply="tidak", nib=None)])
    preview = await importer.preview(data=data, event=event, uploads_dir=tmp_path)
    result = await importer.commit(token=preview.token, event=event, by=committee,
                                   uploads_dir=tmp_path, settings=settings,
                                   link_base="http://testserver/reset")
    assert (result.created, result.applications) == (2, 1)
    aminah = await User.get(email="aminah@contoh.id")
    assert aminah.password_hash == ""
    assert await PasswordToken.filter(purpose="invite").count() == 2
    assert await OutboxMessage.filter(body__contains="http://testserver/reset?token=").count() == 2
    app = await Application.get(event=event)
    assert app.status == AppStatus.DRAFT and app.source == "import"
    assert await EventRole.exists(user=aminah, event=event, role=Role.EXHIBITOR)
    rina = await Producer.get(email="rina@contoh.id")
    assert rina.category.value == "fesyen"
    with pytest.raises(NotFound):  # the token is used up
        await importer.commit(token=preview.token, event=event, by=committee,
                              uploads_dir=tmp_path, settings=settings, link_base="x")


async def test_commit_is_all_or_nothing(db, tmp_path):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    preview = await importer.preview(data=xlsx([row(), row(phone="0812 3456 7890",
                                                           email="other@contoh.id")]),
                                     event=event, uploads_dir=tmp_path)
    assert not preview.ok
    with pytest.raises(DomainError) as info:
        await importer.commit(token=preview.token, event=event, by=committee,
                              uploads_dir=tmp_path, settings=None, link_base="x")
    assert info.value.code == "import_invalid"
    assert await Producer.all().count() == 0 and not await User.exists(email="aminah@contoh.id")


async def test_commit_rolls_back_when_a_write_fails(db, tmp_path, monkeypatch):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    preview = await importer.preview(data=xlsx([row(), row(name="B", email="b@contoh.id",
                                                           phone="0813 1111 2222", nib=None)]),
                                     event=event, uploads_dir=tmp_path)
    calls = []
    original = Producer.create

    async def flaky(**kw):
        calls.append(kw)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return await original(**kw)

    monkeypatch.setattr(Producer, "create", flaky)
    with pytest.raises(RuntimeError):
        await importer.commit(token=preview.token, event=event, by=committee,
                              uploads_dir=tmp_path, settings=None, link_base="x")
    monkeypatch.undo()
    assert await Producer.all().count() == 0
    assert not await User.exists(email="aminah@contoh.id")


async def test_commit_refuses_token_of_other_event_and_garbage(db, tmp_path):
    event, other = await make_event(), await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    preview = await importer.preview(data=xlsx([row()]), event=event, uploads_dir=tmp_path)
    for token, target in [(preview.token, other), ("../../etc/passwd", event)]:
        with pytest.raises(NotFound):
            await importer.commit(token=token, event=target, by=committee,
                                  uploads_dir=tmp_path, settings=None, link_base="x")


def test_template_has_all_columns():
    wb = load_workbook(io.BytesIO(importer.template_bytes()))
    header = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))]
    assert header == HEADER


# ---- routes -------------------------------------------------------------------------------

async def test_import_routes_preview_and_commit(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    url = f"/manage/e/{event.slug}/import"
    assert (await client.get(url)).status_code == 200
    template = await client.get(url + "/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    bad = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx([row(kab="Jakarta")]),
                                                       "application/octet-stream")})
    assert bad.status_code == 422 and "Jakarta" in bad.text
    good = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx([row()]),
                                                        "application/octet-stream")})
    assert good.status_code == 200
    from bs4 import BeautifulSoup

    token = BeautifulSoup(good.text, "html.parser").select_one("input[name=token]")["value"]
    done = await client.submit(url + "/commit", {"token": token})
    assert done.status_code == 303
    assert await Producer.exists(email="aminah@contoh.id")


async def test_import_route_refuses_missing_and_non_excel_files(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    url = f"/manage/e/{event.slug}/import"
    assert (await client.submit(url, {})).status_code == 422
    response = await client.submit(url, {}, files={"file": ("a.xlsx", b"hello", "text/plain")})
    assert response.status_code == 422
    assert (await client.submit(url + "/commit", {"token": "0" * 32})).status_code == 404


async def test_import_route_forbidden_for_curator(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.CURATOR)
    await client.login(user.email, PASSWORD)
    assert (await client.get(f"/manage/e/{event.slug}/import")).status_code == 403
    assert (await client.get(f"/manage/e/{event.slug}/import/template.xlsx")).status_code == 403


async def test_preview_refuses_a_zip_bomb_before_unpacking(db, tmp_path):
    from tests.shared.bombs import xlsx_bomb

    event = await make_event()
    with pytest.raises(DomainError) as info:
        await importer.preview(data=xlsx_bomb(), event=event, uploads_dir=tmp_path)
    assert (info.value.code, info.value.status_code) == ("unpacked_too_large", 413)
    assert not list(tmp_path.rglob("*.xlsx"))  # nothing kept


async def test_import_route_refuses_a_zip_bomb_on_the_form(client, db):
    from bs4 import BeautifulSoup

    from tests.shared.bombs import xlsx_bomb

    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    url = f"/manage/e/{event.slug}/import"
    response = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx_bomb(),
                                                            "application/octet-stream")})
    assert response.status_code == 413
    page = BeautifulSoup(response.text, "html.parser")
    assert "lebih dari" in page.select_one("#e-file").text
    assert page.select_one("input[type=file][name=file]")  # the form, to try another file
    good = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx([row()]),
                                                        "application/octet-stream")})
    assert good.status_code == 200
