"""Excel import and export of booths. Import is all-or-nothing: every row is checked first
(values, codes, layout) and nothing is written unless every row is right."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError
from expo.events.models import Event
from expo.i18n import gettext as _
from expo.money import AmountInvalid, parse_rupiah
from expo.xlsx import Column, Sheet, read_upload, workbook_bytes

from .models import Booth, BoothKind, BoothStatus, Hall
from .service import BoothData, bump_plan_version, check_layout

HEADERS = ["Hall", "Code", "X (m)", "Y (m)", "Width (m)", "Depth (m)", "Type", "Zone",
           "Price (IDR)", "Power (W)", "Water", "Blocked"]
KIND_ALIASES = {
    "standar": BoothKind.STANDARD, "sudut": BoothKind.CORNER, "pulau": BoothKind.ISLAND,
    "kuliner": BoothKind.FOOD, "makanan": BoothKind.FOOD, "food stall": BoothKind.FOOD,
    "luar": BoothKind.OUTDOOR, "tenda": BoothKind.OUTDOOR,
}
YES = {"yes", "ya", "y", "1", "true", "x"}
NO = {"no", "tidak", "n", "0", "false", ""}


def _columns() -> list[Column]:
    kinds = ["text", "text", "decimal", "decimal", "decimal", "decimal", "text", "text", "idr",
             "int", "text", "text"]
    return [Column(h, k) for h, k in zip(HEADERS, kinds, strict=True)]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


async def export_booths(event: Event) -> bytes:
    booths = await Booth.filter(event=event).select_related("hall").order_by("hall_id", "code")

    def rows() -> Iterator[list[Any]]:
        for b in booths:
            yield [b.hall.name, b.code, b.x, b.y, b.w, b.h, str(b.kind), b.zone, b.price,
                   b.power_watts, _yes(b.water), _yes(b.status == BoothStatus.BLOCKED)]

    return workbook_bytes([Sheet(_("Booths"), _columns(), rows())])


def template_bytes() -> bytes:
    example = [["Hall A", "A-01", 0, 0, 3, 3, "standard", "Kriya", 0, 900, "no", "no"],
               ["Hall A", "A-02", 3, 0, 3, 3, "corner", "Kriya", 500000, 900, "no", "no"],
               ["Hall B", "K-01", 0, 0, 3, 3, "food", "Kuliner", 250000, 1300, "yes", "no"]]
    notes = [_("Type: standard, corner, island, food or outdoor. Water and Blocked: yes or no."),
             _("Positions and sizes in metres from the hall's top-left corner. Unknown halls "
               "are created. An existing code updates that booth.")]
    return workbook_bytes([Sheet(_("Booths"), _columns(), example),
                           Sheet(_("Help"), [Column(_("Notes"), width=100)], [[n] for n in notes])])


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    halls_created: list[str] = field(default_factory=list)


def _number(value: Any, label: str, errors: list[str], *, low: float = 0,
            high: float = 1000) -> float:
    try:
        number = float(str(value).replace(",", ".")) if value not in (None, "") else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        errors.append(_("%(col)s must be a number from %(low)s to %(high)s.", col=label,
                        low=low, high=format(high, "g")))
        return low
    return number


def _price(value: Any, errors: list[str], high: int = 2_000_000_000) -> int:
    """A price cell as people type rupiah ("Rp 1.500.000", "1.500.000", 1500000): the one
    parser (``expo.money``), so "150.000" is never read as 150."""
    if value in (None, ""):
        return 0
    try:
        price = parse_rupiah(value)
    except AmountInvalid as exc:
        errors.append(f"{_('Price')}: {exc}")
        return 0
    if not 0 <= price <= high:
        errors.append(_("%(col)s must be a number from %(low)s to %(high)s.", col=_("Price"),
                        low=0, high=format(high, "g")))
        return 0
    return price


def _flag(value: Any, label: str, errors: list[str]) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in YES:
        return True
    if text not in NO:
        errors.append(_("%(col)s must be yes or no.", col=label))
    return False


def _kind(value: Any, errors: list[str]) -> BoothKind:
    text = str(value or "standard").strip().lower()
    if text in KIND_ALIASES:
        return KIND_ALIASES[text]
    try:
        return BoothKind(text)
    except ValueError:
        errors.append(_("Type must be standard, corner, island, food or outdoor."))
        return BoothKind.STANDARD


def parse_row(row: list[Any]) -> tuple[str, BoothData, list[str]]:
    cells = (list(row) + [None] * len(HEADERS))[: len(HEADERS)]
    errors: list[str] = []
    hall = str(cells[0] or "").strip()
    code = str(cells[1] or "").strip()
    if not hall:
        errors.append(_("Hall is required."))
    if not code or len(code) > 20:
        errors.append(_("Code is required (at most 20 characters)."))
    x, y = _number(cells[2], "X", errors), _number(cells[3], "Y", errors)
    w = _number(cells[4] if cells[4] not in (None, "") else 3, _("Width"), errors, low=0.5)
    h = _number(cells[5] if cells[5] not in (None, "") else 3, _("Depth"), errors, low=0.5)
    price = _price(cells[8], errors)
    power = _number(cells[9] or 0, _("Power"), errors, high=1_000_000)
    data = BoothData(code=code, x=x, y=y, w=w, h=h, kind=_kind(cells[6], errors),
                     zone=str(cells[7] or "").strip()[:60], price=int(price),
                     power_watts=int(power), water=_flag(cells[10], _("Water"), errors),
                     blocked=_flag(cells[11], _("Blocked"), errors))
    return hall, data, errors


def _check_header(header: list[str]) -> None:
    if [h.lower() for h in header[:2]] != ["hall", "code"]:
        raise DomainError(_("The first row must be the template's headers (Hall, Code, ...). "
                            "Download the template and copy your rows into it."), "bad_header")


async def import_booths(*, event: Event, data: bytes, by: User | None) -> ImportReport:
    header, body = await read_upload(data)  # checked, then parsed in a worker process
    _check_header(header)
    errors: list[str] = []
    parsed: dict[str, list[BoothData]] = {}
    seen: dict[str, int] = {}
    for number, row in enumerate(body, start=2):
        hall, booth, row_errors = parse_row(row)
        if booth.code in seen:
            row_errors.append(_("Code %(code)s is also on row %(row)s.", code=booth.code,
                                row=seen[booth.code]))
        seen.setdefault(booth.code, number)
        errors.extend(_("Row %(row)s: %(msg)s", row=number, msg=m) for m in row_errors)
        parsed.setdefault(hall, []).append(booth)
    if not body:
        errors.append(_("The file has no booth rows."))
    if errors:
        raise DomainError(_("Nothing was imported. Correct these rows and upload again."),
                          "import_invalid", rows=errors[:50])
    return await _apply(event, parsed, by)


async def _apply(event: Event, parsed: dict[str, list[BoothData]],
                 by: User | None) -> ImportReport:
    report = ImportReport()
    existing = {b.code: b for b in await Booth.filter(event=event)}
    halls = {h.name: h for h in await Hall.filter(event=event)}
    moving = {b.code for items in parsed.values() for b in items}
    for name, items in parsed.items():
        hall = halls.get(name) or Hall(
            event=event, name=name[:80],
            width=math.ceil(max(b.x + b.w for b in items)) + 2,
            depth=math.ceil(max(b.y + b.h for b in items)) + 2)
        staying = [b for b in existing.values()
                   if hall.id is not None and b.hall_id == hall.id  # type: ignore[attr-defined]
                   and b.code not in moving]
        try:
            check_layout(hall, staying, items)
        except DomainError as exc:
            raise DomainError(_("Nothing was imported. Correct these rows and upload again."),
                              "import_invalid", rows=[f"{name}: {exc.message}"]) from None
        halls[name] = hall
    async with atomic():
        await bump_plan_version(event.id)
        for name, items in parsed.items():
            hall = halls[name]
            if hall.id is None:
                await hall.save()
                report.halls_created.append(name)
            for data in items:
                await _upsert(event, hall, data, existing.get(data.code), report)
        await log_action(action="expo.booth.imported", actor=by, event=event,
                         summary=f"Imported booths: {report.created} new, {report.updated} updated")
    return report


async def _upsert(event: Event, hall: Hall, data: BoothData, booth: Booth | None,
                  report: ImportReport) -> None:
    fields: dict[str, Any] = {
        "hall": hall, "x": data.x, "y": data.y, "w": data.w, "h": data.h, "kind": data.kind,
        "zone": data.zone, "price": data.price, "power_watts": data.power_watts,
        "water": data.water}
    if booth is None:
        status = BoothStatus.BLOCKED if data.blocked else BoothStatus.AVAILABLE
        await Booth.create(event=event, code=data.code, status=status, **fields)
        report.created += 1
        return
    booth.update_from_dict(fields)
    if booth.status != BoothStatus.ASSIGNED:
        booth.status = BoothStatus.BLOCKED if data.blocked else BoothStatus.AVAILABLE
    await booth.save()
    report.updated += 1

