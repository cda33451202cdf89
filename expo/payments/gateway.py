"""What every payment-gateway adapter takes, returns and raises (provider-neutral).

An adapter (``expo.payments.midtrans``) turns a ``ChargeRequest`` into its provider's charge
and the provider's answers and notifications into ``Charge`` and ``Notification``. It knows
nothing of expo's rows: the payments service records what happened, and decides what a
``GatewayError`` means for a person (the adapter's messages are for the operator's log).

Money is integer rupiah. Providers write amounts as decimal strings (``"350127.00"``):
``provider_amount`` reads them exactly, without floats, and refuses a fraction of a rupiah.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class Method(StrEnum):
    """How the payer pays: a QRIS code (any bank or e-wallet app) or a bank virtual account."""

    QRIS = "qris"
    VA_BCA = "va_bca"
    VA_BNI = "va_bni"
    VA_BRI = "va_bri"
    VA_PERMATA = "va_permata"


class PaymentState(StrEnum):
    """Where a charge stands, in expo's words (each provider's statuses map onto these)."""

    PENDING = "pending"  # created, not paid yet (or held for a fraud review)
    PAID = "paid"
    FAILED = "failed"  # denied or failed: this charge will never be paid
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"  # wholly or partly: the service reads the amounts in ``raw``


@dataclass(frozen=True)
class ChargeRequest:
    order_id: str  # expo's id for this one attempt; the provider refuses a second charge on it
    amount: int  # rupiah
    method: Method
    customer_name: str
    customer_email: str
    customer_phone: str  # E.164 (+62...) or empty
    description: str  # what is paid for, shown on the provider's dashboard
    expiry_minutes: int = 1440

    def __post_init__(self) -> None:
        """A charge that no provider could take is a bug in the caller: fail before sending."""
        if not self.order_id:
            raise ValueError("order_id is empty")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError(f"amount must be a positive number of rupiah, not {self.amount!r}")
        if (isinstance(self.expiry_minutes, bool) or not isinstance(self.expiry_minutes, int)
                or self.expiry_minutes <= 0):
            raise ValueError(f"expiry_minutes must be positive, not {self.expiry_minutes!r}")
        if not isinstance(self.method, Method):
            raise ValueError(f"unknown payment method {self.method!r}")


@dataclass(frozen=True)
class Charge:
    """A charge the provider accepted: what to show the payer (a QR code or a VA number)."""

    provider: str
    order_id: str
    transaction_id: str  # the provider's id for the charge
    method: Method
    amount: int
    qr_string: str = ""  # the QRIS payload: render it with expo.qr
    qr_image_url: str = ""  # the provider's own image of the code, when it gives one
    va_number: str = ""
    bank: str = ""  # "bca", "bni", "bri", "permata" for a virtual account
    expires_at: datetime | None = None  # aware, UTC
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Notification:
    """A provider's word on a charge: from a verified notification or a status query."""

    provider: str
    order_id: str
    transaction_id: str
    state: PaymentState
    amount: int
    method: str  # a ``Method`` value when recognised, else the provider's own payment type
    paid_at: datetime | None = None  # aware, UTC
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


class GatewayError(Exception):
    """The provider refused or could not be reached. ``temporary``: the same call may succeed
    later (a timeout, a lost connection, a 5xx, a rate limit); otherwise it never will as it is
    (a wrong key, a duplicate order id, a transaction that cannot be cancelled). ``code`` is
    the provider's status code when it gave one ("401", "406", "412", ...). The message never
    holds a secret."""

    def __init__(self, message: str, *, temporary: bool, code: str = "") -> None:
        super().__init__(message)
        self.temporary = temporary
        self.code = code


class SignatureError(Exception):
    """A notification that does not carry the provider's valid signature: forged, tampered
    with, or signed with another key. Ignore it (answer 4xx); never act on its content."""


class Gateway(Protocol):
    name: str  # "midtrans": kept on the payment row

    async def create_charge(self, request: ChargeRequest) -> Charge: ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify and read a notification's raw body: ``SignatureError`` when it is not
        genuine, ``ValueError`` when it is not a notification at all."""
        ...

    async def status(self, order_id: str) -> Notification: ...

    async def cancel(self, order_id: str) -> None: ...


_DECIMAL = re.compile(r"(\d+)(?:\.(\d+))?")


def provider_amount(value: object) -> int:
    """Whole rupiah from a provider's machine-written amount: ``"350127.00"`` -> 350127,
    ``"350127"`` and ``350127`` likewise (a dot is always the decimal point here, unlike
    ``expo.money.parse_rupiah``, which reads what people type). A fraction of a rupiah
    (``"350127.50"``), a negative, a float, an exponent or anything else is a ``ValueError``:
    expo's amounts are whole rupiah, so such an amount cannot be matched to an invoice."""
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"negative amount: {value}")
        return value
    if isinstance(value, Decimal):
        value = format(value, "f")
    if not isinstance(value, str):
        raise ValueError(f"not an amount: {value!r}")
    match = _DECIMAL.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not an amount: {value!r}")
    whole, fraction = match.group(1), match.group(2) or ""
    if fraction.strip("0"):
        raise ValueError(f"amount has a fraction of a rupiah: {value!r}")
    return int(whole)
