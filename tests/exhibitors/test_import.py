import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import Workbook, load_workbook

from expo.accounts.models import EventRole, PasswordToken, Role, User
from expo.audit.models import AuditEntry
from expo.errors import DomainError, NotFound
from expo.exhibitors import import_jobs, importer
from expo.exhibitors.import_models import ImportJob, ImportKind, ImportStatus
from expo.exhibitors.models import Application, AppStatus, Producer
from expo.jobs import queue
from expo.jobs.models import Job, JobState
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


async def test_commit_creates_everything_with_invitations(db, tmp_path):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    data = xlsx([row(), row(name="Batik Bu Rina", email="rina@contoh.id",
                            phone="0813 4444 5555", category="batik", apply="tidak", nib=None)])
    preview = await importer.preview(data=data, event=event, uploads_dir=tmp_path)
    result = await importer.commit(token=preview.token, event=event, by=committee,
                                   uploads_dir=tmp_path,
                                   link_base="http://testserver/reset")
    assert (result.created, result.applications) == (2, 1)
    aminah = await User.get(email="aminah@contoh.id")
    assert aminah.password_hash == ""
    assert await PasswordToken.filter(purpose="invite").count() == 2
    invites = await OutboxMessage.filter(body__contains="http://testserver/reset?token=")
    assert sorted((m.channel.value, m.to) for m in invites) == [
        ("email", "aminah@contoh.id"), ("email", "rina@contoh.id"),
        ("whatsapp", "+6281234567890"), ("whatsapp", "+6281344445555")]
    assert {m.kind for m in invites} == {"exhibitors.import_invite"}
    assert {m.event_id for m in invites} == {event.id}
    app = await Application.get(event=event)
    assert app.status == AppStatus.DRAFT and app.source == "import"
    assert await EventRole.exists(user=aminah, event=event, role=Role.EXHIBITOR)
    rina = await Producer.get(email="rina@contoh.id")
    assert rina.category.value == "fesyen"
    with pytest.raises(NotFound):  # the token is used up
        await importer.commit(token=preview.token, event=event, by=committee,
                              uploads_dir=tmp_path, link_base="x")


async def test_commit_is_all_or_nothing(db, tmp_path):
    event = await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    preview = await importer.preview(data=xlsx([row(), row(phone="0812 3456 7890",
                                                           email="other@contoh.id")]),
                                     event=event, uploads_dir=tmp_path)
    assert not preview.ok
    with pytest.raises(DomainError) as info:
        await importer.commit(token=preview.token, event=event, by=committee,
                              uploads_dir=tmp_path, link_base="x")
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
                              uploads_dir=tmp_path, link_base="x")
    monkeypatch.undo()
    assert await Producer.all().count() == 0
    assert not await User.exists(email="aminah@contoh.id")
    assert not await OutboxMessage.exists() and not await PasswordToken.exists()  # invitations


async def test_commit_refuses_token_of_other_event_and_garbage(db, tmp_path):
    event, other = await make_event(), await make_event()
    committee = await make_user(event=event, role=Role.COMMITTEE)
    preview = await importer.preview(data=xlsx([row()]), event=event, uploads_dir=tmp_path)
    for token, target in [(preview.token, other), ("../../etc/passwd", event)]:
        with pytest.raises(NotFound):
            await importer.commit(token=token, event=target, by=committee,
                                  uploads_dir=tmp_path, link_base="x")


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
    bad = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx([row(kab="Atlantis")]),
                                                       "application/octet-stream")})
    assert bad.status_code == 422 and "Atlantis" in bad.text
    good = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx([row()]),
                                                        "application/octet-stream")})
    assert good.status_code == 200
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


# ---- large files: through the job queue ---------------------------------------------------

FAR = 10 * 86_400_000  # ten days in milliseconds: every backoff has passed


def _rows(n: int, start: int = 1):  # type: ignore[no-untyped-def]
    return [row(name=f"Usaha {i}", email=f"u{i}@contoh.id", phone=f"0812 5000 {i:04d}",
                nib=None, apply="ya" if i % 2 else "tidak") for i in range(start, start + n)]


