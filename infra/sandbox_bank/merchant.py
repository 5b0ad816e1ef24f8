"""What a pay request is for, as the bank's page shows it beside the order info.

A real bank shows the merchant's registered name; the sandbox also shows the procedure and
the receiving agency with their diacritics, since VNPAY's ``vnp_OrderInfo`` is ASCII. It
reads them where anyone may: the portal's order info names the procedure's code and the
agency's id (``Le phi 1.002804 ho so HS-01 tai 000.00.00.H26 ...``), and the portal's
public catalogue (``GET /catalogue/procedures/{code}``, ``GET /catalogue/agencies/{id}``)
names them. Order info of any other form, or a catalogue that does not answer, shows the
order info alone: the page never depends on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from infra.sandbox_bank.transport import HttpGet

DEFAULT_MERCHANT_NAME = "Cổng Dịch vụ công quốc gia"
"""What the merchant registered as its name, unless its profile says ``merchant_name``."""

_PORTAL_ORDER_INFO = re.compile(
    r"^Le phi (?P<procedure>[0-9]\.[0-9]{6}) ho so \S+ tai (?P<agency>[A-Za-z0-9][A-Za-z0-9.-]*)"
)


@dataclass(frozen=True, slots=True)
class Purchase:
    procedure: str | None = None
    agency: str | None = None


def _name(http_get: HttpGet, url: str) -> str | None:
    try:
        status, body = http_get(url)
        answer: Any = json.loads(body) if status == 200 else None
    except Exception:  # whatever went wrong, the page shows the order info alone
        return None
    name = answer.get("name") if isinstance(answer, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def purchase(order_info: str, portal_base_url: str, http_get: HttpGet) -> Purchase:
    """The procedure and the receiving agency ``order_info`` names, by their names in the
    portal's catalogue; what cannot be found is None."""
    named = _PORTAL_ORDER_INFO.match(order_info)
    if named is None:
        return Purchase()
    base = f"{portal_base_url}/catalogue"
    return Purchase(
        procedure=_name(http_get, f"{base}/procedures/{quote(named['procedure'])}"),
        agency=_name(http_get, f"{base}/agencies/{quote(named['agency'])}"),
    )
