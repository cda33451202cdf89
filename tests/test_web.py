"""Helpers shared by the route handlers."""

import pytest

from expo.web import safe_next


@pytest.mark.parametrize("target", ["/manage", "/exhibitor/signup?event=hkn2027",
                                    "/e/hkn2027#peta"])
def test_safe_next_keeps_internal_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "manage", "http:/x"])
def test_safe_next_refuses_what_leaves_the_site(target):
    assert safe_next(target, "/fallback") == "/fallback"
