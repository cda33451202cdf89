"""expo.qr: every image has the 4-module quiet zone and decodes back to its data."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from markupsafe import Markup
from PIL import Image, ImageDraw

from expo import qr

TICKET = "A" * 40 + "BCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 2 + "Q" * 18  # 120 alphanumerics
LINK = "https://expo.example/e/hkn2027/s/A-12"
ZBARIMG = shutil.which("zbarimg")


def dark_modules(matrix) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return {(x, y) for y, row in enumerate(matrix) for x, bit in enumerate(row) if bit & 1}


def svg_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """The viewBox size and the modules the SVG's filled runs cover (in viewBox units)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    drawn: set[tuple[int, int]] = set()
    for x, y, width, back in re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", svg):
        assert width == back  # each run is a closed 1-module-high rectangle
        drawn |= {(int(x) + i, int(y)) for i in range(int(width))}
    return size, drawn


def decode(image: Image.Image) -> list[str]:
    if ZBARIMG is None:
        if os.environ.get("CI"):
            pytest.fail("zbarimg not found: CI installs zbar-tools")
        pytest.skip("zbarimg is not installed (apt-get install zbar-tools)")
    out = io.BytesIO()
    image.save(out, format="PNG")
    done = subprocess.run([ZBARIMG, "--raw", "-q", "-"], input=out.getvalue(),
                          capture_output=True, check=False, timeout=30)
    return done.stdout.decode().splitlines()


def rasterise(svg: str, scale: int = 6) -> Image.Image:
    """Draw the SVG's runs as pixels: what a browser shows, without a browser."""
    size, drawn = svg_modules(svg)
    image = Image.new("L", (size * scale, size * scale), 255)
    pen = ImageDraw.Draw(image)
    for x, y in drawn:
        pen.rectangle([x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1], fill=0)
    return image


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("data", [TICKET, LINK])
def test_qr_svg_draws_the_matrix_inside_a_four_module_quiet_zone(data, fast):
    svg = qr.svg(data, scale=3, fast=fast)
    matrix = qr.make(data, fast=fast).matrix
    size, drawn = svg_modules(svg)
    assert size == len(matrix) + 2 * qr.QUIET_ZONE == len(matrix) + 8
    assert f'width="{size * 3}" height="{size * 3}"' in svg
    assert drawn == {(x + 4, y + 4) for x, y in dark_modules(matrix)}
    assert all(4 <= x < size - 4 and 4 <= y < size - 4 for x, y in drawn)
    assert f'<rect width="{size}" height="{size}" fill="#fff"/>' in svg  # a light background


@pytest.mark.parametrize("data", [TICKET, LINK])
def test_qr_svg_decodes_back(data):
    assert decode(rasterise(qr.svg(data, fast=True))) == [data]


def test_qr_png_has_the_quiet_zone_and_the_matrix(tmp_path: Path):
    scale = 5
    image = Image.open(io.BytesIO(qr.png(LINK, scale=scale))).convert("L")
    matrix = qr.make(LINK).matrix
    size = len(matrix) + 8
    assert image.size == (size * scale, size * scale)
    pixels = image.load()

    def module(x: int, y: int) -> bool:  # dark at the module's centre?
        return pixels[x * scale + scale // 2, y * scale + scale // 2] < 128

    seen = {(x - 4, y - 4) for y in range(size) for x in range(size) if module(x, y)}
    assert seen == dark_modules(matrix)  # and so nothing dark in the 4-module border
    assert decode(image) == [LINK]


def test_qr_png_of_a_ticket_decodes_back():
    assert decode(Image.open(io.BytesIO(qr.png(TICKET)))) == [TICKET]


def test_qr_codes_are_level_m_and_cached():
    code = qr.make(TICKET)
    assert code.error == "M" and code.version <= 6
    assert qr.make(TICKET, fast=True).mask == qr.FAST_MASK
    svg = qr.svg(TICKET)
    assert isinstance(svg, Markup) and svg is qr.svg(TICKET)
    assert qr.png(TICKET) is qr.png(TICKET) and qr.png(TICKET).startswith(b"\x89PNG")


def test_qr_svg_never_carries_the_data():
    """Safe to inline: markup in the data cannot reach the page."""
    svg = qr.svg('<script>alert("x")</script>')
    runs = re.search(r' d="([^"]*)"', svg).group(1)
    assert re.fullmatch(r"(M\d+ \d+h\d+v1h-\d+z)+", runs)
    assert re.sub(r"\d+", "N", svg.replace(runs, "")) == (
        '<svg viewBox="N N N N" width="N" height="N" class="qr-code" shape-rendering="crispEdges">'
        '<rect width="N" height="N" fill="#fff"/><path fill="#N" d=""/></svg>')
