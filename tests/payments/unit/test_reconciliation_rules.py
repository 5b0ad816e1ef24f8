"""Reconciliation as an operator meets it: a bank's statement in, a report out."""

from __future__ import annotations

import doctest
import json
import random
from datetime import UTC, date, datetime

import pytest

from services.payments import reconciliation
from services.payments.reconciliation import (
    LineError,
    OrderFacts,
    StatementLine,
    parse_statement,
    period_of,
    reconcile,
)

HEADER = "order_id,bank_transaction_no,amount_vnd,paid_at"
MAY_1 = datetime(2024, 5, 1, 1, 30, tzinfo=UTC)  # 08:30 in Hà Nội


def statement(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def paid(order_id: str, amount: int, txn: str, at: datetime = MAY_1) -> OrderFacts:
    return OrderFacts(order_id, "paid", amount, txn, at)


def ids(entries: tuple[reconciliation.Entry, ...]) -> list[str]:
    return [entry.order_id for entry in entries]


# Parsing


def test_both_date_formats_are_read_as_utc() -> None:
    parsed = parse_statement(
        statement(
            "VNP-1,T1,50000,20240501083000",
            "ISO-1,T2,50000,2024-05-01T09:00:00+07:00",
            "ISO-2,T3,50000,2024-05-01T02:15:00Z",
            "ISO-3,T4,50000,2024-04-30T20:00:00-05:00",
        )
    )
    assert parsed.errors == []
    assert {line.order_id: line.paid_at for line in parsed.lines} == {
        "VNP-1": datetime(2024, 5, 1, 1, 30, tzinfo=UTC),
        "ISO-1": datetime(2024, 5, 1, 2, 0, tzinfo=UTC),
        "ISO-2": datetime(2024, 5, 1, 2, 15, tzinfo=UTC),
        "ISO-3": datetime(2024, 5, 1, 1, 0, tzinfo=UTC),
    }
    assert all(line.paid_at.utcoffset() == UTC.utcoffset(None) for line in parsed.lines)


def test_a_bom_a_loose_header_and_reordered_columns_are_accepted() -> None:
    text = (
        "\ufeff Paid_At , AMOUNT_VND,order_id ,Bank_Transaction_No\r\n"
        "20240501083000,75000,A-1,T9\r\n"
    )
    parsed = parse_statement(text)
    assert parsed.errors == []
    assert parsed.lines == [
        StatementLine("A-1", "T9", 75000, datetime(2024, 5, 1, 1, 30, tzinfo=UTC), line=2)
    ]


def test_quoted_fields_are_read_as_csv() -> None:
    parsed = parse_statement(statement('"A-1","FT 24,001",75000,"20240501083000"'))
    assert parsed.errors == []
    assert parsed.lines[0].bank_transaction_no == "FT 24,001"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",T1,1000,20240501083000", "order_id is empty"),
        ("A" * 65 + ",T1,1000,20240501083000", "order_id is longer than 64 characters"),
        ("đơn-1,T1,1000,20240501083000", "order_id may hold only"),
        ("A 1,T1,1000,20240501083000", "order_id may hold only"),
        ("A-1,,1000,20240501083000", "bank_transaction_no is empty"),
        ("A-1," + "9" * 65 + ",1000,20240501083000", "bank_transaction_no is longer than 64"),
        ("A-1,T1,1000.5,20240501083000", "amount_vnd must be a whole number"),
        ("A-1,T1,-1000,20240501083000", "amount_vnd must be a whole number"),
        ('A-1,T1,"1,000",20240501083000', "amount_vnd must be a whole number"),
        ("A-1,T1,1.000,20240501083000", "amount_vnd must be a whole number"),
        ("A-1,T1,1_000,20240501083000", "amount_vnd must be a whole number"),
        ("A-1,T1,,20240501083000", "amount_vnd must be a whole number"),
        ("A-1,T1," + "9" * 16 + ",20240501083000", "amount_vnd is too large"),
        ("A-1,T1,1000,2024-05-01T08:30:00", "paid_at has no UTC offset"),
        ("A-1,T1,1000,20241301083000", "paid_at must be ISO 8601"),
        ("A-1,T1,1000,01/05/2024 08:30", "paid_at must be ISO 8601"),
        ("A-1,T1,1000", "expected 4 fields, found 3"),
        ("A-1,T1,1000,20240501083000,extra", "expected 4 fields, found 5"),
        ('A-1,"T1,1000,20240501083000', "malformed CSV"),
    ],
)
def test_a_bad_line_is_reported_and_skipped(row: str, message: str) -> None:
    parsed = parse_statement(statement(row))
    assert parsed.lines == []
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line == 2
    assert parsed.errors[0].message.startswith(message)


