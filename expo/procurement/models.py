"""Procurement all year: buyers (agencies and businesses) and their staff, the public
catalogue's listings, requests for quotation, quotes, orders (Surat Pesanan), deliveries with
their handover (BAST), and the producer's invoices and the buyer's payments.

Money is integer rupiah, quantities are integers in the item's unit. Every state change goes
through a service that writes an audit entry (``procurement.*``). A buyer sees only its own
organisation's rows; a producer only its own quotes and orders (``access``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l

# --- who buys, and the trade office -------------------------------------------------------


class BuyerKind(LabelledEnum):
    AGENCY = "agency", _l("Government agency (OPD)")
    BUSINESS = "business", _l("Business buyer")


class Organisation(Model):
    """A buyer: an agency (OPD) or a business. ``requires_approval``: its orders wait for a
    head's approval when their total is at least ``approval_threshold`` rupiah (0: all)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=160)
    kind = fields.CharEnumField(BuyerKind, max_length=10, default=BuyerKind.AGENCY)
    kabupaten = fields.CharField(max_length=60)
    address = fields.CharField(max_length=300, default="")
    phone = fields.CharField(max_length=20, default="")
    email = fields.CharField(max_length=254, default="")
    requires_approval = fields.BooleanField(default=True)
    approval_threshold = fields.BigIntField(default=0)
    active = fields.BooleanField(default=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="created_organisations", null=True,
        on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "proc_organisations"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MemberRole(LabelledEnum):
    OFFICER = "officer", _l("Procurement officer")
    HEAD = "head", _l("Head (approves orders)")


class BuyerMember(Model):
    """A login that acts for an organisation: an officer asks, orders, receives and pays, a
    head does that too and approves orders."""

    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="members", on_delete=fields.CASCADE)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="buyer_memberships", on_delete=fields.CASCADE)
    role = fields.CharEnumField(MemberRole, max_length=8, default=MemberRole.OFFICER)
    created_at = fields.DatetimeField(auto_now_add=True)

    organisation_id: int
    user_id: int

    class Meta:
        table = "proc_buyer_members"
        unique_together = (("organisation", "user"),)


class OfficeStaff(Model):
    """A login of the trade office (Disperindag): curates the catalogue, invites buyers, sees
    every request and order and the reports. Superusers are trade office too."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation = fields.OneToOneField(
        "models.User", related_name="office_staff", on_delete=fields.CASCADE)
    added_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="office_staff_added", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int

    class Meta:
        table = "proc_office_staff"


# --- the catalogue ------------------------------------------------------------------------


class Listing(Model):
    """A producer in the public catalogue. ``listed``: shown (the producer opted in, or the
    trade office added it with the producer's agreement). The ``*_verified_at`` stamps are the
    committee's check of each legality number against its document: only a verified number
    shows as a badge (halal also only until it expires)."""

    id = fields.IntField(primary_key=True)
    producer: fields.OneToOneRelation = fields.OneToOneField(
        "models.Producer", related_name="listing", on_delete=fields.CASCADE)
    listed = fields.BooleanField(default=True, db_index=True)
    nib_verified_at = fields.DatetimeField(null=True)
    pirt_verified_at = fields.DatetimeField(null=True)
    halal_verified_at = fields.DatetimeField(null=True)
    bpom_verified_at = fields.DatetimeField(null=True)
    verified_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="verified_listings", null=True, on_delete=fields.SET_NULL)
    added_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="added_listings", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    producer_id: int

    class Meta:
        table = "proc_listings"


# --- requests for quotation ---------------------------------------------------------------


class RequestStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    OPEN = "open", _l("Waiting for quotes")
    ORDERED = "ordered", _l("Ordered")
    CLOSED = "closed", _l("Completed")
    CANCELLED = "cancelled", _l("Cancelled")


class PurchaseRequest(Model):
    """A buyer's request for quotation: one or more items, one delivery address. ``number``
    (``RFQ/2027/0001``) is given when it is sent. ``source_inquiry`` links an inquiry made at a
    fair that became this request."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=24, null=True, unique=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="requests", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=160)
    delivery_address = fields.CharField(max_length=300)
    kabupaten = fields.CharField(max_length=60, default="")
    budget = fields.BigIntField(null=True)
    note = fields.TextField(default="")
    status = fields.CharEnumField(RequestStatus, max_length=10, default=RequestStatus.DRAFT,
                                  db_index=True)
    source_event: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Event", related_name="procurement_requests", null=True,
        on_delete=fields.SET_NULL)
    source_inquiry: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Inquiry", related_name="procurement_requests", null=True,
        on_delete=fields.SET_NULL)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="procurement_requests", null=True,
        on_delete=fields.SET_NULL)
    sent_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    organisation_id: int
    source_event_id: int | None
    source_inquiry_id: int | None
    created_by_id: int | None

    class Meta:
        table = "proc_requests"
        ordering = ["-id"]
        indexes = (("organisation_id", "status"),)


