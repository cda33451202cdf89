"""Inputs people actually type: rupiah in every money field, dates typed in Indonesian forms,
WhatsApp numbers that must be mobile numbers, and the photo inputs' limit and downscaling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from expo import phones
from expo.accounts.models import Role
from expo.booths.forms import parse_booth
from expo.events.models import Event
from expo.exhibitors import uploads
from expo.exhibitors.forms import parse_product
from expo.exhibitors.models import Product
from expo.forms import Form, parse_date
from expo.leads.forms import parse_inquiry, parse_lead_update
from expo.visitors.models import Visitor
from tests.exhibitors.factories import make_producer
from tests.factories import PASSWORD, make_event, make_user

ROOT = Path(__file__).resolve().parents[1]


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


# ---- money ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Rp 1.500.000", "1.500.000", "Rp1.500.000", "rp. 1.500.000",
                                   "1.500.000,00", "1500000", " 1 500 000 ", "Rp 1.500.000,-",
                                   "IDR 1,500,000"])
def test_rupiah_field_reads_how_people_write(typed):
    form = Form({"price": typed})
    assert form.rupiah("price") == 1_500_000 and form.valid


@pytest.mark.parametrize(("typed", "amount"), [
    ("1,5 juta", 1_500_000), ("Rp1,5 juta", 1_500_000), ("Rp 2 jt", 2_000_000),
    ("500 ribu", 500_000), ("750rb", 750_000), ("25k", 25_000), ("1,25 jt", 1_250_000),
    ("1,2 miliar", 1_200_000_000)])
def test_rupiah_field_reads_amounts_in_words(typed, amount):
    assert Form({"price": typed}).rupiah("price") == amount


@pytest.mark.parametrize("typed", ["satu juta", "1.500 rb", "1.50.000", "Rp", "1,5 jutaan"])
def test_rupiah_field_refuses_non_amounts_with_a_message(typed):
    form = Form({"price": typed})
    assert form.rupiah("price") is None
    assert form.errors["price"]


def test_product_prices_accept_rupiah():
    form = Form({"name": "Nastar", "price_min": "Rp 1.500.000", "price_max": "Rp 2.000.000,00"})
    values = parse_product(form)
    assert (values["price_min"], values["price_max"]) == (1_500_000, 2_000_000)


def test_inquiry_budget_is_never_cut_at_the_dots():
    form = Form({"product_name": "Amplang", "quantity": "100", "budget": "Rp 5.000.000",
                 "consent": "1"})
    data = parse_inquiry(form, product_names={}, today=dt.date(2027, 1, 1))
    assert data.budget == 5_000_000


def test_lead_value_accepts_rupiah():
    assert parse_lead_update(Form({"status": "new", "value": "Rp 750.000"})).value == 750_000


def test_booth_price_accepts_rupiah():
    form = Form({"code": "A1", "x": "0", "y": "0", "w": "3", "h": "3", "kind": "standard",
                 "price": "Rp 1.500.000"})
    assert parse_booth(form).price == 1_500_000


MONEY_TEMPLATES = ["exhibitors/_product_fields.html", "procurement/office_producer_new.html",
                   "leads/lead.html", "leads/inquiry.html"]


@pytest.mark.parametrize("template", MONEY_TEMPLATES)
def test_money_inputs_are_text_not_number(template):
    """A ``type=number`` input cannot hold "Rp 1.500.000" (the browser drops or mangles it)."""
    text = (ROOT / "templates" / template).read_text()
    for line in text.splitlines():
        if "(Rp)" in line or "price_m" in line:
            assert 'type="number"' not in line, line


async def test_product_form_takes_rp_price(client, db):
    user = await make_user()
    producer = await make_producer(user=user, product=False)
    await client.login(user.email, PASSWORD)
    response = await client.submit("/exhibitor/products", {
        "name": "Nastar Nanas", "price_min": "Rp 85.000", "price_max": "Rp 120.000",
        "capacity": "200", "capacity_period": "week", "capacity_unit": "toples",
        "lead_time_days": "3", "min_order": "10"})
    assert response.status_code == 303
    product = await Product.get(producer=producer)
    assert (product.price_min, product.price_max) == (85_000, 120_000)


async def test_product_form_bad_price_is_422_inline(client, db):
    user = await make_user()
    await make_producer(user=user, product=False)
    await client.login(user.email, PASSWORD)
    response = await client.submit("/exhibitor/products", {"name": "X", "price_min": "murah"})
    assert response.status_code == 422
    assert soup(response).select_one("#e-price_min")


# ---- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["17 Agustus 2027", "17 agustus 2027", "17 Agt 2027",
                                   "17 Agu. 2027", "Selasa, 17 Agustus 2027", "17/08/2027",
                                   "17/8/2027", "17-8-2027", "17-08-2027", "17.08.2027",
                                   "17/08/27", "2027-08-17", "17 August 2027", "August 17, 2027",
                                   "  17  Agustus   2027 "])
def test_parse_date_reads_typed_forms(typed):
    assert parse_date(typed) == dt.date(2027, 8, 17)


@pytest.mark.parametrize("typed", ["31/02/2027", "17 Agustusan 2027", "2027/08/17", "17/08",
                                   "kemarin", "17-08/2027", "0/1/2027", "x" * 50])
def test_parse_date_refuses_what_is_not_a_date(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


def test_form_date_error_shows_an_example():
    form = Form({"d": "besok"})
    assert form.date("d") is None
    assert "17/08/2027" in form.errors["d"]


def test_date_inputs_render_as_text_with_an_example():
    """``type=date`` lets people only pick; the fields are text and the server reads both."""
    for path in (ROOT / "templates").rglob("*.html"):
        assert '<input name="needed_by_0" type="date"' not in path.read_text(), path
    macro = (ROOT / "templates/_macros/forms.html").read_text()
    assert "'text' if type == 'date' else type" in macro


async def test_event_form_accepts_typed_indonesian_dates(client, db):
    existing = await make_event()
    user = await make_user(event=existing, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    page = soup(await client.get("/manage/events/new"))
    starts = page.select_one("input[name=starts_on]")
    assert starts["type"] == "text" and starts.get("placeholder")
    response = await client.submit("/manage/events/new", {
        "name": "Festival Amplang", "slug": "festival-amplang", "venue": "Taman Samarendah",
        "timezone": "Asia/Makassar", "starts_on": "17 Agustus 2027", "ends_on": "18/08/2027",
        "status": "published"})
    assert response.status_code == 303, response.text[:300]
    event = await Event.get(slug="festival-amplang")
    assert (event.starts_on, event.ends_on) == (dt.date(2027, 8, 17), dt.date(2027, 8, 18))


async def test_event_form_bad_date_is_422_inline(client, db):
    existing = await make_event()
    user = await make_user(event=existing, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    response = await client.submit("/manage/events/new", {
        "name": "Festival", "slug": "festival", "venue": "Taman", "timezone": "Asia/Makassar",
        "starts_on": "tujuh belas", "ends_on": "18/08/2027", "status": "published"})
    assert response.status_code == 422
    assert soup(response).select_one("#e-starts_on")


# ---- WhatsApp numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["0812 3456 7890", "+62 812-3456-7890", "62812345678",
                                   "0856 1234 567", "+60 12-345 6789"])
def test_whatsapp_takes_mobile_numbers(typed):
    form = Form({"phone": typed})
    assert form.whatsapp("phone").startswith("+") and form.valid


@pytest.mark.parametrize("typed", ["021 5551234", "(0541) 741234", "0541-741234",
                                   "+62 21 5551234"])
def test_whatsapp_refuses_landlines_with_a_clear_message(typed):
    form = Form({"phone": typed})
    assert form.whatsapp("phone") == ""
    assert "08" in form.errors["phone"]
    with pytest.raises(phones.NotMobile):
        phones.normalise_mobile(typed)
    assert phones.normalise(typed)  # still a real number where any phone will do


@pytest.mark.parametrize("typed", ["12", "0812345", "08123456789012", "halo"])
def test_whatsapp_refuses_non_numbers(typed):
    form = Form({"phone": typed})
    assert form.whatsapp("phone") == "" and form.errors["phone"]
    assert not phones.is_mobile(typed)


def test_whatsapp_optional_blank_is_fine():
    form = Form({})
    assert form.whatsapp("phone", required=False) == "" and form.valid


async def test_visitor_register_refuses_a_landline(client, db):
    event = await make_event()
    form = {"name": "Siti Rahmawati", "phone": "(0541) 741234", "email": "", "type": "umum",
            "kabupaten": "Kota Samarinda", "consent_share": "1"}
    response = await client.submit(f"/e/{event.slug}/register", form)
    assert response.status_code == 422
    error = soup(response).select_one("#e-phone")
    assert error is not None and "08" in error.text
    assert not await Visitor.exists(name="Siti Rahmawati")
    response = await client.submit(f"/e/{event.slug}/register", form | {"phone": "0812 3456 7890"})
    assert response.status_code == 303


async def test_exhibitor_signup_refuses_a_landline(client, db):
    response = await client.submit("/exhibitor/signup", {
        "business_name": "Kue Talam Bu Sri", "owner_name": "Sri Wahyuni", "phone": "021 5551234",
        "email": "sri@example.id", "password": "talam-enak-123", "password2": "talam-enak-123",
        "kabupaten": "Kota Balikpapan", "category": "kuliner", "agree": "1"})
    assert response.status_code == 422
    assert soup(response).select_one("#e-phone")


# ---- photos ---------------------------------------------------------------------------------

async def test_photo_input_shows_limit_and_loads_downscaler(client, db):
    user = await make_user()
    await make_producer(user=user, product=False)
    await client.login(user.email, PASSWORD)
    page = soup(await client.get("/exhibitor/products"))
    photo = page.select_one("input[type=file][name=photo]")
    assert photo is not None and photo.has_attr("data-downscale")
    assert photo["data-max-bytes"] == str(uploads.MAX_PHOTO_BYTES) == str(8 * 2**20)
    assert "8 MB" in page.text
    assert any("js/photo.js" in (s.get("src") or "") for s in page.select("script"))


def test_photo_js_downscales_with_canvas_to_jpeg():
    js = (ROOT / "static/js/photo.js").read_text()
    assert "toBlob" in js and "image/jpeg" in js and "DataTransfer" in js


async def test_booth_import_reads_rupiah_text_prices(db):
    from expo.booths import importer
    from expo.booths.models import Booth
    from expo.xlsx import Sheet, workbook_bytes

    event = await make_event()
    data = workbook_bytes([Sheet("B", importer._columns(), [
        ["Hall A", "A-01", 0, 0, 3, 3, "standard", "", "Rp 1.500.000", 0, "no", "no"],
        ["Hall A", "A-02", 3, 0, 3, 3, "standard", "", "150.000", 0, "no", "no"],
        ["Hall A", "A-03", 6, 0, 3, 3, "standard", "", 250000, 0, "no", "no"]])])
    await importer.import_booths(event=event, data=data, by=None)
    prices = dict(await Booth.filter(event=event).values_list("code", "price"))
    assert prices == {"A-01": 1_500_000, "A-02": 150_000, "A-03": 250_000}


def test_producer_import_refuses_a_landline_as_whatsapp():
    from expo.exhibitors import importer

    base = {"business_name": "Amplang Hj. Aminah", "owner_name": "Hj. Aminah",
            "kabupaten": "Kota Samarinda", "category": "kuliner"}
    landline = importer._parse_row(2, base | {"phone": "(0541) 741234"})
    assert any("08" in e for e in landline.errors), landline.errors
    mobile = importer._parse_row(3, base | {"phone": 81234567890})  # Excel dropped the 0
    assert mobile.values["phone"] == "+6281234567890"
    assert not any("WhatsApp" in e for e in mobile.errors)