def test_zero_is_an_amount() -> None:
    parsed = parse_statement(statement("A-1,T1,0,20240501083000"))
    assert parsed.errors == []
    assert parsed.lines[0].amount_vnd == 0


def test_errors_carry_file_line_numbers_and_good_lines_are_kept() -> None:
    parsed = parse_statement(
        statement(
            "A-1,T1,1000,20240501083000",  # line 2
            "A-2,T2,abc,20240501083000",  # line 3
            "",  # line 4: blank, ignored but counted
            "A-3,T3,3000,20240501083000",  # line 5
            "A-4,T4,4000,yesterday",  # line 6
            "   ",  # line 7: blank too
            "A-5,T5,5000,20240501083000",  # line 8
        )
    )
    assert [(error.line, error.message.split(" ")[0]) for error in parsed.errors] == [
        (3, "amount_vnd"),
        (6, "paid_at"),
    ]
    assert [(line.order_id, line.line) for line in parsed.lines] == [
        ("A-1", 2),
        ("A-3", 5),
        ("A-5", 8),
    ]


def test_messages_never_repeat_the_line() -> None:
    secret = "Nguyen Van A 0912345678"
    parsed = parse_statement(
        statement(
            f"{secret},T1,1000,20240501083000",
            f"A-1,{secret * 4},1000,20240501083000",
            f"A-2,T2,{secret},20240501083000",
            f"A-3,T3,1000,{secret}",
            f"A-4,T4,1000,20240501083000,{secret}",
        )
    )
    assert len(parsed.errors) == 5
    assert not any("0912345678" in error.message for error in parsed.errors)


def test_a_repeated_order_or_transaction_is_an_error_on_the_later_line() -> None:
    parsed = parse_statement(
        statement(
            "A-1,T1,1000,20240501083000",
            "A-2,T2,2000,20240501083000",
            "A-1,T3,1000,20240501090000",
            "A-3,T2,3000,20240501090000",
        )
    )
    assert parsed.errors == [
        LineError(4, "duplicate order_id, first on line 2"),
        LineError(5, "duplicate bank_transaction_no, first on line 3"),
    ]
    assert [(line.order_id, line.bank_transaction_no) for line in parsed.lines] == [
        ("A-1", "T1"),
        ("A-2", "T2"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\ufeff",
        "\nA-1,T1,1000,20240501083000\n",
        "A-1,T1,1000,20240501083000\n",
        statement("A-1,T1,1000,20240501083000", header="order_id,amount_vnd,paid_at"),
        statement("A-1,T1,1000,20240501083000,x", header=HEADER + ",note"),
        statement("A-1,T1,1000,20240501083000", header="order_id,order_id,amount_vnd,paid_at"),
        statement(
            "A-1,T1,1000,20240501083000", header="order_id;bank_transaction_no;amount_vnd;paid_at"
        ),
    ],
)
def test_a_missing_or_wrong_header_is_one_error_and_no_lines(text: str) -> None:
    parsed = parse_statement(text)
    assert parsed.lines == []
    assert [error.line for error in parsed.errors] == [1]
    assert "header" in parsed.errors[0].message


