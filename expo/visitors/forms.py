"""Parsing of the registration, group, kiosk, gate and rules forms."""

from __future__ import annotations

from dataclasses import dataclass, field

from expo import phones
from expo.forms import EMAIL_RE, Form
from expo.i18n import gettext as _
from expo.regions import form_region
from expo.visitors.models import PUBLIC_TYPES, Source, Visitor, VisitorType

MAX_GROUP = 60


@dataclass
class VisitorData:
    name: str
    phone: str = ""
    email: str = ""
    type: VisitorType = VisitorType.UMUM
    agency: str = ""
    organisation: str = ""
    kabupaten: str = ""
    consent_share: bool = False


@dataclass(frozen=True)
class VisitorDetails:
    """What may be edited on a visitor: the fields of ``DETAIL_FIELDS``."""

    name: str
    phone: str
    email: str
    type: VisitorType
    agency: str
    organisation: str
    kabupaten: str


DETAIL_FIELDS = ("name", "phone", "email", "type", "agency", "organisation", "kabupaten")


@dataclass
class GroupData:
    name: str
    leader_name: str
    leader_phone: str
    kabupaten: str
    members: list[str] = field(default_factory=list)
    type: VisitorType = VisitorType.PELAJAR


def _phone(form: Form, name: str, *, required: bool = True) -> str:
    return form.whatsapp(name, required=required)  # a mobile number: a landline is refused


def _agency(form: Form, kind: str) -> str:
    agency = form.text("agency", required=False, max_length=160)
    if kind == VisitorType.INSTANSI and not agency:
        form.error("agency", _("Name the agency (OPD) you come from."))
    return agency


def parse_visitor_form(form: Form, *, kiosk: bool = False,
                       types: tuple[VisitorType, ...] = PUBLIC_TYPES) -> VisitorData:
    name = form.text("name", max_length=120, min_length=2)
    phone = _phone(form, "phone", required=not kiosk)
    email = form.email("email", required=False)
    kind = form.choice("type", [t.value for t in types], required=not kiosk) or "umum"
    agency = _agency(form, kind)
    organisation = form.text("organisation", required=False, max_length=160)
    kabupaten = form_region(form, required=not kiosk)
    form.check()
    return VisitorData(name=name, phone=phone, email=email, type=VisitorType(kind),
                       agency=agency, organisation=organisation, kabupaten=kabupaten,
                       consent_share=form.boolean("consent_share"))


def parse_visitor_edit(form: Form, *, types: tuple[VisitorType, ...],
                       complete: bool) -> VisitorDetails:
    """The details form of an existing visitor (consent is not on it: only the visitor gives
    or withdraws consent, on the ticket page). ``complete`` asks for the phone and kabupaten
    that online registration asks for; kiosk, group and badge tickets may lack them."""
    name = form.text("name", max_length=120, min_length=2)
    phone = _phone(form, "phone", required=complete)
    email = form.email("email", required=False)
    kind = form.choice("type", [t.value for t in types])
    agency = _agency(form, kind)
    organisation = form.text("organisation", required=False, max_length=160)
    kabupaten = form_region(form, required=complete)
    form.check()
    return VisitorDetails(name=name, phone=phone, email=email, type=VisitorType(kind),
                          agency=agency, organisation=organisation, kabupaten=kabupaten)


def contact_required(visitor: Visitor) -> bool:
    """Online registration asked for the phone and kabupaten: an edit keeps them."""
    return visitor.source == Source.ONLINE


def visitor_form(visitor: Visitor) -> Form:
    """The details form filled with what is stored."""
    return Form({name: str(getattr(visitor, name)) for name in DETAIL_FIELDS})


def parse_group_form(form: Form) -> GroupData:
    group = form.text("group_name", max_length=160, min_length=3)
    leader = form.text("leader_name", max_length=120, min_length=2)
    phone = _phone(form, "leader_phone")
    kabupaten = form_region(form)
    members = [" ".join(line.split()) for line in form.raw("members").splitlines()]
    members = [m[:120] for m in members if m]
    if not members:
        form.error("members", _("Write one name per line."))
    elif len(members) > MAX_GROUP:
        form.error("members", _("At most %(n)s people per group.", n=MAX_GROUP))
    form.check()
    return GroupData(name=group, leader_name=leader, leader_phone=phone, kabupaten=kabupaten,
                     members=members)


def parse_names(form: Form, field_name: str = "names") -> list[str]:
    names = [" ".join(line.split())[:120] for line in form.raw(field_name).splitlines()]
    names = [n for n in names if n]
    if not names:
        form.error(field_name, _("Write one name per line."))
    elif len(names) > 500:
        form.error(field_name, _("At most %(n)s names at once.", n=500))
    return names


@dataclass(frozen=True)
class Contact:
    """A phone number (E.164) or an email address (lowercase): one of them is set."""

    phone: str = ""
    email: str = ""


def parse_contact(form: Form, field_name: str = "contact") -> Contact:
    """The "find my ticket" field: a WhatsApp number or an email address."""
    raw = form.text(field_name, max_length=254)
    contact = Contact()
    if "@" in raw:
        email = raw.lower()
        if EMAIL_RE.match(email):
            contact = Contact(email=email)
    elif raw:
        contact = Contact(phone=phones.normalise_or_none(raw) or "")
    if raw and not (contact.phone or contact.email):
        form.error(field_name, _("Enter your WhatsApp number (such as 0812 3456 7890) or the "
                                 "email address you registered with."))
    form.check()
    return contact
