"""The service worker that keeps the scanner pages usable without a network.

``/sw.js`` is ``static/js/sw.js`` with this build's id and the list of assets to pre-cache
filled in. The build id is a digest of the static files (path, size, modification time), so a
deploy with changed assets installs a new worker, which drops the old cache.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from expo.accounts.permissions import public
from expo.paths import STATIC_DIR

# What a scanner page needs to open offline (the pages themselves are kept when opened).
PRECACHE = (
    "css/app.css", "css/visitors.css", "css/leads.css", "img/favicon.svg",
    "vendor/htmx/htmx.min.js", "js/app.js", "js/formstash.js", "js/scankit.js", "js/scanner.js",
    "js/lead_scanner.js", "vendor/barcode-detector/barcode-detector.js",
    "vendor/barcode-detector/zxing_reader.wasm",
    "vendor/noble-ed25519/ed25519.js",  # the offline check where WebCrypto lacks Ed25519
)


def build_id(static_dir: Path = STATIC_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(static_dir)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def worker_source() -> bytes:
    urls = [f"/static/{path}" for path in PRECACHE]
    source = (STATIC_DIR / "js" / "sw.js").read_text(encoding="utf-8")
    return (source.replace('"__BUILD__"', json.dumps(build_id()))
            .replace("__PRECACHE__", json.dumps(urls)).encode())


@public
async def service_worker(request: Request) -> Response:
    # Browsers check the worker for updates on navigation; never let a proxy keep an old one.
    return Response(worker_source(), media_type="text/javascript", headers={
        "Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


routes = [Route("/sw.js", service_worker, name="offline.service_worker")]