def test_an_empty_statement_is_valid_and_reconciles_clean() -> None:
    parsed = parse_statement(HEADER + "\n")
    assert parsed.lines == [] and parsed.errors == []
    assert period_of(parsed.lines) is None
    report = reconcile(parsed.lines, [])
    assert report.clean
    assert set(report.counts.values()) == {0}


def test_an_empty_statement_leaves_every_paid_order_missing_at_bank() -> None:
    report = reconcile(parse_statement(HEADER).lines, [paid("A-1", 1000, "T1")])
    assert not report.clean
    assert ids(report.missing_at_bank) == ["A-1"]


def test_a_statement_stops_after_200000_lines() -> None:
    rows = [f"P{n},T{n},1000,20240501083000" for n in range(200_001)]
    parsed = parse_statement(statement(*rows))
    assert len(parsed.lines) == 200_000
    assert parsed.truncated
    assert [error.line for error in parsed.errors] == [200_002]
    assert parsed.lines[-1].order_id == "P199999"


def test_a_statement_of_exactly_200000_lines_is_whole() -> None:
    rows = [f"P{n},T{n},1000,20240501083000" for n in range(200_000)]
    parsed = parse_statement(statement(*rows))
    assert len(parsed.lines) == 200_000
    assert parsed.errors == [] and not parsed.truncated


# The same limit, made small so that mutation testing (which leaves the 200,000-line tests
# out as slow) still holds the cut to its line.
def test_a_statement_stops_after_its_limit_with_blank_lines_not_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reconciliation, "MAX_STATEMENT_LINES", 3)
    rows = ["P1,T1,1000,20240501083000", "", "P2,T2,1000,20240501083000"]
    rows += ["P3,T3,1000,20240501083000", "P4,T4,1000,20240501083000"]
    parsed = parse_statement(statement(*rows, "P5,T5,1000,20240501083000"))

    assert [line.order_id for line in parsed.lines] == ["P1", "P2", "P3"]
    assert parsed.truncated
    assert parsed.errors == [
        LineError(6, "statement longer than 3 lines; the rest was not read"),
    ]


def test_a_statement_of_exactly_its_limit_is_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconciliation, "MAX_STATEMENT_LINES", 3)
    rows = ["P1,T1,1000,20240501083000", "P2,T2,1000,20240501083000"]
    parsed = parse_statement(statement(*rows, "P3,T3,1000,20240501083000", ""))

    assert [line.order_id for line in parsed.lines] == ["P1", "P2", "P3"]
    assert parsed.errors == [] and not parsed.truncated


def test_period_of_spans_the_earliest_and_latest_payment() -> None:
    parsed = parse_statement(
        statement(
            "A-1,T1,1000,2024-05-01T23:59:00+07:00",
            "A-2,T2,1000,20240501000100",
            "A-3,T3,1000,2024-04-30T17:30:00Z",
        )
    )
    assert period_of(parsed.lines) == (
        datetime(2024, 4, 30, 17, 1, tzinfo=UTC),
        datetime(2024, 5, 1, 16, 59, tzinfo=UTC),
    )


# Matching


