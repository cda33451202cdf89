"""Static files that a phone on 3G downloads once: fingerprinted links, long caching, gzip.

Pages link static files with ``url_for('static', path=...)`` (expo.templating), which appends
``?v=<digest of the file's content>``. A request whose ``v`` is the file's current digest is
answered with ``Cache-Control: public, max-age=31536000, immutable`` (a changed file gets a new
link, so a cached copy is never stale); any other request (no ``v``, an old one, the service
worker's pre-cache list, the scanner's wasm) with ``no-cache``: the browser revalidates with the
ETag and gets a 304.

Text files (CSS, JS, SVG, JSON, wasm) are gzipped once per file version and kept in memory, so
the compression middleware (expo.compression) does not compress the same file on every request.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from expo.paths import STATIC_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
VERSION_PARAM = "v"
MIN_GZIP = 500  # bytes: below this, gzip's header costs more than it saves
MAX_GZIP = 4 * 2**20  # bigger files are sent as they are (none today)
GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/wasm", "application/manifest+json", "application/xml")


def compressible(content_type: str) -> bool:
    """Whether a body of this ``Content-Type`` shrinks with gzip (text, scripts, SVG, wasm;
    not images, fonts, PDF, xlsx or zip, which are compressed already)."""
    media = content_type.partition(";")[0].strip().lower()
    return media.startswith(GZIP_TYPES)


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:10]


def fingerprint(path: str, static_dir: Path = STATIC_DIR) -> str:
    """The content digest of ``static/<path>`` (changes when the file does); "" if missing."""
    full = static_dir / path
    try:
        stat = full.stat()
    except OSError:
        return ""
    return _digest(str(full), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header takes gzip (named or ``*``, and not ``q=0``)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class CachedStaticFiles(StaticFiles):
    """``StaticFiles`` with the cache policy above and gzipped text files."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if not 200 <= response.status_code < 400:
            return response
        response.headers["Cache-Control"] = self._cache_control(path, scope)
        if isinstance(response, FileResponse) and response.status_code == 200:
            return await self._maybe_gzipped(response, scope)
        return response

    def _cache_control(self, path: str, scope: Scope) -> str:
        version = ""
        for part in scope.get("query_string", b"").decode("latin-1").split("&"):
            key, _, value = part.partition("=")
            if key == VERSION_PARAM:
                version = value
        if version and self.directory is not None:
            if version == fingerprint(path, Path(self.directory)):
                return IMMUTABLE
        return REVALIDATE

    async def _maybe_gzipped(self, response: FileResponse, scope: Scope) -> Response:
        headers = Headers(scope=scope)
        stat = response.stat_result
        if (stat is None or "range" in headers
                or not accepts_gzip(headers.get("accept-encoding", ""))
                or not compressible(response.headers.get("content-type", ""))
                or not MIN_GZIP <= stat.st_size <= MAX_GZIP):
            return response
        body = await anyio.to_thread.run_sync(
            _gzipped, os.fspath(response.path), stat.st_mtime_ns, stat.st_size)
        out = Response(body if scope["method"] != "HEAD" else b"",
                       headers={k: v for k, v in response.headers.items()
                                if k not in ("content-length", "accept-ranges")})
        out.headers["Content-Encoding"] = "gzip"
        out.headers["Content-Length"] = str(len(body))
        out.headers["Vary"] = "Accept-Encoding"
        etag = response.headers.get("etag", "")
        if etag and not etag.startswith("W/"):  # another encoding of the same file
            out.headers["ETag"] = "W/" + etag
        return out
