"""Import producers (and optionally their applications) from an agency's .xlsx list.

``preview`` validates every row and keeps the upload under a random token; ``commit``
validates again and writes all rows in one transaction, or nothing. New accounts get an
invitation link to choose their password, queued in the same transaction. A large file's
commit runs as a job (``expo.exhibitors.import_jobs``), the same commit.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expo import i18n, phones
from expo.accounts.models import Role, User
from expo.accounts.service import INVITE_TTL, create_password_token, create_user
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.models import Event
from expo.events.team import grant_role
from expo.exhibitors.forms import match_kabupaten, normalize_nib
from expo.exhibitors.models import (
    Application,
    AppStatus,
    BoothType,
    Category,
    Producer,
    ProducerMember,
)
from expo.forms import EMAIL_RE
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.offload import in_thread
from expo.xlsx import Column, Sheet, read_upload, workbook_bytes

# key, header in the template, other accepted headers
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("business_name", "Nama usaha*", ("business name",)),
    ("owner_name", "Nama pemilik*", ("owner name", "pemilik")),
    ("phone", "No. WhatsApp*", ("whatsapp", "phone", "no hp", "telepon")),
    ("email", "Email*", ("e-mail",)),
    ("kabupaten", "Kabupaten/Kota*", ("kabupaten", "kota", "district")),
    ("category", "Kategori*", ("category",)),
    ("cluster", "Klaster produk", ("cluster", "klaster")),
    ("address", "Alamat", ("address",)),
    ("nib", "NIB", ()),
    ("pirt_number", "No. SPP-IRT/PIRT", ("pirt", "spp-irt")),
    ("halal_number", "No. sertifikat halal", ("halal",)),
    ("halal_expires_on", "Halal berlaku sampai", ("halal expiry",)),
    ("bpom_number", "No. BPOM", ("bpom",)),
    ("workers", "Jumlah pekerja", ("workers",)),
    ("smk_workers", "Pekerja siswa SMK", ("smk workers",)),
    ("smk_interns", "Siswa PKL SMK", ("smk interns", "pkl")),
    ("is_micro", "Usaha mikro (ya/tidak)", ("micro", "usaha mikro")),
    ("apply", "Daftarkan ke pameran (ya/tidak)", ("apply",)),
    ("booth_type", "Jenis stan", ("booth type",)),
    ("booths_needed", "Jumlah stan", ("booths",)),
    ("power_watts", "Listrik (watt)", ("power", "watt")),
    ("needs_water", "Perlu air (ya/tidak)", ("water",)),
    ("first_time", "Pertama kali ikut pameran (ya/tidak)", ("first time",)),
]
REQUIRED = ("business_name", "owner_name", "phone", "email", "kabupaten", "category")
_CATEGORY_WORDS = {
    "kuliner": Category.KULINER, "makanan": Category.KULINER, "culinary": Category.KULINER,
    "kriya": Category.KRIYA, "kerajinan": Category.KRIYA, "craft": Category.KRIYA,
    "fesyen": Category.FESYEN, "fashion": Category.FESYEN, "batik": Category.FESYEN,
    "oleholeh": Category.OLEH_OLEH, "souvenir": Category.OLEH_OLEH,
    "aksesoris": Category.AKSESORIS, "dekorasi": Category.DEKORASI, "lainnya": Category.LAINNYA,
}
_BOOTHS = {"standar": BoothType.STANDARD, "standard": BoothType.STANDARD,
           "kuliner": BoothType.FOOD, "food": BoothType.FOOD, "makanan": BoothType.FOOD,
           "outdoor": BoothType.OUTDOOR, "tenda": BoothType.OUTDOOR, "": BoothType.STANDARD}
_TRUE = {"ya", "y", "yes", "1", "true", "x", "v", "iya"}
_FALSE = {"tidak", "t", "no", "n", "0", "false", "", "none"}
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_HEADER_KEYS = {_norm(h): k for k, h, _alts in COLUMNS} | {
    _norm(a): k for k, _h, alts in COLUMNS for a in alts} | {_norm(k): k for k, _h, _a in COLUMNS}


def template_bytes() -> bytes:
    example = ["Amplang Hj. Aminah", "Hj. Aminah", "0812 3456 7890", "aminah@contoh.id",
               "Kota Samarinda", "kuliner", "amplang", "Jl. Pahlawan No. 5", "0912345678901",
               "P-IRT 2066472010123-27", "ID64110000123450321", "2028-06-30", "", 6, 1, 2,
               "ya", "ya", "standar", 1, 450, "tidak", "ya"]
    notes = [_("Columns marked * are required. Category: kuliner, kriya, fesyen, oleh-oleh, "
               "aksesoris, dekorasi, lainnya. Booth type: standar, kuliner, outdoor."),
             _("Type phone numbers and NIB as text (start with an apostrophe) so that Excel "
               "keeps the leading zero.")]
    return workbook_bytes([Sheet(title="Produsen", rows=[example], notes=notes,
                                 columns=[Column(h, width=max(14, len(h) + 2))
                                          for _k, h, _a in COLUMNS])])


@dataclass
class RowResult:
    number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    apply: bool = False
    application: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(self.values.get("business_name") or "")


@dataclass
class Preview:
    token: str
    rows: list[RowResult]
    missing_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.missing_columns and not any(
            r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value).strip()


def _bool(value: Any, errors: list[str], label: str) -> bool:
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.append(_("%(column)s: write ya or tidak.", column=label))
    return False


def _int(value: Any, errors: list[str], label: str, high: int = 100_000) -> int:
    text = _text(value).replace(".", "")
    if not text:
        return 0
    if not text.isdigit() or int(text) > high:
        errors.append(_("%(column)s: write a whole number.", column=label))
        return 0
    return int(text)


def _date(value: Any, errors: list[str], label: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.append(_("%(column)s: write a date as DD/MM/YYYY.", column=label))
    return None


def _parse_row(number: int, raw: dict[str, Any]) -> RowResult:
    labels = {k: h for k, h, _a in COLUMNS}
    errors: list[str] = []
    for key in REQUIRED:
        if not _text(raw.get(key)):
            errors.append(_("%(column)s is empty.", column=labels[key]))
    values: dict[str, Any] = {k: _text(raw.get(k))[:160] for k in (
        "business_name", "owner_name", "cluster", "address", "pirt_number", "halal_number",
        "bpom_number")}
    values["cluster"] = values["cluster"].lower()[:60]
    values["email"] = _text(raw.get("email")).lower()
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors.append(_("Email: %(value)s is not an email address.", value=values["email"]))
    values["phone"] = ""
    if _text(raw.get("phone")):
        try:
            values["phone"] = phones.normalise_mobile(raw.get("phone"))
        except phones.NotMobile:
            errors.append(_("WhatsApp: %(value)s is a landline; WhatsApp needs a mobile "
                            "number (08…).", value=_text(raw.get("phone"))))
        except phones.PhoneInvalid:
            errors.append(_("WhatsApp: %(value)s is not a valid Indonesian number.",
                            value=_text(raw.get("phone"))))
    try:
        values["nib"] = normalize_nib(raw.get("nib"))
    except ValueError:
        values["nib"] = ""
        errors.append(_("NIB: %(value)s is not a 13-digit number.", value=_text(raw.get("nib"))))
    kab_raw = _text(raw.get("kabupaten"))
    values["kabupaten"], suggestions = match_kabupaten(kab_raw)
    if kab_raw and values["kabupaten"] is None:
        hint = _(" Did you mean %(names)s?", names=", ".join(suggestions)) if suggestions else ""
        errors.append(_("Kabupaten/Kota: unknown place %(value)s.", value=kab_raw) + hint)
    cat_raw = _text(raw.get("category"))
    values["category"] = _CATEGORY_WORDS.get(_norm(cat_raw))
    if cat_raw and values["category"] is None:
        errors.append(_("Category: unknown category %(value)s.", value=cat_raw))
    values["halal_expires_on"] = _date(raw.get("halal_expires_on"), errors,
                                       labels["halal_expires_on"])
    for key in ("workers", "smk_workers", "smk_interns"):
        values[key] = _int(raw.get(key), errors, labels[key])
    values["is_micro"] = _bool(raw.get("is_micro") or "ya", errors, labels["is_micro"])
    row = RowResult(number=number, values=values, errors=errors,
                    apply=_bool(raw.get("apply"), errors, labels["apply"]))
    if row.apply:
        booth = _BOOTHS.get(_norm(_text(raw.get("booth_type"))))
        if booth is None:
            errors.append(_("Booth type: write standar, kuliner or outdoor."))
        row.application = {
            "booth_type": booth or BoothType.STANDARD,
            "booths_needed": max(1, _int(raw.get("booths_needed"), errors,
                                         labels["booths_needed"], 4)),
            "power_watts": _int(raw.get("power_watts"), errors, labels["power_watts"], 20_000),
            "needs_water": _bool(raw.get("needs_water"), errors, labels["needs_water"]),
            "first_time": _bool(raw.get("first_time"), errors, labels["first_time"]),
        }
    return row


async def _check_duplicates(rows: list[RowResult]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for key in ("email", "phone", "nib"):
            value = row.values.get(key)
            if not value:
                continue
            first = seen.setdefault((key, value), row.number)
            if first != row.number:
                row.errors.append(_("Duplicate of row %(n)s (%(value)s).", n=first, value=value))
    emails = [r.values["email"] for r in rows if r.values.get("email")]
    phones = [r.values["phone"] for r in rows if r.values.get("phone")]
    taken_emails = set(await Producer.filter(email__in=emails).values_list("email", flat=True))
    taken_emails |= set(await ProducerMember.filter(user__email__in=emails).values_list(
        "user__email", flat=True))
    taken_phones = set(await Producer.filter(phone__in=phones).values_list("phone", flat=True))
    for row in rows:
        if row.values.get("email") in taken_emails:
            row.errors.append(_("A producer with the email %(value)s is already registered.",
                                value=row.values["email"]))
        elif row.values.get("phone") in taken_phones:
            row.errors.append(_("A producer with the number %(value)s is already registered.",
                                value=row.values["phone"]))


async def _validate(data: bytes) -> tuple[list[RowResult], list[str]]:
    header, body = await read_upload(data)  # checked, then parsed in a worker process
    keys = [_HEADER_KEYS.get(_norm(h)) for h in header]
    labels = {k: h for k, h, _a in COLUMNS}
    missing = [labels[k] for k in REQUIRED if k not in keys]
    rows = []
    for index, cells in enumerate(body):
        raw = {k: v for k, v in zip(keys, cells, strict=False) if k}
        rows.append(_parse_row(index + 2, raw))
    await _check_duplicates(rows)
    return rows, missing


def upload_path(uploads_dir: Path, event_id: int, token: str) -> Path:
    """Where an upload waits between its preview and its import (a random ``token``)."""
    return uploads_dir / "imports" / f"{event_id}-{token}.xlsx"


async def store_upload(*, data: bytes, event: Event, uploads_dir: Path) -> str:
    """Keep an uploaded workbook under a new random token; returns the token."""
    token = secrets.token_hex(16)
    path = upload_path(uploads_dir, event.id, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    await in_thread(path.write_bytes, data)
    return token


def stored_upload(*, token: str, event: Event, uploads_dir: Path) -> Path:
    """The upload a token names, for this event only; a 404 a person can act on otherwise."""
    path = upload_path(uploads_dir, event.id, token) if TOKEN_RE.match(token) else None
    if path is None or not path.exists():
        raise NotFound(_("This import has expired. Upload the file again."), "import_expired")
    return path


async def preview(*, data: bytes, event: Event, uploads_dir: Path) -> Preview:
    rows, missing = await _validate(data)
    if not rows and not missing:
        raise DomainError(_("The file has no producer rows."), "empty_file")
    token = await store_upload(data=data, event=event, uploads_dir=uploads_dir)
    return Preview(token=token, rows=rows, missing_columns=missing)


@dataclass
class ImportResult:
    created: int
    applications: int


Then = Callable[[ImportResult], Awaitable[None]]


def _problems(rows: list[RowResult], missing: list[str]) -> list[str]:
    found = [_("Missing columns: %(names)s", names=", ".join(missing))] if missing else []
    found += [_("Row %(row)s: %(msg)s", row=r.number, msg=" ".join(r.errors))
              for r in rows if r.errors]
    return found[:50]


async def commit(*, token: str, event: Event, by: User | None, uploads_dir: Path,
                 link_base: str, then: Then | None = None) -> ImportResult:
    """Validate the stored upload again and write every row in one transaction, or nothing.

    Each new account gets its invitation (WhatsApp and email, in the outbox) in the same
    transaction. ``then`` runs inside it too, with the result (a queued import marks its
    record done with the rows it wrote, so that a job run again finds it done).
    """
    path = stored_upload(token=token, event=event, uploads_dir=uploads_dir)
    rows, missing = await _validate(await in_thread(path.read_bytes))
    if missing or any(r.errors for r in rows):
        raise DomainError(_("The file still has errors; nothing was imported."), "import_invalid",
                          rows=_problems(rows, missing))
    async with atomic():
        result = await _write(rows, event=event, by=by, link_base=link_base)
        await log_action(action="expo.producer.imported", actor=by, event=event,
                         summary=_("%(n)s producers imported", n=len(rows)),
                         data={"producers": len(rows), "applications": result.applications})
        if then is not None:
            await then(result)
    path.unlink(missing_ok=True)
    return result


async def _write(rows: list[RowResult], *, event: Event, by: User | None,
                 link_base: str) -> ImportResult:
    applications = 0
    for row in rows:
        user = await User.get_or_none(email=row.values["email"])
        new = user is None
        if user is None:
            user = await create_user(email=row.values["email"], name=row.values["owner_name"])
        producer = await Producer.create(**row.values)
        await ProducerMember.create(producer=producer, user=user)
        if row.apply:
            await Application.create(event=event, producer=producer, status=AppStatus.DRAFT,
                                     source="import", **row.application)
            await grant_role(event=event, user=user, role=Role.EXHIBITOR, by=by)
            applications += 1
        if new:
            await _invite(user, phone=producer.phone, event=event, link_base=link_base)
    return ImportResult(created=len(rows), applications=applications)


async def _invite(user: User, *, phone: str, event: Event, link_base: str) -> None:
    token = await create_password_token(user=user, purpose="invite", ttl=INVITE_TTL)
    link = f"{link_base}?token={token}"
    with i18n.using(user.locale):
        subject = _("Your producer account for %(event)s", event=event.name)
        text = _("Hello %(name)s,\n\nThe committee of %(event)s registered your business on "
                 "expo. Choose your password here (valid 14 days), then check your profile "
                 "and send your application:\n%(link)s\n",
                 name=user.name, event=event.name, link=link)
    await messages.send(to=Recipient(name=user.name, phone=phone, email=user.email,
                                     locale=user.locale),
                        kind="exhibitors.import_invite", subject=subject, text=text,
                        key=f"exhibitors.import_invite:{user.id}", event_id=event.id)
