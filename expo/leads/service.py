"""The rules of leads: stands and what visitors leave there, consent, scans, the inbox.

Every exhibitor-side function takes the exhibitor's ``Application`` and only reaches rows of
that application: another exhibitor's ids are "not found".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.booths.models import Booth
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Producer, Product
from expo.exhibitors.service import accepted_application
from expo.i18n import gettext as _
from expo.visitors import codes
from expo.visitors.models import Visitor
from expo.whatsapp import wa_link

from . import notify as notices
from .forms import InquiryData, LeadUpdate
from .models import ContactRequest, Inquiry, Lead, LeadSource, SavedStand

SOURCE_RANK = {LeadSource.SAVE: 0, LeadSource.SCAN: 1, LeadSource.CONTACT: 2,
               LeadSource.INQUIRY: 3}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---- stands -------------------------------------------------------------------------------

@dataclass
class Stand:
    booth: Booth
    application: Application
    producer: Producer
    products: list[Product] = field(default_factory=list)


async def stand_by_code(*, event: Event, code: str) -> Stand:
    """The stand of an accepted exhibitor, by booth code (404 for empty or unknown booths)."""
    booth = await Booth.get_or_none(event=event, code=code[:20]).select_related(
        "hall", "holder__producer")
    if booth is None or booth.holder is None or booth.holder.status != AppStatus.ACCEPTED:
        raise NotFound(_("There is no exhibitor at stand %(code)s.", code=code[:20]))
    producer = booth.holder.producer
    products = await Product.filter(producer=producer).order_by("id")
    return Stand(booth=booth, application=booth.holder, producer=producer, products=products)


async def exhibitor_for(*, user: User, event: Event) -> Application:
    """The signed-in exhibitor's application at this event (404 when there is none)."""
    return await accepted_application(user=user, event=event)


async def booth_codes(application_ids: list[int]) -> dict[int, list[str]]:
    rows = await Booth.filter(holder_id__in=application_ids).order_by("code").values_list(
        "holder_id", "code")
    out: dict[int, list[str]] = {}
    for app_id, code in rows:
        out.setdefault(int(app_id), []).append(str(code))
    return out


async def stands_for_posters(*, event: Event, application: Application | None) -> list[Booth]:
    """Assigned booths (one exhibitor's, or all of them for the committee)."""
    query = Booth.filter(event=event, holder_id__not_isnull=True,
                         holder__status=AppStatus.ACCEPTED)
    if application is not None:
        query = query.filter(holder_id=application.id)
    return await query.select_related("hall", "holder__producer").order_by("code")


async def public_product(*, stand: Stand, product_id: int) -> Product:
    for product in stand.products:
        if product.id == product_id and product.photo:
            return product
    raise NotFound()


# ---- leads: one per visitor and exhibitor -------------------------------------------------

async def touch_lead(*, application: Application, visitor: Visitor, source: LeadSource) -> Lead:
    """The lead of this visitor at this exhibitor, created on first contact (race-safe: the
    unique constraint decides, the loser reads the winner's row)."""
    lead = await Lead.get_or_none(application_id=application.id, visitor_id=visitor.id)
    if lead is None:
        try:
            async with atomic():
                lead = await Lead.create(event_id=application.event_id,  # type: ignore[attr-defined]
                                         application_id=application.id, visitor_id=visitor.id,
                                         source=source, rehearsal=visitor.rehearsal)
            return lead
        except IntegrityError:
            lead = await Lead.get(application_id=application.id, visitor_id=visitor.id)
    if SOURCE_RANK[source] > SOURCE_RANK[LeadSource(lead.source)]:
        lead.source = source
        await lead.save(update_fields=["source", "last_at"])
    return lead


async def save_stand(*, visitor: Visitor, application: Application) -> SavedStand:
    saved, created = await SavedStand.get_or_create(visitor_id=visitor.id,
                                                    application_id=application.id)
    if created:
        await touch_lead(application=application, visitor=visitor, source=LeadSource.SAVE)
    return saved


