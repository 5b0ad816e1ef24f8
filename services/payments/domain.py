"""Fee orders and what a provider's notification may do to them. No I/O.

An order is ``pending`` until exactly one notification settles it (``paid`` or ``failed``)
or its time runs out (``expired``); a paid order may later be ``refunded``. A settled order
never moves again on a notification: a late or repeated notice is answered and kept, never
applied.
"""

from __future__ import annotations

import base64
import hashlib
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


def receipt_sequence(receipt_no: str) -> int:
    """The number in its agency's and year's book that ``receipt_no`` carries.

    >>> receipt_sequence("000.00.00.H26/2026/0000042")
    42
    """
    return int(receipt_no.rsplit("/", 1)[1])


RECEIPT_FORM = "01BLP0-001"
"""Ký hiệu mẫu biên lai (Circular 78/2021/TT-BTC, Article 6): ``01`` a fee receipt with no
printed face value, ``BLP`` biên lai phí, lệ phí, ``0`` electronic (no copies), ``001``
the portal's first form."""
RECEIPT_SERIES = "DV"
"""The two letters the collecting organisation chooses for its receipts' serial symbol."""


def receipt_serial(year: int) -> str:
    """Ký hiệu biên lai: the organisation's two letters, the year's last two digits and
    ``E`` for an electronic receipt.

    >>> receipt_serial(2026)
    'DV-26E'
    """
    return f"{RECEIPT_SERIES}-{year % 100:02d}E"


def payer_reference(owner: str) -> str:
    """Who paid, on the receipt, as a reference that is the same on all of one citizen's
    receipts and reveals nothing of them: derived from the order's owner pseudonym (itself a
    keyed digest of the citizen's identifier, never the identifier).

    >>> payer_reference("owner-pseudonym")
    'NNT-HAUTA-YRDH7'
    """
    digest = base64.b32encode(hashlib.sha256(f"payer:{owner}".encode()).digest()).decode()
    return f"NNT-{digest[:5]}-{digest[5:10]}"


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee the order charges, as the procedure published it when the order was made."""

    name: str
    amount_vnd: int


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
    procedure_name: str = ""
    fees: tuple[FeeLine, ...] = ()

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


BankVerdict = Literal["paid", "cancelled", "failed"]
"""What the bank's signed fields say happened: paid, cancelled by the payer (VNPAY's
response code 24, MoMo's 1006), or failed at the bank for any other reason."""

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


# -- the citizen back from the bank ----------------------------------------------------------
ReturnOutcome = Literal[
    "paid", "confirming", "cancelled", "failed", "expired", "refunded", "unknown", "unverified"
]
"""What the return page tells the citizen:

- ``paid``: the order is paid (its receipt number shown once issued);
- ``confirming``: the bank says paid, its notification has not reached the portal yet;
- ``cancelled``: the citizen cancelled at the bank; ``failed``: the bank refused or failed;
- ``expired``: the order's time ran out first; ``refunded``: paid, then refunded;
- ``unknown``: signed by the bank, but no such order here;
- ``unverified``: the signature does not hold: nothing the link says is shown or used.
"""

PAYABLE_AGAIN: frozenset[ReturnOutcome] = frozenset({"cancelled", "failed", "expired"})


def return_outcome(order: Order | None, verdict: BankVerdict | None) -> ReturnOutcome:
    """The outcome of a return whose signature holds (``verdict`` is what the signed fields
    say), from the order as the portal has it: the order decides, the bank's word on the
    return only tells a cancel from a failure, or says a payment is on its way."""
    if order is None or verdict is None:
        return "unknown"
    if order.status == "paid":
        return "paid"
    if order.status == "refunded":
        return "refunded"
    if order.status == "expired":
        return "expired"
    if order.status == "pending" and verdict == "paid":
        return "confirming"
    return "cancelled" if verdict == "cancelled" else "failed"


@dataclass(frozen=True, slots=True)
class Returned:
    """The citizen's browser back from the bank, as the portal reads it. ``order`` is
    None unless the signature holds: an unverified link shows nothing it says."""

    order_id: str | None
    signature_valid: bool
    order: Order | None
    outcome: ReturnOutcome
    procedure_name: str = ""
    query: str = ""  # the signed query, to look again or pay again with; "" if unverified

    @property
    def payable_again(self) -> bool:
        return self.outcome in PAYABLE_AGAIN


@dataclass(frozen=True, slots=True)
class Receipt:
    """An e-receipt (biên lai điện tử) as Decree 11/2020/NĐ-CP and Circular 78/2021/TT-BTC
    name its content: form and serial symbols, number, the collecting agency, the fees and
    their total, the payer, the time; with the order it settles."""

    receipt_no: str
    form: str
    serial: str
    number: str
    order_id: str
    agency_id: str
    agency_name: str
    procedure_code: str
    procedure_name: str
    dossier_code: str
    fees: tuple[FeeLine, ...]
    total_vnd: int
    payer_reference: str
    paid_at: datetime
    issued_at: datetime
    provider: Provider
    bank_transaction_no: str | None
    refunded_at: datetime | None = None