def test_every_category_is_reported_with_its_facts() -> None:
    parsed = parse_statement(
        statement(
            "OK-1,T1,50000,20240501083000",
            "TXN-1,T2,50000,20240501083000",
            "TXN-2,T3,50000,20240501083000",
            "UNKNOWN-1,T4,20000,20240501083000",
            "FAILED-1,T5,30000,20240501083000",
            "EXPIRED-1,T6,30000,20240501083000",
            "AMOUNT-1,T7,49000,20240501083000",
            "PENDING-1,T8,10000,20240501083000",
        )
    )
    orders = [
        paid("OK-1", 50000, "T1"),
        paid("TXN-1", 50000, "OTHER"),
        OrderFacts("TXN-2", "paid", 50000, None, MAY_1),
        OrderFacts("FAILED-1", "failed", 30000, None, None),
        OrderFacts("EXPIRED-1", "expired", 30000, None, None),
        paid("AMOUNT-1", 50000, "T7"),
        OrderFacts("PENDING-1", "pending", 10000, None, None),
        paid("NOBANK-1", 40000, "T99"),
    ]
    report = reconcile(parsed.lines, orders)

    assert ids(report.matched) == ["OK-1"]
    assert ids(report.transaction_no_mismatches) == ["TXN-1", "TXN-2"]
    assert [
        (e.bank_transaction_no, e.statement_bank_transaction_no)
        for e in report.transaction_no_mismatches
    ] == [("OTHER", "T2"), (None, "T3")]
    assert ids(report.missing_at_bank) == ["NOBANK-1"]
    assert report.missing_at_bank[0].statement_amount_vnd is None
    assert report.missing_at_bank[0].amount_vnd == 40000
    assert [(e.order_id, e.status) for e in report.missing_here] == [
        ("EXPIRED-1", "expired"),
        ("FAILED-1", "failed"),
        ("UNKNOWN-1", None),
    ]
    assert report.missing_here[2].statement_amount_vnd == 20000
    assert [
        (e.order_id, e.amount_vnd, e.statement_amount_vnd) for e in report.amount_mismatches
    ] == [("AMOUNT-1", 50000, 49000)]
    assert ids(report.pending_but_paid_at_bank) == ["PENDING-1"]
    assert report.flagged_order_ids == ("PENDING-1",)
    assert report.counts == {
        "matched": 1,
        "transaction_no_mismatches": 2,
        "missing_at_bank": 1,
        "missing_here": 3,
        "amount_mismatches": 1,
        "pending_but_paid_at_bank": 1,
    }
    assert not report.clean


def test_an_amount_mismatch_wins_over_a_transaction_mismatch() -> None:
    line = StatementLine("A-1", "T1", 1000, MAY_1)
    report = reconcile([line], [paid("A-1", 2000, "OTHER")])
    assert ids(report.amount_mismatches) == ["A-1"]
    assert report.transaction_no_mismatches == ()
    assert report.amount_mismatches[0].bank_transaction_no == "OTHER"


@pytest.mark.parametrize(
    "category",
    [
        "transaction_no_mismatches",
        "missing_at_bank",
        "missing_here",
        "amount_mismatches",
        "pending_but_paid_at_bank",
    ],
)
def test_any_single_discrepancy_makes_the_report_unclean(category: str) -> None:
    lines = [StatementLine("A-1", "T1", 1000, MAY_1), StatementLine("B-1", "T2", 1000, MAY_1)]
    orders = {
        "transaction_no_mismatches": [paid("A-1", 1000, "T1"), paid("B-1", 1000, "X")],
        "missing_at_bank": [
            paid("A-1", 1000, "T1"),
            paid("B-1", 1000, "T2"),
            paid("C-1", 1, "T3"),
        ],
        "missing_here": [paid("A-1", 1000, "T1")],
        "amount_mismatches": [paid("A-1", 1000, "T1"), paid("B-1", 999, "T2")],
        "pending_but_paid_at_bank": [
            paid("A-1", 1000, "T1"),
            OrderFacts("B-1", "pending", 1000, None, None),
        ],
    }[category]
    report = reconcile(lines, orders)
    assert not report.clean
    assert report.counts[category] == 1
    assert report.to_dict()["clean"] is False


def test_a_statement_where_everything_matches_is_clean() -> None:
    parsed = parse_statement(
        statement(
            "A-1,T1,1000,20240501083000",
            "A-2,T2,2000,2024-05-01T09:00:00+07:00",
        )
    )
    orders = [
        paid("A-1", 1000, "T1"),
        paid("A-2", 2000, "T2"),
        OrderFacts("A-3", "pending", 500, None, None),  # not on the statement, not paid
        OrderFacts("A-4", "failed", 500, None, None),
        OrderFacts("A-5", "expired", 500, None, None),
    ]
    report = reconcile(parsed.lines, orders)
    assert report.clean
    assert ids(report.matched) == ["A-1", "A-2"]
    assert report.to_dict()["counts"]["matched"] == 2