async def unsave_stand(*, visitor: Visitor, application: Application) -> None:
    await SavedStand.filter(visitor_id=visitor.id, application_id=application.id).delete()


async def set_consent(*, visitor: Visitor, application: Application, consent: bool,
                      wants_contact: bool = False) -> ContactRequest:
    """Give (or withdraw) consent to share contact details with this one exhibitor."""
    async with atomic():
        request, _created = await ContactRequest.get_or_create(visitor_id=visitor.id,
                                                               application_id=application.id)
        now = _now()
        if consent:
            request.consent, request.consent_at, request.revoked_at = True, now, None
            request.wants_contact = request.wants_contact or wants_contact
        else:
            request.consent, request.wants_contact, request.revoked_at = False, False, now
        await request.save()
        if consent:
            await touch_lead(application=application, visitor=visitor,
                             source=LeadSource.CONTACT if wants_contact else LeadSource.SAVE)
            await notices.contact_requested(request=request, application=application,
                                            visitor=visitor)
        await log_action(action="expo.lead.consent_" + ("given" if consent else "revoked"),
                         actor=None, event=await application.event, obj=request)  # type: ignore[arg-type]
        return request


async def create_inquiry(*, visitor: Visitor, application: Application,
                         data: InquiryData) -> Inquiry:
    async with atomic():
        if not data.consent:
            raise DomainError(_("An inquiry needs your consent to share your contact."),
                              "consent_required", status_code=422)
        product = None
        if data.product_id is not None:
            product = await Product.get_or_none(id=data.product_id,
                                                producer_id=application.producer_id)  # type: ignore[attr-defined]
            if product is None:
                raise NotFound(_("This product is not offered at this stand."))
        await set_consent(visitor=visitor, application=application, consent=True)
        lead = await touch_lead(application=application, visitor=visitor, source=LeadSource.INQUIRY)
        inquiry = await Inquiry.create(
            event_id=application.event_id, application_id=application.id, lead=lead,  # type: ignore[attr-defined]
            product=product, product_name=data.product_name, quantity=data.quantity,
            unit=data.unit or (product.capacity_unit if product else ""), needed_by=data.needed_by,
            budget=data.budget, note=data.note, buyer_type=visitor.type.value,
            agency=visitor.agency or visitor.organisation)
        summary = f"{inquiry.quantity} {inquiry.unit} {inquiry.product_name}"
        await log_action(action="expo.lead.inquiry", actor=None, event=await application.event,
                         obj=inquiry, summary=summary[:300])
        await notices.new_inquiry(inquiry=inquiry, application=application, visitor=visitor)
        return inquiry


@dataclass
class ScanOutcome:
    lead: Lead
    visitor: Visitor
    created: bool
    visible: bool


async def record_scan(*, event: Event, application: Application, code: str,
                      signer: codes.Signer, by: User | None, nonce: str = "") -> ScanOutcome:
    """A badge scan at a stand: the same visitor again updates the same lead."""
    try:
        ticket = codes.read_code(signer=signer, code=code)
    except codes.CodeInvalid:
        raise DomainError(_("This is not a valid ticket code."), "ticket_invalid",
                          status_code=422) from None
    if ticket.event_id != event.id:
        raise DomainError(_("This ticket is for another event."), "wrong_event", status_code=422)
    visitor = await Visitor.get_or_none(event=event, ticket_key=ticket.key)
    if visitor is None or visitor.revoked_at is not None:
        raise DomainError(_("This ticket has been revoked."), "ticket_revoked", status_code=422)
    # As at the gates: a rehearsal takes test tickets only, and a test ticket only a rehearsal
    # (so a lead of the rehearsal is a test ticket's lead, cleared with it).
    if event.rehearsal and not visitor.rehearsal:
        raise DomainError(_("Rehearsal: only test tickets can be scanned."), "rehearsal_only",
                          status_code=422)
    if visitor.rehearsal and not event.rehearsal:
        raise DomainError(_("This is a test ticket and the rehearsal is over."), "test_ticket",
                          status_code=422)
    existed = await Lead.exists(application_id=application.id, visitor_id=visitor.id)
    lead = await touch_lead(application=application, visitor=visitor, source=LeadSource.SCAN)
    nonce = nonce[:64]
    query = Lead.filter(id=lead.id)
    if nonce:
        query = query.exclude(last_nonce=nonce)
    await query.update(scans=F("scans") + 1, last_nonce=nonce, last_at=_now(),
                       scanned_by_id=by.id if by else None)
    await lead.refresh_from_db()
    visible = lead.id in await visible_lead_ids(application=application, leads=[(lead, visitor)])
    return ScanOutcome(lead=lead, visitor=visitor, created=not existed, visible=visible)


