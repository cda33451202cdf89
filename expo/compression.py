"""gzip for what the app sends: HTML, CSS, JS, SVG and JSON, when the client accepts it.

Starlette's ``GZipMiddleware`` does the work (streamed bodies are compressed chunk by chunk
with a sync flush, large bodies in a worker thread, server-sent events never, 206 and already
encoded bodies left alone). What it lacks is an allow-list: it compresses everything not on its
exclude list, including xlsx, PDF and uploaded photos, which are compressed already. Here only
bodies whose type ``expo.staticfiles.compressible`` names are touched; everything else goes out
exactly as the route made it. Bodies under ``minimum_size`` are sent as they are, and the
one-scan endpoints of the gates and lead scanners skip the middleware altogether: nothing
added on the hot path. A body that its route has encoded already (``Content-Encoding`` set,
as the public map's, below) goes out untouched.

A page whose bulk is the same for everyone (the public floor map: 300 KB of plan) but whose
frame is not (the session's CSRF token, the signed-in name) is sent as gzip without
compressing the bulk on every request: ``deflate_part`` compresses it once, when it is built;
``gzip_parts`` splices it between the frame's parts, compressed per request, into one gzip
stream. Each part is a run of raw deflate blocks of its own (no back-reference leaves it),
none final, ending on a byte boundary, so that parts concatenate into a valid stream.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expo.staticfiles import accepts_gzip, compressible

MINIMUM_SIZE = 500
LEVEL = 6  # zlib's default: nearly level 9's size at a third of its time


# A gzip member's header: deflate, no name, no time, no extra flags, unknown OS (RFC 1952).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # BFINAL=1, fixed Huffman, end of block


def deflate_part(data: bytes, level: int = LEVEL) -> bytes:
    """``data`` as a part for ``gzip_parts``: raw deflate, ended by a sync flush."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def gzip_parts(parts: Sequence[tuple[bytes, bytes | None]], level: int = LEVEL) -> bytes:
    """One gzip stream of the parts' bytes, in order. Each part is ``(raw, deflated)``:
    ``deflated`` is ``deflate_part(raw)`` made beforehand, or None to compress it now. What
    is left per request is the crc32 of the whole (about 0.1 ms for 300 KB)."""
    out = [_GZIP_HEADER]
    crc = size = 0
    for raw, deflated in parts:
        out.append(deflate_part(raw, level) if deflated is None else deflated)
        crc = zlib.crc32(raw, crc)
        size += len(raw)
    out.append(_FINAL_EMPTY_BLOCK)
    out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(out)


class _Selective(GZipResponder):
    """A ``GZipResponder`` that passes through any body whose type is not compressible."""

    bypass = False

    async def send_with_compression(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
            self.bypass = not compressible(content_type)
        if self.bypass:
            await self.send(message)
            return
        await super().send_with_compression(message)


def _accepts_gzip(scope: Scope) -> bool:
    return accepts_gzip(next((value.decode("latin-1") for key, value in scope["headers"]
                              if key == b"accept-encoding"), ""))


# The gates' and lead scanners' one-scan endpoints (POST): a small answer, wanted at once.
HOT_PATHS = ("/scans", "/leads/scan")


class CompressionMiddleware(GZipMiddleware):
    """gzip for compressible bodies of at least ``minimum_size`` bytes. Requests to a path
    ending in one of ``hot_paths`` skip even the check (about 20 µs a response)."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE,
                 compresslevel: int = LEVEL, hot_paths: tuple[str, ...] = HOT_PATHS) -> None:
        super().__init__(app, minimum_size=minimum_size, compresslevel=compresslevel)
        self.hot_paths = hot_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["path"].endswith(self.hot_paths)
                or not _accepts_gzip(scope)):
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder = _Selective(
            self.app, self.minimum_size, compresslevel=self.compresslevel,
            thread_minimum_size=self.thread_minimum_size,
            exclude_content_types=self.exclude_content_types)
        await responder(scope, receive, send)
