"""The settlement rule as one table of cases, for both of its forms.

``domain.decide`` says what a provider's notice does to an order; ``storage.settle_on_notice``
applies it in one conditional write whose condition (``_SETTLEABLE``) must accept exactly
the notices decide answers ``00``. ``test_decide.py`` checks decide against this table,
without moto; ``tests/payments/test_settlement_condition.py`` checks the condition against
the same table on moto. A rule changed in one form and not the other fails one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.payments.domain import Provider, Status, Transition

CREATED = datetime(2026, 5, 1, 1, 30, tzinfo=UTC)  # 08:30 in Hà Nội
EXPIRES = CREATED + timedelta(minutes=15)
IN_TIME = EXPIRES - timedelta(minutes=1)
AMOUNT = 150_000


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    status: Status | None  # the order's; None: there is no such order
    code: str  # what decide answers the provider
    transition: Transition | None  # what decide says happens to the order
    settles: bool  # whether the conditional write takes the notice
    order_provider: Provider = "vnpay"
    order_amount: int = AMOUNT
    notice_provider: Provider = "vnpay"
    notice_amount: int = AMOUNT
    succeeded: bool = True
    at: datetime = IN_TIME  # when the bank says it took the money


CASES = (
    Case("paid in time", "pending", "00", "paid", True),
    Case("failed in time", "pending", "00", "failed", True, succeeded=False),
    Case("a microsecond before expiry", "pending", "00", "paid", True,
         at=EXPIRES - timedelta(microseconds=1)),
    Case("exactly at expiry", "pending", "02", "expired", False, at=EXPIRES),
    Case("after expiry", "pending", "02", "expired", False, at=EXPIRES + timedelta(minutes=1)),
    Case("failed after expiry", "pending", "02", "expired", False, succeeded=False,
         at=EXPIRES + timedelta(seconds=1)),
    Case("no such order", None, "01", None, False),
    Case("another provider's order", "pending", "01", None, False, order_provider="momo"),
    Case("another provider's order, another amount", "pending", "01", None, False,
         order_provider="momo", notice_amount=AMOUNT - 1),
    Case("another amount", "pending", "04", None, False, notice_amount=AMOUNT - 1_000),
    Case("more than the amount", "pending", "04", None, False, notice_amount=AMOUNT + 1),
    Case("another amount for a paid order", "paid", "04", None, False, notice_amount=1),
    Case("already paid", "paid", "02", None, False),
    Case("already failed", "failed", "02", None, False),
    Case("already expired", "expired", "02", None, False),
    Case("already refunded", "refunded", "02", None, False),
    Case("already paid, notified after expiry", "paid", "02", None, False,
         at=EXPIRES + timedelta(minutes=1)),
    Case("momo, paid in time", "pending", "00", "paid", True, order_provider="momo",
         notice_provider="momo"),
)  # fmt: skip