class RequestItem(Model):
    """One thing asked for: ``quantity`` ``unit`` by ``needed_by``, ``kind`` the product kind
    it compares with in the catalogue (``nastar``); ``budget`` the item's total, if given."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[PurchaseRequest] = fields.ForeignKeyField(
        "models.PurchaseRequest", related_name="items", on_delete=fields.CASCADE)
    position = fields.IntField(default=0)
    name = fields.CharField(max_length=120)
    kind = fields.CharField(max_length=60, default="")
    category = fields.CharField(max_length=16, default="")
    cluster = fields.CharField(max_length=60, default="")
    quantity = fields.IntField()
    unit = fields.CharField(max_length=30, default="")
    needed_by = fields.DateField()
    budget = fields.BigIntField(null=True)
    note = fields.CharField(max_length=300, default="")

    request_id: int

    class Meta:
        table = "proc_request_items"
        ordering = ["position", "id"]
        indexes = (("request_id", "position"),)


class QuoteStatus(LabelledEnum):
    PROPOSED = "proposed", _l("Proposed")
    INVITED = "invited", _l("Waiting for the producer")
    QUOTED = "quoted", _l("Quoted")
    DECLINED = "declined", _l("Declined")
    ACCEPTED = "accepted", _l("Accepted")
    NOT_CHOSEN = "not_chosen", _l("Not chosen")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


OPEN_QUOTES = (QuoteStatus.PROPOSED, QuoteStatus.INVITED, QuoteStatus.QUOTED)


class Quote(Model):
    """One producer's part of one item: what expo proposed (``proposed_quantity``, from the
    split), then what the producer answered (``quantity`` at ``unit_price`` by
    ``delivery_on``), then what the buyer accepted (``accepted_quantity`` ≤ ``quantity``).
    ``over_capacity`` flags an answer above the producer's declared spare capacity
    (``spare_at_quote``). The producer answers by a link whose token only has its digest
    here."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[RequestItem] = fields.ForeignKeyField(
        "models.RequestItem", related_name="quotes", on_delete=fields.CASCADE)
    producer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Producer", related_name="quotes", on_delete=fields.CASCADE)
    product: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Product", related_name="quotes", null=True, on_delete=fields.SET_NULL)
    status = fields.CharEnumField(QuoteStatus, max_length=10, default=QuoteStatus.PROPOSED,
                                  db_index=True)
    proposed_quantity = fields.IntField(default=0)
    quantity = fields.IntField(null=True)
    unit_price = fields.BigIntField(null=True)
    delivery_on = fields.DateField(null=True)
    note = fields.CharField(max_length=300, default="")
    over_capacity = fields.BooleanField(default=False)
    spare_at_quote = fields.IntField(null=True)
    accepted_quantity = fields.IntField(null=True)
    token_digest = fields.CharField(max_length=64, null=True, unique=True)
    invited_at = fields.DatetimeField(null=True)
    responded_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    reminders = fields.IntField(default=0)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    item_id: int
    producer_id: int
    product_id: int | None

    class Meta:
        table = "proc_quotes"
        unique_together = (("item", "producer"),)
        ordering = ["id"]
        indexes = (("producer_id", "status"), ("product_id",))

    @property
    def total(self) -> int:
        return (self.quantity or 0) * (self.unit_price or 0)


