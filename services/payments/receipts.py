"""E-receipts (biên lai điện tử): one per paid order, numbered per agency and year without
gaps, issued exactly once however often the settlement message arrives.

The number is taken by a transaction that moves the agency's counter from the value read
to the next one and gives the order its receipt only if it has none: two consumers racing
for a number cannot both win it, and a redelivered message finds the receipt already there.
"""

from __future__ import annotations

import random
import time
from typing import Any

from services.core import clock
from services.core.dynamo import Conflict
from services.payments import receipt_book, storage

ATTEMPTS = 20


class ReceiptNotIssued(Exception):
    """Contention outlasted the attempts; the message is retried later."""


def receipt_number(agency_id: str, year: int, number: int) -> str:
    return f"{agency_id.upper()}/{year}/{number:07d}"


def issue_for(event: dict[str, Any]) -> str | None:
    """The order's receipt number, issuing it if needed; None if the order was not paid."""
    order_id = str(event.get("order_id", ""))
    for attempt in range(ATTEMPTS):
        order = storage.load_order(order_id)
        if order is None or order.paid_at is None:
            return None
        if order.receipt_no:
            return order.receipt_no
        year = clock.local_date(order.paid_at).year
        seen = receipt_book.last_receipt_number(order.agency_id, year)
        number = receipt_number(order.agency_id, year, seen + 1)
        try:
            receipt_book.issue_receipt(order, year, seen, number, clock.now())
        except Conflict:
            # Another consumer took the number, or this order's receipt: read again.
            time.sleep(random.uniform(0, 0.01) * (attempt + 1))  # noqa: S311 - jitter
            continue
        return number
    raise ReceiptNotIssued(order_id)
