"""The models' enums carry their labels (expo.enums.LabelledEnum), and storing them is unchanged:
the same values, the same column widths, members back from the database."""

from __future__ import annotations

import importlib
import inspect

from tortoise import Tortoise
from tortoise.fields.data import CharEnumFieldInstance

from expo.accounts.models import EventRole, Role
from expo.db import MODEL_MODULES
from expo.enums import LabelledEnum
from expo.events.models import Event, EventStatus
from expo.i18n import catalog, reset_locale, set_locale
from expo.leads.models import Lead, LeadSource, Rating
from tests.factories import make_event, make_user

# The stored values: a row written by an older version must still read back.
STORED = {
    "Role": ["committee", "curator", "gate", "exhibitor"],
    "EventStatus": ["draft", "published", "closed"],
    "BoothKind": ["standard", "corner", "island", "food", "outdoor"],
    "BoothStatus": ["available", "blocked", "assigned"],
    "AllocationMode": ["optimal", "self"],
    "ClusterMode": ["none", "together", "apart"],
    "RunStatus": ["draft", "published", "superseded"],
    "Category": ["kuliner", "kriya", "fesyen", "oleh-oleh", "aksesoris", "dekorasi", "lainnya"],
    "LegalityStatus": ["complete", "incomplete", "expired"],
    "DocumentKind": ["nib", "pirt", "halal", "bpom", "ktp", "other"],
    "AppStatus": ["draft", "submitted", "accepted", "waitlisted", "rejected", "withdrawn"],
    "BoothType": ["standard", "food", "outdoor"],
    "CriterionSource": ["manual", "legality", "smk", "first_time", "micro"],
    "QuotaKind": ["category", "kabupaten"],
    "Rating": ["hot", "warm", "cold"],
    "LeadStatus": ["new", "contacted", "quoted", "won", "lost"],
    "LeadSource": ["scan", "save", "contact", "inquiry"],
    "InquiryStatus": ["open", "answered", "grouped", "closed"],
    "OfferStatus": ["draft", "offered", "confirmed", "cancelled"],
    "ShareStatus": ["proposed", "accepted", "declined", "delivered"],
    "JobStatus": ["pending", "running", "done", "failed"],
    "ImportKind": ["producers", "booths"],
    "ImportStatus": ["queued", "running", "done", "failed"],
    "VisitorType": ["umum", "pelajar", "instansi", "buyer", "exhibitor", "committee", "guest"],
    "Source": ["online", "group", "kiosk", "staff"],
    "Direction": ["in", "out"],
    "JobState": ["queued", "running", "failed", "dead", "done"],
    "Channel": ["email", "whatsapp"],
    "Delivery": ["queued", "sending", "sent", "delivered", "read", "failed", "held", "skipped"],
    "InvoiceStatus": ["draft", "issued", "paid", "free", "cancelled", "refunded"],
    "LineKind": ["booth", "extra", "deposit", "subsidy", "code"],
    "Method": ["transfer", "qris", "va", "cash"],
    "PaymentState": ["pending", "confirmed", "rejected", "superseded"],
    "PaymentKind": ["payment", "refund"],
    "ChargeState": ["pending", "paid", "expired", "failed", "cancelled"],
    "LineState": ["proposed", "confirmed", "ignored"],
    "BuyerKind": ["agency", "business"],
    "MemberRole": ["officer", "head"],
    "RequestStatus": ["draft", "open", "ordered", "closed", "cancelled"],
    "QuoteStatus": ["proposed", "invited", "quoted", "declined", "accepted", "not_chosen",
                    "withdrawn"],
    "OrderStatus": ["awaiting", "refused", "issued", "partial", "delivered", "cancelled"],
    "DeliveryStatus": ["scheduled", "received", "cancelled"],
    "Condition": ["good", "partly", "damaged"],
    "PayMethod": ["transfer", "kkp", "up"],
}
UNLABELLED = {"QuotaKind"}  # never shown: their label is their value


def model_enums() -> dict[str, type[LabelledEnum]]:
    found: dict[str, type] = {}
    for name in MODEL_MODULES:
        for attr, value in vars(importlib.import_module(name)).items():
            if (inspect.isclass(value) and issubclass(value, str) and hasattr(value, "__members__")
                    and value.__module__ == name):
                found[attr] = value
    return found


def in_locale(locale, fn):  # type: ignore[no-untyped-def]
    token = set_locale(locale)
    try:
        return fn()
    finally:
        reset_locale(token)


def test_every_model_enum_is_labelled_and_keeps_its_stored_values():
    enums = model_enums()
    assert set(enums) == set(STORED)
    for name, enum in enums.items():
        assert issubclass(enum, LabelledEnum), name
        assert [m.value for m in enum] == STORED[name], name


def test_every_shown_label_is_translated():
    indonesian = catalog("id")
    for name, enum in model_enums().items():
        for member in enum:
            if name in UNLABELLED:
                assert member.label == member.value
                continue
            msgid = str(in_locale("en", lambda m=member: m.label))
            assert indonesian.get(msgid), (name, msgid)
            assert in_locale("id", lambda m=member: m.label) == indonesian[msgid]


def test_enum_fields_are_wide_enough_for_their_values():
    """Widths are declared on the fields (the migrations check them); every value fits."""
    checked = 0
    for name in MODEL_MODULES:
        for model in vars(importlib.import_module(name)).values():
            meta = getattr(model, "_meta", None)
            for field in getattr(meta, "fields_map", {}).values():
                if isinstance(field, CharEnumFieldInstance):
                    assert issubclass(field.enum_type, LabelledEnum), field
                    assert field.max_length >= max(len(m.value) for m in field.enum_type)
                    checked += 1
    assert checked >= 20


async def test_enum_fields_round_trip_members(db):
    event = await make_event(status=EventStatus.CLOSED)
    user = await make_user(event=event, role=Role.GATE)
    await Event.filter(id=event.id).update(status="draft")  # a plain string is stored alike
    again = await Event.get(id=event.id)
    assert again.status is EventStatus.DRAFT and again.status.label == in_locale(
        "id", lambda: EventStatus.DRAFT.label)
    role = await EventRole.get(user=user)
    assert role.role is Role.GATE and role.role.label
    stored = await Event.filter(id=event.id).values_list("status", flat=True)
    assert stored == ["draft"]
    conn = Tortoise.get_connection("default")
    rows = await conn.execute_query_dict("SELECT status FROM events WHERE id = " + str(event.id))
    assert rows == [{"status": "draft"}]
    assert await Event.filter(status=EventStatus.DRAFT, id=event.id).count() == 1
    assert await Event.filter(status="draft", id=event.id).count() == 1


async def test_nullable_enum_field_round_trips_none_and_members(db):
    from tests.leads.helpers import make_visitor, setup

    event, a, _b, _committee = await setup()
    lead = await Lead.create(event=event, application=a.application,
                             visitor=await make_visitor(event), source="save")
    again = await Lead.get(id=lead.id)
    assert again.rating is None and again.source is LeadSource.SAVE
    again.rating = Rating.HOT
    await again.save(update_fields=["rating"])
    assert (await Lead.get(id=lead.id)).rating is Rating.HOT
    assert Rating.label_of((await Lead.get(id=lead.id)).rating) == in_locale(
        "id", lambda: Rating.HOT.label) == "Panas"
