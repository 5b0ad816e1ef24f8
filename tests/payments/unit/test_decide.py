"""What a provider's notice does to an order: every answer of domain.decide, pure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.payments import domain
from services.payments.domain import Decision, Notice, Order
from tests.payments.unit.settlement_cases import CASES, CREATED, EXPIRES, IN_TIME, Case

ORDER_ID = "0123456789ABCDEFGHJK"


def order_of(case: Case) -> Order | None:
    if case.status is None:
        return None
    return Order(
        order_id=ORDER_ID,
        procedure_code="1.002804",
        dossier_code="HS-0001",
        provider=case.order_provider,
        amount_vnd=case.order_amount,
        agency_id="bo-cong-an",
        owner="owner-pseudonym",
        status=case.status,
        created_at=CREATED,
        expires_at=EXPIRES,
    )


def notice_of(case: Case, *, transaction_no: str | None = "14000001") -> Notice:
    return Notice(
        provider=case.notice_provider,
        order_id=ORDER_ID,
        amount_vnd=case.notice_amount,
        succeeded=case.succeeded,
        transaction_no=transaction_no,
        paid_at=case.at,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_decide_answers_each_case_of_the_table(case: Case) -> None:
    decision = domain.decide(order_of(case), notice_of(case), case.at)
    assert (decision.code, decision.transition) == (case.code, case.transition)
    # The table's other column, for the storage condition: a notice settles iff it is 00.
    assert case.settles is (case.code == "00")


def test_the_answers_carry_vnpays_messages() -> None:
    pending = CASES[0]
    assert domain.decide(order_of(pending), notice_of(pending), IN_TIME) == Decision(
        "00", "Confirm Success", "paid"
    )
    assert domain.decide(None, notice_of(pending), IN_TIME) == Decision("01", "Order not found")
    assert domain.answer("02") == Decision("02", "Order already confirmed")
    assert domain.answer("04") == Decision("04", "Invalid amount")
    assert domain.answer("97") == Decision("97", "Invalid signature")
    assert domain.answer("99") == Decision("99", "Unknown error")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_paid_without_a_transaction_is_99_whatever_the_order(case: Case) -> None:
    notice = notice_of(case, transaction_no=None)
    decision = domain.decide(order_of(case), notice, case.at)
    if case.succeeded:
        assert decision == Decision("99", "Unknown error")
    else:
        # A failed payment has no transaction to keep: it is judged like any other.
        assert (decision.code, decision.transition) == (case.code, case.transition)


def test_an_amount_the_provider_sent_unreadable_is_an_invalid_amount() -> None:
    pending = CASES[0]
    unreadable = Notice("vnpay", ORDER_ID, None, True, "14000001", IN_TIME)
    assert domain.decide(order_of(pending), unreadable, IN_TIME).code == "04"
    assert domain.decide(None, unreadable, IN_TIME).code == "01"  # the order comes first


def test_an_order_is_overdue_from_the_moment_its_time_runs_out() -> None:
    order = order_of(CASES[0])
    assert order is not None
    assert not order.is_overdue(EXPIRES - timedelta(microseconds=1))
    assert order.is_overdue(EXPIRES)
    paid = Order(**{**{name: getattr(order, name) for name in order.__slots__}, "status": "paid"})
    assert not paid.is_overdue(EXPIRES + timedelta(days=1))  # only a pending order expires


def test_order_ids_are_twenty_crockford_characters() -> None:
    assert domain.is_order_id("0123456789ABCDEFGHJK")
    assert not domain.is_order_id("0123456789ABCDEFGHJ")  # 19
    assert not domain.is_order_id("0123456789ABCDEFGHJI")  # I is not Crockford's
    assert not domain.is_order_id("0123456789abcdefghjk")  # upper case only
    assert domain.is_order_id(domain.new_order_id())


def test_receipt_numbers_are_per_agency_and_year_with_seven_digits() -> None:
    assert domain.receipt_number("bo-cong-an", 2026, 42) == "BO-CONG-AN/2026/0000042"
    assert domain.receipt_number("ubnd-ha-noi", 2030, 1_234_567) == "UBND-HA-NOI/2030/1234567"


def test_a_refund_keeps_the_order_and_records_why_and_when() -> None:
    order = order_of(CASES[0])
    assert order is not None
    at = EXPIRES + timedelta(days=3)
    refunded = order.refunded("Nộp trùng lệ phí", at)
    assert (refunded.status, refunded.refund_reason, refunded.refunded_at) == (
        "refunded",
        "Nộp trùng lệ phí",
        at,
    )
    assert (refunded.order_id, refunded.amount_vnd, refunded.owner) == (
        ORDER_ID,
        order.amount_vnd,
        "owner-pseudonym",
    )
    assert order.status == "pending"  # the order itself is not changed
