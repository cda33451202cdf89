"""Parsing and validation of the exhibitor forms, and NIB/kabupaten normalisation (phones:
``expo.phones``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from expo import regions
from expo.exhibitors.models import BoothType, Category, DocumentKind, Producer, Product
from expo.forms import Form
from expo.i18n import gettext as _
from expo.regions import KALTIM, OUTSIDE

MAX_POWER_WATTS = 20_000
MAX_BOOTHS = 4
MAX_PRICE = 1_000_000_000


def normalize_nib(raw: Any) -> str:
    """NIB is 13 digits; Excel drops leading zeros from numbers, so pad them back."""
    if raw is None or raw == "":
        return ""
    if isinstance(raw, float):
        if raw != int(raw):
            raise ValueError(raw)
        raw = int(raw)
    text = re.sub(r"[\s.-]", "", str(raw))
    if not text.isdigit() or len(text) > 13:
        raise ValueError(raw)
    return text.zfill(13)


def match_kabupaten(raw: str) -> tuple[str | None, list[str]]:
    """The canonical kabupaten/kota for a loose spelling, or (None, suggestions)."""
    found = regions.canonical(raw)
    return (found, []) if found is not None else (None, regions.suggestions(raw))


def kabupaten_choices() -> list[str]:
    return [*KALTIM, OUTSIDE]


# ---- profile --------------------------------------------------------------------------------

PROFILE_FIELDS = ("business_name", "owner_name", "phone", "email", "kabupaten", "address",
                  "category", "cluster", "description", "instagram", "facebook", "tiktok",
                  "website", "nib", "pirt_number", "halal_number", "halal_expires_on",
                  "bpom_number", "workers", "smk_workers", "smk_interns", "is_micro")


def _phone_field(form: Form, name: str) -> str:
    return form.whatsapp(name)  # a mobile number: a landline is refused


def _nib_field(form: Form) -> str:
    try:
        return normalize_nib(form.raw("nib"))
    except ValueError:
        form.error("nib", _("The NIB has 13 digits."))
        return ""


def parse_profile(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {
        "business_name": form.text("business_name", max_length=160, min_length=2),
        "owner_name": form.text("owner_name", max_length=120),
        "phone": _phone_field(form, "phone"),
        "email": form.email("email"),
        "kabupaten": regions.form_region(form),
        "address": form.text("address", required=False, max_length=300),
        "category": form.choice("category", [c.value for c in Category]),
        "cluster": form.text("cluster", required=False, max_length=60).lower(),
        "description": form.text("description", required=False, max_length=3000),
        "nib": _nib_field(form),
        "pirt_number": form.text("pirt_number", required=False, max_length=40),
        "halal_number": form.text("halal_number", required=False, max_length=60),
        "halal_expires_on": form.date("halal_expires_on", required=False),
        "bpom_number": form.text("bpom_number", required=False, max_length=40),
        "workers": form.integer("workers", required=False, low=0, high=100_000) or 0,
        "smk_workers": form.integer("smk_workers", required=False, low=0, high=10_000) or 0,
        "smk_interns": form.integer("smk_interns", required=False, low=0, high=10_000) or 0,
        "is_micro": form.boolean("is_micro"),
    }
    for name in ("instagram", "facebook", "tiktok", "website"):
        values[name] = form.text(name, required=False, max_length=200)
    if values["halal_number"] and not values["halal_expires_on"] and not form.errors.get(
            "halal_expires_on"):
        form.error("halal_expires_on", _("Enter the expiry date of the halal certificate."))
    form.check()
    return values


def form_from_producer(producer: Producer) -> Form:
    data: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(producer, name)
        if isinstance(value, bool):
            data[name] = "1" if value else ""
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    return Form(data)


@dataclass
class SignupData:
    name: str
    email: str
    password: str
    profile: dict[str, Any] = field(default_factory=dict)


def parse_signup(form: Form, *, account_email: str = "") -> SignupData:
    """The sign-up form; ``account_email`` when the person is signed in already."""
    name = form.text("owner_name", max_length=120)
    email = account_email or form.email("email")
    password = ""
    if not account_email:
        password = str(form.data.get("password", ""))
        if len(password) < 10:
            form.error("password", _("The password needs at least %(n)s characters.", n=10))
        elif password != form.data.get("password2"):
            form.error("password2", _("The two passwords differ."))
    profile = {
        "business_name": form.text("business_name", max_length=160, min_length=2),
        "owner_name": name,
        "phone": _phone_field(form, "phone"),
        "email": email,
        "kabupaten": regions.form_region(form),
        "category": form.choice("category", [c.value for c in Category]),
    }
    if not form.boolean("agree"):
        form.error("agree", _("Please agree to the use of your data for the exhibition."))
    form.check()
    return SignupData(name=name, email=email, password=password, profile=profile)


# ---- products, documents, applications ----------------------------------------------------

CAPACITY_PERIODS = ("week", "month")


def derive_kind(name: str, known: list[str] | tuple[str, ...] = ()) -> str:
    """A product's kind from its name: the longest kind already in use that the name contains
    as whole words, else the name's first word (lowercased)."""
    words = re.findall(r"[^\W\d_]+", name.lower())
    text = " " + " ".join(words) + " "
    matches = [k for k in known if k and f" {k} " in text]
    if matches:
        return max(matches, key=len)
    return next((w for w in words if len(w) > 2), words[0] if words else "")[:60]


