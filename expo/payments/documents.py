"""The documents of booth fees: invoices, receipts (kwitansi), proofs of refund and credit
notes, as PDF downloads and print pages, each with a QR code anyone can scan to check that
the committee issued it.

Each document is described once, as an ``expo.pdf.Document`` built in the reader's language
(``i18n.using(locale)``): ``expo.pdf.render`` draws it as a PDF (off the event loop: it is CPU
work) and the print pages show the same description as HTML. Its ``created`` is the moment
the document was issued, so the same document gives the same bytes whenever it is downloaded.

The QR code is a link to ``payments.check`` with a signed token (``{"k": "inv", "id": 12}``,
signed with the app's secret by itsdangerous): the id is readable, but a token cannot be
forged, so a page that says "genuine" was reached from a document the committee issued. The
check page shows what a stranger holding the paper may know (kind, number, date, amount,
status, the business name), never the buyer's phone, email or address (UU PDP).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from expo import i18n, pdf
from expo.accounts.models import Role, User
from expo.errors import NotFound, found
from expo.events.models import Event
from expo.i18n import format_date, format_idr
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.offload import in_thread
from expo.settings import Settings
from expo.words import rupiah_in_words

from . import access, invoices
from .models import (
    CreditNote,
    FeePolicy,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payment,
    PaymentKind,
    PaymentState,
)

INVOICE, RECEIPT, CREDIT = "inv", "kw", "nk"  # the kinds a token names
KINDS = (INVOICE, RECEIPT, CREDIT)
CHECK_PATH = "/e/{slug}/cek/{token}"  # the route payments.check (document_routes mounts it)
SALT = "expo.payments.document"
MAX_TOKEN = 200  # characters: a real token is about 60

_STAMPS = {
    InvoiceStatus.DRAFT: _l("DRAFT"),
    InvoiceStatus.PAID: _l("PAID"),
    InvoiceStatus.FREE: _l("FREE"),
    InvoiceStatus.CANCELLED: _l("CANCELLED"),
    InvoiceStatus.REFUNDED: _l("REFUNDED"),
}


# ---- the signed token of the QR code ---------------------------------------------------------

@dataclass(frozen=True)
class DocumentRef:
    """What a token names: a kind (``inv``, ``kw``, ``nk``) and the row's id."""

    kind: str
    id: int


