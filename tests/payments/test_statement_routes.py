"""The bank statement pages through the ASGI app: upload, mapping form, proposals, confirm;
403 for others than the committee, 404 for another event's statement, 413 and 422."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from expo.accounts.models import Role, User
from expo.events.models import Event
from expo.payments import invoices
from expo.payments.models import (
    FeePolicy,
    Invoice,
    InvoiceStatus,
    LineState,
    Payment,
    StatementImport,
    StatementLine,
)
from expo.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_user
from tests.payments.factories import fee_event, held_stand, issued_invoice

HEAD = "Tanggal,Keterangan,Cabang,Jumlah,,Saldo\n"


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def bca(*rows: tuple[dt.date, str, int | str]) -> bytes:
    """A KlikBCA-like export, every row a credit (CR)."""
    return (HEAD + "".join(f"'{day:%d/%m/%Y},{text},'0000,{amount},CR,0.00\n"
                           for day, text, amount in rows)).encode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # A body limit above the statement's 5 MB, so that the statement's own check answers.
    return Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET,
                    base_url="http://testserver", data_dir=tmp_path, max_body_size=8 * 2**20)


@dataclass
class World:
    event: Event
    committee: User
    exhibitor: User
    bill: Invoice
    today: dt.date

    @property
    def url(self) -> str:
        return f"/manage/e/{self.event.slug}/payments/statements"


@pytest.fixture
async def world(db: str) -> World:
    event = await fee_event()
    stand = await held_stand(event)
    bill = await issued_invoice(stand)
    committee = await make_user(event=event, role=Role.COMMITTEE)
    return World(event, committee, stand.user, bill, invoices.today(event))


async def _upload(client, world: World, data: bytes, name: str = "mutasi.csv"):  # type: ignore[no-untyped-def]
    return await client.submit(world.url, files={"file": (name, data, "text/csv")})


def _mapping(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The mapping form's values as the browser would send them."""
    form = page.select_one("#mapping-form")
    values = {i["name"]: i.get("value", "") for i in form.select("input[name]")
              if i["name"] != "csrf_token"}
    for select in form.select("select[name]"):
        chosen = select.select_one("option[selected]")
        values[select["name"]] = chosen["value"] if chosen else ""
    return values


