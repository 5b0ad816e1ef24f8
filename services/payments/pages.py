"""The payment pages citizens read: the return from the bank and the e-receipt, in
Vietnamese or English, on core's one layout (``services/core/pages.py``).

What a page says comes from the order as the portal holds it; the bank's return link adds
only what its signature vouches for (a cancel told apart from a failure). An unverified link
gets a warning and nothing it carries, not even its order id.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from services.core import pages
from services.core.clock import VIETNAM_TZ
from services.payments.domain import Provider, Receipt, Returned, ReturnOutcome

TEMPLATES = Path(__file__).with_name("templates")

PROVIDER_NAMES: dict[Provider, str] = {"vnpay": "VNPAY", "momo": "MoMo"}

_SITE = {
    "vi": {
        "banner": "Cổng Dịch vụ công quốc gia",
        "skip": "Bỏ qua, đến nội dung chính",
        "footer": "Cổng Dịch vụ công quốc gia — môi trường thử nghiệm",
    },
    "en": {
        "banner": "National Public Service Portal",
        "skip": "Skip to the main content",
        "footer": "National Public Service Portal — test environment",
    },
}

# The return page: a headline per outcome, and what the citizen can do next.
_HEADLINES: dict[str, dict[ReturnOutcome, str]] = {
    "vi": {
        "paid": "Thanh toán thành công",
        "confirming": "Ngân hàng đã nhận thanh toán, Cổng đang xác nhận",
        "cancelled": "Bạn đã hủy thanh toán",
        "failed": "Thanh toán không thành công",
        "expired": "Đơn thanh toán đã hết hạn",
        "refunded": "Lệ phí đã được hoàn trả",
        "unknown": "Không tìm thấy đơn thanh toán",
        "unverified": "Không xác minh được kết quả thanh toán",
    },
    "en": {
        "paid": "Payment received",
        "confirming": "The bank took the payment; the portal is confirming it",
        "cancelled": "You cancelled the payment",
        "failed": "The payment did not go through",
        "expired": "The payment order has expired",
        "refunded": "The fee was refunded",
        "unknown": "There is no such payment order",
        "unverified": "The payment result cannot be verified",
    },
}
_EXPLANATIONS: dict[str, dict[ReturnOutcome, str]] = {
    "vi": {
        "paid": "Lệ phí của hồ sơ đã được thanh toán.",
        "confirming": "Kết quả sẽ có trong giây lát; hãy xem lại trang này.",
        "cancelled": "Giao dịch đã bị hủy theo yêu cầu của bạn, không có khoản tiền nào bị"
        " trừ. Bạn có thể thanh toán lại cho hồ sơ này.",
        "failed": "Ngân hàng đã từ chối hoặc không xử lý được giao dịch. Bạn có thể thanh"
        " toán lại, bằng thẻ hoặc tài khoản khác nếu cần.",
        "expired": "Thời hạn thanh toán của đơn đã qua trước khi ngân hàng xác nhận. Bạn có"
        " thể thanh toán lại cho hồ sơ này.",
        "refunded": "Khoản lệ phí của đơn này đã được hoàn trả.",
        "unknown": "Ngân hàng đã ký kết quả này nhưng Cổng không có đơn thanh toán tương ứng."
        " Không có gì thay đổi. Vui lòng liên hệ bộ phận hỗ trợ của Cổng.",
        "unverified": "Đường dẫn này không mang chữ ký hợp lệ của ngân hàng, nên trang không"
        " thể cho biết kết quả và không hiển thị thông tin nào từ đường dẫn. Không có gì thay"
        " đổi với đơn thanh toán của bạn; hãy xem trạng thái đơn trong tài khoản của bạn"
        " trên Cổng.",
    },
    "en": {
        "paid": "The dossier's fee is paid.",
        "confirming": "The result will be here in a moment; look at this page again.",
        "cancelled": "The payment was cancelled as you asked; no money was taken. You can"
        " pay again for this dossier.",
        "failed": "The bank refused or could not process the payment. You can pay again,"
        " with another card or account if need be.",
        "expired": "The order's time ran out before the bank confirmed it. You can pay"
        " again for this dossier.",
        "refunded": "This order's fee has been refunded.",
        "unknown": "The bank signed this result, but the portal has no such payment order."
        " Nothing was changed. Please contact the portal's support.",
        "unverified": "This link does not carry the bank's valid signature, so this page"
        " cannot tell the result and shows nothing the link says. Nothing was changed on"
        " your payment order; see its status in your account on the portal.",
    },
}
_WORDS = {
    "vi": {
        "title_suffix": "Thanh toán lệ phí",
        "procedure": "Thủ tục",
        "procedure_code": "Mã thủ tục",
        "dossier": "Hồ sơ",
        "amount": "Số tiền",
        "in_words": "Bằng chữ",
        "order": "Mã đơn thanh toán",
        "provider": "Thanh toán qua",
        "paid_at": "Thời gian thanh toán",
        "receipt": "Biên lai điện tử số",
        "receipt_coming": "Biên lai điện tử đang được phát hành, thường chỉ trong vài giây.",
        "look_again": "Xem lại kết quả",
        "pay_again": "Thanh toán lại",
        "facts": "Thông tin thanh toán",
        "vietnam_time": "giờ Việt Nam",
    },
    "en": {
        "title_suffix": "Fee payment",
        "procedure": "Procedure",
        "procedure_code": "Procedure code",
        "dossier": "Dossier",
        "amount": "Amount",
        "in_words": "In words",
        "order": "Payment order",
        "provider": "Paid through",
        "paid_at": "Paid at",
        "receipt": "E-receipt number",
        "receipt_coming": "The e-receipt is being issued; it usually takes a few seconds.",
        "look_again": "Look again",
        "pay_again": "Pay again",
        "facts": "Payment details",
        "vietnam_time": "Vietnam time",
    },
}
_RECEIPT_WORDS = {
    "vi": {
        "title": "Biên lai thu phí, lệ phí",
        "kind": "Biên lai điện tử",
        "form": "Mẫu số",
        "serial": "Ký hiệu",
        "number": "Số",
        "agency": "Đơn vị thu",
        "payer": "Người nộp (mã tham chiếu)",
        "procedure": "Thủ tục",
        "dossier": "Hồ sơ",
        "line": "STT",
        "fee": "Tên loại phí, lệ phí",
        "amount": "Số tiền",
        "total": "Tổng cộng",
        "in_words": "Số tiền bằng chữ",
        "method": "Hình thức thanh toán",
        "online": "Trực tuyến qua",
        "transaction": "mã giao dịch",
        "paid_at": "Thời gian thanh toán",
        "issued_at": "Ngày lập biên lai",
        "reference": "Số biên lai trên Cổng",
        "print": "In biên lai",
        "refunded": "Khoản lệ phí này đã được hoàn trả lúc",
        "fees": "Các khoản phí, lệ phí",
        "vietnam_time": "giờ Việt Nam",
    },
    "en": {
        "title": "Receipt for fees and charges",
        "kind": "Electronic receipt",
        "form": "Form",
        "serial": "Serial",
        "number": "No.",
        "agency": "Collected by",
        "payer": "Payer (reference)",
        "procedure": "Procedure",
        "dossier": "Dossier",
        "line": "No.",
        "fee": "Fee",
        "amount": "Amount",
        "total": "Total",
        "in_words": "In words (Vietnamese)",
        "method": "Paid by",
        "online": "Online through",
        "transaction": "transaction",
        "paid_at": "Paid at",
        "issued_at": "Issued at",
        "reference": "Portal receipt number",
        "print": "Print the receipt",
        "refunded": "This fee was refunded at",
        "fees": "Fees and charges",
        "vietnam_time": "Vietnam time",
    },
}


def vietnam_time(moment: datetime) -> str:
    """``08:30 01/05/2026``: the moment in Vietnam, as the country writes it.

    >>> from datetime import UTC
    >>> vietnam_time(datetime(2026, 5, 1, 1, 30, tzinfo=UTC))
    '08:30 01/05/2026'
    """
    return moment.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y")


def in_vietnam(moment: datetime) -> datetime:
    """The moment with Vietnam's offset, as a receipt states the time of payment."""
    return moment.astimezone(VIETNAM_TZ)


