"""One loopback HTTP server per test module (stopping one waits for its poll interval), its
requests and scripted answers cleared before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.shared.loopback_http import Answer, LoopbackHTTP


@pytest.fixture(scope="module")
def _http_server() -> Iterator[LoopbackHTTP]:
    with LoopbackHTTP() as running:
        yield running


@pytest.fixture
def server(_http_server: LoopbackHTTP) -> Iterator[LoopbackHTTP]:
    _http_server.requests.clear()
    _http_server.answers.clear()
    _http_server.default = Answer()
    yield _http_server
    _http_server.answers.clear()
    _http_server.default = Answer()
