"""Booth fees: the event's fee policy, invoices and their lines, payments (transfers with a
proof, statement matches, online charges, cash), credit notes, refunds and the numbering.

Integrity:
- Numbers (``INV/HKN2027/0001``, ``KW/...``, ``NK/...``) come from ``DocumentCounter``, one
  row per event and kind, incremented by one ``UPDATE ... RETURNING`` inside the issuing
  transaction: the row lock serialises issuers on PostgreSQL (the write lock on SQLite), and a
  rolled-back transaction gives its number back, so numbers have no gaps.
- ``Invoice.active_key`` (``"<event>:<application>"``, NULL once cancelled) is unique: one
  live invoice per exhibitor per event. ``Invoice.open_amount`` (the amount to transfer while
  the invoice waits for it, NULL otherwise) is unique: a transfer of that amount names one
  invoice.
- A payment moves from ``pending`` by one conditional UPDATE (two committee members confirming
  at once record one payment); ``Payment.provider_ref`` is unique, so a gateway notification
  delivered twice settles once.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class InvoiceStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    ISSUED = "issued", _l("Awaiting payment")
    PAID = "paid", _l("Paid")
    FREE = "free", _l("Free of charge")
    CANCELLED = "cancelled", _l("Cancelled")
    REFUNDED = "refunded", _l("Refunded")


class LineKind(LabelledEnum):
    BOOTH = "booth", _l("Booth")
    EXTRA = "extra", _l("Extra")
    DEPOSIT = "deposit", _l("Deposit")
    SUBSIDY = "subsidy", _l("Subsidy")
    CODE = "code", _l("Unique transfer code")


class Method(LabelledEnum):
    TRANSFER = "transfer", _l("Bank transfer")
    QRIS = "qris", _l("QRIS")
    VA = "va", _l("Virtual account")
    CASH = "cash", _l("Cash")


class PaymentState(LabelledEnum):
    PENDING = "pending", _l("Waiting for verification")
    CONFIRMED = "confirmed", _l("Confirmed")
    REJECTED = "rejected", _l("Rejected")
    SUPERSEDED = "superseded", _l("Already recorded")


class PaymentKind(LabelledEnum):
    PAYMENT = "payment", _l("Payment")
    REFUND = "refund", _l("Refund")


class ChargeState(LabelledEnum):
    PENDING = "pending", _l("Waiting for payment")
    PAID = "paid", _l("Paid")
    EXPIRED = "expired", _l("Expired")
    FAILED = "failed", _l("Failed")
    CANCELLED = "cancelled", _l("Cancelled")


class LineState(LabelledEnum):
    PROPOSED = "proposed", _l("Proposed")
    CONFIRMED = "confirmed", _l("Confirmed")
    IGNORED = "ignored", _l("Ignored")


class FeePolicy(Model):
    """How an event charges for booths. ``free_categories`` (producer categories) and booths
    up to ``free_max_area`` m² cost nothing; micro producers pay nothing when
    ``free_for_micro``; ``subsidy_percent`` of the booth price is borne by the funding office;
    ``deposit`` is added per invoice; ``extras`` is the catalogue of extra lines
    (``[{"code", "label", "price"}]``), ``power_price`` the price per started
    ``power_step`` watts an application asks for."""

    event_id: int
    id = fields.IntField(primary_key=True)
    event: fields.OneToOneRelation = fields.OneToOneField(
        "models.Event", related_name="fee_policy", on_delete=fields.CASCADE)
    prefix = fields.CharField(max_length=20, default="")
    auto_issue = fields.BooleanField(default=True)
    due_days = fields.IntField(default=14)
    free_categories: list = fields.JSONField(default=list)
    free_for_micro = fields.BooleanField(default=False)
    free_max_area = fields.FloatField(default=0)
    subsidy_percent = fields.IntField(default=0)
    deposit = fields.IntField(default=0)
    power_price = fields.IntField(default=0)
    power_step = fields.IntField(default=900)
    extras: list = fields.JSONField(default=list)
    bank_name = fields.CharField(max_length=60, default="")
    account_number = fields.CharField(max_length=40, default="")
    account_holder = fields.CharField(max_length=120, default="")
    online = fields.BooleanField(default=False)
    release_unpaid = fields.BooleanField(default=False)
    release_after_days = fields.IntField(default=3)
    treasurer = fields.CharField(max_length=120, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payment_policies"


class DocumentCounter(Model):
    """The last number given per event and kind (``INV``, ``KW``, ``NK``)."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="document_counters", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=4)
    value = fields.IntField(default=0)

    class Meta:
        table = "payment_counters"
        unique_together = (("event", "kind"),)