# --- orders, deliveries, handover ---------------------------------------------------------


class OrderStatus(LabelledEnum):
    AWAITING_APPROVAL = "awaiting", _l("Waiting for approval")
    NOT_APPROVED = "refused", _l("Not approved")
    ISSUED = "issued", _l("Issued")
    PARTLY_DELIVERED = "partial", _l("Partly delivered")
    DELIVERED = "delivered", _l("Delivered")
    CANCELLED = "cancelled", _l("Cancelled")


LIVE_ORDERS = (OrderStatus.AWAITING_APPROVAL, OrderStatus.ISSUED,
               OrderStatus.PARTLY_DELIVERED)


class PurchaseOrder(Model):
    """A Surat Pesanan: one per producer per request, its lines from accepted quotes.
    ``number`` (``SP/2027/0001``) is given when it is issued (after approval where the
    organisation requires it); ``total`` is the sum of its lines and never changes once
    issued."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=24, null=True, unique=True)
    request: fields.ForeignKeyRelation[PurchaseRequest] = fields.ForeignKeyField(
        "models.PurchaseRequest", related_name="orders", on_delete=fields.CASCADE)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="orders", on_delete=fields.CASCADE)
    producer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Producer", related_name="purchase_orders", on_delete=fields.CASCADE)
    status = fields.CharEnumField(OrderStatus, max_length=10,
                                  default=OrderStatus.AWAITING_APPROVAL, db_index=True)
    total = fields.BigIntField(default=0)
    delivery_address = fields.CharField(max_length=300)
    due_on = fields.DateField()  # the latest delivery date of its lines
    approval_required = fields.BooleanField(default=False)
    approved_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="approved_orders", null=True, on_delete=fields.SET_NULL)
    approved_at = fields.DatetimeField(null=True)
    reason = fields.CharField(max_length=300, default="")  # not approved / cancelled: why
    issued_on = fields.DateField(null=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="created_orders", null=True, on_delete=fields.SET_NULL)
    delivered_on = fields.DateField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    request_id: int
    organisation_id: int
    producer_id: int
    created_by_id: int | None
    approved_by_id: int | None

    class Meta:
        table = "proc_orders"
        ordering = ["-id"]
        indexes = (("organisation_id", "status"), ("producer_id", "status"), ("request_id",))


class OrderLine(Model):
    """An accepted quote on an order: ``quantity`` (never above the quote's accepted quantity)
    at ``unit_price`` by ``delivery_on``; ``received`` and ``damaged`` add up the deliveries
    (``received - damaged`` was accepted in good condition)."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="lines", on_delete=fields.CASCADE)
    quote: fields.OneToOneRelation[Quote] = fields.OneToOneField(
        "models.Quote", related_name="order_line", on_delete=fields.CASCADE)
    item: fields.ForeignKeyRelation[RequestItem] = fields.ForeignKeyField(
        "models.RequestItem", related_name="order_lines", on_delete=fields.CASCADE)
    product: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Product", related_name="order_lines", null=True, on_delete=fields.SET_NULL)
    name = fields.CharField(max_length=120)
    quantity = fields.IntField()
    unit = fields.CharField(max_length=30, default="")
    unit_price = fields.BigIntField()
    delivery_on = fields.DateField()
    received = fields.IntField(default=0)
    damaged = fields.IntField(default=0)

    order_id: int
    quote_id: int
    item_id: int
    product_id: int | None

    class Meta:
        table = "proc_order_lines"
        ordering = ["id"]
        indexes = (("order_id",), ("product_id",))

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price

    @property
    def accepted(self) -> int:
        return self.received - self.damaged

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.accepted, 0)


class DeliveryStatus(LabelledEnum):
    SCHEDULED = "scheduled", _l("Scheduled")
    RECEIVED = "received", _l("Received")
    CANCELLED = "cancelled", _l("Cancelled")


