"""The OpenAPI 3.1 description of the scan API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from expo.regions import KALTIM, OUTSIDE
from expo.visitors.checkin import Refusal

_ERROR = {"$ref": "#/components/schemas/Error"}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The event's short name, e.g. hkn2027 (at most 60 characters)."}
_TEXT = ("Text with a NUL character or an unpaired surrogate (such as \"\\ud83c\") cannot be "
         "stored: a body with one is refused with 422.")


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed JSON (not JSON, not UTF-8, or nested too deeply)",
            401: "Missing or invalid device token",
            403: "Token of another event, or not allowed for this token",
            404: "Unknown event", 413: "Body too large",
            422: "Invalid input (the message says what to fix)",
            429: "Too many requests: wait the seconds in Retry-After"}
    responses = {str(c): {"description": text[c], **_json(_ERROR)} for c in codes}
    if 429 in codes:
        responses["429"]["headers"] = {"Retry-After": {
            "description": "Seconds to wait", "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
    return responses


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_BOOLEAN = {"type": "boolean"}
_POST_ERRORS = (400, 401, 403, 404, 413, 422)

SCAN_IN = {
    "type": "object", "required": ["code"], "description": _TEXT,
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 512, "pattern": "\\S",
                 "description": "The text of the QR code (120 characters)."},
        "direction": {"type": "string", "enum": ["in", "out"], "default": "in"},
        "nonce": {"type": "string", "minLength": 1, "maxLength": 64,
                  "description": "Unique per scan; a repeated nonce returns the first answer "
                                 "and records nothing new."},
        "scanned_at": {"type": "string", "format": "date-time",
                       "description": "When the device scanned (offline scans); default now. "
                                      "Without an offset, UTC; a time in the future is "
                                      "replaced by the server's."},
        "offline": {"type": "boolean", "default": False,
                    "description": "The device admitted the person while offline: if the "
                                   "server refuses, the entry is recorded as forced."},
    },
}
SCAN_OUT = _object(
    ["status", "reason", "visitor", "at", "entered_at", "direction", "forced", "message"],
    status={"type": "string", "enum": ["ok", "rejected"]},
    reason={"type": ["string", "null"], "enum": [None, *(r.value for r in Refusal)]},
    visitor={"type": ["object", "null"], "required": ["name", "type"],
             "properties": {"name": _STRING, "type": _STRING}},
    at={"type": "string", "format": "date-time"},
    entered_at={"type": ["string", "null"], "format": "date-time"},
    direction={"type": "string", "enum": ["in", "out"]},
    forced=_BOOLEAN,
    message={"type": "string", "description": "The answer to show, in the request's language "
                                              "(Indonesian by default)."},
)
SCAN_ERROR = _object(
    ["status", "error", "message"],
    status={"const": "error"},
    error={"type": "string", "description": "invalid_input: the item is malformed (the message "
                                            "says what to fix); scan_failed: it could not be "
                                            "recorded, send it again"},
    message=_STRING,
)
VISITOR_IN = _object(
    ["name"],
    name={"type": "string", "maxLength": 120, "description": "At least 2 characters"},
    phone={"type": "string", "description": "A WhatsApp number, such as 0812 3456 7890"},
    email=_STRING,
    type={"type": "string", "enum": ["umum", "pelajar", "instansi", "buyer"]},
    agency={"type": "string", "maxLength": 160,
            "description": "The agency (OPD); required with type instansi"},
    organisation={"type": "string", "maxLength": 160},
    kabupaten={"type": "string", "enum": [*KALTIM, OUTSIDE],
               "description": "A kabupaten/kota of Kalimantan Timur, or outside it"},
    consent_share=_BOOLEAN,
)
VISITOR_IN["description"] = _TEXT
TICKET = _object(["code", "ticket_url", "name", "type", "existing"], code=_STRING,
                 ticket_url=_STRING, name=_STRING, type=_STRING,
                 existing={"type": "boolean", "description": "The phone had a ticket for this "
                           "event already: this is that ticket (sent to it again)"})
BUNDLE = _object(
    ["event_id", "public_key", "keys", "timezone", "reentry", "track_exit", "enforce_hours",
     "early_minutes", "rehearsal", "test_tickets", "revoked", "hours", "gate", "messages"],
    event_id=_INTEGER, public_key={"type": "string", "description": "The current key "
                                   "(base64, raw Ed25519); verify with \"keys\""},
    keys={"type": "array", "description": "Every public key still valid: pick the one whose "
          "id the code carries (\"\" for codes made before per-event keys)",
          "items": _object(["id", "public_key", "valid_until"], id=_STRING,
                           public_key=_STRING, valid_until={"type": ["string", "null"]})},
    timezone=_STRING, reentry=_BOOLEAN,
    track_exit={"type": "boolean", "description": "Whether the gate records exits: the "
                "scanner shows its In/Out switch only then"},
    enforce_hours=_BOOLEAN, early_minutes=_INTEGER,
    rehearsal={"type": "boolean", "description": "The event's rehearsal is on: admit only "
               "the test tickets, at any hour"},
    test_tickets={"type": "array", "items": _STRING, "description": "Keys of the rehearsal's "
                  "test tickets: refused when the rehearsal is off"},
    revoked={"type": "array", "items": _STRING, "description": "Keys of revoked tickets"},
    hours={"type": "object", "description": "Per date, [opens, closes] as HH:MM",
           "additionalProperties": {"type": "array", "items": _STRING}},
    gate=_STRING, messages={"type": "object", "additionalProperties": _STRING},
)
COUNTERS = _object(
    ["day", "checked_in", "inside", "scans", "rejected", "per_gate", "per_hour"],
    day={"type": "string", "format": "date"}, checked_in=_INTEGER, inside=_INTEGER,
    scans=_INTEGER, rejected=_INTEGER,
    per_gate={"type": "array", "items": _object(["gate", "entries"], gate=_STRING,
                                                entries=_INTEGER)},
    per_hour={"type": "array", "items": _object(["hour", "entries"], hour=_INTEGER,
                                                entries=_INTEGER)},
)
MATCHES = _object(["results"], results={"type": "array", "maxItems": 10, "items": _object(
    ["name", "phone", "type", "revoked", "code"], name=_STRING,
    phone={"type": "string", "description": "Masked"}, type=_STRING, revoked=_BOOLEAN,
    code=_STRING)})
_SECURITY: list[dict[str, list[str]]] = [{"device": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "expo scan API", "version": "1",
             "description": "Gate scanners and kiosks. Every call needs a device token "
                            "(`python main.py token --event SLUG --gate NAME [--kiosk]` or the "
                            "committee's Gates page) as `Authorization: Bearer <token>`."},
    "components": {
        "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": _object(["error", "message"], error=_STRING, message=_STRING),
            "ScanIn": SCAN_IN, "ScanOut": SCAN_OUT, "ScanError": SCAN_ERROR,
        },
    },
    "paths": {
        "/api/v1/events/{slug}/scans": {"post": {
            "summary": "Record one scan", "security": _SECURITY, "parameters": [_SLUG],
            "requestBody": {"required": True, **_json(_ref("ScanIn"))},
            "responses": {"200": {"description": "The verdict", **_json(_ref("ScanOut"))},
                          **_errors(*_POST_ERRORS)}}},
        "/api/v1/events/{slug}/scans/batch": {"post": {
            "summary": "Record up to 1,000 scans (offline sync); idempotent by nonce",
            "security": _SECURITY, "parameters": [_SLUG],
            "requestBody": {"required": True, **_json(_object(["scans"], scans={
                "type": "array", "maxItems": 1000, "items": _ref("ScanIn")}))},
            "responses": {"200": {"description": "One result per scan, in order; an item that "
                                                 "is malformed or could not be recorded gets "
                                                 "status \"error\" (the others are recorded)",
                                  **_json(_object(["results"], results={
                                      "type": "array", "items": {"oneOf": [
                                          _ref("ScanOut"), _ref("ScanError")]}}))},
                          **_errors(*_POST_ERRORS)}}},
        "/api/v1/events/{slug}/visitors": {"post": {
            "summary": "Issue a walk-in ticket (kiosk tokens only)", "security": _SECURITY,
            "parameters": [_SLUG], "requestBody": {"required": True, **_json(VISITOR_IN)},
            "responses": {"201": {"description": "The new ticket", **_json(TICKET)},
                          "200": {"description": "The ticket this phone already had",
                                  **_json(TICKET)},
                          **_errors(*_POST_ERRORS)}}},
        "/api/v1/events/{slug}/offline": {"get": {
            "summary": "Ed25519 public key, rules, hours and revoked tickets for offline checks",
            "security": _SECURITY, "parameters": [_SLUG],
            "responses": {"200": {"description": "The bundle", **_json(BUNDLE)},
                          **_errors(401, 403, 404)}}},
        "/api/v1/events/{slug}/counters": {"get": {
            "summary": "Checked in today, inside now, per gate and per hour",
            "security": _SECURITY, "parameters": [_SLUG],
            "responses": {"200": {"description": "Counters", **_json(COUNTERS)},
                          **_errors(401, 403, 404)}}},
        "/api/v1/events/{slug}/search": {"get": {
            "summary": "Up to 10 visitors by name or phone (at least 3 characters); "
                       "20 searches a minute per device, then 429 with Retry-After",
            "security": _SECURITY, "parameters": [_SLUG, {"name": "q", "in": "query",
                                                          "required": True,
                                                          "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Matches", **_json(MATCHES)},
                          **_errors(401, 403, 404, 422, 429)}}},
    },
}