def test_a_refunded_order_counts_as_paid() -> None:
    refunded_on_statement = OrderFacts("R-1", "refunded", 1000, "T1", MAY_1)
    refunded_not_on_statement = OrderFacts("R-2", "refunded", 2000, "T2", MAY_1)
    report = reconcile(
        [StatementLine("R-1", "T1", 1000, MAY_1)],
        [refunded_on_statement, refunded_not_on_statement],
    )
    assert ids(report.matched) == ["R-1"]
    assert report.matched[0].status == "refunded"
    assert ids(report.missing_at_bank) == ["R-2"]


def test_bad_statement_lines_do_not_stop_the_good_ones_reconciling() -> None:
    parsed = parse_statement(
        statement(
            "A-1,T1,1000,20240501083000",
            "A-2,T2,2.000,20240501083000",
            "A-3,T3,3000,20240501083000",
        )
    )
    assert [error.line for error in parsed.errors] == [3]
    orders = [paid("A-1", 1000, "T1"), paid("A-2", 2000, "T2"), paid("A-3", 3000, "T3")]
    report = reconcile(parsed.lines, orders)
    assert ids(report.matched) == ["A-1", "A-3"]
    assert ids(report.missing_at_bank) == ["A-2"]
    assert report.matched[1].statement_line == 4


def test_entries_are_sorted_by_order_id_whatever_the_input_order() -> None:
    names = [f"ORD-{n:03d}" for n in range(40)]
    lines = [StatementLine(name, f"T{name}", 1000, MAY_1) for name in names]
    orders = [
        paid(name, 1000, f"T{name}") if n % 2 else OrderFacts(name, "pending", 1000, None, None)
        for n, name in enumerate(names)
    ]
    orders += [paid(f"GONE-{n}", 10, f"G{n}") for n in (3, 1, 2)]
    shuffler = random.Random(7)
    shuffler.shuffle(lines)
    shuffler.shuffle(orders)
    report = reconcile(lines, orders)
    assert ids(report.matched) == names[1::2]
    assert list(report.flagged_order_ids) == names[0::2]
    assert ids(report.missing_at_bank) == ["GONE-1", "GONE-2", "GONE-3"]
    assert [e["order_id"] for e in report.to_dict()["matched"]] == names[1::2]


def test_reconciling_settles_nothing() -> None:
    pending = OrderFacts("P-1", "pending", 1000, None, None)
    orders = [pending, paid("A-1", 1000, "T1")]
    lines = [StatementLine("P-1", "T9", 1000, MAY_1), StatementLine("A-1", "T1", 1000, MAY_1)]

    first = reconcile(lines, orders)
    second = reconcile(lines, orders)

    assert first.flagged_order_ids == ("P-1",)
    assert first.pending_but_paid_at_bank[0].status == "pending"
    assert first.pending_but_paid_at_bank[0].bank_transaction_no is None
    assert "P-1" not in ids(first.matched)
    assert not first.clean
    assert second == first  # the flagged order is still pending: nothing was settled
    assert orders == [OrderFacts("P-1", "pending", 1000, None, None), paid("A-1", 1000, "T1")]


def test_the_report_is_json_ready() -> None:
    lines = [StatementLine("A-1", "T1", 1000, datetime(2024, 5, 1, 1, 30, tzinfo=UTC), line=2)]
    hanoi_morning = datetime.fromisoformat("2024-05-01T08:30:00+07:00")
    orders = [OrderFacts("A-1", "pending", 1000, None, None), paid("B-1", 5, "T5", hanoi_morning)]
    data = json.loads(json.dumps(reconcile(lines, orders).to_dict()))
    assert data["clean"] is False
    assert data["flagged_order_ids"] == ["A-1"]
    assert data["counts"]["pending_but_paid_at_bank"] == 1
    assert data["pending_but_paid_at_bank"] == [
        {
            "order_id": "A-1",
            "status": "pending",
            "amount_vnd": 1000,
            "bank_transaction_no": None,
            "paid_at": None,
            "statement_line": 2,
            "statement_amount_vnd": 1000,
            "statement_bank_transaction_no": "T1",
            "statement_paid_at": "2024-05-01T01:30:00+00:00",
        }
    ]
    assert data["missing_at_bank"][0]["paid_at"] == "2024-05-01T01:30:00+00:00"
    assert data["missing_at_bank"][0]["statement_paid_at"] is None


