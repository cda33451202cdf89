"""Exhibitors: producer profiles (reused across events), their products, documents and
applications to events, and the committee's curation (rubric, scores, quotas).

Field names here are a contract: the booth allocation domain reads ``Application``
(``event``, ``producer``, ``status``, ``booth_type``, ``booths_needed``, ``power_watts``,
``needs_water``, ``first_time``, ``submitted_at``, ``total_score``) and the producer's
``category``, ``cluster``, ``kabupaten``, ``smk_workers`` / ``smk_interns`` (``has_smk``)
and ``is_micro``.
"""

from __future__ import annotations

import datetime as dt

from tortoise import fields
from tortoise.models import Model

from expo.enums import LabelledEnum
from expo.i18n import lazy_gettext as _l


class Category(LabelledEnum):
    KULINER = "kuliner", _l("Culinary (kuliner)")
    KRIYA = "kriya", _l("Crafts (kriya/kerajinan)")
    FESYEN = "fesyen", _l("Fashion and batik")
    OLEH_OLEH = "oleh-oleh", _l("Souvenir food (oleh-oleh)")
    AKSESORIS = "aksesoris", _l("Accessories")
    DEKORASI = "dekorasi", _l("Decoration")
    LAINNYA = "lainnya", _l("Other")


# Categories that sell food: their legality needs a PIRT or BPOM number and halal.
FOOD_CATEGORIES = frozenset({Category.KULINER, Category.OLEH_OLEH})


class LegalityStatus(LabelledEnum):
    COMPLETE = "complete", _l("Complete")
    INCOMPLETE = "incomplete", _l("Incomplete")
    EXPIRED = "expired", _l("Expired")


class Producer(Model):
    """A business (UMKM) profile, reused across events.

    Legality numbers are optional: ``nib`` (13 digits), ``pirt_number`` (SPP-IRT),
    ``halal_number`` with ``halal_expires_on``, ``bpom_number``. Workforce: ``workers``,
    ``smk_workers`` (SMK students employed), ``smk_interns`` (SMK students hosted for PKL).
    ``is_micro`` marks a micro business (usaha mikro). ``phone`` is E.164 (+62...).
    """

    id = fields.IntField(primary_key=True)
    business_name = fields.CharField(max_length=160)
    owner_name = fields.CharField(max_length=120)
    phone = fields.CharField(max_length=20)
    email = fields.CharField(max_length=254, db_index=True)
    kabupaten = fields.CharField(max_length=60)
    address = fields.CharField(max_length=300, default="")
    category = fields.CharEnumField(Category, max_length=16, default=Category.LAINNYA)
    cluster = fields.CharField(max_length=60, default="", db_index=True)
    description = fields.TextField(default="")
    instagram = fields.CharField(max_length=200, default="")
    facebook = fields.CharField(max_length=200, default="")
    tiktok = fields.CharField(max_length=200, default="")
    website = fields.CharField(max_length=200, default="")
    nib = fields.CharField(max_length=13, default="")
    pirt_number = fields.CharField(max_length=40, default="")
    halal_number = fields.CharField(max_length=60, default="")
    halal_expires_on = fields.DateField(null=True)
    bpom_number = fields.CharField(max_length=40, default="")
    workers = fields.IntField(default=0)
    smk_workers = fields.IntField(default=0)
    smk_interns = fields.IntField(default=0)
    is_micro = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "producers"
        ordering = ["business_name", "id"]

    def __str__(self) -> str:
        return self.business_name

    @property
    def has_smk(self) -> bool:
        return self.smk_workers > 0 or self.smk_interns > 0

    @property
    def is_food(self) -> bool:
        return self.category in FOOD_CATEGORIES

    def legality_items(self, today: dt.date | None = None) -> dict[str, LegalityStatus]:
        """Each legality item: complete, incomplete (missing) or expired."""
        today = today or dt.date.today()
        items = {
            "nib": LegalityStatus.COMPLETE if self.nib else LegalityStatus.INCOMPLETE,
            "pirt": LegalityStatus.COMPLETE if self.pirt_number else LegalityStatus.INCOMPLETE,
            "bpom": LegalityStatus.COMPLETE if self.bpom_number else LegalityStatus.INCOMPLETE,
        }
        if not self.halal_number:
            items["halal"] = LegalityStatus.INCOMPLETE
        elif self.halal_expires_on is not None and self.halal_expires_on < today:
            items["halal"] = LegalityStatus.EXPIRED
        else:
            items["halal"] = LegalityStatus.COMPLETE
        return items

    def legality_status(self, today: dt.date | None = None) -> LegalityStatus:
        """Expired if a certificate expired. Complete: an NIB, and for food also halal and
        a PIRT or BPOM number. Otherwise incomplete."""
        items = self.legality_items(today)
        if LegalityStatus.EXPIRED in items.values():
            return LegalityStatus.EXPIRED
        ok = items["nib"] == LegalityStatus.COMPLETE
        if self.is_food:
            ok = ok and items["halal"] == LegalityStatus.COMPLETE and (
                items["pirt"] == LegalityStatus.COMPLETE
                or items["bpom"] == LegalityStatus.COMPLETE)
        return LegalityStatus.COMPLETE if ok else LegalityStatus.INCOMPLETE