class Invoice(Model):
    """An exhibitor's invoice for an event. Once issued its lines, buyer and total never
    change; corrections are credit notes. ``buyer_*`` is a copy of the producer as it was."""

    event_id: int
    application_id: int
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="invoices", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="invoices", on_delete=fields.RESTRICT)
    active_key = fields.CharField(max_length=40, null=True, unique=True)
    status = fields.CharEnumField(InvoiceStatus, max_length=10, default=InvoiceStatus.DRAFT,
                                  db_index=True)
    number = fields.CharField(max_length=40, null=True)
    seq = fields.IntField(null=True)
    buyer_name = fields.CharField(max_length=160, default="")
    buyer_owner = fields.CharField(max_length=120, default="")
    buyer_address = fields.CharField(max_length=400, default="")
    buyer_phone = fields.CharField(max_length=20, default="")
    buyer_email = fields.CharField(max_length=254, default="")
    subtotal = fields.IntField(default=0)
    unique_code = fields.IntField(default=0)
    total = fields.IntField(default=0)
    credited = fields.IntField(default=0)
    paid = fields.IntField(default=0)
    refunded = fields.IntField(default=0)
    open_amount = fields.IntField(null=True, unique=True)
    issued_on = fields.DateField(null=True)
    due_on = fields.DateField(null=True, db_index=True)
    issued_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    reminders = fields.IntField(default=0)
    released_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="invoices_created", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    lines: fields.ReverseRelation[InvoiceLine]
    payments: fields.ReverseRelation[Payment]
    credit_notes: fields.ReverseRelation[CreditNote]

    class Meta:
        table = "invoices"
        unique_together = (("event", "number"),)
        ordering = ["id"]

    @property
    def balance(self) -> int:
        """What is still owed: the total less credit notes and confirmed payments."""
        return self.total - self.credited - self.paid

    def __str__(self) -> str:
        return self.number or f"draft {self.id}"


class InvoiceLine(Model):
    invoice_id: int
    booth_id: int | None
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="lines", on_delete=fields.CASCADE)
    position = fields.IntField(default=0)
    kind = fields.CharEnumField(LineKind, max_length=10, default=LineKind.BOOTH)
    description = fields.CharField(max_length=200)
    quantity = fields.IntField(default=1)
    unit_price = fields.IntField(default=0)
    amount = fields.IntField(default=0)
    booth: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Booth", related_name="invoice_lines", null=True, on_delete=fields.SET_NULL)

    class Meta:
        table = "invoice_lines"
        ordering = ["position", "id"]


class StatementImport(Model):
    """One uploaded bank statement: its lines wait for the committee's confirmation."""

    event_id: int
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="statement_imports", on_delete=fields.CASCADE)
    filename = fields.CharField(max_length=200)
    mapping: dict = fields.JSONField(default=dict)
    lines_count = fields.IntField(default=0)
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="statement_imports", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    lines: fields.ReverseRelation[StatementLine]

    class Meta:
        table = "payment_statements"
        ordering = ["-id"]


