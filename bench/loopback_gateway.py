"""A WhatsApp HTTP gateway on loopback, for bench_messages.py: answers each POST /send the way
a Fonnte-like gateway does ({"status": true, "id": [...]}) and counts what it received, by
idempotency key, so that the bench can tell whether any message arrived twice.

    python bench/loopback_gateway.py PORT        (GET /stats gives the counts as JSON)
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import Counter
from typing import Any

import uvicorn

seen: Counter[str] = Counter()
ids = itertools.count(1)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/stats":
        payload = {"requests": sum(seen.values()), "unique": len(seen),
                   "duplicates": sum(n - 1 for n in seen.values() if n > 1)}
    else:
        headers = dict(scope["headers"])
        seen[headers.get(b"idempotency-key", b"").decode()] += 1
        payload = {"status": True, "id": [str(next(ids))], "process": "pending"}
    data = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                access_log=False)
