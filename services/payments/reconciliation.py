"""Payment reconciliation (đối soát): the portal's orders against a provider's daily statement.

Why: a bank callback can be lost, forged, or arrive for an order the portal already gave up
on, so every day the provider's statement of settled payments is compared with what the
portal recorded. A citizen charged without their fee being recorded, or a fee recorded
without the money, must reach an operator. This module is the pure rule book for that
comparison: it reads text and plain facts and returns a report. It does no I/O, knows
nothing of AWS or HTTP, and never changes an order; settling anything it flags is an
operator's decision, taken elsewhere.

How: parse the statement, take the days it covers (``statement_days``, which refuses what
is not one day's statement), ask storage for the orders it names plus the orders paid on
those days, then reconcile and hand the report to the operator. ``service.py`` does the
asking and the flagging; this module only decides.

>>> from datetime import UTC, date, datetime, timedelta
>>> statement = parse_statement(
...     "order_id,bank_transaction_no,amount_vnd,paid_at\\n"
...     "PAY-1,14300001,50000,20240501083000\\n"
...     "PAY-2,14300002,30000,2024-05-01T09:00:00+07:00\\n"
...     "PAY-3,,10000,20240501090000\\n"
... )
>>> [(e.line, e.message) for e in statement.errors]
[(4, 'bank_transaction_no is empty')]
>>> period_of(statement.lines)
(datetime.datetime(2024, 5, 1, 1, 30, tzinfo=datetime.timezone.utc), \
datetime.datetime(2024, 5, 1, 2, 0, tzinfo=datetime.timezone.utc))
>>> orders = [
...     OrderFacts("PAY-1", "paid", 50000, "14300001", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
...     OrderFacts("PAY-2", "pending", 30000, None, None),
... ]
>>> report = reconcile(statement.lines, orders)
>>> report.clean, report.counts["matched"], report.flagged_order_ids
(False, 1, ('PAY-2',))

Decisions worth knowing:

- Each statement order lands in exactly one category. An amount mismatch wins over a
  transaction-number mismatch; a matched order has the same amount and the same
  ``bank_transaction_no``.
- A ``refunded`` order counts as paid: the refund is a later, separate movement, and the
  original payment still belongs on the statement of the day it was paid. So the caller's
  query for "orders paid within the period" should select by ``paid_at`` and include both
  ``paid`` and ``refunded`` orders; a refunded order absent from the statement is
  ``missing_at_bank`` like a paid one.
- A ``pending`` order on the statement is only flagged, whatever the amounts; its entry
  shows both so the operator can check before settling it.
- ``reconcile`` trusts the caller's selection of orders: every ``paid``/``refunded`` order it
  is given that the statement does not name is reported ``missing_at_bank``. Orders it is
  given that are ``pending``, ``failed`` or ``expired`` and not on the statement are ignored
  (no money on either side).
- The report does not know about parse errors: a statement with ``errors`` should not be
  treated as clean by the caller even when ``report.clean`` is true.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from services.core.clock import VIETNAM_TZ

MAX_STATEMENT_LINES = 200_000
"""Statement lines (records after the header) read at most; one error marks the rest."""

COLUMNS = ("order_id", "bank_transaction_no", "amount_vnd", "paid_at")
ORDER_STATUSES = frozenset({"pending", "paid", "failed", "expired", "refunded"})
PAID_STATUSES = frozenset({"paid", "refunded"})
CATEGORIES = (
    "matched",
    "transaction_no_mismatches",
    "missing_at_bank",
    "missing_here",
    "amount_mismatches",
    "pending_but_paid_at_bank",
)

_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIGITS = re.compile(r"[0-9]+")
_VNPAY_TIME = re.compile(r"[0-9]{14}")
_MAX_AMOUNT_DIGITS = 15
_MAX_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One payment on the provider's statement. ``paid_at`` is aware (UTC once parsed);
    ``line`` is its 1-based line number in the statement file, when it came from one."""

    order_id: str
    bank_transaction_no: str
    amount_vnd: int
    paid_at: datetime
    line: int | None = None

    def __post_init__(self) -> None:
        if self.paid_at.tzinfo is None:
            raise ValueError("StatementLine.paid_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Statement:
    lines: list[StatementLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    truncated: bool = False
    """True when the file had more than ``MAX_STATEMENT_LINES`` lines and the rest was not
    read; reconciling such a statement reports the unread payments as missing at the bank."""


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the portal recorded about one order, as far as reconciliation cares."""

    order_id: str
    status: str
    amount_vnd: int
    bank_transaction_no: str | None
    paid_at: datetime | None

    def __post_init__(self) -> None:
        if self.status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {self.status!r}")
        if self.paid_at is not None and self.paid_at.tzinfo is None:
            raise ValueError("OrderFacts.paid_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Entry:
    """One order in one category of the report: our facts and the statement's, side by side.

    ``status`` and our facts are None when the order is unknown here; the ``statement_``
    facts are None when the statement does not name the order."""

    order_id: str
    status: str | None
    amount_vnd: int | None
    bank_transaction_no: str | None
    paid_at: datetime | None
    statement_line: int | None
    statement_amount_vnd: int | None
    statement_bank_transaction_no: str | None
    statement_paid_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "status": self.status,
            "amount_vnd": self.amount_vnd,
            "bank_transaction_no": self.bank_transaction_no,
            "paid_at": _iso(self.paid_at),
            "statement_line": self.statement_line,
            "statement_amount_vnd": self.statement_amount_vnd,
            "statement_bank_transaction_no": self.statement_bank_transaction_no,
            "statement_paid_at": _iso(self.statement_paid_at),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a reconciliation; every category is sorted by ``order_id``."""

    matched: tuple[Entry, ...] = ()
    transaction_no_mismatches: tuple[Entry, ...] = ()
    missing_at_bank: tuple[Entry, ...] = ()
    missing_here: tuple[Entry, ...] = ()
    amount_mismatches: tuple[Entry, ...] = ()
    pending_but_paid_at_bank: tuple[Entry, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(self._category(name)) for name in CATEGORIES}

    @property
    def clean(self) -> bool:
        """True only when every order involved matched (vacuously true when none was)."""
        return all(not self._category(name) for name in CATEGORIES if name != "matched")

    @property
    def flagged_order_ids(self) -> tuple[str, ...]:
        """Orders paid at the bank but still pending here: for an operator to settle."""
        return tuple(entry.order_id for entry in self.pending_but_paid_at_bank)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "clean": self.clean,
            "counts": self.counts,
            "flagged_order_ids": list(self.flagged_order_ids),
        }
        for name in CATEGORIES:
            data[name] = [entry.to_dict() for entry in self._category(name)]
        return data

    def _category(self, name: str) -> tuple[Entry, ...]:
        entries: tuple[Entry, ...] = getattr(self, name)
        return entries


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A statement reconciled: the report, and what of the statement could not be read."""

    report: Report
    line_errors: list[LineError]
    truncated: bool

    @property
    def clean(self) -> bool:
        return self.report.clean and not self.line_errors and not self.truncated


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


# Parsing


class _Rejected(Exception):
    """A statement line that cannot be read; the message is safe to log."""


def _physical_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(io.StringIO(text, newline=""), start=1):
        yield number, raw.rstrip("\r\n")


def _fields(raw: str) -> list[str]:
    if '"' not in raw:  # what csv would make of it, faster
        return [value.strip() for value in raw.split(",")]
    try:
        rows = list(csv.reader([raw], strict=True))
    except csv.Error:
        raise _Rejected("malformed CSV") from None
    return [value.strip() for value in rows[0]] if rows else []


def _header_positions(raw: str) -> dict[str, int] | None:
    try:
        names = [name.lower() for name in _fields(raw)]
    except _Rejected:
        return None
    if sorted(names) != sorted(COLUMNS):
        return None
    return {name: names.index(name) for name in COLUMNS}


def _order_id(value: str) -> str:
    if not value:
        raise _Rejected("order_id is empty")
    if len(value) > _MAX_ID_LENGTH:
        raise _Rejected("order_id is longer than 64 characters")
    if not _ORDER_ID.fullmatch(value):
        raise _Rejected("order_id may hold only A-Z, a-z, 0-9, _ and -")
    return value


def _transaction_no(value: str) -> str:
    if not value:
        raise _Rejected("bank_transaction_no is empty")
    if len(value) > _MAX_ID_LENGTH:
        raise _Rejected("bank_transaction_no is longer than 64 characters")
    if not value.isprintable():
        raise _Rejected("bank_transaction_no has control characters")
    return value


def _amount(value: str) -> int:
    if not _DIGITS.fullmatch(value):
        raise _Rejected("amount_vnd must be a whole number of VND written with digits only")
    if len(value.lstrip("0")) > _MAX_AMOUNT_DIGITS:
        raise _Rejected("amount_vnd is too large")
    return int(value)


def _paid_at(value: str) -> datetime:
    try:
        if _VNPAY_TIME.fullmatch(value):
            year, month, day = int(value[:4]), int(value[4:6]), int(value[6:8])
            hour, minute, second = int(value[8:10]), int(value[10:12]), int(value[12:])
            moment = datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM_TZ)
        else:
            moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise _Rejected("paid_at has no UTC offset")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Rejected(
            "paid_at must be ISO 8601 with an offset, or yyyyMMddHHmmss (GMT+7)"
        ) from None


def _statement_line(number: int, raw: str, positions: dict[str, int]) -> StatementLine:
    values = _fields(raw)
    if len(values) != len(COLUMNS):
        raise _Rejected(f"expected {len(COLUMNS)} fields, found {len(values)}")
    return StatementLine(
        order_id=_order_id(values[positions["order_id"]]),
        bank_transaction_no=_transaction_no(values[positions["bank_transaction_no"]]),
        amount_vnd=_amount(values[positions["amount_vnd"]]),
        paid_at=_paid_at(values[positions["paid_at"]]),
        line=number,
    )


def parse_statement(text: str) -> Statement:
    """Read a provider's daily statement (CSV with the header
    ``order_id,bank_transaction_no,amount_vnd,paid_at``, columns in any order, names in any
    case). Bad lines are reported by their 1-based line number (the header is line 1) and
    skipped; the good ones are kept. Blank lines are ignored. A line repeating an earlier
    kept line's ``order_id`` or ``bank_transaction_no`` is an error. A missing or wrong
    header is one error at line 1 and no lines. Messages never repeat the line's content.
    """
    text = text.removeprefix("\ufeff")
    physical = _physical_lines(text)
    first = next(physical, None)
    positions = _header_positions(first[1]) if first is not None else None
    if positions is None:
        return Statement(errors=[LineError(1, "header must be " + ",".join(COLUMNS))])

    lines: list[StatementLine] = []
    errors: list[LineError] = []
    order_lines: dict[str, int] = {}
    transaction_lines: dict[str, int] = {}
    records = 0
    for number, raw in physical:
        if not raw.strip():
            continue
        records += 1
        if records > MAX_STATEMENT_LINES:
            message = f"statement longer than {MAX_STATEMENT_LINES} lines; the rest was not read"
            errors.append(LineError(number, message))
            return Statement(lines=lines, errors=errors, truncated=True)
        try:
            line = _statement_line(number, raw, positions)
            if line.order_id in order_lines:
                raise _Rejected(f"duplicate order_id, first on line {order_lines[line.order_id]}")
            if line.bank_transaction_no in transaction_lines:
                first_line = transaction_lines[line.bank_transaction_no]
                raise _Rejected(f"duplicate bank_transaction_no, first on line {first_line}")
        except _Rejected as rejected:
            errors.append(LineError(number, str(rejected)))
            continue
        order_lines[line.order_id] = number
        transaction_lines[line.bank_transaction_no] = number
        lines.append(line)
    return Statement(lines=lines, errors=errors)


def period_of(lines: Iterable[StatementLine]) -> tuple[datetime, datetime] | None:
    """The earliest and latest ``paid_at`` on the statement (both inclusive), None when it has
    no lines. A provider's day may run a little wider than its payments; widen it to the
    statement's calendar day if the provider's cut-off is known."""
    moments = [line.paid_at for line in lines]
    if not moments:
        return None
    return min(moments), max(moments)


MAX_DAYS = 3
"""A daily statement may straddle midnight; one that spans more days is not a statement."""


class StatementRefused(Exception):
    """The statement cannot be reconciled at all; the reason is for the operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def statement_days(statement: Statement, statement_day: date | None = None) -> list[date]:
    """The days (GMT+7) whose payments the statement is compared with: those of its
    payments, and ``statement_day``, the day the provider says it covers, when given.

    Raises :class:`StatementRefused` for a statement cut short, one with no payments and no
    day, and one spanning more than ``MAX_DAYS`` days.
    """
    if statement.truncated:
        raise StatementRefused("the statement has more lines than one statement may hold")
    lines_period = period_of(statement.lines)
    if lines_period is not None:
        try:
            first, last = (moment.astimezone(VIETNAM_TZ).date() for moment in lines_period)
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