@dataclass(frozen=True)
class Verifier:
    """Signs and reads the tokens of the QR codes. ``secret_keys`` is the current secret
    first, then earlier ones (``Settings.secret_keys``): a document printed before the secret
    was rotated still checks out."""

    base_url: str
    secret_keys: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier:
        return cls(settings.base_url.rstrip("/"), settings.secret_keys)

    def _serializer(self) -> URLSafeSerializer:
        # itsdangerous signs with the last key of the list and accepts any of them.
        return URLSafeSerializer(list(reversed(self.secret_keys)), salt=SALT)

    def token(self, kind: str, doc_id: int) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown document kind {kind!r}")
        return str(self._serializer().dumps({"k": kind, "id": int(doc_id)}))

    def read(self, token: str) -> DocumentRef | None:
        """The document a token names, or None when it is not one this app signed."""
        if not token or len(token) > MAX_TOKEN:
            return None
        try:
            data = self._serializer().loads(token)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("k") not in KINDS:
            return None
        doc_id = data.get("id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, int) or doc_id <= 0:
            return None
        return DocumentRef(str(data["k"]), doc_id)

    def url(self, event: Event, kind: str, doc_id: int) -> str:
        """The absolute address of the check page for one document (for its QR code)."""
        return self.base_url + CHECK_PATH.format(slug=event.slug,
                                                 token=self.token(kind, doc_id))


# ---- who may open which document -------------------------------------------------------------

async def visible_invoice(*, user: User, roles: Collection[str], event: Event,
                          invoice_id: int) -> Invoice:
    """The committee sees every invoice, drafts too (as a preview); an exhibitor only its
    own, once issued (a draft is not a document yet: 404)."""
    invoice = await access.visible_invoice(user=user, roles=roles, event=event,
                                           invoice_id=invoice_id)
    if invoice.number is None and Role.COMMITTEE not in roles:
        raise NotFound(_("This invoice does not exist."))
    return invoice


async def visible_receipt(*, user: User, roles: Collection[str], event: Event,
                          payment_id: int) -> Payment:
    """A confirmed payment with its receipt number, or a confirmed refund, of an invoice the
    user may see; 404 otherwise (a payment still waiting has no receipt)."""
    payment = found(await Payment.get_or_none(id=payment_id, event_id=event.id,
                                              state=PaymentState.CONFIRMED),
                    _("This receipt does not exist."))
    if payment.kind == PaymentKind.PAYMENT and not payment.receipt_number:
        raise NotFound(_("This receipt does not exist."))
    await visible_invoice(user=user, roles=roles, event=event, invoice_id=payment.invoice_id)
    return payment


async def visible_credit_note(*, user: User, roles: Collection[str], event: Event,
                              note_id: int) -> CreditNote:
    note = found(await CreditNote.get_or_none(id=note_id, invoice__event_id=event.id),
                 _("This credit note does not exist."))
    await visible_invoice(user=user, roles=roles, event=event, invoice_id=note.invoice_id)
    return note


def file_name(document: pdf.Document, fallback: str) -> str:
    """``INV/HKN2027/0001`` → ``INV-HKN2027-0001.pdf``: a name every system can save."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", document.number).strip("-.") or fallback
    return f"{stem}.pdf"


# ---- what every document shares --------------------------------------------------------------

@dataclass(frozen=True)
class _Setting:
    event: Event
    policy: FeePolicy
    invoice: Invoice


async def _setting(invoice: Invoice) -> _Setting:
    event = await Event.get(id=invoice.event_id)
    # A page that reads must not write: an event without a policy shows the defaults.
    policy = await FeePolicy.get_or_none(event_id=event.id) or FeePolicy(event_id=event.id)
    return _Setting(event, policy, invoice)


def _committee(setting: _Setting, *, bank: bool = False) -> pdf.Party:
    """The committee as the seller; ``bank``: with the account to transfer to (invoices)."""
    event, policy = setting.event, setting.policy
    lines = [event.venue, event.address, event.city]
    if bank and policy.account_number:
        lines.append(_("Bank account: %(bank)s %(account)s (%(holder)s)", bank=policy.bank_name,
                       account=policy.account_number, holder=policy.account_holder))
    return pdf.Party(_("Committee of %(event)s", event=event.name),
                     tuple(line for line in lines if line))


def _buyer(invoice: Invoice) -> pdf.Party:
    """The producer as the invoice copied it (on the producer's own document, so with the
    contact details; the public check page shows the business name only)."""
    lines = (invoice.buyer_owner, invoice.buyer_address, invoice.buyer_phone,
             invoice.buyer_email)
    return pdf.Party(invoice.buyer_name or "—", tuple(line for line in lines if line))


def _columns() -> tuple[str, str, str, str]:
    return (_("Description"), _("Qty"), _("Unit price"), _("Amount"))


def _words(amount: int, locale: str) -> str:
    return _("In words: %(words)s", words=rupiah_in_words(amount, locale))


def _local_day(at: dt.datetime | None, event: Event) -> dt.date | None:
    return at.astimezone(invoices.zone_of(event)).date() if at is not None else None


def _long(day: dt.date | None) -> str:
    return format_date(day, "long") if day is not None else "—"


def _signature(policy: FeePolicy) -> str:
    return policy.treasurer or _("Committee treasurer")


def _footer(setting: _Setting) -> str:
    return _("Issued by the committee of %(event)s with expo.", event=setting.event.name)


def _qr_caption() -> str:
    return _("Scan to check that this document is genuine")


async def _booth_codes(invoice: Invoice) -> list[str]:
    codes = await InvoiceLine.filter(invoice_id=invoice.id, kind=LineKind.BOOTH,
                                     booth_id__not_isnull=True).order_by(
        "position", "id").values_list("booth__code", flat=True)
    return list(dict.fromkeys(str(code) for code in codes if code))


async def _purpose(invoice: Invoice) -> str:
    """"invoice INV/HKN2027/0001, booth A-01, A-02": what a receipt is for."""
    codes = await _booth_codes(invoice)
    if codes:
        return _("invoice %(number)s, booth %(codes)s", number=invoice.number or "—",
                 codes=", ".join(codes))
    return _("invoice %(number)s", number=invoice.number or "—")


# ---- the invoice -----------------------------------------------------------------------------

def _invoice_rows(lines: Sequence[InvoiceLine]) -> tuple[pdf.Row, ...]:
    """The lines as issued; the unique code, a plain amount, is named in the reader's
    language (its meaning never changes)."""
    return tuple(pdf.Row(str(LineKind.CODE.label), None, None, line.amount)
                 if line.kind == LineKind.CODE
                 else pdf.Row(line.description, line.quantity, line.unit_price, line.amount)
                 for line in lines)


def _invoice_facts(invoice: Invoice) -> tuple[tuple[str, str], ...]:
    facts = [(_("Date"), _long(invoice.issued_on)), (_("Due date"), _long(invoice.due_on)),
             (_("Status"), InvoiceStatus(invoice.status).label)]
    for label, amount in ((_("Amount credited"), invoice.credited),
                          (_("Amount paid"), invoice.paid),
                          (_("Amount refunded"), invoice.refunded)):
        if amount:
            facts.append((label, format_idr(amount)))
    if invoice.status == InvoiceStatus.ISSUED:
        facts.append((_("Balance due"), format_idr(invoice.balance)))
    return tuple(facts)


def _invoice_notes(setting: _Setting) -> tuple[str, ...]:
    invoice, policy = setting.invoice, setting.policy
    if invoice.status == InvoiceStatus.FREE:
        return (_("This booth is free of charge: there is nothing to pay."),)
    if invoice.status != InvoiceStatus.ISSUED or invoice.balance <= 0:
        return ()
    notes = []
    if policy.account_number:
        notes.append(_("Pay by bank transfer to %(bank)s, account number %(account)s, in the "
                       "name of %(holder)s.", bank=policy.bank_name,
                       account=policy.account_number, holder=policy.account_holder))
    notes.append(_("Transfer exactly %(amount)s (the last three digits identify your "
                   "payment) by %(due)s, then send the transfer proof on your invoice page.",
                   amount=format_idr(invoice.open_amount or invoice.balance),
                   due=_long(invoice.due_on)))
    if policy.online:
        notes.append(_("You can also pay online (QRIS or virtual account) on your invoice "
                       "page."))
    return tuple(notes)


async def invoice_document(invoice: Invoice, *, verifier: Verifier,
                           locale: str | None = None) -> pdf.Document:
    """The invoice as issued; a draft (the committee's preview) is stamped DRAFT and has no
    QR code, since it is not a document yet."""
    locale = locale or i18n.get_locale()
    setting = await _setting(invoice)
    lines = await invoices.lines_of(invoice)
    with i18n.using(locale):
        stamp = _STAMPS.get(InvoiceStatus(invoice.status))
        return pdf.Document(
            title=_("INVOICE"), number=invoice.number or _("Draft %(id)s", id=invoice.id),
            facts=_invoice_facts(invoice), seller=_committee(setting, bank=True),
            buyer=_buyer(invoice),
            seller_label=_("Issued by"), buyer_label=_("Bill to"), columns=_columns(),
            rows=_invoice_rows(lines), total_label=_("Total"), total=invoice.total,
            words=_words(invoice.total, locale), notes=_invoice_notes(setting),
            stamp=str(stamp) if stamp else "",
            qr_payload=verifier.url(setting.event, INVOICE, invoice.id) if invoice.number
            else "",
            qr_caption=_qr_caption() if invoice.number else "",
            footer=_footer(setting), locale=locale,
            created=invoice.issued_at or invoice.created_at)


# ---- the receipt (kwitansi) and the proof of refund ------------------------------------------

def _payment_facts(payment: Payment, invoice: Invoice) -> tuple[tuple[str, str], ...]:
    facts = [(_("Date"), _long(payment.paid_on)), (_("Invoice"), invoice.number or "—"),
             (_("Method"), payment.method.label)]
    if payment.reference:
        facts.append((_("Reference"), payment.reference))
    return tuple(facts)


async def _refund_note(payment: Payment) -> CreditNote | None:
    """The credit note written with a refund: ``service.refund`` starts the refund's
    reason with its number (``NK/HKN2027/0002: ...``)."""
    number, sep, _rest = payment.reason.partition(":")
    if not sep:
        return None
    return await CreditNote.get_or_none(invoice_id=payment.invoice_id, number=number.strip())


async def receipt_document(payment: Payment, *, verifier: Verifier,
                           locale: str | None = None) -> pdf.Document:
    """The kwitansi of a confirmed payment, or the proof of a refund."""
    if payment.kind == PaymentKind.REFUND:
        return await _refund_document(payment, verifier=verifier, locale=locale)
    locale = locale or i18n.get_locale()
    invoice = await Invoice.get(id=payment.invoice_id)
    setting = await _setting(invoice)
    with i18n.using(locale):
        purpose = await _purpose(invoice)
        words = rupiah_in_words(payment.amount, locale)
        return pdf.Document(
            title=_("RECEIPT"), number=payment.receipt_number or "—",
            facts=_payment_facts(payment, invoice), seller=_committee(setting),
            buyer=_buyer(invoice), seller_label=_("Received by"),
            buyer_label=_("Received from"), columns=_columns(),
            rows=(pdf.Row(_("Payment of %(purpose)s", purpose=purpose), None, None,
                          payment.amount),),
            total_label=_("Amount received"), total=payment.amount,
            words=_words(payment.amount, locale),
            notes=(_("Received from %(buyer)s the sum of %(words)s for payment of "
                     "%(purpose)s.", buyer=invoice.buyer_name, words=words, purpose=purpose),),
            qr_payload=verifier.url(setting.event, RECEIPT, payment.id),
            qr_caption=_qr_caption(), signature_label=_signature(setting.policy),
            footer=_footer(setting), locale=locale,
            created=payment.decided_at or payment.created_at)


async def _refund_document(payment: Payment, *, verifier: Verifier,
                           locale: str | None) -> pdf.Document:
    locale = locale or i18n.get_locale()
    invoice = await Invoice.get(id=payment.invoice_id)
    setting = await _setting(invoice)
    note = await _refund_note(payment)
    reason = payment.reason.partition(":")[2].strip() if note else payment.reason
    with i18n.using(locale):
        purpose = await _purpose(invoice)
        words = rupiah_in_words(payment.amount, locale)
        notes = [_("The committee paid %(words)s back to %(buyer)s for %(purpose)s.",
                   words=words, buyer=invoice.buyer_name, purpose=purpose)]
        if reason:
            notes.append(_("Reason: %(reason)s", reason=reason))
        return pdf.Document(
            title=_("PROOF OF REFUND"), number=note.number if note else refund_number(payment),
            facts=_payment_facts(payment, invoice), seller=_committee(setting),
            buyer=_buyer(invoice), seller_label=_("Paid by"), buyer_label=_("Paid to"),
            columns=_columns(),
            rows=(pdf.Row(_("Refund on %(purpose)s", purpose=purpose), None, None,
                          payment.amount),),
            total_label=_("Amount refunded"), total=payment.amount,
            words=_words(payment.amount, locale), notes=tuple(notes),
            qr_payload=verifier.url(setting.event, RECEIPT, payment.id),
            qr_caption=_qr_caption(), signature_label=_signature(setting.policy),
            footer=_footer(setting), locale=locale,
            created=payment.decided_at or payment.created_at)


def refund_number(payment: Payment) -> str:
    """A refund's number when its credit note cannot be found (it always can, in practice)."""
    return f"R-{payment.id}"


# ---- the credit note -------------------------------------------------------------------------

async def credit_document(note: CreditNote, *, verifier: Verifier,
                          locale: str | None = None) -> pdf.Document:
    locale = locale or i18n.get_locale()
    invoice = await Invoice.get(id=note.invoice_id)
    setting = await _setting(invoice)
    with i18n.using(locale):
        number = invoice.number or "—"
        return pdf.Document(
            title=_("CREDIT NOTE"), number=note.number,
            facts=((_("Date"), _long(_local_day(note.created_at, setting.event))),
                   (_("Invoice"), number), (_("Invoice date"), _long(invoice.issued_on))),
            seller=_committee(setting), buyer=_buyer(invoice), seller_label=_("Issued by"),
            buyer_label=_("To"), columns=_columns(),
            rows=(pdf.Row(_("Correction of invoice %(number)s: %(reason)s", number=number,
                            reason=note.reason), None, None, note.amount),),
            total_label=_("Amount credited"), total=note.amount,
            words=_words(note.amount, locale),
            notes=(_("This credit note lowers what invoice %(number)s asks by %(amount)s.",
                     number=number, amount=format_idr(note.amount)),),
            qr_payload=verifier.url(setting.event, CREDIT, note.id), qr_caption=_qr_caption(),
            signature_label=_signature(setting.policy), footer=_footer(setting),
            locale=locale, created=note.created_at)


# ---- PDF bytes -------------------------------------------------------------------------------

async def render(document: pdf.Document) -> bytes:
    """The PDF, drawn in a thread (about 20 ms of CPU)."""
    return await in_thread(pdf.render, document)


async def invoice_pdf(invoice: Invoice, *, verifier: Verifier,
                      locale: str | None = None) -> bytes:
    return await render(await invoice_document(invoice, verifier=verifier, locale=locale))


async def receipt_pdf(payment: Payment, *, verifier: Verifier,
                      locale: str | None = None) -> bytes:
    return await render(await receipt_document(payment, verifier=verifier, locale=locale))


async def credit_pdf(note: CreditNote, *, verifier: Verifier,
                     locale: str | None = None) -> bytes:
    return await render(await credit_document(note, verifier=verifier, locale=locale))


# ---- the public check ------------------------------------------------------------------------

@dataclass(frozen=True)
class Checked:
    """What the check page shows a stranger: no phone, email or address (UU PDP)."""

    event: Event
    kind: str  # "Invoice", "Receipt", "Proof of refund", "Credit note"
    number: str
    date: dt.date | None
    amount: int
    status: str
    buyer: str  # the business name


def _not_genuine() -> NotFound:
    return NotFound(_("This code does not belong to a document of this event. If it is "
                      "printed on an invoice or receipt, the document may not be genuine: ask "
                      "the committee."), "document_unknown")


async def check(*, slug: str, token: str, verifier: Verifier) -> Checked:
    """The document a QR code names, if this app signed the code and the document belongs to
    the event of the address; ``NotFound`` otherwise (a forged or altered code)."""
    ref = verifier.read(token)
    event = await Event.get_or_none(slug=slug)
    if ref is None or event is None:
        raise _not_genuine()
    checked = await _CHECKS[ref.kind](event, ref.id)
    if checked is None:
        raise _not_genuine()
    return checked


async def _check_invoice(event: Event, doc_id: int) -> Checked | None:
    invoice = await Invoice.get_or_none(id=doc_id, event_id=event.id, number__not_isnull=True)
    if invoice is None:
        return None
    return Checked(event, _("Invoice"), str(invoice.number), invoice.issued_on, invoice.total,
                   InvoiceStatus(invoice.status).label, invoice.buyer_name)


async def _check_receipt(event: Event, doc_id: int) -> Checked | None:
    payment = await Payment.get_or_none(id=doc_id, event_id=event.id,
                                        state=PaymentState.CONFIRMED)
    if payment is None or (payment.kind == PaymentKind.PAYMENT and not payment.receipt_number):
        return None
    invoice = await Invoice.get(id=payment.invoice_id)
    if payment.kind == PaymentKind.REFUND:
        note = await _refund_note(payment)
        return Checked(event, _("Proof of refund"),
                       note.number if note else refund_number(payment), payment.paid_on,
                       payment.amount, payment.state.label, invoice.buyer_name)
    return Checked(event, _("Receipt"), str(payment.receipt_number), payment.paid_on,
                   payment.amount, payment.state.label, invoice.buyer_name)


async def _check_credit(event: Event, doc_id: int) -> Checked | None:
    note = await CreditNote.get_or_none(id=doc_id, invoice__event_id=event.id)
    if note is None:
        return None
    invoice = await Invoice.get(id=note.invoice_id)
    return Checked(event, _("Credit note"), note.number, _local_day(note.created_at, event),
                   note.amount, _("Valid"), invoice.buyer_name)


_CHECKS: dict[str, Callable[[Event, int], Awaitable[Checked | None]]] = {
    INVOICE: _check_invoice, RECEIPT: _check_receipt, CREDIT: _check_credit}
