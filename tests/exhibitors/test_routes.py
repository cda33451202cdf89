import datetime as dt
import io

from bs4 import BeautifulSoup
from openpyxl import load_workbook

from expo.accounts.models import Role, User
from expo.events.models import EventStatus
from expo.exhibitors import uploads
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Criterion,
    Document,
    InboxMessage,
    Producer,
    Product,
    Quota,
    Score,
)
from tests.exhibitors.factories import (
    PDF,
    jpeg_bytes,
    make_application,
    make_producer,
    make_rubric,
    png_bytes,
)
from tests.factories import PASSWORD, make_event, make_user


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


async def exhibitor(client, **kw):
    user = await make_user()
    producer = await make_producer(user=user, **kw)
    await client.login(user.email, PASSWORD)
    return user, producer


async def staff(client, event, role=Role.COMMITTEE):
    user = await make_user(event=event, role=role)
    await client.login(user.email, PASSWORD)
    return user


SIGNUP = {"business_name": "Kue Talam Bu Sri", "owner_name": "Sri Wahyuni",
          "phone": "0812 5555 0101", "email": "sri@example.id", "password": "talam-enak-123",
          "password2": "talam-enak-123", "kabupaten": "Kota Balikpapan", "category": "kuliner",
          "agree": "1"}


# ---- sign-up and profile ------------------------------------------------------------------

async def test_signup_page_renders(client, db):
    response = await client.get("/exhibitor/signup")
    assert response.status_code == 200
    assert soup(response).select_one("select[name=kabupaten]")


async def test_signup_creates_profile_and_signs_in(client, db):
    await client.fetch_csrf("/exhibitor/signup")
    response = await client.submit("/exhibitor/signup", SIGNUP)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/exhibitor/profile")
    producer = await Producer.get(email="sri@example.id")
    assert producer.phone == "+6281255550101"
    assert (await client.get("/exhibitor")).status_code == 200


async def test_signup_invalid_is_422_with_inline_errors(client, db):
    await client.fetch_csrf("/exhibitor/signup")
    response = await client.submit("/exhibitor/signup", {**SIGNUP, "phone": "12",
                                                          "password2": "other", "agree": ""})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#e-phone") and page.select_one("#e-password2")
    assert not page.select_one("#f-password").get("value")
    assert await Producer.all().count() == 0


async def test_signup_taken_email_is_422(client, db):
    await make_user(email="sri@example.id")
    await client.fetch_csrf("/exhibitor/signup")
    response = await client.submit("/exhibitor/signup", SIGNUP)
    assert response.status_code == 422
    assert soup(response).select_one("#e-email")


async def test_signup_from_event_link_names_the_event_and_lands_on_its_draft(client, db):
    event = await make_event()
    page = soup(await client.get(f"/exhibitor/signup?event={event.slug}"))
    assert event.name in page.select_one("#signup-event").text
    assert page.select_one("input[name=event]")["value"] == event.slug
    signin = page.select_one("#signup-signin")["href"]
    assert signin == f"/login?next=%2Fexhibitor%2Fsignup%3Fevent%3D{event.slug}"
    await client.fetch_csrf(f"/exhibitor/signup?event={event.slug}")
    response = await client.submit("/exhibitor/signup", {**SIGNUP, "event": event.slug})
    assert response.status_code == 303
    assert response.headers["location"] == f"http://testserver/exhibitor/apply/{event.slug}"
    app = await Application.get(event=event)
    assert app.status == AppStatus.DRAFT
    page = soup(await client.get(response.headers["location"]))
    assert event.name in page.select_one(".flash-success").text
    assert page.select_one(".alert-warning li")  # what is still missing before sending


async def test_signup_from_a_closed_or_unknown_event_still_works(client, db):
    closed = await make_event(status=EventStatus.CLOSED)
    over = await make_event()
    over.exhibitor_reg_closes = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await over.save()
    for n, slug in enumerate([closed.slug, over.slug, "no-such-event", "%00%3Cscript%3E"]):
        client.cookies.clear()
        page = await client.get(f"/exhibitor/signup?event={slug}")
        assert page.status_code == 200, slug
        assert soup(page).select_one("#signup-event-closed"), slug
        await client.fetch_csrf(f"/exhibitor/signup?event={slug}")
        email = f"sri{n}@example.id"
        response = await client.submit("/exhibitor/signup", {**SIGNUP, "email": email,
                                                              "event": slug})
        assert response.status_code == 303, slug
        assert response.headers["location"] == "http://testserver/exhibitor/profile"
        notice = soup(await client.get("/exhibitor/profile")).select_one(".flash-warning")
        assert notice is not None, slug
    assert not await Application.exists()
    assert await Producer.all().count() == 4


