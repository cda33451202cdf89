"""The public map's markup: compact, accessible (a group of links, not an image), a list of
exhibitors by hall with category labels, and stands that open from relative links."""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import BeautifulSoup

from expo.booths.mapview import num
from expo.booths.models import Booth
from expo.exhibitors.models import Category
from tests.booths.factories import make_application, make_hall, make_row
from tests.factories import make_event


def soup(response):  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


async def world():  # type: ignore[no-untyped-def]
    event = await make_event()
    food = await make_hall(event, name="Hall Kuliner", width=30, depth=10)
    craft = await make_hall(event, name="Hall Kriya", width=30, depth=10)
    food_booths = await make_row(food, 3, prefix="K")
    craft_booths = await make_row(craft, 2, prefix="R")
    wide = craft_booths[1]
    await Booth.filter(id=wide.id).update(w=4.5, h=2.25)  # another label size
    nastar = await make_application(event, category=Category.KULINER)
    batik = await make_application(event, category=Category.FESYEN)
    await Booth.filter(id=food_booths[0].id).update(holder_id=nastar.id)
    await Booth.filter(id=craft_booths[0].id).update(holder_id=batik.id)
    return event


def test_num_is_the_shortest_form_to_the_centimetre():
    assert [num(v) for v in (3.0, 1.5, 0.84, 10.0, 2.333333, -0.0001, 0)] == [
        "3", "1.5", "0.84", "10", "2.33", "0", "0"]


async def test_map_plan_is_a_group_of_named_links_not_an_image(client, db):
    event = await world()
    page = soup(await client.get(f"/e/{event.slug}/map"))
    plans = page.select("svg.plan")
    assert len(plans) == 2
    for plan in plans:
        assert plan["role"] == "group" and plan["aria-label"].startswith("Denah ")
        assert plan.parent["role"] == "region" and plan.parent["tabindex"] == "0"
    links = page.select("svg.plan a.booth")
    assert len(links) == 5
    held = page.select_one("svg.plan a.booth[data-code='K-01']")
    assert held.select_one("title").text.startswith("K-01 · UMKM")
    assert held.select_one("text").text == "K-01"
    assert page.select_one("svg.plan a.booth[data-code='K-02'] title") is None  # nobody there
    # Compact: no per-booth style, the common label size set once, coordinates short.
    assert not page.select("svg.plan [style]")
    assert plans[0]["font-size"] == "0.84"
    assert held.select_one("rect").attrs == {"x": "0", "y": "0", "width": "3", "height": "3"}
    wide = page.select_one("svg.plan a.booth[data-code='R-02'] text")
    assert wide["font-size"] == "0.63" and wide["x"] == "5.25"
    # The relative link opens the stand's page.
    url = urljoin(f"http://testserver/e/{event.slug}/map", held["href"])
    stand = await client.get(url)
    assert stand.status_code == 200 and "K-01" in stand.text


async def test_map_lists_exhibitors_by_hall_with_category_labels(client, db):
    event = await world()
    page = soup(await client.get(f"/e/{event.slug}/map"))
    assert page.select_one("a[href='#stands']")
    halls = [h.contents[0].strip() for h in page.select("#stands h3")]
    assert halls == ["Hall Kuliner", "Hall Kriya"]
    rows = [[td.get_text(strip=True) for td in tr.select("td")]
            for tr in page.select("#stands tbody tr")]
    assert [r[0] for r in rows] == ["K-01", "R-01"]
    assert rows[0][2] == Category.KULINER.label == "Kuliner"
    assert rows[1][2] == "Fesyen & batik"
    options = {o["value"]: o.get_text() for o in page.select("#category option") if o["value"]}
    assert options == {"fesyen": "Fesyen & batik", "kuliner": "Kuliner"}
    stand = soup(await client.get(f"/e/{event.slug}/stand/K-01"))
    assert "Kuliner" in [dd.get_text(strip=True) for dd in stand.select("dd")]


async def test_map_filter_by_category_dims_the_others_and_shortens_the_list(client, db):
    event = await world()
    page = soup(await client.get(f"/e/{event.slug}/map?category=fesyen"))
    assert [a["data-code"] for a in page.select("svg.plan a.booth:not(.dim)")] == ["R-01"]
    assert [tr.td.get_text(strip=True) for tr in page.select("#stands tbody tr")] == ["R-01"]
    assert page.select_one("#category option[selected]")["value"] == "fesyen"


async def test_map_has_zoom_buttons_and_no_htmx(client, db):
    event = await world()
    response = await client.get(f"/e/{event.slug}/map")
    page = soup(response)
    zoom = page.select(".hall-map .zoom button")
    assert [b["data-zoom"] for b in zoom[:3]] == ["in", "out", "fit"]
    assert zoom[0]["aria-label"] == "Perbesar"
    scripts = [s["src"] for s in page.select("script[src]")]
    assert any("/js/booths/map.js?v=" in s for s in scripts)
    assert not any("htmx" in s for s in scripts)


async def test_map_of_an_unknown_event_is_404(client, db):
    assert (await client.get("/e/nope/map")).status_code == 404
    event = await world()
    assert (await client.get(f"/e/{event.slug}/stand/ZZ-99")).status_code == 404