def _capacity(form: Form) -> tuple[int, int]:
    """(per week, per month) from the amount and its period."""
    amount = form.integer("capacity", required=False, low=0, high=10_000_000) or 0
    period = form.choice("capacity_period", CAPACITY_PERIODS, required=False) or "week"
    return (amount, 0) if period == "week" else (0, amount)


def parse_product(form: Form, *, known_kinds: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    price_min = form.rupiah("price_min", low=0, high=MAX_PRICE)
    price_max = form.rupiah("price_max", required=False, low=0, high=MAX_PRICE)
    if price_min is not None and price_max is not None and price_max < price_min:
        form.error("price_max", _("The highest price cannot be below the lowest price."))
    per_week, per_month = _capacity(form)
    name = form.text("name", max_length=120)
    kind = form.text("kind", required=False, max_length=60).lower()
    values = {
        "name": name,
        "description": form.text("description", required=False, max_length=2000),
        "price_min": price_min or 0,
        "price_max": price_max if price_max is not None else (price_min or 0),
        "capacity_per_week": per_week,
        "capacity_per_month": per_month,
        "capacity_unit": form.text("capacity_unit", required=False, max_length=30),
        "lead_time_days": form.integer("lead_time_days", required=False, low=0, high=365) or 0,
        "min_order": form.integer("min_order", required=False, low=1, high=10_000_000) or 1,
        "kind": " ".join(kind.split()) or derive_kind(name, known_kinds),
    }
    form.check()
    return values


def form_from_product(product: Product) -> Form:
    monthly = product.capacity_per_week == 0 and product.capacity_per_month > 0
    data = {k: str(getattr(product, k)) for k in (
        "name", "description", "price_min", "price_max", "capacity_unit", "lead_time_days",
        "min_order", "kind")}
    data["capacity"] = str(product.capacity_per_month if monthly else product.capacity_per_week)
    data["capacity_period"] = "month" if monthly else "week"
    return Form(data)


def parse_document(form: Form) -> dict[str, Any]:
    values = {
        "kind": form.choice("kind", [k.value for k in DocumentKind]),
        "title": form.text("title", required=False, max_length=120),
    }
    form.check()
    return values


def parse_application(form: Form) -> dict[str, Any]:
    values = {
        "booth_type": form.choice("booth_type", [b.value for b in BoothType]),
        "booths_needed": form.integer("booths_needed", low=1, high=MAX_BOOTHS) or 1,
        "power_watts": form.integer("power_watts", required=False, low=0,
                                    high=MAX_POWER_WATTS) or 0,
        "needs_water": form.boolean("needs_water"),
        "first_time": form.boolean("first_time"),
        "note": form.text("note", required=False, max_length=2000),
        "terms": form.boolean("terms"),
    }
    form.check()
    return values
