"""What a booth costs under an event's fee policy: the invoice lines, worked out without the
database (the service feeds it the booths, the producer and the policy).

A booth line is the booth's price; a subsidy line takes the policy's share of it off (100%
when the producer's category, its size or its being a micro business makes it free); the
deposit and the electricity the application asked for are lines of their own. Amounts are
whole rupiah; a subsidy is rounded down to the rupiah, in the producer's favour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from expo.i18n import gettext as _
from expo.money import parse_rupiah

from .models import FeePolicy, LineKind

MAX_AMOUNT = 2_000_000_000  # Rp 2 billion per line: past any booth fee, inside a 32-bit int
UNIQUE_CODE_MAX = 999


@dataclass(frozen=True)
class BoothFee:
    booth_id: int
    code: str
    price: int
    area: float  # m²


@dataclass(frozen=True)
class Payer:
    category: str
    is_micro: bool
    power_watts: int


@dataclass(frozen=True)
class Line:
    kind: LineKind
    description: str
    quantity: int
    unit_price: int
    booth_id: int | None = None

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


def free_reason(policy: FeePolicy, payer: Payer, booth: BoothFee) -> str:
    """Why this booth costs the producer nothing under the policy, or ""."""
    if payer.category in (policy.free_categories or []):
        return _("free for this category")
    if policy.free_for_micro and payer.is_micro:
        return _("free for micro businesses")
    if policy.free_max_area and booth.area <= policy.free_max_area + 1e-9:
        return _("free for booths up to %(n)s m²", n=f"{policy.free_max_area:g}")
    return ""


def booth_lines(policy: FeePolicy, payer: Payer, booths: Sequence[BoothFee]) -> list[Line]:
    lines: list[Line] = []
    for booth in booths:
        lines.append(Line(LineKind.BOOTH, _("Booth %(code)s (%(area)s m²)", code=booth.code,
                                              area=f"{booth.area:g}"),
                          1, booth.price, booth.booth_id))
        reason = free_reason(policy, payer, booth)
        share = booth.price if reason else booth.price * max(0, min(
            100, policy.subsidy_percent)) // 100
        if share:
            text = (_("Subsidy for booth %(code)s: %(reason)s", code=booth.code, reason=reason)
                    if reason else _("Subsidy for booth %(code)s (%(p)s%%)", code=booth.code,
                                     p=policy.subsidy_percent))
            lines.append(Line(LineKind.SUBSIDY, text, 1, -share, booth.booth_id))
    return lines


def power_line(policy: FeePolicy, payer: Payer) -> Line | None:
    if not policy.power_price or payer.power_watts <= 0:
        return None
    step = max(1, policy.power_step)
    blocks = -(-payer.power_watts // step)  # started blocks
    return Line(LineKind.EXTRA, _("Electricity %(w)s W (per %(step)s W)", w=payer.power_watts,
                                  step=step), blocks, policy.power_price)


def extra_line(policy: FeePolicy, code: str, quantity: int = 1) -> Line | None:
    """A line for an extra of the policy's catalogue (``extras``), or None if it is not there."""
    for extra in policy.extras or []:
        if extra.get("code") == code:
            return Line(LineKind.EXTRA, str(extra.get("label") or code), quantity,
                        int(extra.get("price") or 0))
    return None


def lines_for(policy: FeePolicy, payer: Payer, booths: Sequence[BoothFee]) -> list[Line]:
    """Every line of a new invoice: booths and their subsidies, electricity, the deposit."""
    lines = booth_lines(policy, payer, booths)
    power = power_line(policy, payer)
    if power is not None:
        lines.append(power)
    if policy.deposit and sum(line.amount for line in lines) > 0:
        lines.append(Line(LineKind.DEPOSIT, _("Deposit (refunded after the event)"), 1,
                          policy.deposit))
    return lines


def total_of(lines: Iterable[Line]) -> int:
    return sum(line.amount for line in lines)


def pick_code(*, subtotal: int, taken: set[int], seed: int) -> int:
    """A code 1..999 so that ``subtotal + code`` is not an amount another open invoice is
    waiting for; ``seed`` (the invoice id) spreads codes so that retries rarely collide."""
    for step in range(UNIQUE_CODE_MAX):
        code = (seed * 389 + step) % UNIQUE_CODE_MAX + 1
        if subtotal + code not in taken:
            return code
    raise ValueError("no unique code left for this amount")


def parse_extras(text: str) -> list[dict[str, object]]:
    """The extras catalogue from the settings form, one per line: ``code; label; price``
    (``listrik; Listrik tambahan 900 W; 150000``). Raises ValueError naming the line."""
    extras: list[dict[str, object]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(";")]
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise ValueError(_("Line %(n)s: write code; label; price, e.g. "
                               "“meja; Meja tambahan; 50000”.", n=number))
        try:
            price = parse_rupiah(parts[2])
        except ValueError as exc:
            raise ValueError(_("Line %(n)s: %(error)s", n=number, error=str(exc))) from None
        if price < 0 or price > MAX_AMOUNT:
            raise ValueError(_("Line %(n)s: the price must be between 0 and Rp 2 billion.",
                               n=number))
        code = parts[0].lower()
        if code in seen:
            raise ValueError(_("Line %(n)s: the code “%(code)s” is used twice.", n=number,
                               code=code))
        seen.add(code)
        extras.append({"code": code, "label": parts[1][:120], "price": price})
    return extras


def extras_text(extras: Iterable[dict[str, object]]) -> str:
    return "\n".join(f"{e['code']}; {e['label']}; {e['price']}" for e in extras)
