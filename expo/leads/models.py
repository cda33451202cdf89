"""Leads: what visitors and buyers leave at a stand, and what the exhibitor does with it.

The exhibitor of an event is its ``Application`` (event + producer). A ``Lead`` is one
visitor at one exhibitor (unique), created by a badge scan, a saved stand, a contact request
or an inquiry, and followed up by the exhibitor's staff. A visitor's contact details reach an
exhibitor only through a ``ContactRequest`` with consent (per stand).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class Rating(LabelledEnum):
    HOT = "hot", _l("Hot")
    WARM = "warm", _l("Warm")
    COLD = "cold", _l("Cold")




class LeadStatus(LabelledEnum):
    NEW = "new", _l("New")
    CONTACTED = "contacted", _l("Contacted")
    QUOTED = "quoted", _l("Quoted")
    WON = "won", _l("Won")
    LOST = "lost", _l("Lost")




class LeadSource(LabelledEnum):
    SCAN = "scan", _l("Badge scan")
    SAVE = "save", _l("Saved the stand")
    CONTACT = "contact", _l("Asked to be contacted")
    INQUIRY = "inquiry", _l("Inquiry")




class SavedStand(Model):
    """A stand on a visitor's "my expo" list."""

    id = fields.IntField(primary_key=True)
    visitor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Visitor", related_name="saved_stands", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="saved_by", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lead_saved_stands"
        unique_together = (("visitor", "application"),)
        ordering = ["-id"]


class ContactRequest(Model):
    """A visitor's consent to share their contact with one exhibitor (and wish to be called).

    ``consent`` is explicit and revocable: ``revoked_at`` is set when withdrawn.
    """

    id = fields.IntField(primary_key=True)
    visitor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Visitor", related_name="contact_requests", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="contact_requests", on_delete=fields.CASCADE)
    consent = fields.BooleanField(default=False, db_default=False)
    wants_contact = fields.BooleanField(default=False, db_default=False)
    consent_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "lead_contact_requests"
        unique_together = (("visitor", "application"),)


class Lead(Model):
    """One visitor at one exhibitor. ``value`` is in Rupiah, ``tags`` comma-separated."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="leads", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="leads", on_delete=fields.CASCADE)
    visitor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Visitor", related_name="leads", on_delete=fields.CASCADE)
    source = fields.CharEnumField(LeadSource, max_length=8, default=LeadSource.SCAN)
    rating = fields.CharEnumField(Rating, max_length=5, null=True)
    status = fields.CharEnumField(LeadStatus, max_length=10, default=LeadStatus.NEW,
                                  db_index=True)
    notes = fields.TextField(default="")
    tags = fields.CharField(max_length=200, default="")
    value = fields.BigIntField(default=0, db_default=0)
    scans = fields.IntField(default=0, db_default=0)
    last_nonce = fields.CharField(max_length=64, default="")
    rehearsal = fields.BooleanField(default=False, db_default=False)
    scanned_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="scanned_leads", null=True, on_delete=fields.SET_NULL)
    first_at = fields.DatetimeField(auto_now_add=True)
    last_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "leads"
        unique_together = (("application", "visitor"),)
        ordering = ["-last_at", "-id"]
        indexes = (("event_id", "first_at"), ("event_id", "application_id", "last_at"))

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (s.strip() for s in self.tags.split(",")) if t]


class InquiryStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    ANSWERED = "answered", _l("Answered")
    GROUPED = "grouped", _l("Grouped offer")
    CLOSED = "closed", _l("Closed")


class Inquiry(Model):
    """A request for a product: quantity and unit, needed-by date, budget in Rupiah.

    ``buyer_type`` and ``agency`` are copied from the visitor (OPD and business buyers) so
    that procurement counts do not change when a profile does.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="inquiries", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="inquiries", on_delete=fields.CASCADE)
    lead: fields.ForeignKeyRelation[Lead] = fields.ForeignKeyField(
        "models.Lead", related_name="inquiries", on_delete=fields.CASCADE)
    product: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Product", related_name="inquiries", null=True, on_delete=fields.SET_NULL)
    product_name = fields.CharField(max_length=120)
    quantity = fields.IntField()
    unit = fields.CharField(max_length=30, default="")
    needed_by = fields.DateField(null=True)
    budget = fields.BigIntField(null=True)
    note = fields.TextField(default="")
    buyer_type = fields.CharField(max_length=12, default="")
    agency = fields.CharField(max_length=160, default="")
    status = fields.CharEnumField(InquiryStatus, max_length=10, default=InquiryStatus.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lead_inquiries"
        ordering = ["-id"]

    @property
    def is_procurement(self) -> bool:
        return self.buyer_type in ("instansi", "buyer")


class OfferStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    OFFERED = "offered", _l("Offered to the buyer")
    CONFIRMED = "confirmed", _l("Confirmed")
    CANCELLED = "cancelled", _l("Cancelled")


class GroupedOffer(Model):
    """An order too large for one producer, split across producers of one cluster."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="grouped_offers", on_delete=fields.CASCADE)
    inquiry: fields.ForeignKeyNullableRelation[Inquiry] = fields.ForeignKeyField(
        "models.Inquiry", related_name="offers", null=True, on_delete=fields.SET_NULL)
    title = fields.CharField(max_length=160)
    cluster = fields.CharField(max_length=60, default="")
    quantity = fields.IntField()
    unit = fields.CharField(max_length=30, default="")
    needed_by = fields.DateField(null=True)
    agency = fields.CharField(max_length=160, default="")
    status = fields.CharEnumField(OfferStatus, max_length=10, default=OfferStatus.DRAFT)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="grouped_offers", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lead_grouped_offers"
        ordering = ["-id"]


class ShareStatus(LabelledEnum):
    PROPOSED = "proposed", _l("Proposed")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")
    DELIVERED = "delivered", _l("Delivered")


ACTIVE_SHARES = (ShareStatus.PROPOSED, ShareStatus.ACCEPTED)


class OfferShare(Model):
    """One producer's part of a grouped offer, tracked to its own status."""

    id = fields.IntField(primary_key=True)
    offer: fields.ForeignKeyRelation[GroupedOffer] = fields.ForeignKeyField(
        "models.GroupedOffer", related_name="shares", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Application", related_name="offer_shares", on_delete=fields.CASCADE)
    product: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Product", related_name="offer_shares", null=True, on_delete=fields.SET_NULL)
    quantity = fields.IntField()
    status = fields.CharEnumField(ShareStatus, max_length=10, default=ShareStatus.PROPOSED)
    note = fields.CharField(max_length=300, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "lead_offer_shares"
        unique_together = (("offer", "application"),)
        ordering = ["id"]
