"""The reports page and its .xlsx through the ASGI app: the trade office gets them, buyers and
producers get 403, bad dates 422; the workbook opens with openpyxl and holds the totals."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from expo.procurement import report_routes
from tests.factories import PASSWORD, make_user
from tests.procurement.factories import TODAY, office_user
from tests.procurement.test_reports import World, world  # noqa: F401  (the fixture)

URL = "/procurement/office/reports"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_routes, "today", lambda: TODAY)


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def test_the_office_sees_the_report(client, world: World) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    await client.login((await office_user()).email, PASSWORD)
    response = await client.get(URL)
    assert response.status_code == 200, response.text[:400]
    page = soup(response)
    assert page.select_one("[data-testid=spend]")["data-value"] == "11000000"
    assert page.select_one("[data-testid=overdue]")["data-value"] == "1500000"
    rows = page.select("[data-testid=per-organisation] tbody tr")
    assert [r.select("td")[0].text for r in rows] == ["Dinas Koperasi", "Hotel Tepian"]
    assert page.select_one("[data-testid=on-time]") is not None
    assert page.select_one("[data-testid=xlsx]")["href"] == URL + ".xlsx"
    business = soup(await client.get(URL, params={"year": "2027", "kind": "business"}))
    assert business.select_one("[data-testid=spend]")["data-value"] == "4500000"
    assert business.select_one("[data-testid=xlsx]")["href"].endswith("?year=2027&kind=business")


@pytest.mark.parametrize("params", [{"from": "2027-03-01", "to": "2027-01-01"},
                                    {"from": "1 Maret"}, {"from": "2027-01-01"},
                                    {"year": "abc"}, {"kind": "alien"}])
async def test_bad_filters_are_422_with_a_message(client, world: World, params) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    await client.login((await office_user()).email, PASSWORD)
    response = await client.get(URL, params=params)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".field.has-error .error") is not None
    assert page.select_one("[data-testid=totals]") is None
    assert (await client.get(URL + ".xlsx", params=params)).status_code == 422


async def test_buyers_and_producers_may_not_see_reports(client, world: World) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for user in (world.agency.officer, world.agency.head, world.hotel.officer,
                 world.amplang.user, await make_user()):
        client.cookies.clear()
        await client.login(user.email, PASSWORD)
        assert (await client.get(URL)).status_code == 403
        assert (await client.get(URL + ".xlsx")).status_code == 403
    client.cookies.clear()
    response = await client.get(URL)
    assert response.status_code == 303 and "/login" in response.headers["location"]


async def test_the_xlsx_has_a_sheet_per_grouping_and_the_totals(client, world: World) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    await client.login((await office_user()).email, PASSWORD)
    response = await client.get(URL + ".xlsx", params={"from": "2027-01-01", "to": "2027-03-31"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="pengadaan-2027-01-01_2027-03-31.xlsx"')
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) == 8
    summary = [row for row in book.worksheets[0].iter_rows(values_only=True) if len(row) == 4]
    numbers = [row[2] for row in summary[3:6]]
    amounts = [row[3] for row in summary[6:12]]
    assert numbers == [3, 3, 2]  # orders, producers, buyers
    # spend, received, paid, invoiced, unpaid, overdue
    assert amounts == [11_000_000, 5_500_000, 1_000_000, 4_500_000, 3_500_000, 1_500_000]
    per_buyer = list(book.worksheets[1].iter_rows(values_only=True))
    assert per_buyer[1][:4] == ("Dinas Koperasi", 2, 2, 6_500_000)
    months = [r[0] for r in list(book.worksheets[6].iter_rows(values_only=True))[1:]]
    assert months == ["2027-01", "2027-02", "2027-03"]
    on_time = {r[0]: r for r in list(book.worksheets[7].iter_rows(values_only=True))[1:] if len(r) > 4}
    assert on_time["Batik Shaho"][2:5] == (2, 0, 2)
    year = await client.get(URL + ".xlsx")
    assert 'filename="pengadaan-2027.xlsx"' in year.headers["content-disposition"]
