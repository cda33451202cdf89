"""Every procurement route, mounted by ``expo.app``: the public catalogue and the quote link,
the producer's listing, buyers and requests, orders and deliveries, the trade office's
reports."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import (
    buyer_routes,
    catalogue_routes,
    delivery_routes,
    listing_routes,
    order_routes,
    quote_routes,
    report_routes,
    request_routes,
)

routes: list[BaseRoute] = [
    *catalogue_routes.routes, *listing_routes.routes, *buyer_routes.routes,
    *request_routes.routes, *quote_routes.routes, *order_routes.routes,
    *delivery_routes.routes, *report_routes.routes,
]
