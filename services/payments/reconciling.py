"""Reconciling a provider's daily statement against the orders: the I/O around the pure
rule book in :mod:`services.payments.reconciliation`.

The orders compared are every order the statement names and every order paid here on the
statement's days (GMT+7) with the same provider. Orders the bank says are paid while they
are still pending here are flagged for an operator and nothing else: reconciliation never
settles an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.core import clock, observability
from services.payments import domain, storage
from services.payments.domain import Order, Provider
from services.payments.reconciliation import (
    LineError,
    OrderFacts,
    Report,
    parse_statement,
    period_of,
    reconcile,
)

FLAG_BANK_PAID = "bank_reports_paid"
metrics = observability.metrics("payments")


@dataclass(frozen=True, slots=True)
class Reconciliation:
    report: Report
    line_errors: list[LineError]
    truncated: bool

    @property
    def clean(self) -> bool:
        return self.report.clean and not self.line_errors and not self.truncated


def _facts(order: Order) -> OrderFacts:
    return OrderFacts(
        order_id=order.order_id,
        status=order.status,
        amount_vnd=order.amount_vnd,
        bank_transaction_no=order.bank_transaction_no,
        paid_at=order.paid_at,
    )


MAX_DAYS = 3
"""A daily statement may straddle midnight; one that spans more days is not a statement."""


class StatementRefused(Exception):
    """Nothing was reconciled or flagged; the reason is for the operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _days(statement_day: date | None, lines_period: tuple[datetime, datetime] | None) -> list[date]:
    if lines_period is not None:
        try:
            first, last = (clock.local_date(moment) for moment in lines_period)
        except OverflowError:
            raise StatementRefused("a paid_at is out of range") from None
    elif statement_day is not None:
        first = last = statement_day
    else:
        raise StatementRefused("the statement has no payments: say which day it is for")
    if statement_day is not None:
        first, last = min(first, statement_day), max(last, statement_day)
    if (last - first).days + 1 > MAX_DAYS:
        raise StatementRefused(f"the statement spans more than {MAX_DAYS} days")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def reconcile_statement(
    text: str, provider: Provider, statement_day: date | None = None
) -> Reconciliation:
    """Compare the statement with the orders. Raises :class:`StatementRefused` before any
    flag is set when the statement is cut short or spans more than ``MAX_DAYS`` days.

    ``statement_day`` (GMT+7) is the day the provider says the statement covers: orders
    paid here that day are checked even when the statement lists none of them.
    """
    statement = parse_statement(text)
    if statement.truncated:
        raise StatementRefused("the statement has more lines than one statement may hold")
    days = _days(statement_day, period_of(statement.lines))
    named = [line.order_id for line in statement.lines if domain.is_order_id(line.order_id)]
    orders = {order.order_id: order for order in storage.load_orders(named)}
    for day in days:
        for order in storage.paid_on(day.isoformat()):
            if order.provider == provider:
                orders.setdefault(order.order_id, order)
    report = reconcile(statement.lines, [_facts(order) for order in orders.values()])
    for order_id in report.flagged_order_ids:
        storage.flag(order_id, FLAG_BANK_PAID)  # False: settled meanwhile, nothing to flag
    metrics.add_metric(name="ReconciliationsRun", unit="Count", value=1)
    if report.flagged_order_ids:
        metrics.add_metric(name="OrdersFlagged", unit="Count", value=len(report.flagged_order_ids))
    return Reconciliation(report, list(statement.errors), statement.truncated)