def test_an_order_named_twice_is_refused() -> None:
    line = StatementLine("A-1", "T1", 1000, MAY_1)
    with pytest.raises(ValueError, match="twice"):
        reconcile([line, StatementLine("A-1", "T2", 1000, MAY_1)], [])
    with pytest.raises(ValueError, match="twice"):
        reconcile([line], [paid("A-1", 1000, "T1"), paid("A-1", 1000, "T1")])


def test_order_facts_refuse_an_unknown_status_or_a_naive_time() -> None:
    with pytest.raises(ValueError, match="status"):
        OrderFacts("A-1", "settled", 1000, None, None)
    with pytest.raises(ValueError, match="aware"):
        OrderFacts("A-1", "paid", 1000, "T1", datetime(2024, 5, 1))
    with pytest.raises(ValueError, match="aware"):
        StatementLine("A-1", "T1", 1000, datetime(2024, 5, 1))


def test_the_module_example_runs() -> None:
    outcome = doctest.testmod(reconciliation)
    assert outcome.attempted > 0
    assert outcome.failed == 0


# The statement's days


def _on(*moments: datetime) -> reconciliation.Statement:
    return reconciliation.Statement(
        lines=[StatementLine(f"PAY-{n}", f"1430000{n}", 10_000, m) for n, m in enumerate(moments)]
    )


def test_a_statement_covers_the_days_of_its_payments_in_vietnam() -> None:
    # 23:30 UTC on 30 April is 06:30 on 1 May in Hà Nội.
    days = reconciliation.statement_days(_on(datetime(2024, 4, 30, 23, 30, tzinfo=UTC), MAY_1))
    assert days == [date(2024, 5, 1)]
    late = datetime(2024, 5, 1, 17, 10, tzinfo=UTC)  # 00:10 on 2 May
    assert reconciliation.statement_days(_on(MAY_1, late)) == [date(2024, 5, 1), date(2024, 5, 2)]
    # The day the provider names is added to those of the payments.
    assert reconciliation.statement_days(_on(MAY_1), date(2024, 4, 30)) == [
        date(2024, 4, 30),
        date(2024, 5, 1),
    ]


def test_an_empty_statement_covers_the_day_it_is_said_to_cover() -> None:
    assert reconciliation.statement_days(_on(), date(2024, 5, 1)) == [date(2024, 5, 1)]
    with pytest.raises(reconciliation.StatementRefused) as refused:
        reconciliation.statement_days(_on())
    assert refused.value.reason == "the statement has no payments: say which day it is for"


def test_a_statement_of_more_than_three_days_or_cut_short_is_refused() -> None:
    four_days = _on(MAY_1, datetime(2024, 5, 4, 1, 30, tzinfo=UTC))
    with pytest.raises(reconciliation.StatementRefused) as refused:
        reconciliation.statement_days(four_days)
    assert refused.value.reason == "the statement spans more than 3 days"
    three_days = _on(MAY_1, datetime(2024, 5, 3, 1, 30, tzinfo=UTC))
    assert len(reconciliation.statement_days(three_days)) == 3
    cut = reconciliation.Statement(lines=four_days.lines, truncated=True)
    with pytest.raises(reconciliation.StatementRefused) as refused:
        reconciliation.statement_days(cut)
    assert refused.value.reason == "the statement has more lines than one statement may hold"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("đơn-1,T1,1000,20240501083000", "order_id may hold only A-Z, a-z, 0-9, _ and -"),
        ("A-1,T\x071,1000,20240501083000", "bank_transaction_no has control characters"),
        (
            "A-1,T1,1000.5,20240501083000",
            "amount_vnd must be a whole number of VND written with digits only",
        ),
        (
            "A-1,T1,1000,20241301083000",
            "paid_at must be ISO 8601 with an offset, or yyyyMMddHHmmss (GMT+7)",
        ),
        ("A-1,T1,1000", "expected 4 fields, found 3"),
    ],
)
def test_an_operator_reads_the_whole_reason_a_line_was_refused(row: str, message: str) -> None:
    assert parse_statement(statement(row)).errors == [LineError(2, message)]


