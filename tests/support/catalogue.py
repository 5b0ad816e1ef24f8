"""Making the catalogue say what a test needs it to say, through its own routes."""

from __future__ import annotations

import json
from typing import Any


def publish_procedure(
    catalogue: Any,
    headers: dict[str, str],
    code: str,
    agency_ids: list[str],
    *,
    name: str | None = None,
    processing_days: int = 5,
    fees: list[dict[str, Any]] | None = None,
) -> None:
    """Publish ``code`` as implemented by ``agency_ids`` (an operator's ``headers``)."""
    draft = {
        "name": name or f"Thủ tục thử nghiệm {code}",
        "field": "Thử nghiệm",
        "agency_ids": agency_ids,
        "agency_level": "central",
        "service_level": "partial",
        "processing_days": processing_days,
        "fees": fees or [],
        "documents": [],
        "legal_bases": [],
        "result": "Kết quả",
        "online_payment": bool(fees),
        "e_result": False,
    }
    path = f"/procedures/{code}"
    put = catalogue.http.put(path, headers=headers, body=json.dumps(draft))
    assert put.status_code == 200, put.body
    published = catalogue.http.post(
        f"{path}/publish", headers=headers, body=json.dumps({"force": True})
    )
    assert published.status_code == 200, published.body
