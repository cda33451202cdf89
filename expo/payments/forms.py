"""Parsing the committee's payment forms into the services' dataclasses."""

from __future__ import annotations

from expo.exhibitors.models import Category
from expo.forms import Form
from expo.i18n import gettext as _

from . import fees
from .invoices import PolicyData
from .models import FeePolicy

POLICY_CHECKS = ("auto_issue", "free_for_micro", "online", "release_unpaid")


def policy_form(policy: FeePolicy) -> Form:
    data: dict[str, object] = {
        name: str(getattr(policy, name)) for name in (
            "prefix", "due_days", "subsidy_percent", "deposit", "power_price", "power_step",
            "bank_name", "account_number", "account_holder", "treasurer",
            "release_after_days")}
    data["free_max_area"] = f"{policy.free_max_area:g}"
    data["extras"] = fees.extras_text(policy.extras or [])
    for name in POLICY_CHECKS:
        data[name] = "1" if getattr(policy, name) else ""
    for category in policy.free_categories or []:
        data[f"free_{category}"] = "1"
    return Form(data)


def _area(form: Form) -> float:
    raw = form.raw("free_max_area").replace(",", ".")
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        form.error("free_max_area", _("Enter the area in m², e.g. 9."))
        return 0.0
    if not 0 <= value <= 10_000:
        form.error("free_max_area", _("Enter an area between 0 and 10,000 m²."))
    return value


def policy_data(form: Form) -> PolicyData:
    prefix = form.text("prefix", max_length=16).upper()
    if prefix and not prefix.replace("-", "").isalnum():
        form.error("prefix", _("Use letters and digits only, e.g. HKN2027."))
    try:
        extras = fees.parse_extras(form.raw("extras"))
    except ValueError as exc:
        form.error("extras", str(exc))
        extras = []
    account = form.text("account_number", required=False, max_length=40)
    if account and not account.replace(" ", "").replace("-", "").isdigit():
        form.error("account_number", _("Write the account number with digits only."))
    return PolicyData(
        prefix=prefix, auto_issue=form.boolean("auto_issue"),
        due_days=form.integer("due_days", low=0, high=365) or 0,
        free_categories=[c.value for c in Category if form.boolean(f"free_{c.value}")],
        free_for_micro=form.boolean("free_for_micro"), free_max_area=_area(form),
        subsidy_percent=form.integer("subsidy_percent", low=0, high=100) or 0,
        deposit=form.rupiah("deposit", required=False) or 0,
        power_price=form.rupiah("power_price", required=False) or 0,
        power_step=form.integer("power_step", low=100, high=100_000) or 900,
        extras=extras, bank_name=form.text("bank_name", required=False, max_length=60),
        account_number=account,
        account_holder=form.text("account_holder", required=False, max_length=120),
        treasurer=form.text("treasurer", required=False, max_length=120),
        online=form.boolean("online"), release_unpaid=form.boolean("release_unpaid"),
        release_after_days=form.integer("release_after_days", low=0, high=60) or 0)