def test_a_wrong_header_says_which_header_is_wanted() -> None:
    assert parse_statement("id,amount\nA-1,1000\n").errors == [
        LineError(1, "header must be order_id,bank_transaction_no,amount_vnd,paid_at")
    ]


def test_ids_of_64_characters_and_amounts_of_15_digits_are_taken() -> None:
    longest_id, longest_txn = "A" * 64, "9" * 64
    parsed = parse_statement(statement(f"{longest_id},{longest_txn},{'9' * 15},20240501083000"))
    assert parsed.errors == []
    assert parsed.lines == [
        StatementLine(
            longest_id, longest_txn, 999_999_999_999_999, datetime(2024, 5, 1, 1, 30, tzinfo=UTC), 2
        )
    ]


def test_every_digit_of_a_vnpay_time_counts() -> None:
    parsed = parse_statement(statement("A-1,T1,1000,20241231235917"))
    # 23:59:17 on 31 December in Hà Nội is 16:59:17 UTC the same day.
    assert parsed.lines[0].paid_at == datetime(2024, 12, 31, 16, 59, 17, tzinfo=UTC)


def test_a_line_keeps_its_leading_blanks_and_loses_only_its_line_break() -> None:
    parsed = parse_statement(
        HEADER + "\r\n\r\nA-1,T1,1000,20240501083000\r\nB-2,T2,5,20240501083000"
    )
    assert [(line.order_id, line.line) for line in parsed.lines] == [("A-1", 3), ("B-2", 4)]


def test_what_is_named_twice_is_said_in_full() -> None:
    line = StatementLine("A-1", "T1", 1000, MAY_1)
    with pytest.raises(ValueError) as refused:
        reconcile([line, StatementLine("A-1", "T2", 1000, MAY_1)], [])
    assert str(refused.value) == "statement lines name order 'A-1' twice"
    with pytest.raises(ValueError) as refused:
        reconcile([line], [paid("A-1", 1000, "T1"), paid("A-1", 1000, "T1")])
    assert str(refused.value) == "orders name order 'A-1' twice"


def test_a_naive_time_is_refused_saying_whose_it_is() -> None:
    with pytest.raises(ValueError) as refused:
        OrderFacts("A-1", "paid", 1000, "T1", datetime(2024, 5, 1))
    assert str(refused.value) == "OrderFacts.paid_at must be timezone-aware"
    with pytest.raises(ValueError) as refused:
        StatementLine("A-1", "T1", 1000, datetime(2024, 5, 1))
    assert str(refused.value) == "StatementLine.paid_at must be timezone-aware"


def test_a_payment_at_the_end_of_time_is_refused_not_a_crash() -> None:
    # 23:00 UTC on the last day Python knows is past it in Hà Nội.
    last = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(reconciliation.StatementRefused) as refused:
        reconciliation.statement_days(_on(last))
    assert refused.value.reason == "a paid_at is out of range"
    assert str(refused.value) == "a paid_at is out of range"


def test_a_blank_first_line_is_a_missing_header() -> None:
    parsed = parse_statement("\n" + statement("P1,T1,1000,20240501083000"))

    assert parsed.lines == []
    assert parsed.errors == [
        LineError(1, "header must be order_id,bank_transaction_no,amount_vnd,paid_at")
    ]