class StatementLine(Model):
    """A credit on a statement. ``fingerprint`` is unique per event: a line imported twice (the
    same statement uploaded again, overlapping periods) is refused."""

    statement_id: int
    event_id: int
    proposed_id: int | None
    id = fields.IntField(primary_key=True)
    statement: fields.ForeignKeyRelation[StatementImport] = fields.ForeignKeyField(
        "models.StatementImport", related_name="lines", on_delete=fields.CASCADE)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="statement_lines", on_delete=fields.CASCADE)
    row = fields.IntField()
    date = fields.DateField()
    amount = fields.IntField()
    description = fields.CharField(max_length=300, default="")
    reference = fields.CharField(max_length=100, default="")
    fingerprint = fields.CharField(max_length=64)
    state = fields.CharEnumField(LineState, max_length=10, default=LineState.PROPOSED)
    proposed: fields.ForeignKeyNullableRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="statement_lines", null=True, on_delete=fields.SET_NULL)
    confidence = fields.CharField(max_length=10, default="none")
    note = fields.CharField(max_length=200, default="")

    class Meta:
        table = "payment_statement_lines"
        unique_together = (("event", "fingerprint"),)
        ordering = ["row"]


class Payment(Model):
    """Money in (``payment``) or out (``refund``) for an invoice. A transfer with a proof
    waits ``pending`` until the committee verifies it; statement matches, gateway settlements
    and cash are recorded ``confirmed``. A confirmed payment carries its receipt number."""

    invoice_id: int
    event_id: int
    statement_line_id: int | None
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="payments", on_delete=fields.CASCADE)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="payments", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(PaymentKind, max_length=8, default=PaymentKind.PAYMENT)
    method = fields.CharEnumField(Method, max_length=10, default=Method.TRANSFER)
    state = fields.CharEnumField(PaymentState, max_length=10, default=PaymentState.PENDING,
                                 db_index=True)
    amount = fields.IntField()
    paid_on = fields.DateField()
    payer_note = fields.CharField(max_length=300, default="")
    proof = fields.CharField(max_length=60, default="")
    proof_mime = fields.CharField(max_length=40, default="")
    provider = fields.CharField(max_length=20, default="")
    provider_ref = fields.CharField(max_length=100, null=True, unique=True)
    statement_line: fields.ForeignKeyNullableRelation[StatementLine] = fields.ForeignKeyField(
        "models.StatementLine", related_name="payments", null=True, on_delete=fields.SET_NULL)
    receipt_number = fields.CharField(max_length=40, null=True)
    reference = fields.CharField(max_length=100, default="")
    reason = fields.CharField(max_length=300, default="")
    submitted_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="payments_submitted", null=True, on_delete=fields.SET_NULL)
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="payments_decided", null=True, on_delete=fields.SET_NULL)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payments"
        unique_together = (("event", "receipt_number"),)
        ordering = ["id"]


class CreditNote(Model):
    """A correction of an issued invoice: it lowers what is owed, or cancels it in full."""

    invoice_id: int
    event_id: int
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="credit_notes", on_delete=fields.CASCADE)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="credit_notes", on_delete=fields.CASCADE)
    number = fields.CharField(max_length=40)
    amount = fields.IntField()
    reason = fields.CharField(max_length=300)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="credit_notes", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_credit_notes"
        unique_together = (("event", "number"),)
        ordering = ["id"]


class Charge(Model):
    """An online charge at the payment gateway (QRIS or a virtual account) for an invoice.
    ``order_id`` is what the gateway knows it by; ``state`` moves from ``pending`` once."""

    invoice_id: int
    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="charges", on_delete=fields.CASCADE)
    provider = fields.CharField(max_length=20)
    order_id = fields.CharField(max_length=60, unique=True)
    method = fields.CharField(max_length=12)
    amount = fields.IntField()
    state = fields.CharEnumField(ChargeState, max_length=10, default=ChargeState.PENDING)
    transaction_id = fields.CharField(max_length=100, default="")
    qr_string = fields.TextField(default="")
    va_number = fields.CharField(max_length=40, default="")
    bank = fields.CharField(max_length=20, default="")
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_charges"
        ordering = ["-id"]


class GatewayNotice(Model):
    """Every notification the gateway sent, with what expo made of it (``outcome``: settled,
    duplicate, forged, mismatch, unknown, pending, failed): the log of a forged or replayed
    call that changed nothing."""

    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=20)
    order_id = fields.CharField(max_length=60, default="")
    outcome = fields.CharField(max_length=12)
    detail = fields.CharField(max_length=300, default="")
    digest = fields.CharField(max_length=64)
    ip = fields.CharField(max_length=45, default="")
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_notices"
        ordering = ["-id"]