class ProducerMember(Model):
    """A user login that may act for a producer (several logins per producer)."""

    id = fields.IntField(primary_key=True)
    producer: fields.ForeignKeyRelation[Producer] = fields.ForeignKeyField(
        "models.Producer", related_name="members", on_delete=fields.CASCADE)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="producer_memberships", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "producer_members"
        unique_together = (("producer", "user"),)


class Product(Model):
    """A product: price range in Rupiah, capacity with its unit (per week, or per month when
    ``capacity_per_week`` is 0), lead time in days, the smallest order taken (``min_order``)
    and its ``kind`` (``nastar``, ``amplang``, ``tas batik``): the word that makes products of
    several producers comparable in the catalogue.

    ``photo`` is the random stem of the stored photo (``<stem>.jpg`` and ``<stem>_t.jpg``).
    """

    id = fields.IntField(primary_key=True)
    producer: fields.ForeignKeyRelation[Producer] = fields.ForeignKeyField(
        "models.Producer", related_name="products", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=120)
    description = fields.TextField(default="")
    price_min = fields.IntField(default=0)
    price_max = fields.IntField(default=0)
    capacity_per_week = fields.IntField(default=0)
    capacity_per_month = fields.IntField(default=0, db_default=0)
    capacity_unit = fields.CharField(max_length=30, default="")
    lead_time_days = fields.IntField(default=0)
    min_order = fields.IntField(default=1, db_default=1)
    kind = fields.CharField(max_length=60, default="", db_default="")
    photo = fields.CharField(max_length=40, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "products"
        ordering = ["id"]
        indexes = (("kind", "producer_id"),)


class DocumentKind(LabelledEnum):
    NIB = "nib", _l("NIB (business registration)")
    PIRT = "pirt", _l("SPP-IRT / PIRT")
    HALAL = "halal", _l("Halal certificate")
    BPOM = "bpom", _l("BPOM registration")
    KTP = "ktp", _l("Owner's identity card (KTP)")
    OTHER = "other", _l("Other")


class Document(Model):
    """An uploaded PDF, JPEG or PNG, stored outside static/ under a random name."""

    id = fields.IntField(primary_key=True)
    producer: fields.ForeignKeyRelation[Producer] = fields.ForeignKeyField(
        "models.Producer", related_name="documents", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(DocumentKind, max_length=10, default=DocumentKind.OTHER)
    title = fields.CharField(max_length=120, default="")
    original_name = fields.CharField(max_length=200, default="")
    stored_name = fields.CharField(max_length=60, unique=True)
    content_type = fields.CharField(max_length=40)
    size = fields.IntField()
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="uploaded_documents", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "producer_documents"
        ordering = ["-id"]


class RequiredDocument(Model):
    """A document an event requires of applicants in a category: sending waits for it.

    ``kinds`` is one ``DocumentKind`` value, or several comma-separated when any one of them
    will do ("pirt,bpom": a PIRT or a BPOM registration).
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="required_documents", on_delete=fields.CASCADE)
    category = fields.CharEnumField(Category, max_length=16)
    kinds = fields.CharField(max_length=60)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "required_documents"
        unique_together = (("event", "category", "kinds"),)
        ordering = ["category", "kinds"]


class AppStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    ACCEPTED = "accepted", _l("Accepted")
    WAITLISTED = "waitlisted", _l("Waiting list")
    REJECTED = "rejected", _l("Rejected")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


DECISIONS = (AppStatus.ACCEPTED, AppStatus.WAITLISTED, AppStatus.REJECTED)


class BoothType(LabelledEnum):
    STANDARD = "standard", _l("Standard booth (3 x 3 m)")
    FOOD = "food", _l("Food booth (cooking allowed)")
    OUTDOOR = "outdoor", _l("Outdoor tent")


class Application(Model):
    """A producer's application to exhibit at an event.

    ``status``: draft -> submitted -> accepted / waitlisted / rejected, or withdrawn at any
    time. ``booth_type``, ``booths_needed``, ``power_watts``, ``needs_water`` are the booth
    needs; ``first_time`` marks a first-time exhibitor. ``total_score`` (0-100, null until
    a rubric exists) is the weighted rubric total, kept up to date by the curation service.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="applications", on_delete=fields.CASCADE)
    producer: fields.ForeignKeyRelation[Producer] = fields.ForeignKeyField(
        "models.Producer", related_name="applications", on_delete=fields.CASCADE)
    status = fields.CharEnumField(AppStatus, max_length=12, default=AppStatus.DRAFT,
                                  db_index=True)
    booth_type = fields.CharEnumField(BoothType, max_length=10, default=BoothType.STANDARD)
    booths_needed = fields.IntField(default=1)
    power_watts = fields.IntField(default=0)
    needs_water = fields.BooleanField(default=False)
    first_time = fields.BooleanField(default=False)
    note = fields.TextField(default="")
    terms_accepted_at = fields.DatetimeField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="decided_applications", null=True,
        on_delete=fields.SET_NULL)
    decision_message = fields.TextField(default="")
    withdrawn_at = fields.DatetimeField(null=True)
    total_score = fields.FloatField(null=True)
    source = fields.CharField(max_length=10, default="online")
    # The committee may let an application be sent without a required document (audited).
    documents_waived_at = fields.DatetimeField(null=True)
    documents_waived_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="waived_applications", null=True,
        on_delete=fields.SET_NULL)
    documents_waiver_reason = fields.CharField(max_length=300, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "applications"
        unique_together = (("event", "producer"),)
        ordering = ["id"]


class CriterionSource(LabelledEnum):
    MANUAL = "manual", _l("Scored by curators")
    LEGALITY = "legality", _l("Automatic: legality completeness")
    SMK = "smk", _l("Automatic: employs or hosts SMK students")
    FIRST_TIME = "first_time", _l("Automatic: first-time exhibitor")
    MICRO = "micro", _l("Automatic: micro business")


class Criterion(Model):
    """A rubric criterion of an event, scored 0-5 (by curators, or automatically)."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="criteria", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=80)
    weight = fields.IntField(default=1)
    source = fields.CharEnumField(CriterionSource, max_length=12,
                                  default=CriterionSource.MANUAL)
    position = fields.IntField(default=0)

    class Meta:
        table = "curation_criteria"
        ordering = ["position", "id"]


class Score(Model):
    """One curator's score (0-5) of one criterion for one application."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="scores", on_delete=fields.CASCADE)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="scores", on_delete=fields.CASCADE)
    criterion: fields.ForeignKeyRelation[Criterion] = fields.ForeignKeyField(
        "models.Criterion", related_name="scores", on_delete=fields.CASCADE)
    curator: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="curation_scores", on_delete=fields.CASCADE)
    value = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "curation_scores"
        unique_together = (("application", "criterion", "curator"),)


