"""Parsing of the booth, hall, policy and allocation forms."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from expo.errors import DomainError
from expo.exhibitors.models import Category
from expo.forms import Form
from expo.i18n import gettext as _

from .models import AllocationMode, AllocationPolicy, BoothKind, ClusterMode
from .service import BoothData

MAX_SIDE = 500.0
MAX_ID = 2_147_483_647
MAX_ZONE_RULES = 40  # rows of (category, zone) on the rules form
BLANK_RULES = 3


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
        price=form.rupiah("price", required=False, low=0, high=2_000_000_000) or 0,
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
    """Lines ``category: Zone A, Zone B`` (the text form scripts may still post; the page
    chooses from lists, see ``parse_zone_rule_rows``)."""
    rules: dict[str, list[str]] = {}
    categories = {c.value for c in Category}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise DomainError(_("Line %(n)s: write a category, a colon, then zones.", n=number),
                              "bad_zone_rules", field="zone_rules")
        category, zones = line.split(":", 1)
        if category.strip().lower() not in categories:
            raise DomainError(_("Line %(n)s: choose a category of the list.", n=number),
                              "bad_zone_rules", field="zone_rules")
        rules[category.strip().lower()] = [z.strip() for z in zones.split(",") if z.strip()]
    return rules


def zone_rule_pairs(rules: dict[str, list[str]]) -> list[tuple[str, str]]:
    """A policy's zone rules as (category, zone) rows, in category order."""
    order = {c.value: n for n, c in enumerate(Category)}
    return [(category, zone) for category in sorted(rules, key=lambda c: order.get(c, 99))
            for zone in rules[category]]


def parse_zone_rule_rows(form: Form, zones: Collection[str]) -> dict[str, list[str]]:
    """Rows ``rule-N-category`` / ``rule-N-zone``, each chosen from a list: a category of
    ``Category`` and a zone of the floor plan. A row left blank is skipped."""
    categories = {c.value for c in Category}
    rules: dict[str, list[str]] = {}
    for n in range(MAX_ZONE_RULES):
        category, zone = form.raw(f"rule-{n}-category"), form.raw(f"rule-{n}-zone")
        if not category and not zone:
            continue
        if category not in categories:
            form.error(f"rule-{n}-category", _("Choose a category."))
        elif zone not in zones:
            form.error(f"rule-{n}-zone", _("Choose a zone of the floor plan."))
        elif zone not in rules.setdefault(category, []):
            rules[category].append(zone)
    return rules


def rule_rows(form: Form) -> int:
    """How many rule rows the page shows: the filled ones and a few blank ones."""
    filled = [n for n in range(MAX_ZONE_RULES)
              if form.data.get(f"rule-{n}-category") or form.data.get(f"rule-{n}-zone")]
    return min(MAX_ZONE_RULES, (max(filled) + 1 if filled else 0) + BLANK_RULES)


def apply_policy(form: Form, policy: AllocationPolicy, tz: str, *,
                 zones: Collection[str] = ()) -> AllocationPolicy:
    """The rules form; zone rules choose among ``zones`` (and the zones the rules name now)."""
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
    if "zone_rules" in form.data:  # the text form of scripts
        try:
            policy.zone_rules = parse_zone_rules(form.raw("zone_rules"))
        except DomainError as exc:
            form.error("zone_rules", exc.message)
    else:
        policy.zone_rules = parse_zone_rule_rows(
            form, {*zones, *(z for v in (policy.zone_rules or {}).values() for z in v)})
    form.check()
    return policy


def policy_form(policy: AllocationPolicy, tz: str) -> Form:
    data = {name: str(getattr(policy, name)) for name in (
        "smk_points", "micro_points", "first_time_points", "rotation_penalty",
        "curation_points", "early_points", "slot_minutes", "slot_size")}
    data.update(mode=str(policy.mode), cluster_mode=str(policy.cluster_mode),
                preferences_open="1" if policy.preferences_open else "",
                selection_opens_at=policy.selection_opens_at.astimezone(ZoneInfo(tz))
                .strftime("%Y-%m-%dT%H:%M")
                if policy.selection_opens_at else "")
    for n, (category, zone) in enumerate(zone_rule_pairs(policy.zone_rules or {})[
            :MAX_ZONE_RULES]):
        data[f"rule-{n}-category"], data[f"rule-{n}-zone"] = category, zone
    return Form(data)


def booth_form(booth) -> Form:  # type: ignore[no-untyped-def]
    return Form({"code": booth.code, "x": f"{booth.x:g}", "y": f"{booth.y:g}",
                 "w": f"{booth.w:g}", "h": f"{booth.h:g}", "kind": str(booth.kind),
                 "zone": booth.zone, "price": str(booth.price),
                 "power_watts": str(booth.power_watts), "water": "1" if booth.water else "",
                 "blocked": "1" if str(booth.status) == "blocked" else ""})
