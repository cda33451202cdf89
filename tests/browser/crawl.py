"""Crawl every page a role can reach, in Chromium, and note what a person on a phone would hit.

A page is checked at a 360 px wide phone and at a 1366 px laptop: horizontal overflow (the
document wider than the window), console errors and uncaught exceptions, error statuses, and
English strings of the catalogs on an Indonesian page. Pages are discovered by following
same-origin links from start pages (GET only), so the check follows the demo as it changes;
pages of one shape (``/stand/12`` and ``/stand/13``) are visited once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from expo.i18n_tools import translated

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 900}
# Not pages: files, the way out, and what leaves the visit's state (language is a POST anyway).
SKIP_PATH = re.compile(
    r"(/logout|/static/|/media/|/uploads?/|\.(xlsx|pdf|csv|zip|png|jpe?g|webp|svg|ics|vcf|json|txt|js|css)$"
    r"|/(export|download|report\.xlsx|qr)(/|$))", re.I)
# Pages of a signed-in person; the others (event, map, stands, catalogue) look alike for all.
PRIVATE = ("/manage", "/account", "/exhibitor", "/procurement")
TOKEN = re.compile(r"^(?=.*\d)[A-Za-z0-9_-]{12,}$")  # ticket codes, signed links

PAGE_TEXT = """() => {
  // what is shown as recorded (translate="no": the audit log's summaries) is left out
  const kept = Array.from(document.querySelectorAll('[translate=no]'));
  kept.forEach(el => { el.dataset.crawlDisplay = el.style.display; el.style.display = 'none'; });
  const bits = [document.title, document.body ? document.body.innerText : ''];
  kept.forEach(el => { el.style.display = el.dataset.crawlDisplay; delete el.dataset.crawlDisplay; });
  for (const el of document.querySelectorAll('[placeholder],[aria-label],[title],input[type=submit][value],button[value]')) {
    for (const name of ['placeholder', 'aria-label', 'title']) {
      const v = el.getAttribute(name); if (v) bits.push(v);
    }
    if (el.matches('input[type=submit]')) bits.push(el.value);
  }
  return bits.join('\\n');
}"""
OVERFLOW = """() => {
  const doc = document.documentElement, width = window.innerWidth;
  if (doc.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0 && getComputedStyle(el).position !== 'fixed') {
      let p = el.parentElement, clipped = false;
      while (p && p !== document.body) {
        const s = getComputedStyle(p);
        if (s.overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1) { clipped = true; break; }
        p = p.parentElement;
      }
      if (!clipped) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' ' + Math.round(r.right) + 'px');
    }
    if (wide.length >= 4) break;
  }
  return {scroll: doc.scrollWidth, width, wide};
}"""
LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download'))
  .map(a => new URL(a.getAttribute('href'), document.baseURI).href)"""  # svg links too


class English:
    """English msgids that have an Indonesian translation of their own (several words, no
    placeholders): seen on a page in Indonesian, each is a string that missed translation."""

    def __init__(self, min_words: int = 2) -> None:
        self.phrases = sorted(
            msgid for msgid, text in translated("id").items()
            if text and text != msgid and len(msgid.split()) >= min_words
            and not re.search(r"[%{}<>\n]", msgid) and len(msgid) >= 6)

    def findall(self, text: str) -> list[str]:
        """The phrases in ``text`` as whole words (a substring test first: fast)."""
        return [phrase for phrase in self.phrases if phrase in text
                and re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)]


def english_pattern(min_words: int = 2) -> English:
    return English(min_words)