async def forget_visitor(*, visitor_id: int) -> None:
    """The visitor deleted their registration: withdraw their consent at every stand where
    they left a lead (a withdrawn consent hides the lead whatever the ticket says), drop their
    saved stands and the free text written by or about them. Leads and inquiries stay,
    without a person behind them, for the counts."""
    now = _now()
    leads = await Lead.filter(visitor_id=visitor_id).values_list("id", "application_id")
    asked = set(await ContactRequest.filter(visitor_id=visitor_id).values_list(
        "application_id", flat=True))
    await ContactRequest.bulk_create(
        [ContactRequest(visitor_id=visitor_id, application_id=app_id, revoked_at=now)
         for app_id in {app_id for _id, app_id in leads} - asked], ignore_conflicts=True)
    await ContactRequest.filter(visitor_id=visitor_id, revoked_at__isnull=True).update(
        consent=False, wants_contact=False, revoked_at=now)
    await SavedStand.filter(visitor_id=visitor_id).delete()
    if leads:
        lead_ids = [lead_id for lead_id, _app in leads]
        await Lead.filter(id__in=lead_ids).update(notes="")
        await Inquiry.filter(lead_id__in=lead_ids).update(note="")


# ---- consent: who may be shown ------------------------------------------------------------

async def visible_lead_ids(*, application: Application,
                           leads: list[tuple[Lead, Visitor]]) -> set[int]:
    """Leads whose visitor consented for this stand: a contact request with consent, or a
    badge scan by a visitor who agreed on their ticket to share with stands that scan them.
    A consent withdrawn for this stand hides the lead in both cases."""
    ids = [v.id for _lead, v in leads]
    rows = await ContactRequest.filter(application_id=application.id, visitor_id__in=ids)
    by_visitor = {r.visitor_id: r for r in rows}  # type: ignore[attr-defined]
    visible = set()
    for lead, visitor in leads:
        request = by_visitor.get(visitor.id)
        if request is not None and request.revoked_at is not None:
            continue
        if (request is not None and request.consent) or (lead.scans > 0 and visitor.consent_share):
            visible.add(lead.id)
    return visible


# ---- the inbox ----------------------------------------------------------------------------

@dataclass
class Inbox:
    leads: list[Lead]
    hidden: int
    total: int


@dataclass
class InboxFilter:
    q: str = ""
    status: str = ""
    rating: str = ""
    source: str = ""
    procurement: bool = False


PROCUREMENT_TYPES = ("instansi", "buyer")


def _matches(lead: Lead, f: InboxFilter) -> bool:
    v = lead.visitor
    if f.status and lead.status != f.status:
        return False
    if f.rating and (lead.rating or "") != f.rating:
        return False
    if f.source and lead.source != f.source:
        return False
    if f.procurement and v.type not in PROCUREMENT_TYPES:
        return False
    if f.q:
        text = " ".join([v.name, v.phone, v.email, v.agency, v.organisation, lead.notes,
                         lead.tags]).lower()
        return all(word in text for word in f.q.lower().split())
    return True