class Delivery(Model):
    """One delivery of an order (``seq`` 1, 2, ...), planned for ``planned_on``. On receipt the
    buyer records what arrived per line and expo numbers the BAST (``BAST/2027/0001``); a
    signed scan may be uploaded (``bast_scan``: the stored file's random name)."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="deliveries", on_delete=fields.CASCADE)
    seq = fields.IntField()
    status = fields.CharEnumField(DeliveryStatus, max_length=10,
                                  default=DeliveryStatus.SCHEDULED)
    planned_on = fields.DateField()
    received_on = fields.DateField(null=True)
    received_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="received_deliveries", null=True,
        on_delete=fields.SET_NULL)
    receiver_name = fields.CharField(max_length=120, default="")
    note = fields.CharField(max_length=300, default="")
    bast_number = fields.CharField(max_length=24, null=True, unique=True)
    bast_scan = fields.CharField(max_length=60, default="")
    bast_scan_mime = fields.CharField(max_length=40, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    order_id: int

    class Meta:
        table = "proc_deliveries"
        unique_together = (("order", "seq"),)
        ordering = ["seq"]


class Condition(LabelledEnum):
    GOOD = "good", _l("Good")
    PARTLY_DAMAGED = "partly", _l("Partly damaged")
    DAMAGED = "damaged", _l("Damaged")


class DeliveryLine(Model):
    """What one delivery brings of one order line: ``planned``, then ``received`` of which
    ``damaged`` were refused."""

    id = fields.IntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[Delivery] = fields.ForeignKeyField(
        "models.Delivery", related_name="lines", on_delete=fields.CASCADE)
    line: fields.ForeignKeyRelation[OrderLine] = fields.ForeignKeyField(
        "models.OrderLine", related_name="delivery_lines", on_delete=fields.CASCADE)
    planned = fields.IntField(default=0)
    received = fields.IntField(default=0)
    damaged = fields.IntField(default=0)
    condition = fields.CharEnumField(Condition, max_length=8, default=Condition.GOOD)
    note = fields.CharField(max_length=200, default="")

    delivery_id: int
    line_id: int

    class Meta:
        table = "proc_delivery_lines"
        unique_together = (("delivery", "line"),)
        ordering = ["id"]
        indexes = (("line_id",),)


# --- invoices and payments ----------------------------------------------------------------


class OrderInvoice(Model):
    """The producer's invoice for (part of) an order, with the producer's own number."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="invoices", on_delete=fields.CASCADE)
    number = fields.CharField(max_length=40)
    amount = fields.BigIntField()
    issued_on = fields.DateField()
    due_on = fields.DateField()
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="order_invoices", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    order_id: int

    class Meta:
        table = "proc_invoices"
        unique_together = (("order", "number"),)
        ordering = ["issued_on", "id"]


class PayMethod(LabelledEnum):
    TRANSFER = "transfer", _l("Bank transfer")
    GOV_CARD = "kkp", _l("Government credit card (KKP)")
    PETTY_CASH = "up", _l("Petty cash (uang persediaan)")


class OrderPayment(Model):
    """A payment by the buyer for an order, recorded by the buyer's staff."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "models.PurchaseOrder", related_name="payments", on_delete=fields.CASCADE)
    invoice: fields.ForeignKeyNullableRelation[OrderInvoice] = fields.ForeignKeyField(
        "models.OrderInvoice", related_name="payments", null=True, on_delete=fields.SET_NULL)
    amount = fields.BigIntField()
    method = fields.CharEnumField(PayMethod, max_length=10, default=PayMethod.TRANSFER)
    paid_on = fields.DateField()
    reference = fields.CharField(max_length=80, default="")
    recorded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="order_payments", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    order_id: int
    invoice_id: int | None

    class Meta:
        table = "proc_payments"
        ordering = ["paid_on", "id"]
        indexes = (("order_id",),)


class Counter(Model):
    """The last number given per series (``SP/2027``, ``RFQ/2027``, ``BAST/2027``)."""

    id = fields.IntField(primary_key=True)
    series = fields.CharField(max_length=16, unique=True)
    value = fields.IntField(default=0)

    class Meta:
        table = "proc_counters"