async def test_signup_from_event_link_invalid_is_422_and_keeps_the_event(client, db):
    event = await make_event()
    await client.fetch_csrf(f"/exhibitor/signup?event={event.slug}")
    response = await client.submit("/exhibitor/signup", {**SIGNUP, "phone": "12",
                                                          "event": event.slug})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("input[name=event]")["value"] == event.slug
    assert page.select_one("#signup-event")
    assert not await Application.exists()


async def test_signup_redirects_only_to_internal_paths(client, db):
    await client.fetch_csrf("/exhibitor/signup")
    response = await client.submit("/exhibitor/signup", {
        **SIGNUP, "event": "//evil.example/x", "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/exhibitor/profile"


async def test_signin_from_the_signup_link_returns_to_the_event(client, db):
    event = await make_event()
    user, producer = await exhibitor(client)
    client.cookies.clear()
    page = soup(await client.get(f"/exhibitor/signup?event={event.slug}"))
    login = soup(await client.get(page.select_one("#signup-signin")["href"]))
    back = login.select_one("form[action$='/login'] input[name=next]")["value"]
    await client.fetch_csrf()
    response = await client.submit("/login", {"email": user.email, "password": PASSWORD,
                                              "next": back})
    assert response.status_code == 303
    assert response.headers["location"] == f"/exhibitor/signup?event={event.slug}"
    response = await client.get(response.headers["location"])
    assert response.headers["location"].endswith(f"/exhibitor/apply/{event.slug}")
    assert (await client.get(response.headers["location"])).status_code == 200
    sent = await make_application(event=event, producer=producer)
    response = await client.get(f"/exhibitor/apply/{event.slug}")
    assert response.headers["location"].endswith(f"/exhibitor/applications/{sent.id}")


async def test_signed_in_producer_with_a_closed_event_link_sees_why(client, db):
    closed = await make_event(status=EventStatus.CLOSED)
    await exhibitor(client)
    response = await client.get(f"/exhibitor/signup?event={closed.slug}")
    assert response.status_code == 303 and response.headers["location"].endswith("/exhibitor")
    page = soup(await client.get("/exhibitor"))
    assert closed.name in page.select_one(".flash-warning").text


async def test_apply_without_profile_goes_to_signup_for_that_event(client, db):
    event = await make_event()
    user = await make_user()
    await client.login(user.email, PASSWORD)
    response = await client.get(f"/exhibitor/apply/{event.slug}")
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/exhibitor/signup?event={event.slug}")
    form = {k: v for k, v in SIGNUP.items() if k not in ("email", "password", "password2")}
    response = await client.submit("/exhibitor/signup", {**form, "event": event.slug})
    assert response.headers["location"].endswith(f"/exhibitor/apply/{event.slug}")
    assert await Application.filter(event=event, status=AppStatus.DRAFT).count() == 1


async def test_dashboard_requires_login(client, db):
    response = await client.get("/exhibitor")
    assert response.status_code == 303 and "/login" in response.headers["location"]


async def test_dashboard_without_profile_goes_to_signup(client, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    response = await client.get("/exhibitor")
    assert response.status_code == 303 and response.headers["location"].endswith("/signup")
    response = await client.get("/exhibitor/profile")
    assert response.status_code == 404


async def test_dashboard_shows_status_messages_and_steps(client, db):
    event = await make_event()
    _user, producer = await exhibitor(client)
    app = await make_application(event=event, producer=producer, status=AppStatus.ACCEPTED)
    await InboxMessage.create(producer=producer, event=event, application=app,
                              subject="Diterima di pameran", body="Selamat")
    response = await client.get("/exhibitor")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one(".status-accepted")
    assert "Diterima di pameran" in page.select_one(".inbox").text
    assert page.select_one(".next-steps li")
    assert await InboxMessage.filter(read_at=None).count() == 0


async def test_profile_edit_saves_and_validates(client, db):
    _user, producer = await exhibitor(client)
    response = await client.get("/exhibitor/profile")
    assert soup(response).select_one("#f-business_name")["value"] == producer.business_name
    data = {"business_name": "Amplang Baru", "owner_name": "Ibu A", "phone": "081234567890",
            "email": "a@example.id", "kabupaten": "Kabupaten Berau", "category": "oleh-oleh",
            "cluster": "Amplang", "nib": "912345678901", "halal_number": "ID1",
            "halal_expires_on": "2030-01-01", "workers": "5", "smk_interns": "2"}
    response = await client.submit("/exhibitor/profile", data)
    assert response.status_code == 303
    producer = await Producer.get(id=producer.id)
    assert (producer.nib, producer.cluster, producer.smk_interns) == ("0912345678901",
                                                                      "amplang", 2)
    response = await client.submit("/exhibitor/profile", {**data, "nib": "12x",
                                                           "halal_expires_on": ""})
    assert response.status_code == 422
    assert soup(response).select_one("#e-nib") and soup(response).select_one(
        "#e-halal_expires_on")


# ---- products -----------------------------------------------------------------------------

async def test_product_add_with_photo_and_serve_thumbnail(client, db, settings):
    _user, producer = await exhibitor(client, product=False)
    response = await client.submit("/exhibitor/products", {
        "name": "Nastar Nanas", "price_min": "85000", "price_max": "120000",
        "capacity": "200", "capacity_period": "week", "capacity_unit": "toples",
        "lead_time_days": "3", "min_order": "10"},
        files={"photo": ("nastar.jpg", jpeg_bytes(), "image/jpeg")})
    assert response.status_code == 303
    product = await Product.get(producer=producer)
    assert product.photo and product.price_max == 120000
    assert (product.capacity_per_week, product.capacity_per_month) == (200, 0)
    assert (product.min_order, product.kind) == (10, "nastar")
    page = soup(await client.get("/exhibitor/products"))
    thumb = page.select_one(".product img")["src"]
    response = await client.get(thumb)
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert (await client.get(f"/exhibitor/products/{product.id}/photo/large")).status_code == 200


async def test_product_invalid_is_422_and_bad_photo_422(client, db):
    await exhibitor(client, product=False)
    response = await client.submit("/exhibitor/products", {"name": "", "price_min": "abc"})
    assert response.status_code == 422
    assert soup(response).select_one("#e-name")
    response = await client.submit("/exhibitor/products", {"name": "X", "price_min": "1"},
                                   files={"photo": ("x.jpg", PDF, "image/jpeg")})
    assert response.status_code == 422
    assert await Product.all().count() == 0


async def test_product_photo_too_large_is_413(client, db, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PHOTO_BYTES", 1000)
    await exhibitor(client, product=False)
    response = await client.submit("/exhibitor/products", {"name": "X", "price_min": "1"},
                                   files={"photo": ("x.png", png_bytes((900, 900)), "image/png")})
    assert response.status_code == 413
    assert soup(response).select_one(".has-error")


async def test_product_edit_and_delete(client, db):
    _user, producer = await exhibitor(client)
    product = await Product.get(producer=producer)
    response = await client.get(f"/exhibitor/products/{product.id}")
    assert response.status_code == 200
    response = await client.submit(f"/exhibitor/products/{product.id}",
                                   {"name": "Amplang 500 g", "price_min": "50000",
                                    "capacity": "900", "capacity_period": "month",
                                    "kind": " Amplang  Ikan "})
    assert response.status_code == 303
    saved = await Product.get(id=product.id)
    assert saved.name == "Amplang 500 g" and saved.kind == "amplang ikan"
    assert (saved.capacity_per_week, saved.capacity_per_month) == (0, 900)
    page = soup(await client.get(f"/exhibitor/products/{product.id}"))
    assert page.select_one("#f-capacity")["value"] == "900"
    assert page.select_one("#f-capacity_period option[selected]")["value"] == "month"
    assert page.select_one("datalist#product-kinds option[value='amplang ikan']")
    response = await client.submit(f"/exhibitor/products/{product.id}",
                                   {"name": "Amplang", "price_min": "1", "min_order": "0",
                                    "capacity_period": "year"})
    assert response.status_code == 422
    assert soup(response).select_one("#e-min_order")
    assert soup(response).select_one("#e-capacity_period")
    response = await client.submit(f"/exhibitor/products/{product.id}/delete", {})
    assert response.status_code == 303
    assert not await Product.exists(id=product.id)


async def test_other_producers_product_is_404(client, db):
    other = await make_producer()
    product = await Product.get(producer=other)
    product.photo = "abc"
    await product.save()
    await exhibitor(client)
    assert (await client.get(f"/exhibitor/products/{product.id}")).status_code == 404
    assert (await client.submit(f"/exhibitor/products/{product.id}",
                                {"name": "Hacked", "price_min": "1"})).status_code == 404
    assert (await client.submit(f"/exhibitor/products/{product.id}/delete", {})).status_code == 404
    assert (await client.get(f"/exhibitor/products/{product.id}/photo/thumb")).status_code == 404
    assert (await Product.get(id=product.id)).name != "Hacked"


# ---- documents ----------------------------------------------------------------------------

async def test_document_upload_list_and_serve(client, db):
    await exhibitor(client)
    response = await client.submit("/exhibitor/documents", {"kind": "nib", "title": "NIB"},
                                   files={"file": ("nib.pdf", PDF, "application/pdf")})
    assert response.status_code == 303
    doc = await Document.get()
    page = soup(await client.get("/exhibitor/documents"))
    link = page.select_one("table.docs a")["href"]
    response = await client.get(link)
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert "sandbox" in response.headers["content-security-policy"]
    assert (await client.submit(f"/exhibitor/documents/{doc.id}/delete", {})).status_code == 303
    assert not await Document.exists()


async def test_document_upload_refuses_renamed_executable_422(client, db):
    await exhibitor(client)
    response = await client.submit("/exhibitor/documents", {"kind": "nib"},
                                   files={"file": ("nib.pdf", b"MZ\x90\x00evil", "application/pdf")})
    assert response.status_code == 422
    assert soup(response).select_one("#e-file")
    response = await client.submit("/exhibitor/documents", {"kind": "nib"})
    assert response.status_code == 422


async def test_document_upload_over_limit_is_413(client, db, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_DOCUMENT_BYTES", 1024)
    await exhibitor(client)
    response = await client.submit("/exhibitor/documents", {"kind": "nib"},
                                   files={"file": ("big.pdf", PDF + b"0" * 4096, "application/pdf")})
    assert response.status_code == 413
    assert not await Document.exists()


async def test_request_over_body_limit_is_413(client, db):
    await exhibitor(client)
    response = await client.submit("/exhibitor/documents", {"kind": "nib"},
                                   files={"file": ("big.pdf", PDF + b"0" * 3 * 2**20, "application/pdf")})
    assert response.status_code == 413


async def test_other_producers_document_is_404(client, db, settings):
    owner = await make_user()
    other = await make_producer(user=owner)
    from expo.exhibitors.service import add_document

    doc = await add_document(producer=other, values={"kind": "nib"}, data=PDF,
                             original_name="a.pdf", uploads_dir=settings.uploads_dir, by=owner)
    await exhibitor(client)
    assert (await client.get(f"/exhibitor/documents/{doc.id}")).status_code == 404
    assert (await client.submit(f"/exhibitor/documents/{doc.id}/delete", {})).status_code == 404
    assert await Document.exists(id=doc.id)


async def test_curator_reads_applicant_document(client, db, settings):
    event = await make_event()
    owner = await make_user()
    producer = await make_producer(user=owner)
    from expo.exhibitors.service import add_document

    doc = await add_document(producer=producer, values={"kind": "nib"}, data=PDF,
                             original_name="a.pdf", uploads_dir=settings.uploads_dir, by=owner)
    await make_application(event=event, producer=producer)
    await staff(client, event, Role.CURATOR)
    assert (await client.get(f"/exhibitor/documents/{doc.id}")).status_code == 200


# ---- applications -------------------------------------------------------------------------

APPLY = {"booth_type": "food", "booths_needed": "1", "power_watts": "900", "needs_water": "1",
         "first_time": "1", "terms": "1"}


async def test_apply_save_draft_then_submit(client, db, settings):
    event = await make_event()
    user, producer = await exhibitor(client)
    response = await client.get(f"/exhibitor/apply/{event.slug}")
    assert response.status_code == 200
    response = await client.submit(f"/exhibitor/apply/{event.slug}", {**APPLY, "action": "save"})
    assert response.status_code == 303
    app = await Application.get(producer=producer)
    assert app.status == AppStatus.DRAFT and app.power_watts == 900
    response = await client.submit(f"/exhibitor/apply/{event.slug}",
                                   {**APPLY, "action": "submit"})
    assert response.status_code == 303
    assert (await Application.get(id=app.id)).status == AppStatus.SUBMITTED
    # once sent, the apply page sends to the application page
    response = await client.get(f"/exhibitor/apply/{event.slug}")
    assert response.headers["location"].endswith(f"/exhibitor/applications/{app.id}")
    page = soup(await client.get(f"/exhibitor/applications/{app.id}"))
    assert page.select_one("#app-status.status-submitted")


async def test_apply_invalid_is_422(client, db):
    event = await make_event()
    await exhibitor(client)
    response = await client.submit(f"/exhibitor/apply/{event.slug}",
                                   {**APPLY, "booths_needed": "9", "action": "save"})
    assert response.status_code == 422
    assert soup(response).select_one("#e-booths_needed")


async def test_apply_submit_without_terms_is_422_with_reason(client, db):
    event = await make_event()
    await exhibitor(client)
    response = await client.submit(f"/exhibitor/apply/{event.slug}",
                                   {**APPLY, "terms": "", "action": "submit"})
    assert response.status_code == 422
    assert soup(response).select_one(".alert-error")


async def test_apply_unknown_event_404(client, db):
    await exhibitor(client)
    assert (await client.get("/exhibitor/apply/nope")).status_code == 404


async def test_other_producers_application_is_404(client, db):
    event = await make_event()
    app = await make_application(event=event)
    await exhibitor(client)
    assert (await client.get(f"/exhibitor/applications/{app.id}")).status_code == 404
    response = await client.submit(f"/exhibitor/applications/{app.id}/withdraw", {})
    assert response.status_code == 404
    assert (await Application.get(id=app.id)).status == AppStatus.SUBMITTED


async def test_withdraw_own_application(client, db):
    event = await make_event()
    _user, producer = await exhibitor(client)
    app = await make_application(event=event, producer=producer)
    response = await client.submit(f"/exhibitor/applications/{app.id}/withdraw", {})
    assert response.status_code == 303
    assert (await Application.get(id=app.id)).status == AppStatus.WITHDRAWN
    response = await client.submit(f"/exhibitor/applications/{app.id}/withdraw", {})
    assert response.status_code == 409


async def test_public_event_page_links_to_signup(client, db):
    event = await make_event()
    page = soup(await client.get(f"/e/{event.slug}"))
    assert page.select_one(f'a[href$="/exhibitor/signup?event={event.slug}"]')
    signin = page.select_one(f'a[href*="next=/exhibitor/apply/{event.slug}"]')
    assert signin is not None and "/login?" in signin["href"]


# ---- committee: queue, review, scoring, decisions ------------------------------------------

async def test_queue_lists_filters_and_hides_drafts(client, db):
    event = await make_event()
    a = await make_application(event=event, total_score=70.0)
    draft = await make_application(event=event, status=AppStatus.DRAFT)
    await staff(client, event, Role.CURATOR)
    response = await client.get(f"/manage/e/{event.slug}/applications")
    assert response.status_code == 200
    text = response.text
    assert a.producer.business_name in text
    assert draft.producer.business_name not in text
    assert not soup(response).select_one("input[name=ids]")  # curator: no bulk decisions
    response = await client.get(f"/manage/e/{event.slug}/applications?status=accepted&q=zzz")
    assert a.producer.business_name not in response.text


async def test_queue_forbidden_for_exhibitor_and_gate(client, db):
    event = await make_event()
    await staff(client, event, Role.GATE)
    assert (await client.get(f"/manage/e/{event.slug}/applications")).status_code == 403


async def test_queue_unknown_event_404(client, db):
    event = await make_event()
    await staff(client, event)
    assert (await client.get("/manage/e/nope/applications")).status_code == 404


async def test_review_page_shows_profile_products_documents_wa(client, db):
    event = await make_event()
    app = await make_application(event=event)
    await make_rubric(event)
    await staff(client, event)
    response = await client.get(f"/manage/e/{event.slug}/applications/{app.id}")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one('a[href^="https://wa.me/62"]')
    assert page.select_one(".product")
    assert page.select_one(".score-form")


async def test_review_of_other_event_or_draft_is_404(client, db):
    event, other = await make_event(), await make_event()
    foreign = await make_application(event=other)
    draft = await make_application(event=event, status=AppStatus.DRAFT)
    await staff(client, event)
    for app in (foreign, draft):
        response = await client.get(f"/manage/e/{event.slug}/applications/{app.id}")
        assert response.status_code == 404


async def test_curator_scores_but_cannot_decide(client, db):
    event = await make_event()
    orig, pack, _smk = await make_rubric(event)
    app = await make_application(event=event)
    curator = await staff(client, event, Role.CURATOR)
    url = f"/manage/e/{event.slug}/applications/{app.id}"
    assert not soup(await client.get(url)).select_one(".decide")
    response = await client.submit(url + "/score", {f"c{orig.id}": "5", f"c{pack.id}": "3"})
    assert response.status_code == 303
    assert await Score.filter(curator=curator).count() == 2
    assert (await Application.get(id=app.id)).total_score == 72.0
    response = await client.submit(url + "/decide", {"decision": "accepted"})
    assert response.status_code == 403
    response = await client.submit(f"/manage/e/{event.slug}/applications/bulk",
                                   {"ids": [str(app.id)], "decision": "accepted"})
    assert response.status_code == 403
    assert (await Application.get(id=app.id)).status == AppStatus.SUBMITTED


async def test_score_out_of_range_is_422(client, db):
    event = await make_event()
    orig, _pack, _smk = await make_rubric(event)
    app = await make_application(event=event)
    await staff(client, event, Role.CURATOR)
    response = await client.submit(f"/manage/e/{event.slug}/applications/{app.id}/score",
                                   {f"c{orig.id}": "9"})
    assert response.status_code == 422
    assert soup(response).select_one(f"#f-c{orig.id}")


async def test_committee_accepts_and_producer_sees_it(client, db):
    event = await make_event()
    app = await make_application(event=event)
    await staff(client, event)
    url = f"/manage/e/{event.slug}/applications/{app.id}"
    response = await client.submit(url + "/decide", {"decision": "accepted", "message": "Selamat!"})
    assert response.status_code == 303
    assert (await Application.get(id=app.id)).status == AppStatus.ACCEPTED
    message = await InboxMessage.get(application=app)
    assert "Selamat!" in message.body


async def test_reject_without_reason_is_422(client, db):
    event = await make_event()
    app = await make_application(event=event)
    await staff(client, event)
    response = await client.submit(f"/manage/e/{event.slug}/applications/{app.id}/decide",
                                   {"decision": "rejected", "message": ""})
    assert response.status_code == 422
    assert soup(response).select_one("#e-message")


async def test_decide_bad_decision_is_422(client, db):
    event = await make_event()
    app = await make_application(event=event)
    await staff(client, event)
    response = await client.submit(f"/manage/e/{event.slug}/applications/{app.id}/decide",
                                   {"decision": "withdrawn"})
    assert response.status_code == 422


async def test_quota_warning_then_confirm(client, db):
    event = await make_event()
    await Quota.create(event=event, kind="category", key="kuliner", limit=0)
    app = await make_application(event=event)
    await staff(client, event)
    url = f"/manage/e/{event.slug}/applications/{app.id}/decide"
    response = await client.submit(url, {"decision": "accepted"})
    assert response.status_code == 409
    assert soup(response).select_one(".quota-warning")
    response = await client.submit(url, {"decision": "accepted", "confirm": "1"})
    assert response.status_code == 303
    assert (await Application.get(id=app.id)).status == AppStatus.ACCEPTED


async def test_bulk_decision(client, db):
    event = await make_event()
    apps = [await make_application(event=event) for _ in range(3)]
    await staff(client, event)
    response = await client.submit(f"/manage/e/{event.slug}/applications/bulk", {
        "ids": [str(a.id) for a in apps[:2]], "decision": "waitlisted", "message": "Tunggu"})
    assert response.status_code == 303
    statuses = [(await Application.get(id=a.id)).status for a in apps]
    assert statuses == [AppStatus.WAITLISTED, AppStatus.WAITLISTED, AppStatus.SUBMITTED]
    response = await client.submit(f"/manage/e/{event.slug}/applications/bulk",
                                   {"decision": "accepted"})
    assert response.status_code == 422


async def test_bulk_decision_quota_409(client, db):
    event = await make_event()
    await Quota.create(event=event, kind="kabupaten", key="Kota Samarinda", limit=1)
    apps = [await make_application(event=event) for _ in range(2)]
    await staff(client, event)
    response = await client.submit(f"/manage/e/{event.slug}/applications/bulk", {
        "ids": [str(a.id) for a in apps], "decision": "accepted"})
    assert response.status_code == 409
    assert soup(response).select_one(".quota-warning")


# ---- committee: rubric, quotas, settings --------------------------------------------------

async def test_rubric_page_and_actions(client, db):
    event = await make_event()
    await staff(client, event)
    url = f"/manage/e/{event.slug}/curation"
    assert (await client.get(url)).status_code == 200
    assert (await client.submit(url, {"action": "suggested"})).status_code == 303
    criteria = await Criterion.filter(event=event)
    assert len(criteria) == 7
    weights = {f"w{c.id}": "2" for c in criteria}
    assert (await client.submit(url, {"action": "weights", **weights})).status_code == 303
    assert {c.weight for c in await Criterion.filter(event=event)} == {2}
    assert (await client.submit(url, {"action": "delete", "criterion": str(criteria[0].id)})
            ).status_code == 303
    assert (await client.submit(url, {"action": "add", "name": "Harga", "weight": "2",
                                      "source": "manual"})).status_code == 303
    response = await client.submit(url, {"action": "add", "name": "", "weight": "x",
                                         "source": "manual"})
    assert response.status_code == 422
    response = await client.submit(url, {"action": "quotas", "q-category-0": "10",
                                         "q-kabupaten-9": "4"})
    assert response.status_code == 303
    assert await Quota.filter(event=event).count() == 2
    response = await client.submit(url, {"action": "settings", "terms": "Stan dijaga",
                                         "curators_can_decide": "1"})
    assert response.status_code == 303
    assert (await client.submit(url, {"action": "nope"})).status_code == 422


async def test_rubric_forbidden_for_curator(client, db):
    event = await make_event()
    await staff(client, event, Role.CURATOR)
    assert (await client.get(f"/manage/e/{event.slug}/curation")).status_code == 403


async def test_curator_decides_when_allowed(client, db):
    event = await make_event()
    from expo.exhibitors.models import CurationSettings

    await CurationSettings.create(event=event, curators_can_decide=True)
    app = await make_application(event=event)
    await staff(client, event, Role.CURATOR)
    response = await client.submit(f"/manage/e/{event.slug}/applications/{app.id}/decide",
                                   {"decision": "waitlisted"})
    assert response.status_code == 303


# ---- export -------------------------------------------------------------------------------

async def test_export_has_applications_with_scores(client, db):
    event = await make_event()
    orig, _pack, _smk = await make_rubric(event)
    app = await make_application(event=event)
    curator = await make_user(event=event, role=Role.CURATOR)
    from expo.exhibitors.curation import record_scores

    await record_scores(application=app, curator=curator, values={orig.id: 4})
    await make_application(event=event, status=AppStatus.DRAFT)
    await staff(client, event, Role.CURATOR)
    response = await client.get(f"/manage/e/{event.slug}/applications/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2  # header + one sent application
    assert rows[1][1] == app.producer.business_name
    assert rows[1][19] == 48.0
    assert list(wb.worksheets[1].iter_rows(values_only=True))[1][2] == curator.name


async def test_export_forbidden_for_exhibitor(client, db):
    event = await make_event()
    _user, producer = await exhibitor(client)
    await make_application(event=event, producer=producer)
    response = await client.get(f"/manage/e/{event.slug}/applications/export.xlsx")
    assert response.status_code == 403


async def test_exhibitor_cannot_open_review_pages(client, db):
    event = await make_event()
    _user, producer = await exhibitor(client)
    app = await make_application(event=event, producer=producer)
    for url in [f"/manage/e/{event.slug}/applications/{app.id}",
                f"/manage/e/{event.slug}/import"]:
        assert (await client.get(url)).status_code == 403
    response = await client.submit(f"/manage/e/{event.slug}/applications/{app.id}/score", {})
    assert response.status_code == 403


async def test_pages_render_in_both_languages(client, db):
    event = await make_event()
    user, producer = await exhibitor(client)
    await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    for lang in ("id", "en"):
        client.cookies.set("expo_lang", lang)
        for url in ["/exhibitor", "/exhibitor/profile", "/exhibitor/products",
                    "/exhibitor/documents", f"/exhibitor/apply/{event.slug}"]:
            assert (await client.get(url)).status_code == 200, (lang, url)
    assert isinstance(user, User) and dt.date.today()


# ---- members ------------------------------------------------------------------------------

async def test_add_member_invites_and_shares_the_profile(client, db):
    from expo.exhibitors.service import producer_for
    from expo.outbox import OutboxMessage

    event = await make_event()
    _user, producer = await exhibitor(client)
    await make_application(event=event, producer=producer)
    assert (await client.get("/exhibitor/members")).status_code == 200
    response = await client.submit("/exhibitor/members", {"email": "anak@example.id",
                                                          "name": "Rudi"})
    assert response.status_code == 303
    member = await User.get(email="anak@example.id")
    assert (await producer_for(member)).id == producer.id
    assert await OutboxMessage.filter(to="anak@example.id", body__contains="token=").exists()
    from expo.accounts.models import EventRole

    assert await EventRole.exists(user=member, event=event, role=Role.EXHIBITOR)
    again = await client.submit("/exhibitor/members", {"email": "anak@example.id"})
    assert again.status_code == 422
    assert (await client.submit("/exhibitor/members", {"email": "nope"})).status_code == 422


async def test_signed_in_user_without_profile_adds_one(client, db):
    user = await make_user()
    await client.login(user.email, PASSWORD)
    page = soup(await client.get("/exhibitor/signup"))
    assert not page.select_one("#f-password")
    form = {k: v for k, v in SIGNUP.items() if k not in ("email", "password", "password2")}
    response = await client.submit("/exhibitor/signup", {**form, "email": "other@example.id"})
    assert response.status_code == 303
    from expo.exhibitors.service import producer_for

    producer = await producer_for(user)
    assert producer.business_name == SIGNUP["business_name"] and producer.email == user.email
    response = await client.get("/exhibitor/signup")
    assert response.status_code == 303 and response.headers["location"].endswith("/exhibitor")


async def test_committee_cannot_see_photo_of_draft_applicant(client, db):
    event = await make_event()
    producer = await make_producer()
    product = await Product.get(producer=producer)
    product.photo = "abc"
    await product.save()
    await make_application(event=event, producer=producer, status=AppStatus.DRAFT)
    await staff(client, event)
    response = await client.get(f"/exhibitor/products/{product.id}/photo/thumb")
    assert response.status_code == 404


async def test_decided_application_offers_whatsapp_message(client, db):
    event = await make_event()
    app = await make_application(event=event, status=AppStatus.REJECTED,
                                 decision_message="Kuota penuh")
    await Quota.create(event=event, kind="category", key="kuliner", limit=3)
    await make_application(event=event, status=AppStatus.ACCEPTED)
    await staff(client, event)
    page = soup(await client.get(f"/manage/e/{event.slug}/applications/{app.id}"))
    link = page.select_one("a.wa-decision")["href"]
    assert link.startswith("https://wa.me/62") and "Kuota%20penuh" in link
    page = soup(await client.get(f"/manage/e/{event.slug}/curation"))
    assert "1" in page.select_one("label.quota small").text


async def test_huge_guessed_ids_are_404_not_500(client, db):
    event = await make_event()
    user = await make_user(event=event, role=Role.COMMITTEE)
    await make_producer(user=user)
    await client.login(user.email, PASSWORD)
    big = 10**12
    for url in [f"/exhibitor/documents/{big}", f"/exhibitor/products/{big}",
                f"/exhibitor/applications/{big}", f"/exhibitor/products/{big}/photo/thumb",
                f"/manage/e/{event.slug}/applications/{big}"]:
        assert (await client.get(url)).status_code == 404, url
    response = await client.submit(f"/manage/e/{event.slug}/applications/bulk",
                                   {"ids": [str(big)], "decision": "accepted"})
    assert response.status_code == 422
    response = await client.submit(f"/manage/e/{event.slug}/curation",
                                   {"action": "delete", "criterion": str(big)})
    assert response.status_code == 404


async def test_profile_shows_each_legality_item(client, db):
    _user, producer = await exhibitor(client, nib="0912345678901", halal_number="ID1",
                                      halal_expires_on=dt.date(2020, 1, 1))
    page = soup(await client.get("/exhibitor/profile"))
    badges = [b["class"][-1] for b in page.select(".legality-items .badge")]
    assert badges == ["legality-complete", "legality-incomplete", "legality-expired",
                      "legality-incomplete"]


async def test_review_and_queue_show_the_enums_labels(client, db):
    """Status, category, legality and booth type come from the enums, in Bahasa Indonesia."""
    event = await make_event()
    app = await make_application(event=event, status=AppStatus.SUBMITTED)
    await Producer.filter(id=app.producer_id).update(category="oleh-oleh")
    await staff(client, event)
    client.cookies.delete("expo_lang")
    client.cookies.set("expo_lang", "id")
    page = soup(await client.get(f"/manage/e/{event.slug}/applications/{app.id}"))
    assert page.select_one("#app-status").text == "Terkirim"
    facts = page.get_text(" ")
    assert "Oleh-oleh" in facts and "Stan standar (3 x 3 m)" in facts
    queue = soup(await client.get(f"/manage/e/{event.slug}/applications"))
    statuses = [o.get_text() for o in queue.select("select[name=status] option")]
    assert statuses[0] == "Semua status" and "Terkirim" in statuses and "Draf" not in statuses
    legality = {o["value"]: o.get_text() for o in queue.select("select[name=legality] option")}
    assert legality["complete"] == "Lengkap"
    decisions = [o["value"] for o in queue.select("select[name=decision] option") if o["value"]]
    assert decisions == ["accepted", "waitlisted", "rejected"]


async def test_review_without_a_phone_has_no_whatsapp_button(client, db):
    event = await make_event()
    app = await make_application(event=event)
    await Producer.filter(id=app.producer_id).update(phone="")
    await staff(client, event)
    page = soup(await client.get(f"/manage/e/{event.slug}/applications/{app.id}"))
    assert page.select_one(".facts") and not page.select_one('a[href^="https://wa.me"]')
