"""gzip for text bodies (expo.compression) and cached, fingerprinted static files
(expo.staticfiles, expo.templating)."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from expo.compression import CompressionMiddleware, deflate_part, gzip_parts
from expo.paths import STATIC_DIR
from expo.staticfiles import IMMUTABLE, REVALIDATE, compressible, fingerprint
from tests.factories import make_event

GZIP = {"Accept-Encoding": "gzip"}
TEXT = ("<p>Pameran UMKM Kalimantan Timur</p>\n" * 200).encode()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _chunks() -> AsyncIterator[bytes]:
    for i in range(50):
        yield f"baris {i};".encode() * 40 + b"\n"


async def _html(request: Request) -> Response:
    return Response(TEXT, media_type="text/html")


async def _small(request: Request) -> Response:
    return JSONResponse({"ok": True, "code": "green"})


async def _xlsx(request: Request) -> Response:
    return Response(TEXT, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="x.xlsx"'})


async def _pdf(request: Request) -> Response:
    return Response(TEXT, media_type="application/pdf")


async def _stream(request: Request) -> Response:
    return StreamingResponse(_chunks(), media_type="text/csv")


async def _events(request: Request) -> Response:
    return StreamingResponse(_chunks(), media_type="text/event-stream")


async def _encoded(request: Request) -> Response:
    """A body its route gzipped already (as the public map does, ``gzip_parts``)."""
    return Response(gzip.compress(TEXT), media_type="text/html",
                    headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})


def _tiny_app() -> Starlette:
    return Starlette(routes=[Route("/html", _html), Route("/small", _small),
                             Route("/encoded", _encoded),
                             Route("/api/v1/events/x/scans", _html),
                             Route("/xlsx", _xlsx), Route("/pdf", _pdf),
                             Route("/stream", _stream), Route("/events", _events)],
                     middleware=[Middleware(CompressionMiddleware)])


@pytest.fixture
async def tiny() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_tiny_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_compression_gzips_html_for_a_client_that_accepts_it(tiny):
    response = await tiny.get("/html", headers=GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.content == TEXT  # httpx decoded it
    assert int(response.headers["content-length"]) < len(TEXT) / 10


async def test_compression_leaves_a_client_without_gzip_alone(tiny):
    for headers in ({"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"}):
        response = await tiny.get("/html", headers=headers)
        assert "content-encoding" not in response.headers
        assert response.content == TEXT


async def test_compression_leaves_the_scan_hot_path_alone(tiny):
    response = await tiny.get("/api/v1/events/x/scans", headers=GZIP)
    assert "content-encoding" not in response.headers
    assert response.content == TEXT


async def test_compression_skips_small_bodies(tiny):
    response = await tiny.get("/small", headers=GZIP)
    assert "content-encoding" not in response.headers
    assert response.json() == {"ok": True, "code": "green"}


@pytest.mark.parametrize("path", ["/xlsx", "/pdf"])
async def test_compression_skips_types_that_are_compressed_already(tiny, path):
    response = await tiny.get(path, headers=GZIP)
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(TEXT))
    assert response.content == TEXT


async def test_compression_streams_a_streaming_response(tiny):
    response = await tiny.get("/stream", headers=GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert response.text.count("\n") == 50 and response.text.startswith("baris 0;")


async def test_compression_never_buffers_server_sent_events(tiny):
    response = await tiny.get("/events", headers=GZIP)
    assert "content-encoding" not in response.headers
    assert response.text.count("\n") == 50


async def test_compression_passes_a_body_encoded_by_its_route_untouched(tiny):
    for headers in (GZIP, {"Accept-Encoding": "identity"}):
        async with tiny.stream("GET", "/encoded", headers=headers) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        assert response.headers["content-encoding"] == "gzip"  # once, not twice
        assert response.headers["vary"] == "Accept-Encoding"
        assert gzip.decompress(raw) == TEXT
        assert int(response.headers["content-length"]) == len(raw)


def test_gzip_parts_splice_precompressed_parts_into_one_stream():
    head, bulk, tail = b"<html>\xc2\xb7 token 123", TEXT * 5, b"</html>\n"
    packed = gzip_parts([(head, None), (bulk, deflate_part(bulk)), (tail, None)])
    assert gzip.decompress(packed) == head + bulk + tail
    stream = zlib.decompressobj(wbits=31)  # one member, ended, nothing after it
    assert stream.decompress(packed) == head + bulk + tail
    assert stream.eof and stream.unused_data == b""
    assert gzip.decompress(gzip_parts([])) == b""
    assert gzip.decompress(gzip_parts([(b"", None), (b"x", deflate_part(b"x"))])) == b"x"


@pytest.mark.parametrize(("content_type", "expected"), [
    ("text/html; charset=utf-8", True), ("text/css", True), ("application/javascript", True),
    ("text/javascript", True), ("image/svg+xml", True), ("application/json", True),
    ("application/wasm", True), ("image/jpeg", False), ("image/png", False),
    ("application/pdf", False), (XLSX, False), ("font/woff2", False), ("", False)])
def test_compressible_names_text_types_only(content_type, expected):
    assert compressible(content_type) is expected


async def test_pages_are_gzipped(client, db):
    event = await make_event()
    response = await client.get(f"/e/{event.slug}", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert event.name in response.text


async def test_pages_link_static_files_with_their_fingerprint(client, db):
    response = await client.get("/login")
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text)
    assert "/static/css/app.css?v=" + fingerprint("css/app.css") in links
    assert links and all(re.search(r"\?v=[0-9a-f]{10}$", link) for link in links), links


async def test_static_fingerprinted_request_is_cached_for_a_year(client, db):
    url = "/static/vendor/htmx/htmx.min.js?v=" + fingerprint("vendor/htmx/htmx.min.js")
    response = await client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 25_000  # 52 KB raw
    assert response.content.startswith(b"var htmx") or b"htmx" in response.content[:200]


@pytest.mark.parametrize("query", ["", "?v=0123456789", "?x=1"])
async def test_static_without_the_current_fingerprint_revalidates(client, db, query):
    response = await client.get("/static/css/app.css" + query)
    assert response.status_code == 200
    assert response.headers["cache-control"] == REVALIDATE


async def test_static_revalidation_answers_304(client, db):
    first = await client.get("/static/css/app.css", headers=GZIP)
    again = await client.get("/static/css/app.css",
                             headers={**GZIP, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == REVALIDATE


async def test_static_gzip_is_the_file_compressed(client, db):
    transport = client._transport
    raw = await transport.handle_async_request(httpx.Request(
        "GET", "http://testserver/static/css/app.css", headers=GZIP))
    body = b"".join([part async for part in raw.stream])  # type: ignore[union-attr]

    assert raw.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (STATIC_DIR / "css" / "app.css").read_bytes()


async def test_static_file_is_not_gzipped_for_a_client_that_refuses_it(client, db):
    transport = client._transport
    raw = await transport.handle_async_request(httpx.Request(
        "GET", "http://testserver/static/css/app.css", headers={"Accept-Encoding": "gzip;q=0"}))
    body = b"".join([part async for part in raw.stream])  # type: ignore[union-attr]

    assert "content-encoding" not in raw.headers
    assert body == (STATIC_DIR / "css" / "app.css").read_bytes()


async def test_static_range_request_is_answered_uncompressed(client, db):
    response = await client.get("/static/css/app.css", headers={**GZIP, "Range": "bytes=0-9"})
    assert response.status_code == 206
    assert "content-encoding" not in response.headers
    assert len(response.content) == 10


async def test_static_small_and_binary_files_are_sent_as_they_are(client, db):
    favicon = await client.get("/static/img/favicon.svg", headers=GZIP)  # 239 bytes
    font = await client.get("/static/fonts/DejaVuSans.ttf", headers=GZIP)
    assert favicon.status_code == font.status_code == 200
    assert "content-encoding" not in favicon.headers
    assert "content-encoding" not in font.headers
    assert font.headers["content-length"] == str((STATIC_DIR / "fonts" / "DejaVuSans.ttf").stat().st_size)


async def test_static_missing_file_is_404_and_not_cached(client, db):
    response = await client.get("/static/css/nope.css?v=abc")
    assert response.status_code == 404
    assert response.headers.get("cache-control") != IMMUTABLE


async def test_static_post_is_refused(client, db):
    response = await client.post("/static/css/app.css", headers={"X-CSRF-Token": "x"})
    assert response.status_code in (403, 405)


async def test_service_worker_is_still_served_uncached(client, db):
    response = await client.get("/sw.js", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert "expo-static-" in response.text and '"/static/js/scanner.js"' in response.text


async def _big_map_event(n: int = 1000) -> str:
    """``n`` 3 x 3 m booths in halls of 200, four in five held by a producer."""
    from expo.booths.models import Booth, Hall
    from expo.exhibitors.models import Application, AppStatus, Category, Producer

    event = await make_event()
    halls = [await Hall.create(event=event, name=f"Hall {h + 1}", width=60, depth=50)
             for h in range((n + 199) // 200)]
    categories = list(Category)
    words = ["Nastar", "Amplang", "Batik", "Tenun Doyo", "Madu", "Kopi", "Sambal", "Rotan"]
    await Producer.bulk_create([Producer(
        business_name=f"{words[i % 8]} {words[i * 7 % 8]} Samarinda {i * 7919 % 10007}",
        owner_name="x", phone="+6281200000000", email=f"map{i}@x.id", kabupaten="Samarinda",
        category=categories[i % len(categories)], cluster=f"klaster-{i % 25}")
        for i in range(n)])
    producers = await Producer.filter(email__startswith="map").order_by("id")
    await Application.bulk_create([Application(event=event, producer=p,
                                               status=AppStatus.ACCEPTED) for p in producers])
    apps = await Application.filter(event=event).order_by("id")
    booths = []
    for i in range(n):
        hall, k = divmod(i, 200)
        row, col = divmod(k, 20)
        booths.append(Booth(event=event, hall=halls[hall], code=f"{chr(65 + hall)}-{k + 1:03d}",
                            x=3.0 * col, y=5.0 * row, w=3, h=3, zone="Kuliner", kind="standard",
                            holder=apps[i] if i % 5 else None,
                            status="assigned" if i % 5 else "available"))
    await Booth.bulk_create(booths)
    return event.slug


async def test_map_of_1000_booths_weighs_under_60_kb_compressed(client, db):
    slug = await _big_map_event()
    page = await client.get(f"/e/{slug}/map", headers=GZIP)
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert page.text.count('class="booth ') == 1000
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    weight = page.num_bytes_downloaded
    for url in assets:
        got = await client.get(url, headers=GZIP)
        assert got.status_code == 200
        weight += got.num_bytes_downloaded
    assert "htmx" not in " ".join(assets)  # the map does not need it
    assert weight <= 60 * 1024, weight
    assert "style=" not in page.text.split('<svg class="plan"', 1)[1]  # classes, not styles


async def test_htmx_is_loaded_for_signed_in_pages_only(client, db):
    from expo.accounts.models import Role
    from tests.factories import PASSWORD, make_user

    event = await make_event()
    anonymous = await client.get(f"/e/{event.slug}")
    assert "vendor/htmx/htmx.min.js" not in anonymous.text  # a visitor's phone skips it
    user = await make_user(event=event, role=Role.COMMITTEE)
    await client.login(user.email, PASSWORD)
    signed_in = await client.get("/manage")
    assert "/static/vendor/htmx/htmx.min.js?v=" in signed_in.text