async def _previewed(client, event, rows):  # type: ignore[no-untyped-def]
    url = f"/manage/e/{event.slug}/import"
    good = await client.submit(url, {}, files={"file": ("p.xlsx", xlsx(rows),
                                                        "application/octet-stream")})
    assert good.status_code == 200, good.text[:300]
    return BeautifulSoup(good.text, "html.parser").select_one("input[name=token]")["value"]


async def _large_commit(client, monkeypatch, rows=None, locale=None):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(import_jobs, "LARGE_IMPORT_ROWS", 2)
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    if locale:
        await client.submit("/lang", {"lang": locale, "next": "/"})
    token = await _previewed(client, event, rows or _rows(3))
    response = await client.submit(f"/manage/e/{event.slug}/import/commit", {"token": token})
    assert response.status_code == 303
    record = await ImportJob.get(event=event)
    assert response.headers["location"].endswith(f"/manage/e/{event.slug}/imports/{record.id}")
    return event, user, record


def _status(page) -> str:  # type: ignore[no-untyped-def]
    return BeautifulSoup(page.text, "html.parser").select_one("[data-status]")["data-status"]


async def test_large_import_goes_through_the_queue_and_lands_after_drain(
        client, db, settings, monkeypatch):
    event, user, record = await _large_commit(client, monkeypatch)
    assert (record.kind, record.status) == (ImportKind.PRODUCERS, ImportStatus.QUEUED)
    assert not await Producer.exists()  # nothing written during the request
    job = await Job.get(key=f"exhibitors.import:{record.id}")
    assert job.event_id == event.id and "link_base" in job.payload
    assert set(job.payload) == {"import_id", "uploads_dir", "link_base"}  # not the file
    upload = importer.upload_path(settings.uploads_dir, event.id, record.token)
    assert upload.exists()
    url = f"/manage/e/{event.slug}/imports/{record.id}"
    waiting = await client.get(url)
    assert waiting.status_code == 200 and _status(waiting) == "queued"
    assert BeautifulSoup(waiting.text, "html.parser").select_one("[hx-get]")  # it polls
    await queue.drain()
    record = await ImportJob.get(id=record.id)
    assert record.status == ImportStatus.DONE
    assert record.result == {"created": 3, "applications": 2}
    assert await Producer.filter(email__startswith="u").count() == 3
    assert await Application.filter(event=event).count() == 2
    assert await OutboxMessage.filter(kind="exhibitors.import_invite", channel="email"
                                      ).count() == 3
    assert not upload.exists()  # removed once imported
    done = BeautifulSoup((await client.get(url + "/status")).text, "html.parser")
    assert done.select_one("[data-status]")["data-status"] == "done"
    assert not done.select_one("[hx-get]")  # the polling stops
    assert "3" in done.select_one("[data-testid=result]").text
    entry = await AuditEntry.get(action="expo.import.queued")
    assert entry.actor_id == user.id and entry.event_id == event.id
    assert await AuditEntry.exists(action="expo.producer.imported", actor_id=user.id)


async def test_large_import_run_again_imports_nothing_twice(client, db, monkeypatch):
    event, _user, record = await _large_commit(client, monkeypatch)
    await queue.drain()
    job = await Job.get(key=f"exhibitors.import:{record.id}")
    await import_jobs.import_producers(queue.RunningJob(
        id=job.id, kind=job.kind, payload=job.payload, attempt=2, max_attempts=3))
    assert await Producer.all().count() == 3
    assert (await ImportJob.get(id=record.id)).status == ImportStatus.DONE


