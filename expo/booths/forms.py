"""Parsing of the booth, hall, policy and allocation forms."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from expo.errors import DomainError
from expo.forms import Form
from expo.i18n import gettext as _

from .models import AllocationMode, AllocationPolicy, BoothKind, ClusterMode
from .service import BoothData

MAX_SIDE = 500.0
MAX_ID = 2_147_483_647


def form_id(form: Form, name: str) -> int | None:
    """A database id from a form field, or None (never a number the database cannot hold)."""
    value = form.integer(name, low=1, high=MAX_ID)
    return value if name not in form.errors else None


def decimal(form: Form, name: str, *, low: float = 0.0, high: float = MAX_SIDE,
            default: float | None = None) -> float:
    raw = form.raw(name).replace(",", ".")
    if not raw:
        if default is not None:
            return default
        form.error(name, _("This field is required."))
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        form.error(name, _("Enter a number in metres, e.g. 3 or 2.5."))
        return 0.0
    if not low <= value <= high:
        form.error(name, _("Must be between %(low)s and %(high)s.", low=format(low, "g"),
                           high=format(high, "g")))
    return value


def parse_booth(form: Form) -> BoothData:
    data = BoothData(
        code=form.text("code", max_length=20),
        x=decimal(form, "x"), y=decimal(form, "y"),
        w=decimal(form, "w", low=0.5, default=3), h=decimal(form, "h", low=0.5, default=3),
        kind=BoothKind(form.choice("kind", [k.value for k in BoothKind]) or "standard"),
        zone=form.text("zone", required=False, max_length=60),
        price=form.integer("price", required=False, low=0, high=2_000_000_000) or 0,
        power_watts=form.integer("power_watts", required=False, low=0, high=1_000_000) or 0,
        water=form.boolean("water"), blocked=form.boolean("blocked"))
    form.check()
    return data


def parse_hall(form: Form) -> tuple[str, float, float]:
    name = form.text("name", max_length=80)
    width = decimal(form, "width", low=3)
    depth = decimal(form, "depth", low=3)
    form.check()
    return name, width, depth


def parse_zone_rules(text: str) -> dict[str, list[str]]:
    """Lines ``category: Zone A, Zone B``."""
    rules: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise DomainError(_("Line %(n)s: write a category, a colon, then zones.", n=number),
                              "bad_zone_rules", field="zone_rules")
        category, zones = line.split(":", 1)
        rules[category.strip().lower()] = [z.strip() for z in zones.split(",") if z.strip()]
    return rules


def zone_rules_text(rules: dict[str, list[str]]) -> str:
    return "\n".join(f"{k}: {', '.join(v)}" for k, v in rules.items())


def apply_policy(form: Form, policy: AllocationPolicy, tz: str) -> AllocationPolicy:
    for name in ("smk_points", "micro_points", "first_time_points", "rotation_penalty",
                 "curation_points", "early_points"):
        setattr(policy, name, form.integer(name, low=0, high=1000))
    policy.mode = AllocationMode(form.choice("mode", [m.value for m in AllocationMode])
                                 or "optimal")
    policy.cluster_mode = ClusterMode(form.choice("cluster_mode", [c.value for c in ClusterMode])
                                      or "none")
    policy.preferences_open = form.boolean("preferences_open")
    policy.selection_opens_at = form.local_datetime("selection_opens_at", tz)
    policy.slot_minutes = form.integer("slot_minutes", low=1, high=1440) or 30
    policy.slot_size = form.integer("slot_size", low=1, high=1000) or 10
    try:
        policy.zone_rules = parse_zone_rules(form.raw("zone_rules"))
    except DomainError as exc:
        form.error("zone_rules", exc.message)
    form.check()
    return policy


def policy_form(policy: AllocationPolicy, tz: str) -> Form:
    data = {name: str(getattr(policy, name)) for name in (
        "smk_points", "micro_points", "first_time_points", "rotation_penalty",
        "curation_points", "early_points", "slot_minutes", "slot_size")}
    data.update(mode=str(policy.mode), cluster_mode=str(policy.cluster_mode),
                preferences_open="1" if policy.preferences_open else "",
                zone_rules=zone_rules_text(policy.zone_rules or {}),
                selection_opens_at=policy.selection_opens_at.astimezone(ZoneInfo(tz))
                .strftime("%Y-%m-%dT%H:%M")
                if policy.selection_opens_at else "")
    return Form(data)


def booth_form(booth) -> Form:  # type: ignore[no-untyped-def]
    return Form({"code": booth.code, "x": f"{booth.x:g}", "y": f"{booth.y:g}",
                 "w": f"{booth.w:g}", "h": f"{booth.h:g}", "kind": str(booth.kind),
                 "zone": booth.zone, "price": str(booth.price),
                 "power_watts": str(booth.power_watts), "water": "1" if booth.water else "",
                 "blocked": "1" if str(booth.status) == "blocked" else ""})