def _site(language: str) -> dict[str, Any]:
    site = _SITE[language]
    return {"lang": language, "skip_text": site["skip"], "footer_text": site["footer"], **site}


def return_page(returned: Returned, language: str) -> str:
    order = returned.order
    context: dict[str, Any] = {
        **_site(language),
        "outcome": returned.outcome,
        "headline": _HEADLINES[language][returned.outcome],
        "explanation": _EXPLANATIONS[language][returned.outcome],
        "words": _WORDS[language],
        "order": order,
        "procedure_name": returned.procedure_name,
        "provider": PROVIDER_NAMES[order.provider] if order else "",
        "paid_at": vietnam_time(order.paid_at) if order and order.paid_at else "",
        "query": returned.query,
        "payable_again": returned.payable_again and order is not None,
        "look_again": returned.outcome == "confirming"
        or (returned.outcome == "paid" and order is not None and not order.receipt_no),
    }
    return pages.render("return.html", TEMPLATES, **context)


def receipt_page(receipt: Receipt, language: str) -> str:
    context: dict[str, Any] = {
        **_site(language),
        "receipt": receipt,
        "words": _RECEIPT_WORDS[language],
        "provider": PROVIDER_NAMES[receipt.provider],
        "paid_at": vietnam_time(receipt.paid_at),
        "issued_at": vietnam_time(receipt.issued_at),
        "refunded_at": vietnam_time(receipt.refunded_at) if receipt.refunded_at else "",
    }
    return pages.render("receipt.html", TEMPLATES, **context)


def message_page(title: str, detail: str, language: str) -> str:
    """A refusal a browser reads (the pay-again button pressed on a link that does not hold,
    or for an order already paid)."""
    return pages.render(
        "message.html", TEMPLATES, **_site(language), headline=title, explanation=detail
    )
