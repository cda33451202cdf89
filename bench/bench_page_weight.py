"""First-load weight of the public pages, compressed as a phone receives them.

    python bench/bench_page_weight.py                 # the demo's public pages + a 1,000-booth map
    python bench/bench_page_weight.py --map-booths 2000

The app runs in-process (ASGI, an in-memory SQLite database with the demo loaded). For each
page: the HTML plus every stylesheet, script, icon and image it loads (same origin, each once),
as sent to a client that says ``Accept-Encoding: gzip``: the bytes on the wire, before the
client decodes them. The scanner's wasm is not counted (the scanners are not public pages and
fetch it on demand). Limits from issue 16: 30 KB for a public page, 60 KB for the map of a
1,000-booth event. Exits 1 when a page is over its limit.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

PAGE_LIMIT = 30 * 1024
MAP_LIMIT = 60 * 1024
GZIP = {"Accept-Encoding": "gzip"}


class _Assets(HTMLParser):
    """The URLs a browser fetches on first load: stylesheets, scripts, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href") and {"stylesheet", "icon"} & set(
                (a.get("rel") or "").split()):
            self.urls.append(a["href"] or "")
        elif tag in ("script", "img") and a.get("src"):
            self.urls.append(a["src"] or "")


@dataclass
class Weight:
    label: str
    url: str
    html_raw: int
    html_wire: int
    assets_wire: int
    limit: int

    @property
    def total(self) -> int:
        return self.html_wire + self.assets_wire


async def weigh(client: httpx.AsyncClient, label: str, url: str, limit: int) -> Weight:
    response = await client.get(url, headers=GZIP)
    assert response.status_code == 200, (url, response.status_code)
    parser = _Assets()
    parser.feed(response.text)
    assets = 0
    for asset in dict.fromkeys(parser.urls):
        full = urljoin(str(response.url), asset)
        if urlsplit(full).netloc != urlsplit(str(response.url)).netloc or full.endswith(".wasm"):
            continue
        got = await client.get(full, headers=GZIP)
        assert got.status_code == 200, (full, got.status_code)
        assets += got.num_bytes_downloaded
    return Weight(label, url, len(response.content), response.num_bytes_downloaded, assets, limit)


