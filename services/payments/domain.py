"""Fee orders and what a provider's notification may do to them. No I/O.

An order is ``pending`` until exactly one notification settles it (``paid`` or ``failed``)
or its time runs out (``expired``); a paid order may later be ``refunded``. A settled order
never moves again on a notification: a late or repeated notice is answered and kept, never
applied.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

Status = Literal["pending", "paid", "failed", "expired", "refunded"]
Provider = Literal["vnpay", "momo"]
ORDER_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
ORDER_ID_LENGTH = 20


def new_order_id() -> str:
    """Unguessable (100 bits), upper case and digits only: VNPAY's ``vnp_TxnRef`` takes
    nothing else, and a citizen may have to read it out on the phone."""
    return "".join(secrets.choice(ORDER_ID_ALPHABET) for _ in range(ORDER_ID_LENGTH))


def is_order_id(text: str) -> bool:
    return len(text) == ORDER_ID_LENGTH and all(c in ORDER_ID_ALPHABET for c in text)


def receipt_number(agency_id: str, year: int, number: int) -> str:
    """An e-receipt's number: per agency and year of payment (GMT+7), without gaps."""
    return f"{agency_id.upper()}/{year}/{number:07d}"


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    procedure_code: str
    dossier_code: str
    provider: Provider
    amount_vnd: int
    agency_id: str
    owner: str
    status: Status
    created_at: datetime
    expires_at: datetime
    pay_url: str = ""
    paid_at: datetime | None = None
    settled_at: datetime | None = None
    bank_transaction_no: str | None = None
    receipt_no: str | None = None
    refunded_at: datetime | None = None
    refund_reason: str | None = None
    flagged: str | None = None

    def is_overdue(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.expires_at

    def refunded(self, reason: str, now: datetime) -> Order:
        return replace(self, status="refunded", refund_reason=reason, refunded_at=now)


@dataclass(frozen=True, slots=True)
class Notice:
    """A provider's notification, in the portal's terms."""

    provider: Provider
    order_id: str
    amount_vnd: int | None
    succeeded: bool
    transaction_no: str | None
    paid_at: datetime | None

    @property
    def paid_without_transaction(self) -> bool:
        """Paid, says the provider, but without its transaction: such a notice can neither
        pay an order (there is nothing to refund or reconcile) nor fail it (the citizen may
        well have paid)."""
        return self.succeeded and not self.transaction_no


Transition = Literal["paid", "failed", "expired"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What to answer the provider and what, if anything, to apply."""

    code: str
    message: str
    transition: Transition | None = None


# VNPAY's answers, also used as the portal's own outcome names for every provider.
CONFIRMED = "00"
ORDER_NOT_FOUND = "01"
ALREADY_CONFIRMED = "02"
INVALID_AMOUNT = "04"
INVALID_SIGNATURE = "97"
OTHER = "99"
MESSAGES = {
    CONFIRMED: "Confirm Success",
    ORDER_NOT_FOUND: "Order not found",
    ALREADY_CONFIRMED: "Order already confirmed",
    INVALID_AMOUNT: "Invalid amount",
    INVALID_SIGNATURE: "Invalid signature",
    OTHER: "Unknown error",
}


def answer(code: str, transition: Transition | None = None) -> Decision:
    return Decision(code, MESSAGES[code], transition)


def decide(order: Order | None, notice: Notice, now: datetime) -> Decision:
    """The provider's checks, in its order, once the signature is known to be good:
    the order, the amount, the order's state.

    ``storage.settle_on_notice`` applies a notice under a condition that is the same rule
    (an order that decide answers ``00`` is exactly one that condition accepts):
    ``tests/payments/unit/settlement_cases.py`` holds both to one table of cases."""
    if notice.paid_without_transaction:
        return answer(OTHER)
    if order is None or order.provider != notice.provider:
        return answer(ORDER_NOT_FOUND)
    if notice.amount_vnd != order.amount_vnd:
        return answer(INVALID_AMOUNT)
    if order.status != "pending":
        return answer(ALREADY_CONFIRMED)
    if order.is_overdue(now):
        # Too late: the order expires now; the bank's money, if any, surfaces in
        # reconciliation as paid at the bank but not here, for an operator to refund.
        return answer(ALREADY_CONFIRMED, "expired")
    return answer(CONFIRMED, "paid" if notice.succeeded else "failed")
