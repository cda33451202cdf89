"""A real HTTP server on loopback for adapter tests: it records each request and answers with
what the test scripted (default: 200 and an empty JSON object).

    with LoopbackHTTP() as server:
        server.answer(200, {"status": True, "id": ["m1"]})   # the next answers, in order
        ... POST to server.url + "/send" ...
        server.requests[0].form["target"]
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout test: longer than the client's)


class LoopbackHTTP:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.answers: deque[Answer] = deque()
        self.default = Answer()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with outer.lock:
                    outer.requests.append(Recorded(
                        self.command, parts.path, parse_qs(parts.query),
                        {k.lower(): v for k, v in self.headers.items()}, body))
                    answer = outer.answers.popleft() if outer.answers else outer.default
                if answer.delay:
                    time.sleep(answer.delay)
                payload = (answer.body if isinstance(answer.body, bytes)
                           else json.dumps(answer.body).encode())
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.headers.get(
                        "Content-Type", "application/json"))
                    for name, value in answer.headers.items():
                        if name != "Content-Type":
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            do_GET = do_POST = do_PUT = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None,
               delay: float = 0.0) -> None:
        """Queue the answer to the next request (then the next, ...; then ``default``)."""
        self.answers.append(Answer(status, {} if body is None else body, headers or {}, delay))

    def __enter__(self) -> LoopbackHTTP:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
