"""The floor of the scan bench: the least a server can do for a gate scan, on expo's schema.

    python bench/floor_server.py --port 8123 --db DATA/bench.sqlite3 --tickets DATA/floor.json

``bench_scans.py --table`` starts it beside expo to show what expo's framework, checks and
layers cost above the work itself. It is a raw ASGI app (no framework) on uvicorn with the
loop and HTTP parser expo gets (uvloop, httptools), access log off, and does the logical work
of expo's POST /api/v1/events/{slug}/scans against the same database file and tables: the
bearer token looked up in a dict, the JSON body parsed, the code turned into its ticket key by
a dict built at start (no signature check: this is the floor), then on one sqlite3 connection
on the event loop's thread: BEGIN IMMEDIATE, the conditional UPDATE of the visitor (RETURNING
its name), the scan row (for a rescan: the lookup and the refusal row), COMMIT; the answer as
expo's JSON. The statements are copies of ``expo.visitors.checkin``'s, so that the floor stays
the same while expo's scan path changes. Loopback only; not a server for anything else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

# expo's SQLite settings (expo.settings.SQLITE_PRAGMAS and the scan store's defaults).
PRAGMAS = {"journal_mode": "WAL", "busy_timeout": 10000, "synchronous": "NORMAL",
           "foreign_keys": "ON"}
ENTER = ("UPDATE visitors SET inside = ?, last_in_day = ?, last_in_at = ?, entries = entries + 1 "
         "WHERE ticket_key = ? AND event_id = ? AND revoked_at IS NULL AND rehearsal = ? AND "
         "(last_in_day IS NULL OR last_in_day <> ? OR (inside = ? AND ?)) "
         "RETURNING id, name, type")
LOOKUP = ("SELECT id, name, type, revoked_at, inside, last_in_day, last_in_at, rehearsal "
          "FROM visitors WHERE ticket_key = ? AND event_id = ?")
INSERT_SCAN = ("INSERT INTO visitor_scans (event_id, visitor_id, gate_id, device_id, nonce, "
               "direction, ok, reason, forced, rehearsal, day, scanned_at, recorded_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
STORED = ("SELECT s.ok, s.reason, s.direction, s.scanned_at, v.name, v.type FROM visitor_scans s "
          "LEFT JOIN visitors v ON v.id = s.visitor_id WHERE s.event_id = ? AND s.nonce = ?")
HEADERS = [(b"content-type", b"application/json")]


class Floor:
    """The scan handler: everything it needs is in memory but the visitors and their scans."""

    def __init__(self, db: str, tickets: dict[str, Any]) -> None:
        self.slug = str(tickets["slug"])
        self.path = f"/api/v1/events/{self.slug}/scans"
        self.event_id = int(tickets["event_id"])
        # token -> (gate, device); code -> ticket key
        self.devices = {str(t): (int(g), int(d)) for t, g, d in tickets["devices"]}
        self.keys: dict[str, str] = dict(tickets["codes"])
        self.conn = sqlite3.connect(db, isolation_level=None, check_same_thread=True)
        for name, value in PRAGMAS.items():
            self.conn.execute(f"PRAGMA {name}={value}")

    def handle(self, path: str, authorization: bytes, body: bytes) -> tuple[int, dict[str, Any]]:
        if path != self.path:
            return 404, {"error": "not_found"}
        scheme, _sep, plain = authorization.decode("latin-1").partition(" ")
        device = self.devices.get(plain.strip()) if scheme.lower() == "bearer" else None
        if device is None:
            return 401, {"error": "unauthorized"}
        try:
            item = json.loads(body)
            code, nonce = item["code"], item.get("nonce")
        except (ValueError, TypeError, KeyError):
            return 422, {"error": "invalid_input"}
        now = dt.datetime.now(dt.UTC)
        key = self.keys.get(code)
        if key is None:
            return 200, answer(False, "invalid", None, now)
        try:
            return 200, self.record(key, nonce, device, now)
        except sqlite3.IntegrityError:  # a nonce seen before: the first answer stands
            self.conn.execute("ROLLBACK")
            row = self.conn.execute(STORED, [self.event_id, nonce]).fetchone()
            if row is None:
                raise
            return 200, answer(bool(row[0]), row[1], row[4], now)

    def record(self, key: str, nonce: str | None, device: tuple[int, int],
               now: dt.datetime) -> dict[str, Any]:
        day = now.date()
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(ENTER, [True, day, now, key, self.event_id, False, day, False,
                                   False]).fetchone()
        if row is not None:
            conn.execute(INSERT_SCAN, [self.event_id, row[0], device[0], device[1], nonce, "in",
                                       True, None, False, False, day, now, now])
            conn.execute("COMMIT")
            return answer(True, None, row[1], now, row[2])
        found = conn.execute(LOOKUP, [key, self.event_id]).fetchone()
        reason = "invalid" if found is None else "already_inside"
        conn.execute(INSERT_SCAN, [self.event_id, found and found[0], device[0], device[1], nonce,
                                   "in", False, reason, False, False, day, now, now])
        conn.execute("COMMIT")
        entered = found and found[6]
        return answer(False, reason, found and found[1], now, found and found[2], entered)


def answer(ok: bool, reason: str | None, name: str | None, at: dt.datetime,
           kind: str | None = None, entered: str | None = None) -> dict[str, Any]:
    """expo's answer (``expo.visitors.api.result_json``), message in Bahasa Indonesia."""
    if ok:
        message = f"Selamat datang, {name}"
    elif entered:
        message = f"sudah masuk pukul {str(entered)[11:16].replace(':', '.')}"
    else:
        message = "tiket tidak sah" if reason == "invalid" else "sudah masuk"
    return {"status": "ok" if ok else "rejected", "reason": reason,
            "visitor": None if name is None else {"name": name, "type": kind},
            "at": at.isoformat(), "entered_at": entered, "direction": "in", "forced": False,
            "message": message}


def make_app(floor: Floor) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        authorization = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
        status, data = floor.handle(scope["path"], authorization, body)
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [*HEADERS, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True, help="expo's SQLite database file")
    parser.add_argument("--tickets", required=True,
                        help="JSON: slug, event_id, devices [[token, gate, device]], "
                             "codes {code: key}")
    args = parser.parse_args()
    floor = Floor(args.db, json.loads(Path(args.tickets).read_text()))
    # The connection was opened on this thread, which runs the loop (uvicorn.run, one process).
    uvicorn.run(make_app(floor), host=args.host, port=args.port, loop="uvloop", http="httptools",
                lifespan="off", access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
