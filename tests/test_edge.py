"""The app's edge: the Host header, absolute links and QR codes, refused bodies over a real
socket, and parsing uploads off the event loop."""

from __future__ import annotations

import dataclasses
import http.client
import pickle
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup

from expo import qr, xlsx
from expo.app import create_app
from expo.errors import DomainError, NotFound
from expo.settings import Settings, SettingsError
from tests.conftest import TEST_SECRET, Client
from tests.leads.helpers import setup
from tests.shared.bombs import MiB

# ---- the Host header ---------------------------------------------------------------------


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_host_forged_is_refused_with_a_page_pointing_at_the_base_url(client, db):
    response = await client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    page = soup(response)
    assert "evil.example" in page.select_one(".lead").text
    assert "Alamat" in page.select_one("h1").text  # Bahasa Indonesia by default
    links = [a["href"] for a in page.select("a[href]")]
    assert links and all(not href.startswith("http") or href.startswith("http://testserver/")
                         for href in links)
    assert page.select_one("base")["href"] == "http://testserver/"  # every link leads there
    assert not any("evil.example" in str(tag) for tag in page.select("[href], [src], [action]"))
    for host in ("testserver", "127.0.0.1:8000", "localhost", "TestServer:80"):  # the defaults
        assert (await client.get("/", headers={"host": host})).status_code == 200, host


