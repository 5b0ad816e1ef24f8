"""The bank's HTML, shared by both desks and the index: a pay page has to look like a bank
(amount, order, Pay and Cancel) and an error page has to say, in Vietnamese and English, why
the bank refused, since the citizen (or the developer) sees nothing else.

Every page has its language, a title, a viewport and a ``main`` landmark, and works with the
keyboard alone (visible focus, real buttons). Long values (an order reference, an order
info) wrap between words, breaking a word only when nothing else fits; an amount and its
``₫`` never part (a no-break space, and no wrapping inside the amount).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from infra.sandbox_bank.transport import Response

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;
margin:0;color:#1d2733}
.card{max-width:460px;margin:48px auto;background:#fff;border-radius:12px;padding:28px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
.bank{font-size:13px;letter-spacing:.08em;text-transform:uppercase;color:#6b7785}
.vnpay .bank{color:#005baa}.momo .bank{color:#a50064}
h1{font-size:22px;margin:6px 0 18px}.en{color:#5b6673;font-weight:normal}
dl{display:grid;grid-template-columns:minmax(6rem,40%) minmax(0,1fr);gap:8px 16px;
margin:0 0 22px}
@media (max-width:30rem){dl{grid-template-columns:minmax(0,1fr);gap:2px}dd{margin-bottom:10px}
.card{margin:0;border-radius:0;padding:20px}}
dt{color:#5b6673}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.amount{font-size:24px;font-weight:600;white-space:nowrap}
form{display:flex;flex-wrap:wrap;gap:12px}button{flex:1 1 8rem;font-size:16px;padding:12px;
border-radius:8px;border:1px solid #8a96a3;background:#fff;color:#1d2733;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
button.pay{background:#005baa;border-color:#005baa;color:#fff}
.momo button.pay{background:#a50064;border-color:#a50064}
.note{font-size:13px;color:#5b6673;margin-top:18px}.error h1{color:#b3261e}
table{border-collapse:collapse;font-size:13px;width:100%}td,th{border-bottom:1px solid #e3e7ec;
padding:4px 6px;text-align:left}
"""


def _page(title: str, body: str, *, kind: str = "") -> bytes:
    return (
        "<!doctype html><html lang=vi><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body class="{kind}"><main class=card>{body}</main></body></html>'
    ).encode()


def html_response(status: int, title: str, body: str, *, kind: str = "") -> Response:
    return (
        status,
        [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
        _page(title, body, kind=kind),
    )


def error_page(status: int, vi: str, en: str, *, kind: str = "") -> Response:
    body = (
        f'<div class="bank">Ngân hàng thử nghiệm / Sandbox bank</div>'
        f'<div class="error"><h1>Giao dịch không hợp lệ <span class="en">/ Invalid '
        f"transaction</span></h1></div><p>{html.escape(vi)}</p>"
        f'<p class="en">{html.escape(en)}</p>'
    )
    return html_response(status, "Giao dịch không hợp lệ / Invalid transaction", body, kind=kind)


def vnd(amount: int) -> str:
    """``1.250.000 ₫``, the ``₫`` joined to its number by a no-break space."""
    return f"{amount:,}".replace(",", ".") + "\u00a0₫"


def pay_form(action: str, hidden: Mapping[str, str]) -> str:
    inputs = "".join(
        f'<input type=hidden name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in hidden.items()
    )
    return (
        f'<form method=post action="{html.escape(action)}">{inputs}'
        "<button class=pay name=action value=pay type=submit>Thanh toán / Pay</button>"
        "<button name=action value=cancel type=submit>Hủy / Cancel</button></form>"
    )


def details(rows: list[tuple[str, str]]) -> str:
    """A definition list; each value is markup the caller has escaped."""
    cells = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f"<dl>{cells}</dl>"


def purchase_rows(
    merchant: str, procedure: str | None, agency: str | None
) -> list[tuple[str, str]]:
    """The merchant, and (when the bank could tell) the receiving agency and the procedure,
    with their diacritics."""
    rows = [("Đơn vị chấp nhận thanh toán / Merchant", html.escape(merchant))]
    if agency:
        rows.append(("Cơ quan thu / Receiving agency", html.escape(agency)))
    if procedure:
        rows.append(("Thủ tục / Procedure", html.escape(procedure)))
    return rows