async def inbox(*, application: Application, filters: InboxFilter | None = None) -> Inbox:
    filters = filters or InboxFilter()
    leads = await Lead.filter(application_id=application.id).select_related("visitor")
    visible = await visible_lead_ids(application=application,
                                     leads=[(lead, lead.visitor) for lead in leads])
    shown = [lead for lead in leads if lead.id in visible and _matches(lead, filters)]
    return Inbox(leads=shown, hidden=len(leads) - len(visible), total=len(leads))


async def get_lead(*, application: Application, lead_id: int) -> Lead:
    """One of this exhibitor's leads whose contact may be shown (404 otherwise)."""
    lead = await Lead.get_or_none(id=lead_id, application_id=application.id).select_related(
        "visitor")
    if lead is None or lead.id not in await visible_lead_ids(
            application=application, leads=[(lead, lead.visitor)]):
        raise NotFound(_("This lead does not exist or its contact is not shared with you."))
    return lead


async def update_lead(*, application: Application, lead_id: int, data: LeadUpdate,
                      by: User) -> Lead:
    async with atomic():
        lead = await get_lead(application=application, lead_id=lead_id)
        lead.rating = data.rating  # type: ignore[assignment]
        lead.status, lead.notes = data.status, data.notes
        lead.tags, lead.value = data.tags, data.value
        await lead.save(update_fields=["rating", "status", "notes", "tags", "value", "last_at"])
        await log_action(action="expo.lead.updated", actor=by, event=await application.event,
                         obj=lead, summary=f"{lead.status} {lead.rating or ''}".strip())
        return lead


async def inquiries_of(*, application: Application, lead: Lead | None = None) -> list[Inquiry]:
    query = Inquiry.filter(application_id=application.id)
    if lead is not None:
        query = query.filter(lead_id=lead.id)
    return await query.select_related("lead__visitor").order_by("-id")


async def visible_inquiries(*, application: Application) -> list[Inquiry]:
    items = await inquiries_of(application=application)
    visible = await visible_lead_ids(application=application,
                                     leads=[(i.lead, i.lead.visitor) for i in items])
    return [i for i in items if i.lead_id in visible]  # type: ignore[attr-defined]


def whatsapp_link(*, phone: str, visitor_name: str, business: str, event_name: str) -> str:
    """The exhibitor's follow-up to a visitor: a chat with the message written out."""
    return wa_link(phone, _("Hello %(name)s, thank you for stopping by the %(business)s stand at "
                            "%(event)s. We would like to follow up on your interest. How can "
                            "we help?", name=visitor_name, business=business, event=event_name))


def producer_whatsapp(*, phone: str, business: str, event_name: str) -> str:
    """A visitor's first message to a producer, from the stand page."""
    return wa_link(phone, _("Hello %(business)s, I saw your products at %(event)s. Could you "
                            "tell me more?", business=business, event=event_name))


# ---- the visitor's "my expo" --------------------------------------------------------------

@dataclass
class MyExpo:
    saved: list[SavedStand]
    inquiries: list[Inquiry]
    consents: dict[int, bool]  # application id -> consent given
    codes: dict[int, list[str]]


async def my_expo(*, visitor: Visitor) -> MyExpo:
    saved = await SavedStand.filter(visitor_id=visitor.id).select_related(
        "application__producer")
    inquiries = await Inquiry.filter(lead__visitor_id=visitor.id).select_related(
        "application__producer").order_by("-id")
    consents = {r.application_id: r.consent  # type: ignore[attr-defined]
                for r in await ContactRequest.filter(visitor_id=visitor.id)}
    app_ids = [s.application_id for s in saved] + [i.application_id for i in inquiries]  # type: ignore[attr-defined]
    return MyExpo(saved=saved, inquiries=inquiries, consents=consents,
                  codes=await booth_codes(app_ids))


async def visitor_state(*, visitor: Visitor | None, application: Application) -> dict[str, bool]:
    if visitor is None:
        return {"saved": False, "consent": False}
    saved = await SavedStand.exists(visitor_id=visitor.id, application_id=application.id)
    consent = await ContactRequest.exists(visitor_id=visitor.id, application_id=application.id,
                                          consent=True)
    return {"saved": saved, "consent": consent}
