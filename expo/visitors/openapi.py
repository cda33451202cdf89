"""The OpenAPI 3.1 description of the scan API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The event's short name, e.g. hkn2027."}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed JSON", 401: "Missing or invalid device token",
            403: "Token of another event, or not allowed for this token",
            404: "Unknown event", 422: "Invalid input (the message says what to fix)",
            429: "Too many requests: wait the seconds in Retry-After"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": _ERROR}}} for c in codes}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


SCAN_IN = {
    "type": "object", "required": ["code"],
    "properties": {
        "code": {"type": "string", "description": "The text of the QR code (120 characters)."},
        "direction": {"type": "string", "enum": ["in", "out"], "default": "in"},
        "nonce": {"type": "string", "maxLength": 64,
                  "description": "Unique per scan; a repeated nonce returns the first answer "
                                 "and records nothing new."},
        "scanned_at": {"type": "string", "format": "date-time",
                       "description": "When the device scanned (offline scans); default now."},
        "offline": {"type": "boolean", "default": False,
                    "description": "The device admitted the person while offline: if the "
                                   "server refuses, the entry is recorded as forced."},
    },
}
SCAN_OUT = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "rejected"]},
        "reason": {"type": ["string", "null"],
                   "enum": [None, "invalid", "revoked", "wrong_event", "already_inside",
                            "not_inside", "closed"]},
        "visitor": {"type": ["object", "null"],
                    "properties": {"name": {"type": "string"}, "type": {"type": "string"}}},
        "at": {"type": "string", "format": "date-time"},
        "entered_at": {"type": ["string", "null"], "format": "date-time"},
        "direction": {"type": "string", "enum": ["in", "out"]},
        "forced": {"type": "boolean"},
        "message": {"type": "string", "description": "The answer to show, in the request's "
                                                     "language (Indonesian by default)."},
    },
}
_SECURITY: list[dict[str, list[str]]] = [{"device": []}]

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "expo scan API", "version": "1",
             "description": "Gate scanners and kiosks. Every call needs a device token "
                            "(`python main.py token --event SLUG --gate NAME [--kiosk]` or the "
                            "committee's Gates page) as `Authorization: Bearer <token>`."},
    "components": {
        "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error", "message"],
                      "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
            "ScanIn": SCAN_IN, "ScanOut": SCAN_OUT,
        },
    },
    "paths": {
        "/api/v1/events/{slug}/scans": {"post": {
            "summary": "Record one scan", "security": _SECURITY, "parameters": [_SLUG],
            "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/ScanIn"})},
            "responses": {"200": {"description": "The verdict",
                                  **_json({"$ref": "#/components/schemas/ScanOut"})},
                          **_errors(400, 401, 403, 404, 422)}}},
        "/api/v1/events/{slug}/scans/batch": {"post": {
            "summary": "Record up to 1,000 scans (offline sync); idempotent by nonce",
            "security": _SECURITY, "parameters": [_SLUG],
            "requestBody": {"required": True, **_json({
                "type": "object", "required": ["scans"],
                "properties": {"scans": {"type": "array", "maxItems": 1000,
                                         "items": {"$ref": "#/components/schemas/ScanIn"}}}})},
            "responses": {"200": {"description": "One result per scan, in order; malformed "
                                                 "items get status \"error\"", **_json({
                "type": "object", "properties": {"results": {"type": "array", "items": {
                    "$ref": "#/components/schemas/ScanOut"}}}})},
                **_errors(400, 401, 403, 404, 422)}}},
        "/api/v1/events/{slug}/visitors": {"post": {
            "summary": "Issue a walk-in ticket (kiosk tokens only)", "security": _SECURITY,
            "parameters": [_SLUG],
            "requestBody": {"required": True, **_json({
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}, "phone": {"type": "string"},
                               "type": {"type": "string",
                                        "enum": ["umum", "pelajar", "instansi", "buyer"]},
                               "agency": {"type": "string"}}})},
            "responses": {"201": {"description": "The ticket", **_json({
                "type": "object", "properties": {"code": {"type": "string"},
                                                 "ticket_url": {"type": "string"}}})},
                **_errors(400, 401, 403, 404, 422)}}},
        "/api/v1/events/{slug}/offline": {"get": {
            "summary": "Ed25519 public key, rules, hours and revoked tickets for offline checks",
            "security": _SECURITY, "parameters": [_SLUG],
            "responses": {"200": {"description": "The bundle"}, **_errors(401, 403, 404)}}},
        "/api/v1/events/{slug}/counters": {"get": {
            "summary": "Checked in today, inside now, per gate and per hour",
            "security": _SECURITY, "parameters": [_SLUG],
            "responses": {"200": {"description": "Counters"}, **_errors(401, 403, 404)}}},
        "/api/v1/events/{slug}/search": {"get": {
            "summary": "Up to 10 visitors by name or phone (at least 3 characters); "
                       "20 searches a minute per device, then 429 with Retry-After",
            "security": _SECURITY, "parameters": [_SLUG, {"name": "q", "in": "query",
                                                          "required": True,
                                                          "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Matches"},
                          **_errors(401, 403, 404, 422, 429)}}},
    },
}