class QuotaKind(LabelledEnum):
    CATEGORY = "category"
    KABUPATEN = "kabupaten"


class Quota(Model):
    """At most ``limit`` accepted applications in one category or one kabupaten."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="quotas", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(QuotaKind, max_length=10)
    key = fields.CharField(max_length=60)
    limit = fields.IntField()

    class Meta:
        table = "curation_quotas"
        unique_together = (("event", "kind", "key"),)


class CurationSettings(Model):
    """Per-event exhibitor settings: terms to agree to, whether curators may decide."""

    id = fields.IntField(primary_key=True)
    event: fields.OneToOneRelation = fields.OneToOneField(
        "models.Event", related_name="curation_settings", on_delete=fields.CASCADE)
    terms = fields.TextField(default="")
    curators_can_decide = fields.BooleanField(default=False)

    class Meta:
        table = "curation_settings"


class InboxMessage(Model):
    """A message to a producer, shown on their dashboard (also emailed)."""

    id = fields.IntField(primary_key=True)
    producer: fields.ForeignKeyRelation[Producer] = fields.ForeignKeyField(
        "models.Producer", related_name="inbox", on_delete=fields.CASCADE)
    event: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Event", related_name="inbox_messages", null=True, on_delete=fields.CASCADE)
    application: fields.ForeignKeyNullableRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="messages", null=True, on_delete=fields.CASCADE)
    subject = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "producer_inbox"
        ordering = ["-id"]
