"""Every procurement route, mounted by ``expo.app``.

While the domain is being built, each part's module is listed here and picked up once it
exists; integration replaces this with plain imports."""

from __future__ import annotations

import importlib

from starlette.routing import BaseRoute

PARTS = ["catalogue_routes", "listing_routes", "buyer_routes", "request_routes",
         "quote_routes", "order_routes", "delivery_routes", "report_routes"]


def _collect() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for name in PARTS:
        try:
            module = importlib.import_module(f"expo.procurement.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"expo.procurement.{name}":
                raise
            continue
        out += module.routes
    return out


routes: list[BaseRoute] = _collect()
