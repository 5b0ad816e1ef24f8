"""Reconciling a provider's daily statement against the orders: the I/O around the pure
rule book in :mod:`services.payments.reconciliation`.

The orders compared are every order the statement names and every order paid here on the
statement's days (GMT+7) with the same provider. Orders the bank says are paid while they
are still pending here are flagged for an operator and nothing else: reconciliation never
settles an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.core import observability
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
from services.payments.vnpay import GMT7

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


def reconcile_statement(text: str, provider: Provider) -> Reconciliation:
    statement = parse_statement(text)
    named = [line.order_id for line in statement.lines if domain.is_order_id(line.order_id)]
    orders = {order.order_id: order for order in storage.load_orders(named)}
    period = period_of(statement.lines)
    if period is not None:
        day, last = (moment.astimezone(GMT7).date() for moment in period)
        while day <= last:
            for order in storage.paid_on(day.isoformat()):
                if order.provider == provider:
                    orders.setdefault(order.order_id, order)
            day += timedelta(days=1)
    report = reconcile(statement.lines, [_facts(order) for order in orders.values()])
    for order_id in report.flagged_order_ids:
        storage.flag(order_id, FLAG_BANK_PAID)  # False: settled meanwhile, nothing to flag
    metrics.add_metric(name="ReconciliationsRun", unit="Count", value=1)
    if report.flagged_order_ids:
        metrics.add_metric(name="OrdersFlagged", unit="Count", value=len(report.flagged_order_ids))
    return Reconciliation(report, list(statement.errors), statement.truncated)
