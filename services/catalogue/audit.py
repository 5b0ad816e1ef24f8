"""Decree 42/2022's full-online test for procedures declared ``full``.

A fully online public service (dịch vụ công trực tuyến toàn trình) lets the citizen submit
the dossier, pay any fee and receive the result without going anywhere. Ministries have
declared services fully online that were not; these are the reasons one fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.catalogue.models import ProcedureBody
from services.core.problems import Text


@dataclass(frozen=True, slots=True)
class Gap:
    code: str
    message: Text


def full_online_gaps(body: ProcedureBody) -> list[Gap]:
    """Why a procedure declared ``full`` is not fully online; empty when it passes or is not
    declared ``full``."""
    if body.service_level != "full":
        return []
    gaps = []
    if any(fee.amount_vnd > 0 for fee in body.fees) and not body.online_payment:
        gaps.append(
            Gap(
                "fee_not_payable_online",
                Text(
                    "Có phí, lệ phí nhưng không thanh toán trực tuyến được.",
                    "A fee is due but cannot be paid online.",
                ),
            )
        )
    if not body.e_result:
        gaps.append(
            Gap(
                "result_not_electronic",
                Text(
                    "Kết quả không được trả bản điện tử.",
                    "The result is not returned electronically.",
                ),
            )
        )
    in_person = [doc.name for doc in body.documents if doc.original_required]
    if in_person:
        gaps.append(
            Gap(
                "original_in_person",
                Text(
                    "Phải xuất trình bản chính trực tiếp: " + "; ".join(in_person),
                    "Originals must be shown in person: " + "; ".join(in_person),
                ),
            )
        )
    return gaps
