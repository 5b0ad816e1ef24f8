"""What the table already holds stays recognised: the content hash that lets an import of
unchanged data change nothing, and the key a folded name is claimed under, are the same
bytes they were when those items were written.

The digests below were computed by the catalogue's code as it stood before the lifecycle
moved to its own domain types (commit 0e7ca73), from this same sample.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.catalogue.domain import (
    Fee,
    ProcedureContent,
    ProcedureRecord,
    RequiredDocument,
    name_key,
)

SAMPLE = ProcedureContent(
    name="Đổi giấy phép lái xe do ngành Công an cấp",
    field="Đường bộ",
    agency_ids=("bo-cong-an", "ubnd-ha-noi"),
    agency_level="central",
    service_level="full",
    processing_days=5,
    fees=(Fee("Lệ phí cấp đổi giấy phép lái xe", 135000), Fee("Phí", 0)),
    documents=(
        RequiredDocument("Đơn đề nghị đổi giấy phép lái xe", 1),
        RequiredDocument("Giấy khám sức khỏe", 2, original_required=True),
    ),
    legal_bases=("Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15",),
    result="Giấy phép lái xe",
    online_payment=True,
    e_result=False,
)
RECORD = ProcedureRecord(
    code="1.002804",
    content=SAMPLE,
    status="draft",
    version=1,
    updated_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def test_the_content_hash_of_unchanged_content_is_what_the_table_holds() -> None:
    assert RECORD.content_hash() == (
        "5bbb51e3d5d47c4f680b0eb861a28d51e66c374d1a5856940a007ceb14a4f8f7"
    )


def test_a_name_is_claimed_under_the_key_the_table_holds() -> None:
    assert name_key(RECORD) == "central#1a71c9974c1bc5c29cdc4787dfba0191"


def test_a_request_body_becomes_the_same_content() -> None:
    from services.catalogue.models import ProcedureBody
    from services.catalogue.service import content_from

    body = ProcedureBody.model_validate(
        {
            "name": "Đổi giấy phép lái xe do ngành Công an cấp",
            "field": "Đường bộ",
            "agency_ids": ["bo-cong-an", "ubnd-ha-noi"],
            "agency_level": "central",
            "service_level": "full",
            "processing_days": 5,
            "fees": [
                {"name": "Lệ phí cấp đổi giấy phép lái xe", "amount_vnd": 135000},
                {"name": "Phí", "amount_vnd": 0},
            ],
            "documents": [
                {"name": "Đơn đề nghị đổi giấy phép lái xe", "copies": 1},
                {"name": "Giấy khám sức khỏe", "copies": 2, "original_required": True},
            ],
            "legal_bases": ["Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15"],
            "result": "Giấy phép lái xe",
            "online_payment": True,
            "e_result": False,
        }
    )
    assert content_from(body) == SAMPLE
    assert content_from(body).digest() == (
        "5bbb51e3d5d47c4f680b0eb861a28d51e66c374d1a5856940a007ceb14a4f8f7"
    )
