"""What the return page tells the citizen, pure: the order as the portal holds it decides;
the bank's signed word only tells a cancel from a failure, or says a payment is coming."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.payments import domain
from services.payments.domain import Order

MOMENT = datetime(2026, 5, 1, 1, 30, tzinfo=UTC)


def _order(status: domain.Status) -> Order:
    return Order(
        order_id="0123456789ABCDEFGHJK",
        procedure_code="1.002804",
        dossier_code="HS-0001",
        provider="vnpay",
        amount_vnd=150_000,
        agency_id="bo-cong-an",
        owner="owner-pseudonym",
        status=status,
        created_at=MOMENT,
        expires_at=MOMENT,
    )


@pytest.mark.parametrize(
    ("status", "verdict", "outcome", "payable_again"),
    [
        ("paid", "paid", "paid", False),
        ("paid", "cancelled", "paid", False),  # the order says paid: it is
        ("pending", "paid", "confirming", False),  # the notification is on its way
        ("pending", "cancelled", "cancelled", True),
        ("pending", "failed", "failed", True),
        ("failed", "cancelled", "cancelled", True),
        ("failed", "failed", "failed", True),
        ("failed", "paid", "failed", True),  # the notification said otherwise, and it rules
        ("expired", "paid", "expired", True),
        ("refunded", "paid", "refunded", False),
    ],
)
def test_the_outcome_of_a_signed_return(
    status: domain.Status,
    verdict: domain.BankVerdict,
    outcome: domain.ReturnOutcome,
    payable_again: bool,
) -> None:
    assert domain.return_outcome(_order(status), verdict) == outcome
    returned = domain.Returned("0123456789ABCDEFGHJK", True, _order(status), outcome)
    assert returned.payable_again is payable_again


def test_a_signed_return_without_an_order_or_a_verdict_is_unknown() -> None:
    assert domain.return_outcome(None, "paid") == "unknown"
    assert domain.return_outcome(_order("pending"), None) == "unknown"


def test_the_receipts_symbols() -> None:
    assert domain.RECEIPT_FORM == "01BLP0-001"
    assert domain.receipt_serial(2026) == "DV-26E"
    assert domain.receipt_serial(2030) == "DV-30E"
    assert domain.receipt_sequence("000.00.00.H26/2026/0000042") == 42