async def test_large_import_that_became_invalid_writes_nothing_and_shows_why(
        client, db, settings, monkeypatch):
    event, _user, record = await _large_commit(client, monkeypatch)
    await make_producer(user=await make_user(email="u2@contoh.id"))  # registered meanwhile
    await queue.drain()
    record = await ImportJob.get(id=record.id)
    assert record.status == ImportStatus.FAILED
    assert record.error == "Berkas masih berisi kesalahan; tidak ada yang diimpor."
    assert any("u2@contoh.id" in p for p in record.problems)
    assert not await Producer.filter(email__in=["u1@contoh.id", "u3@contoh.id"]).exists()
    assert not await PasswordToken.exists() and not await OutboxMessage.exists()
    assert not importer.upload_path(settings.uploads_dir, event.id, record.token).exists()
    page = BeautifulSoup((await client.get(f"/manage/e/{event.slug}/imports/{record.id}")
                          ).text, "html.parser")
    error = page.select_one("[data-testid=error]")
    assert "tidak ada yang diimpor" in error.text and "u2@contoh.id" in error.text


async def test_large_import_errors_show_in_the_requesters_language(client, db, monkeypatch):
    event, _user, record = await _large_commit(client, monkeypatch, locale="en")
    assert record.locale == "en"
    await make_producer(user=await make_user(email="u1@contoh.id"))
    await queue.drain()
    record = await ImportJob.get(id=record.id)
    assert record.error == "The file still has errors; nothing was imported."


async def test_large_import_failing_mid_way_leaves_nothing_half_written(client, db, monkeypatch):
    event, _user, record = await _large_commit(client, monkeypatch)
    original = Producer.create
    calls = []

    async def flaky(**kw):  # type: ignore[no-untyped-def]
        calls.append(kw)
        if len(calls) % 3 == 2:
            raise RuntimeError("disk full")
        return await original(**kw)

    monkeypatch.setattr(Producer, "create", flaky)
    await queue.drain()
    job = await Job.get(key=f"exhibitors.import:{record.id}")
    assert job.state == JobState.FAILED and "disk full" in job.last_error  # retried later
    assert (await ImportJob.get(id=record.id)).status == ImportStatus.QUEUED
    assert not await Producer.exists() and not await User.exists(email="u1@contoh.id")
    for step in (1, 2):
        await queue.drain(now=queue.now_ms() + step * FAR)
    assert (await Job.get(id=job.id)).state == JobState.DEAD
    record = await ImportJob.get(id=record.id)
    assert record.status == ImportStatus.FAILED and "tidak ada yang diimpor" in record.error
    assert not await Producer.exists() and not await OutboxMessage.exists()


async def test_small_import_stays_immediate(client, db, monkeypatch):
    monkeypatch.setattr(import_jobs, "LARGE_IMPORT_ROWS", 2)
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    token = await _previewed(client, event, _rows(2))
    done = await client.submit(f"/manage/e/{event.slug}/import/commit", {"token": token})
    assert done.status_code == 303 and done.headers["location"].endswith("/applications")
    assert await Producer.all().count() == 2 and not await ImportJob.exists()
    assert not await Job.filter(kind="exhibitors.import").exists()


async def test_import_page_is_the_committees_of_its_event(client, db, monkeypatch):
    event, _user, record = await _large_commit(client, monkeypatch)
    url = f"/manage/e/{event.slug}/imports/{record.id}"
    assert (await client.get(f"/manage/e/{event.slug}/imports/999999")).status_code == 404
    other = await make_event()
    boss = await make_user(event=other, role=Role.COMMITTEE)
    curator = await make_user(event=event, role=Role.CURATOR)
    client.cookies.clear()
    client.csrf = ""
    await client.login(curator.email, PASSWORD)
    assert (await client.get(url)).status_code == 403
    assert (await client.get(url + "/status")).status_code == 403
    client.cookies.clear()
    client.csrf = ""
    await client.login(boss.email, PASSWORD)
    assert (await client.get(f"/manage/e/{other.slug}/imports/{record.id}")).status_code == 404
    client.cookies.clear()
    assert (await client.get(url)).status_code in (302, 303)


async def test_commit_without_csrf_is_refused(client, db, monkeypatch):
    monkeypatch.setattr(import_jobs, "LARGE_IMPORT_ROWS", 2)
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    token = await _previewed(client, event, _rows(3))
    refused = await client.post(f"/manage/e/{event.slug}/import/commit", data={"token": token})
    assert refused.status_code == 403
    assert not await ImportJob.exists() and not await Producer.exists()