async def big_event(n_booths: int) -> str:
    """An event of ``n_booths`` booths in halls of 200, four in five held (as
    bench_allocation's map benchmark lays them out)."""
    import datetime as dt

    from expo.booths.models import Booth, Hall
    from expo.events.models import Event
    from expo.exhibitors.models import Application, AppStatus, Category, Producer

    rng = random.Random(1)
    zones = ["Kuliner", "Kriya", "Batik & Fesyen", "Galeri Kabupaten", "Oleh-oleh"]
    goods = ["Nastar", "Amplang", "Kue Bingka", "Batik Ampik", "Tenun Ulap Doyo", "Madu Hutan",
             "Kopi Prangat", "Sambal Raja", "Keripik Pisang", "Anyaman Rotan", "Manik Dayak",
             "Lempok Durian", "Sarung Samarinda", "Kerupuk Ikan", "Gula Aren"]
    owners = ["Bu Ani", "Pak Udin", "Hj. Rahmah", "Mbak Sari", "Pak Darmawan", "Ibu Yuli",
              "Kak Nisa", "Pak Herman", "Bu Wati", "Mama Lina", "Pak Joko", "Bu Erna"]
    places = ["Samarinda", "Tenggarong", "Balikpapan", "Bontang", "Sangatta", "Penajam",
              "Tanah Grogot", "Sendawar", "Loa Janan", "Muara Badak"]
    event = await Event.create(slug="bench-map", name="Pameran 1.000 stan", venue="GOR",
                               status="published", starts_on=dt.date(2027, 1, 1),
                               ends_on=dt.date(2027, 1, 2))
    halls = [await Hall.create(event=event, name=f"Hall {h + 1}", width=60, depth=50)
             for h in range((n_booths + 199) // 200)]
    categories = list(Category)
    await Producer.bulk_create([Producer(
        business_name=f"{rng.choice(goods)} {rng.choice(owners)} {rng.choice(places)} {i}",
        owner_name="x", phone="+6281200000000",
        email=f"bench{i}@x.id", kabupaten="Samarinda", category=rng.choice(categories),
        cluster=f"klaster-{rng.randrange(25)}") for i in range(n_booths)])
    producers = await Producer.filter(email__startswith="bench")
    await Application.bulk_create([Application(event=event, producer=p,
                                               status=AppStatus.ACCEPTED) for p in producers])
    apps = await Application.filter(event=event)
    booths = []
    for i in range(n_booths):
        hall, k = divmod(i, 200)
        row, col = divmod(k, 20)
        booths.append(Booth(event=event, hall=halls[hall], code=f"{chr(65 + hall)}-{k + 1:03d}",
                            x=3.0 * col, y=5.0 * row, w=3, h=3, zone=zones[(row // 2) % 5],
                            kind="standard", holder=apps[i] if i % 5 else None,
                            status="assigned" if i % 5 else "available"))
    await Booth.bulk_create(booths)
    return event.slug


async def public_pages() -> list[tuple[str, str]]:
    from expo.booths.models import Booth
    from expo.events.demo import DEMO_SLUG
    from expo.procurement.models import Listing
    from expo.visitors.models import Visitor

    visitor = await Visitor.filter(event__slug=DEMO_SLUG).order_by("id").first()
    held = await Booth.filter(event__slug=DEMO_SLUG, holder_id__not_isnull=True).order_by(
        "code").first()
    pages = [("home", "/"), ("event page", f"/e/{DEMO_SLUG}"),
             ("visitor register form", f"/e/{DEMO_SLUG}/register"),
             ("find my ticket", f"/e/{DEMO_SLUG}/tiket-saya"),
             ("sign in", "/login"), ("catalogue", "/katalog"),
             ("demo map", f"/e/{DEMO_SLUG}/map")]
    if visitor is not None:
        pages.append(("ticket page", f"/t/{visitor.link_token}"))
    if held is not None:
        pages += [("stand (map)", f"/e/{DEMO_SLUG}/stand/{held.code}"),
                  ("stand page (leads)", f"/e/{DEMO_SLUG}/s/{held.code}")]
    listing = await Listing.filter(listed=True).order_by("id").first()
    if listing is not None:
        pages.append(("catalogue producer",
                      f"/katalog/produsen/{listing.producer_id}"))  # type: ignore[attr-defined]
    return pages


async def run(n_booths: int) -> list[Weight]:
    from tortoise.contrib.test import tortoise_test_context

    from expo.app import create_app
    from expo.db import MODEL_MODULES
    from expo.demo import load_demo
    from expo.settings import Settings

    async with tortoise_test_context(MODEL_MODULES, db_url="sqlite://:memory:"):
        await load_demo()
        slug = await big_event(n_booths)
        settings = Settings(database_url="sqlite://:memory:", secret_key="x" * 40,
                            base_url="http://bench", data_dir=Path("/tmp/expo-bench-weight"))
        app = create_app(settings, manage_db=False)
        transport = httpx.ASGITransport(app=app)
        weights = []
        for label, url in await public_pages():
            # A fresh client per page: a first visit, nothing cached, no cookies.
            async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                         follow_redirects=True) as client:
                weights.append(await weigh(client, label, url, PAGE_LIMIT))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            weights.append(await weigh(client, f"map of {n_booths:,} booths", f"/e/{slug}/map",
                                       MAP_LIMIT))
        return weights


def report(weights: list[Weight]) -> bool:
    kb = 1024
    print(f"{'page':<26} {'HTML raw':>9} {'HTML gz':>8} {'assets gz':>10} {'total':>8} "
          f"{'limit':>7}")
    ok = True
    for w in weights:
        over = w.total > w.limit
        ok &= not over
        print(f"{w.label:<26} {w.html_raw / kb:8.1f}K {w.html_wire / kb:7.1f}K "
              f"{w.assets_wire / kb:9.1f}K {w.total / kb:7.1f}K {w.limit / kb:6.0f}K"
              f"  {'OVER' if over else 'ok'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--map-booths", type=int, default=1000)
    args = parser.parse_args()
    sys.exit(0 if report(asyncio.run(run(args.map_booths))) else 1)


if __name__ == "__main__":
    main()
