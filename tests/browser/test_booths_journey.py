"""Committee imports booths from Excel, drags one on the plan, runs an allocation, moves one
exhibitor and publishes; the exhibitor sees the booth on the map and confirms it."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.conftest import login

EVENT = "/manage/e/hkn2027"


def _xlsx(path: Path, hall: str = "Hall Pameran Baru", prefix: str = "N") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["Hall", "Code", "X (m)", "Y (m)", "Width (m)", "Depth (m)", "Type", "Zone",
               "Price (IDR)", "Power (W)", "Water", "Blocked"])
    for i in range(6):
        ws.append([hall, f"{prefix}-{i + 1:02d}", 3 * i, 0, 3, 3, "island",
                   "Galeri Baru", 0, 2200, "yes", "no"])
    wb.save(path)
    return path


def _booth_exhibitor(live_server) -> str:  # type: ignore[no-untyped-def]
    log = (live_server.data_dir / "server.log").read_text()
    match = re.search(r"exhibitor with a booth\s+(\S+@expo\.test)", log)
    assert match, "the demo lists an exhibitor with a booth"
    return match.group(1)


def test_committee_allocates_and_exhibitor_confirms(page, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    exhibitor = _booth_exhibitor(live_server)
    login(page, exhibitor)
    page.goto(EVENT + "/my-booth")
    business = page.locator("#business-name").inner_text().strip()
    page.context.clear_cookies()

    login(page, "panitia@expo.test")
    page.goto(EVENT + "/booths")
    page.set_input_files("#f-file", str(_xlsx(tmp_path / "booths.xlsx")))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("6")
    page.get_by_role("link", name="Hall Pameran Baru").click()
    expect(page.locator("#plan-editor g.booth")).to_have_count(6)

    # drag N-06 two metres down on the SVG plan (the editor saves it with a fetch)
    box = page.locator("#plan-editor g.booth[data-code='N-06'] rect.body").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_response(lambda r: r.url.endswith("/move")) as moved:
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx, cy + box["height"] * 0.66, steps=5)
        page.mouse.up()
    assert moved.value.status == 200
    page.reload()
    expect(page.locator("#booth-table tr[data-code='N-06'] td").nth(1)).to_have_text("15, 2")

    page.goto(EVENT + "/allocation")
    page.fill("#run-label", "Uji jalur")
    page.fill("#run-seed", "42")
    page.click("#run-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    rows = page.locator("#run-rows tbody tr")
    expect(rows.first).to_be_visible()
    used = " ".join(rows.locator("td:first-child").all_inner_texts())
    target = next(f"N-{i:02d}" for i in range(1, 6) if f"N-{i:02d}" not in used)
    page.select_option("#move-app", label=business)
    page.select_option("#move-booth", target)
    page.click("#move-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(target)
    page.click("#publish-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()

    page.context.clear_cookies()
    login(page, exhibitor)
    page.goto(EVENT + "/my-booth")
    expect(page.locator("#my-booth")).to_contain_text(target)
    expect(page.locator(f"svg.plan g.booth.mine[data-code='{target}']")).to_have_count(1)
    page.get_by_role("button", name="Konfirmasi stan saya").click()
    expect(page.locator("#my-booth .badge")).to_have_text("Dikonfirmasi")

    page.goto(f"/e/hkn2027/map?q={target}")
    expect(page.locator(f"svg.plan a.booth.s-confirmed[data-code='{target}']")).to_have_count(1)
    expect(page.locator(".stand-list")).to_contain_text(business)


def test_committee_deletes_a_hall_not_in_use(page, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    login(page, "panitia@expo.test")
    page.goto(EVENT + "/booths")
    page.set_input_files("#f-file", str(_xlsx(tmp_path / "tent.xlsx", "Tenda Sementara", "T")))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("6")
    page.get_by_role("link", name="Tenda Sementara").click()
    page.click("#hall-delete")
    page.click("#hall-delete-confirm")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_role("link", name="Tenda Sementara")).to_have_count(0)
