"""Decree 42/2022's full-online test for procedures declared ``full``. Pure rules, no I/O.

A fully online public service (dịch vụ công trực tuyến toàn trình) lets the citizen submit
the dossier, pay any fee and receive the result without going anywhere. Ministries have
declared services fully online that were not; these are the reasons one fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.catalogue.domain import ProcedureContent

GapCode = Literal["fee_not_payable_online", "result_not_electronic", "original_in_person"]


@dataclass(frozen=True, slots=True)
class Gap:
    code: GapCode
    in_person: tuple[str, ...] = ()
    """For ``original_in_person``: the documents whose originals must be shown."""


def full_online_gaps(content: ProcedureContent) -> list[Gap]:
    """Why a procedure declared ``full`` is not fully online; empty when it passes or is not
    declared ``full``."""
    if content.service_level != "full":
        return []
    gaps = []
    if any(fee.amount_vnd > 0 for fee in content.fees) and not content.online_payment:
        gaps.append(Gap("fee_not_payable_online"))
    if not content.e_result:
        gaps.append(Gap("result_not_electronic"))
    in_person = tuple(doc.name for doc in content.documents if doc.original_required)
    if in_person:
        gaps.append(Gap("original_in_person", in_person))
    return gaps
