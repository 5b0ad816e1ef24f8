"""How each provider's fields become a notice in the portal's terms, pure: the amount, the
outcome, the bank's transaction and time, and the order id from a notice or a return URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.payments.domain import Notice
from services.payments.providers import Momo, Vnpay

ORDER_ID = "0123456789ABCDEFGHJK"
VNPAY_PAID = {
    "vnp_TxnRef": ORDER_ID,
    "vnp_Amount": "15000000",
    "vnp_ResponseCode": "00",
    "vnp_TransactionStatus": "00",
    "vnp_TransactionNo": "14000001",
    "vnp_PayDate": "20260501083000",
}
MOMO_PAID = {
    "orderId": ORDER_ID,
    "amount": 150_000,
    "resultCode": 0,
    "transId": 4088878653,
    "responseTime": 1777624200000,  # 2026-05-01T08:30:00+00:00 in milliseconds
}


def test_a_vnpay_notice() -> None:
    assert Vnpay().notice(VNPAY_PAID) == Notice(
        "vnpay", ORDER_ID, 150_000, True, "14000001", datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    )
    assert Vnpay().order_id(VNPAY_PAID) == ORDER_ID
    assert Vnpay().order_id({}) is None


@pytest.mark.parametrize(
    ("response", "status"), [("00", "01"), ("24", "02"), ("00", ""), ("07", "00")]
)
def test_vnpay_says_paid_only_with_both_codes_00(response: str, status: str) -> None:
    fields = {**VNPAY_PAID, "vnp_ResponseCode": response, "vnp_TransactionStatus": status}
    assert Vnpay().notice(fields).succeeded is False


@pytest.mark.parametrize("amount", ["15000050", "-15000000", "1.5e7", ""])
def test_a_vnpay_amount_that_is_not_whole_dong_is_unreadable(amount: str) -> None:
    assert Vnpay().notice({**VNPAY_PAID, "vnp_Amount": amount}).amount_vnd is None


def test_a_vnpay_notice_without_its_transaction_or_with_a_bad_date() -> None:
    assert Vnpay().notice({**VNPAY_PAID, "vnp_TransactionNo": ""}).transaction_no is None
    with pytest.raises(ValueError):
        Vnpay().notice({**VNPAY_PAID, "vnp_PayDate": "not-a-date"})


def test_a_momo_notice() -> None:
    assert Momo().notice(MOMO_PAID) == Notice(
        "momo", ORDER_ID, 150_000, True, "4088878653", datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    )
    assert Momo().notice({**MOMO_PAID, "resultCode": 1006}).succeeded is False
    assert Momo().notice({**MOMO_PAID, "amount": "150000"}).amount_vnd is None  # not a number
    assert Momo().notice({**MOMO_PAID, "amount": -1}).amount_vnd is None
    assert Momo().order_id(MOMO_PAID) == ORDER_ID
    # MoMo's return URL brings the same fields back as text.
    assert Momo().order_id({"orderId": ORDER_ID, "amount": "150000"}) == ORDER_ID
    assert Momo().order_id({}) is None


# Amounts and times are ASCII digits: str.isdigit and strptime would also take these.
FULL_WIDTH = "\uff11\uff15\uff10\uff10\uff10\uff10\uff10\uff10"  # １５００００００
ARABIC_INDIC = "\u0661\u0665\u0660\u0660\u0660\u0660\u0660\u0660"  # ١٥٠٠٠٠٠٠


@pytest.mark.parametrize("amount", [FULL_WIDTH, ARABIC_INDIC, "15000000\u0660"])
def test_a_vnpay_amount_in_other_digits_is_no_amount(amount: str) -> None:
    assert amount.isdigit()  # what the notice used to be read with
    assert Vnpay().notice({**VNPAY_PAID, "vnp_Amount": amount}).amount_vnd is None


@pytest.mark.parametrize(
    "pay_date",
    [
        "\uff12\uff10\uff12\uff16\uff10\uff15\uff10\uff11\uff10\uff18\uff13\uff10\uff10\uff10",
        "2026050108300\u0660",
        "2026-05-01T08:30",
    ],
)
def test_a_vnpay_pay_date_in_other_digits_is_malformed(pay_date: str) -> None:
    with pytest.raises(ValueError):
        Vnpay().notice({**VNPAY_PAID, "vnp_PayDate": pay_date})


def test_momo_numbers_are_json_integers() -> None:
    assert (
        Momo().notice({**MOMO_PAID, "amount": "\uff11\uff15\uff10\uff10\uff10\uff10"}).amount_vnd
        is None
    )
    with pytest.raises(ValueError):
        Momo().notice({**MOMO_PAID, "responseTime": "\uff11\uff17\uff17\uff17"})
    with pytest.raises(ValueError):
        Momo().notice({**MOMO_PAID, "resultCode": "\uff10"})


@pytest.mark.parametrize(
    ("codes", "verdict"),
    [
        (("00", "00"), "paid"),
        (("24", "02"), "cancelled"),
        (("51", "02"), "failed"),
        (("00", "01"), "failed"),
        (("07", "00"), "failed"),
        ((None, None), None),
    ],
)
def test_what_a_vnpay_return_says_happened(
    codes: tuple[str | None, str | None], verdict: str | None
) -> None:
    fields = {
        k: v for k, v in zip(("vnp_ResponseCode", "vnp_TransactionStatus"), codes, strict=True) if v
    }
    assert Vnpay().verdict(fields) == verdict


@pytest.mark.parametrize(
    ("result", "verdict"),
    [
        ("0", "paid"),
        (0, "paid"),
        ("1006", "cancelled"),
        ("1005", "failed"),
        ("9000", "failed"),
        ("\uff10", None),
        (None, None),
    ],
)
def test_what_a_momo_return_says_happened(result: object, verdict: str | None) -> None:
    # MoMo's redirect brings its fields back as text; 1006 is the user's refusal.
    assert Momo().verdict({"resultCode": result} if result is not None else {}) == verdict
