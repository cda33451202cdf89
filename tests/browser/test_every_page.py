"""Every page each demo role can reach, at a 360 px phone and a 1366 px laptop: no page wider
than the screen, no console error, no English string of the catalogs on an Indonesian page.

The pages are found by crawling same-origin links from each role's start pages (GET only, one
page per shape, see ``tests/browser/crawl.py``), so new pages and a re-dated demo are covered
without a list of addresses here. The roles crawl side by side in one Chromium (async
Playwright in a thread of its own, the sync fixtures of the other journeys keep theirs).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, DEMO_PASSWORD, chromium_or_skip
from tests.browser.crawl import (
    LAPTOP,
    OVERFLOW,
    PAGE_TEXT,
    PHONE,
    Visit,
    crawl_roles,
    english_pattern,
)

# role: (login from README, or None for a visitor; start pages), and the pages it must reach
# at least (so a crawl that stops at the sign-in page cannot pass).
ROLES: dict[str, tuple[str | None, list[str]]] = {
    "anonymous": (None, ["/", "/login"]),
    "admin": ("admin@expo.test", ["/", "/manage"]),
    "panitia": ("panitia@expo.test", ["/", "/manage"]),
    "kurator": ("kurator@expo.test", ["/manage"]),
    "gerbang": ("gerbang@expo.test", ["/manage"]),
    "umkm": ("umkm@expo.test", ["/manage"]),
    "nastar1": ("nastar1@expo.test", ["/manage"]),
    "pengadaan": ("pengadaan@expo.test", ["/"]),
    "kadis": ("kadis@expo.test", ["/"]),  # the agency head who approves orders
    "hotel": ("hotel@expo.test", ["/"]),
}
ALIKE = {"admin": "panitia"}  # the superuser sees the committee's pages, and a few more
AT_LEAST = {"anonymous": 5, "admin": 2, "panitia": 30, "kurator": 5, "gerbang": 4, "umkm": 6,
            "nastar1": 8, "pengadaan": 5, "kadis": 5, "hotel": 4}


def _crawl(url: str) -> list[Visit]:
    from playwright.async_api import async_playwright

    async def run() -> list[Visit]:
        async with async_playwright() as pw:
            return await crawl_roles(pw.chromium, chromium_or_skip(), CHROMIUM_ARGS, url, ROLES,
                                     DEMO_PASSWORD, ALIKE)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_every_page_fits_a_phone_without_errors_in_indonesian(live_server) -> None:  # type: ignore[no-untyped-def]
    visits = _crawl(live_server.url)
    reached = {visit.role: len(visit.pages) for visit in visits}
    short = {role: count for role, count in reached.items() if count < AT_LEAST[role]}
    assert not short, f"pages reached {reached}, fewer than {AT_LEAST}"
    problems = [problem for visit in visits for problem in visit.problems]
    assert not problems, f"{len(problems)} problems on {sum(reached.values())} pages:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize(("body", "wide"), [
    ('<div style="width:500px">wide</div>', True),
    ('<table><tr><td style="white-space:nowrap">' + "kolom " * 20 + "</td></tr></table>", True),
    ('<div class="table-wrap" style="overflow-x:auto"><table><tr><td style="white-space:nowrap">'
     + "kolom " * 20 + "</td></tr></table></div>", False),
    ("<p>" + "kata " * 200 + "</p>", False),
])
def test_overflow_check_sees_a_page_wider_than_the_phone(browser, body: str, wide: bool) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(f"<!doctype html><meta name=viewport content='width=device-width'>"
                         f"<body style='margin:0'>{body}</body>")
        found = page.evaluate(OVERFLOW)
        assert bool(found) is wide, found
        page.set_viewport_size(LAPTOP)
        assert page.evaluate(OVERFLOW) is None
    finally:
        context.close()


def test_english_check_finds_catalog_strings_left_in_english(browser) -> None:  # type: ignore[no-untyped-def]
    english = english_pattern()
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content("<!doctype html><title>Acara</title><h1>Masuk</h1>"
                         "<input placeholder='Forgot your password?'><button>Sign in</button>")
        found = set(english.findall(page.evaluate(PAGE_TEXT)))
        assert found >= {"Sign in"}
        assert not english.findall("Masuk ke akun Anda · Acara saya · Lupa kata sandi?")
    finally:
        context.close()
