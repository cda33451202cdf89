"""Helpers shared by the route handlers."""

import pytest

from expo.urls import safe_next


@pytest.mark.parametrize("target", ["/manage", "/exhibitor/signup?event=hkn2027",
                                    "/e/hkn2027#peta"])
def test_safe_next_keeps_internal_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "manage", "http:/x"])
def test_safe_next_refuses_what_leaves_the_site(target):
    assert safe_next(target, "/fallback") == "/fallback"


def _request(referer: str | None, host: str = "127.0.0.1:8000"):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from starlette.requests import Request

    headers = [(b"host", host.encode())]
    if referer is not None:
        headers.append((b"referer", referer.encode()))
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(
        base_url="https://expo.example.go.id")))
    return Request({"type": "http", "method": "POST", "path": "/x", "headers": headers,
                    "query_string": b"", "app": app})


@pytest.mark.parametrize(("referer", "back"), [
    ("http://127.0.0.1:8000/manage/e/hkn2027/booths?hall=3", "/manage/e/hkn2027/booths?hall=3"),
    ("https://expo.example.go.id/exhibitor/documents", "/exhibitor/documents"),
    ("http://evil.example/manage", None),
    ("http://127.0.0.1:9999/manage", None),
    ("http://127.0.0.1:8000//evil.example/x", None),
    ("not a url", None),
    (None, None),
])
def test_referer_path_only_goes_back_within_the_site(referer, back):
    from expo.urls import referer_path

    assert referer_path(_request(referer)) == back


def test_form_text_refuses_what_the_database_cannot_store() -> None:
    from expo.forms import Form

    form = Form({"name": "Amplang\x00", "note": "ok \ud83c", "city": "Samarinda 🌴"})
    assert form.text("name") == "" and "name" in form.errors
    assert form.text("note") == "" and "note" in form.errors
    assert form.text("city") == "Samarinda 🌴" and "city" not in form.errors


@pytest.mark.parametrize(("query", "page"), [("", 1), ("page=3", 3), ("page=abc", 1),
                                             ("page=-2", 1), ("page=0", 1),
                                             ("page=99999999", 10_000)])
def test_page_number_is_a_whole_number_from_one(query: str, page: int) -> None:
    from starlette.requests import Request

    from expo.web import page_number

    request = Request({"type": "http", "query_string": query.encode(), "headers": []})
    assert page_number(request) == page