# Matching


def _entry(order: OrderFacts | None, line: StatementLine | None, order_id: str) -> Entry:
    return Entry(
        order_id=order_id,
        status=order.status if order else None,
        amount_vnd=order.amount_vnd if order else None,
        bank_transaction_no=order.bank_transaction_no if order else None,
        paid_at=order.paid_at if order else None,
        statement_line=line.line if line else None,
        statement_amount_vnd=line.amount_vnd if line else None,
        statement_bank_transaction_no=line.bank_transaction_no if line else None,
        statement_paid_at=line.paid_at if line else None,
    )


def _category(order: OrderFacts | None, line: StatementLine) -> str:
    if order is None or order.status in ("failed", "expired"):
        return "missing_here"
    if order.status == "pending":
        return "pending_but_paid_at_bank"
    if order.amount_vnd != line.amount_vnd:
        return "amount_mismatches"
    if order.bank_transaction_no != line.bank_transaction_no:
        return "transaction_no_mismatches"
    return "matched"


class _HasOrderId(Protocol):
    @property
    def order_id(self) -> str: ...


_Item = TypeVar("_Item", bound=_HasOrderId)


def _unique(items: Iterable[_Item], what: str) -> dict[str, _Item]:
    by_id: dict[str, _Item] = {}
    for item in items:
        if item.order_id in by_id:
            raise ValueError(f"{what} name order {item.order_id!r} twice")
        by_id[item.order_id] = item
    return by_id


def reconcile(statement_lines: Iterable[StatementLine], orders: Iterable[OrderFacts]) -> Report:
    """Compare the statement with the portal's orders and say what differs. Only reports:
    nothing is settled, no order is changed.

    ``orders`` must hold every order the statement names (those it lacks are reported
    ``missing_here``) and every order paid here within the statement's period, ``paid`` or
    ``refunded`` (those the statement lacks are reported ``missing_at_bank``). Raises
    ValueError when either input names an order twice.
    """
    by_line = _unique(statement_lines, "statement lines")
    by_order = _unique(orders, "orders")
    categories: dict[str, list[Entry]] = {name: [] for name in CATEGORIES}
    for order_id, line in by_line.items():
        order = by_order.get(order_id)
        categories[_category(order, line)].append(_entry(order, line, order_id))
    for order_id, order in by_order.items():
        if order_id not in by_line and order.status in PAID_STATUSES:
            categories["missing_at_bank"].append(_entry(order, None, order_id))
    return Report(
        **{
            name: tuple(sorted(entries, key=lambda entry: entry.order_id))
            for name, entries in categories.items()
        }
    )