def shape(url: str) -> str:
    """A page's kind: numbers and tokens in the path and the values of the query left out."""
    parts = urlsplit(url)
    path = "/".join(":t" if TOKEN.match(seg) else ":n" if re.search(r"\d", seg) else seg
                    for seg in parts.path.split("/"))  # BF-01, 2027-04-20, hkn2027: one kind
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def normalise(url: str, origin: str) -> str | None:
    """The address to visit for a link, or None when it is not a page of this site."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or SKIP_PATH.search(parts.path):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass
class Visit:
    role: str
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    links: dict[str, list[str]] = field(default_factory=dict)  # of each kind of page visited


async def crawl(context, role: str, origin: str, starts: Iterable[str],  # type: ignore[no-untyped-def]
                english: English, public: set[str] | None = None,
                seen: dict[str, list[str]] | None = None, limit: int = 150) -> Visit:
    """Visit what ``context``'s user reaches from ``starts``, one page at a time. With
    ``public`` (shared by the signed-in roles), a public page's shape is visited by one of them;
    the kinds of page ``seen`` as another role (who sees the same pages) are not visited again
    but for the start pages; their links are followed."""
    visit = Visit(role)
    again = seen or {}
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    queue = [u for u in (normalise(origin + s, origin) for s in starts) if u]
    first = {shape(u) for u in queue}
    seen_shapes: set[str] = set()
    while queue and len(visit.pages) < limit:
        url = queue.pop(0)
        kind = shape(url)
        if kind in seen_shapes:
            continue
        seen_shapes.add(kind)
        if kind in again and kind not in first:
            links = again[kind]  # checked as the other role
        elif public is not None and not urlsplit(url).path.startswith(PRIVATE):
            if kind in public:
                continue
            public.add(kind)
            links = visit.links[kind] = await _check(page, url, visit, errors, english)
        else:
            links = visit.links[kind] = await _check(page, url, visit, errors, english)
        for link in links:
            target = normalise(link, origin)
            if target and shape(target) not in seen_shapes:
                queue.append(target)
    await page.close()
    return visit


async def _check(page, url: str, visit: Visit, errors: list[str],  # type: ignore[no-untyped-def]
                 english: English) -> list[str]:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    where = f"[{visit.role}] {parts.path}" + (f"?{parts.query}" if parts.query else "")
    errors.clear()
    await page.set_viewport_size(PHONE)
    try:
        response = await page.goto(url, wait_until="load")
    except Exception as exc:  # a download starting is not a page
        if "Download is starting" in str(exc):
            return []
        visit.problems.append(f"{where}: did not load ({exc})")
        return []
    if response is None or "text/html" not in (response.headers.get("content-type") or ""):
        return []
    if response.url != url and normalise(response.url, origin) is None:
        return []  # redirected off the site or to a file
    visit.pages.append(url)
    if response.status >= 400:
        visit.problems.append(f"{where}: HTTP {response.status}")
    for size in (PHONE, LAPTOP):
        if size is LAPTOP:
            await page.set_viewport_size(LAPTOP)
        overflow = await page.evaluate(OVERFLOW)
        if overflow:
            visit.problems.append(f"{where}: {overflow['scroll']} px wide at {overflow['width']} px "
                                  f"({', '.join(overflow['wide']) or 'no single element'})")
    text = await page.evaluate(PAGE_TEXT)
    found = sorted(set(english.findall(text)))
    if found:
        visit.problems.append(f"{where}: English on an Indonesian page: {found[:6]}")
    if response.status >= 400:  # the page's own status, reported above
        errors[:] = [e for e in errors if not e.startswith("Failed to load resource")]
    if errors:
        visit.problems.append(f"{where}: console: {errors[:3]}")
    return list(await page.evaluate(LINKS))


async def crawl_roles(browser_type, executable: str, args: list[str], origin: str,  # type: ignore[no-untyped-def]
                      roles: dict[str, tuple[str | None, list[str]]], password: str,
                      alike: dict[str, str] | None = None, parallel: int = 3) -> list[Visit]:
    """Each role (email or None for anonymous, start pages) in its own browser context; a role
    ``alike`` another (the superuser and the committee) is crawled after it, checking only the
    kinds of page the other did not reach."""
    english = english_pattern()
    browser = await browser_type.launch(executable_path=executable, args=args, headless=True)
    gate = asyncio.Semaphore(parallel)
    public: set[str] = set()

    tasks: dict[str, asyncio.Task[Visit]] = {}

    async def one(role: str, email: str | None, starts: list[str]) -> Visit:
        other = (alike or {}).get(role)
        seen = (await tasks[other]).links if other else None
        async with gate:
            context = await browser.new_context(viewport=PHONE, base_url=origin, locale="id-ID",
                                                service_workers="block")
            context.set_default_timeout(15_000)
            try:
                landing = await _sign_in(context, email, password) if email else None
                return await crawl(context, role, origin, [*starts, *([landing] if landing else [])],
                                   english, public if email else None, seen)
            finally:
                await context.close()

    try:
        for role, (email, starts) in roles.items():
            tasks[role] = asyncio.create_task(one(role, email, starts))
        return list(await asyncio.gather(*tasks.values()))
    finally:
        await browser.close()


async def _sign_in(context, email: str, password: str) -> str:  # type: ignore[no-untyped-def]
    page = await context.new_page()
    await page.goto("/login")
    await page.fill("#f-email", email)
    await page.fill("#f-password", password)
    await page.click("main form button[type=submit]")
    await page.wait_for_url(lambda url: "/login" not in url)
    landing = urlsplit(page.url).path
    await page.close()
    return landing