async def test_statements_page_lists_imports_and_offers_the_upload(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    response = await client.get(world.url)
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#upload-form input[type=file][name=file]")
    assert page.select_one("table[data-testid=statements] td.empty")


async def test_upload_shows_the_mapping_form_with_the_guess_and_a_preview(client, world: World, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    response = await _upload(client, world, bca((world.today, "TRSF BUDI", f"{world.bill.total}.00")))
    assert response.status_code == 200
    page = soup(response)
    values = _mapping(page)
    assert (values["date"], values["description"], values["amount"], values["kind"]) == (
        "Tanggal", "Keterangan", "Jumlah", "(E)")
    assert values["credit"] == "" and values["day_first"] == "1"
    assert values["default_year"] == str(world.today.year) and values["filename"] == "mutasi.csv"
    assert page.select_one("table[data-testid=preview] tbody td:nth-of-type(3)").text == "TRSF BUDI"
    (staged,) = (settings.data_dir / "statements").iterdir()
    assert values["token"] in staged.name
    assert await StatementImport.all().count() == 0  # nothing stored before the mapping


async def test_import_then_confirm_records_the_exact_match(client, world: World, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    data = bca((world.today, "TRSF BUDI", f"{world.bill.total}.00"),
               (world.today, "SPONSOR", "5000000.00"))
    values = _mapping(soup(await _upload(client, world, data)))
    done = await client.submit(world.url, values)
    assert done.status_code == 303
    statement = await StatementImport.get(event_id=world.event.id)
    assert done.headers["location"].endswith(f"/payments/statements/{statement.id}")
    assert list((settings.data_dir / "statements").iterdir()) == []
    page = soup(await client.get(done.headers["location"]))
    exact, none = page.select("table[data-testid=lines] tbody tr")
    assert exact["data-confidence"] == "exact" and exact.select_one("input[type=checkbox]").has_attr("checked")
    assert world.bill.number in exact.text and world.bill.buyer_name in exact.text
    assert not none.select_one("input[type=checkbox]").has_attr("checked")
    assert none.select_one(f"select option[value='{world.bill.id}']")
    assert (await Invoice.get(id=world.bill.id)).status == InvoiceStatus.ISSUED
    exact_id = exact["data-line"]
    confirmed = await client.submit(done.headers["location"], {"action": "confirm",
                                                               f"line-{exact_id}": "1"})
    assert confirmed.status_code == 200
    result = soup(confirmed)
    assert result.select_one("[data-testid=recorded] [data-testid=receipt]").text == "KW/HKN2027/0001"
    assert (await Invoice.get(id=world.bill.id)).status == InvoiceStatus.PAID
    again = soup(await client.submit(done.headers["location"], {"action": "confirm",
                                                                f"line-{exact_id}": "1"}))
    assert again.select_one("[data-testid=failed] li")["data-code"] == "line_confirmed"
    assert await Payment.filter(invoice_id=world.bill.id).count() == 1
    listing = soup(await client.get(world.url))
    assert listing.select_one("[data-testid=confirmed]").text == "1"


async def test_ignore_and_restore_from_the_page(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    values = _mapping(soup(await _upload(client, world, bca((world.today, "SPONSOR", "9.00")))))
    url = (await client.submit(world.url, values)).headers["location"]
    line = await StatementLine.get(statement__event_id=world.event.id)
    assert (await client.submit(url, {"action": "ignore", f"line-{line.id}": "1"})).status_code == 303
    assert (await StatementLine.get(id=line.id)).state == LineState.IGNORED
    assert soup(await client.get(url)).select_one(f"#ignored li[data-line='{line.id}']")
    assert (await client.submit(url, {"action": "restore", f"line-{line.id}": "1"})).status_code == 303
    assert (await StatementLine.get(id=line.id)).state == LineState.PROPOSED


async def test_manual_match_from_the_select(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    values = _mapping(soup(await _upload(client, world, bca((world.today, "BUDI", "350000.00")))))
    url = (await client.submit(world.url, values)).headers["location"]
    line = await StatementLine.get(statement__event_id=world.event.id)
    response = await client.submit(url, {"action": "confirm",
                                         f"invoice-{line.id}": str(world.bill.id)})
    assert response.status_code == 200
    assert soup(response).select_one("[data-testid=recorded] [data-testid=receipt]")
    assert (await Invoice.get(id=world.bill.id)).balance == world.bill.unique_code


async def test_row_errors_show_the_form_again_with_every_error(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    data = bca((world.today, "A", "\"Rp 350.127,00\""), (world.today, "B", "Rp 35O.127"),
               (world.today, "C", "abc"))
    values = _mapping(soup(await _upload(client, world, data)))
    response = await client.submit(world.url, values)
    assert response.status_code == 422
    page = soup(response)
    assert [li["data-row"] for li in page.select("#row-errors li")] == ["3", "4"]
    assert page.select_one("#mapping-form input[name=token]")["value"] == values["token"]
    assert await StatementImport.all().count() == 0
    unknown = await client.submit(world.url, {**values, "description": "Berita"})
    assert unknown.status_code == 422
    assert "Berita" in soup(unknown).select_one("#row-errors").text
    bad_year = await client.submit(world.url, {**values, "default_year": "tahun"})
    assert bad_year.status_code == 422


async def test_bad_files_are_refused_on_the_upload_form(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    for name, data in (("notes.txt", b"hello"), ("mutasi.csv", b"just,some\ntext,here\n"),
                       ("mutasi.xlsx", b"PK\x03\x04 broken")):
        response = await _upload(client, world, data, name)
        assert response.status_code == 422, name
        assert soup(response).select_one("#upload-errors p").text
    assert (await client.submit(world.url, {})).status_code == 422  # no file
    expired = await client.submit(world.url, {"token": "x" * 32, "date": "Tanggal"})
    assert expired.status_code == 422
    assert soup(expired).select_one("#upload-errors")


async def test_a_file_over_five_megabytes_is_413(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    big = HEAD.encode() + b"x" * (5 * 2**20)
    response = await _upload(client, world, big)
    assert response.status_code == 413
    assert soup(response).select_one("#upload-errors")


async def test_a_statement_imported_before_is_nothing_new(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    data = bca((world.today, "TRSF BUDI", f"{world.bill.total}.00"))
    assert (await client.submit(world.url, _mapping(soup(await _upload(client, world, data))))
            ).status_code == 303
    page = soup(await _upload(client, world, data))
    assert page.select_one("#mapping-source")["data-remembered"] == "1"
    values = _mapping(page)
    again = await client.submit(world.url, values)
    assert again.status_code == 303 and again.headers["location"].endswith("/statements")
    assert await StatementImport.all().count() == 1


async def test_confirm_needs_a_choice(client, world: World) -> None:  # type: ignore[no-untyped-def]
    await client.login(world.committee.email, PASSWORD)
    values = _mapping(soup(await _upload(client, world, bca((world.today, "X", "9.00")))))
    url = (await client.submit(world.url, values)).headers["location"]
    line = await StatementLine.get(statement__event_id=world.event.id)
    for data in ({"action": "confirm"}, {"action": "other"},
                 {"action": "confirm", f"invoice-{line.id}": "abc"},
                 {"action": "ignore"}):
        response = await client.submit(url, data)
        assert response.status_code == 422, data
        assert soup(response).select_one("#confirm-error")


async def test_others_get_403_and_another_events_statement_404(client, world: World) -> None:  # type: ignore[no-untyped-def]
    other = await fee_event()
    await FeePolicy.filter(event_id=other.id).update(prefix="PKB2027")
    theirs = await StatementImport.create(event_id=other.id, filename="x.csv")
    mine = await StatementImport.create(event_id=world.event.id, filename="y.csv")
    await client.login(world.exhibitor.email, PASSWORD)
    assert (await client.get(world.url)).status_code == 403
    assert (await client.get(f"{world.url}/{mine.id}")).status_code == 403
    assert (await _upload(client, world, bca((world.today, "X", "9.00")))).status_code == 403
    assert (await client.submit(f"{world.url}/{mine.id}", {"action": "confirm"})).status_code == 403
    client.cookies.clear()  # signed out
    client.csrf = ""
    await client.login(world.committee.email, PASSWORD)
    assert (await client.get(f"{world.url}/{mine.id}")).status_code == 200
    assert (await client.get(f"{world.url}/{theirs.id}")).status_code == 404
    assert (await client.submit(f"{world.url}/{theirs.id}", {"action": "confirm"})).status_code == 404
    assert (await client.get(f"{world.url}/9999999")).status_code == 404
    assert (await client.get("/manage/e/no-such-event/payments/statements")).status_code == 404
