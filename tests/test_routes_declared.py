"""Every route declares who may use it (public, login, superuser or event roles)."""

from starlette.routing import Mount, Route

from expo.app import create_app

UNDECLARED_OK = {"healthz"}


def _routes(routes, prefix=""):
    for route in routes:
        if isinstance(route, Mount):
            if route.name == "static":
                continue
            yield from _routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def test_every_route_declares_its_permission(settings):
    app = create_app(settings, manage_db=False)
    missing = [path for path, route in _routes(app.routes)
               if route.name not in UNDECLARED_OK
               and not hasattr(route.endpoint, "__expo_permission__")
               and not path.startswith("/api/")]
    assert missing == []


def test_every_route_has_a_dotted_name(settings):
    app = create_app(settings, manage_db=False)
    names = [route.name for _, route in _routes(app.routes)]
    assert all(n == "healthz" or "." in n for n in names), names
    assert len(names) == len(set(names))