async def test_host_refusal_comes_first_and_speaks_the_chosen_language(client, db):
    client.cookies.set("expo_lang", "en")
    big = b"x" * (3 * MiB)  # over the body limit: the host is refused before the body
    response = await client.post("/login", content=big, headers={
        "host": "evil.example", "content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert "Unknown address" in soup(response).select_one("h1").text
    api = await client.get("/api/v1/openapi.json", headers={"host": "evil.example:8000"})
    assert api.status_code == 400 and api.json()["error"] == "bad_host"


async def test_host_allowed_hosts_setting_is_enforced(settings, db):
    app = create_app(dataclasses.replace(settings, allowed_hosts=("expo.lan", "*.kaltim.test")),
                     manage_db=False)
    async with Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        for host, status in (("expo.lan", 200), ("a.kaltim.test", 200), ("testserver", 200),
                             ("127.0.0.1", 400), ("expo.lan.evil.example", 400)):
            assert (await c.get("/", headers={"host": host})).status_code == status, host
        # a load balancer's health check uses the machine's own address
        assert (await c.get("/healthz", headers={"host": "10.0.0.5:8000"})).status_code == 200


def test_settings_allowed_hosts_default_and_parsed(tmp_path):
    env = {"EXPO_DATA_DIR": str(tmp_path), "EXPO_BASE_URL": "https://Expo.Kaltimprov.go.id/"}
    assert Settings.from_env(env).trusted_hosts == (
        "expo.kaltimprov.go.id", "127.0.0.1", "localhost")
    chosen = Settings.from_env({**env, "EXPO_ALLOWED_HOSTS": " Expo.LAN, 192.168.1.10,,*.x.id"})
    assert chosen.trusted_hosts == ("expo.kaltimprov.go.id", "expo.lan", "192.168.1.10", "*.x.id")
    for bad in ("http://expo.lan", "expo.lan:8000", "a*.x.id", "expo.lan/x"):
        with pytest.raises(SettingsError) as err:
            Settings.from_env({**env, "EXPO_ALLOWED_HOSTS": bad})
        assert "EXPO_ALLOWED_HOSTS" in str(err.value) and "\n" not in str(err.value)


async def test_stand_qr_encodes_the_base_url_whatever_the_host(client, db):
    event, a, _b, _c = await setup()
    path = f"/e/{event.slug}/s/{a.booth.code}"
    png = await client.get(path + "/qr.png", headers={"host": "127.0.0.1:8000"})
    assert png.status_code == 200
    assert png.content == qr.png(f"http://testserver{path}", scale=10)
    assert png.content != qr.png(f"http://127.0.0.1:8000{path}", scale=10)


# ---- errors cross process boundaries -----------------------------------------------------

def _round_trip(error: DomainError) -> DomainError:
    """What a worker process's exception goes through (expo.offload pickles it)."""
    return pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)


def test_domain_error_survives_pickling():
    error = _round_trip(DomainError("Too big", "file_too_large", status_code=413,
                                    rows=["Row 2: x"]))
    assert (error.message, error.code, error.status_code, error.data) == (
        "Too big", "file_too_large", 413, {"rows": ["Row 2: x"]})
    missing = _round_trip(NotFound())
    assert isinstance(missing, NotFound) and missing.code == "not_found"
    assert missing.status_code == 404


async def test_read_upload_parses_in_a_worker_in_the_callers_language(monkeypatch):
    from expo import i18n

    calls = []
    real = xlsx.in_process

    async def spy(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((fn.__module__, [type(a).__name__ for a in args], sorted(kwargs)))
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(xlsx, "in_process", spy)
    data = xlsx.workbook_bytes([xlsx.Sheet("S", [xlsx.Column("a"), xlsx.Column("n", "int")], [["x", 1], [2, 3]])])
    assert await xlsx.read_upload(data) == (["a", "n"], [["x", 1], ["2", 3]])  # a text column keeps text
    assert calls == [("expo.xlsx", ["bytes"], ["max_rows"])]
    token = i18n.set_locale("en")
    try:
        with pytest.raises(DomainError) as err:
            await xlsx.read_upload(b"PK\x03\x04 not really")
    finally:
        i18n.reset_locale(token)
    assert err.value.code == "not_xlsx" and err.value.message.startswith("This is not")


# ---- refused bodies over a real socket ---------------------------------------------------

@pytest.fixture(params=["httptools", "h11"])
def live(request, tmp_path) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The app under uvicorn (each HTTP implementation) on a loopback port, without a
    database: every request here is refused before one is needed. The socket listens before
    the server starts, so a client can connect at once."""
    settings = Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET,
                        base_url="http://testserver", data_dir=tmp_path, max_body_size=2 * MiB)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    config = uvicorn.Config(create_app(settings, manage_db=False), http=request.param,
                            lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


def _post(port: int, path: str, body: bytes | Iterator[bytes], headers: dict[str, str],
          chunked: bool = False) -> tuple[http.client.HTTPResponse, str]:
    """POST like a browser: send the whole body, then read the answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers=headers, encode_chunked=chunked)
        response = conn.getresponse()
        return response, response.read().decode()
    finally:
        conn.close()


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "expoboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"booths.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _back_link(text: str) -> list[str]:
    return [a["href"] for a in BeautifulSoup(text, "html.parser").select(".actions a[href]")]


def test_oversized_upload_gets_the_413_page_over_a_real_socket(live):
    body, content_type = _multipart(14 * MiB)
    form = f"http://127.0.0.1:{live}/manage/e/hkn2027/booths?hall=3"
    response, text = _post(live, "/manage/e/hkn2027/booths/import", body,
                           {"Content-Type": content_type, "Referer": form})
    assert response.status == 413
    assert response.getheader("connection") == "close"
    assert "Terlalu besar" in text and "terlalu besar" in text  # Bahasa Indonesia by default
    assert "/manage/e/hkn2027/booths?hall=3" in _back_link(text)


def test_chunked_upload_over_the_limit_gets_the_413_page(live):
    body, content_type = _multipart(6 * MiB)
    pieces = (body[i:i + 256 * 1024] for i in range(0, len(body), 256 * 1024))
    response, text = _post(live, "/manage/e/hkn2027/booths/import", pieces,
                           {"Content-Type": content_type, "Cookie": "expo_lang=en",
                            "Referer": "https://evil.example/manage/e/hkn2027/booths"},
                           chunked=True)
    assert response.status == 413 and response.getheader("connection") == "close"
    assert "too large" in text
    assert "/manage/e/hkn2027/booths" not in _back_link(text)  # not this site: no way back there
