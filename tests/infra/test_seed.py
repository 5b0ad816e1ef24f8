"""Demo data goes in through the catalogue's own use cases, in file order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.seed import seed

pytestmark = pytest.mark.usefixtures("moto_world")

AGENCIES = [
    {"agency_id": "bo-gtvt", "name": "Bộ Giao thông vận tải", "level": "central"},
    {
        "agency_id": "so-gtvt-ha-noi",
        "name": "Sở Giao thông vận tải Hà Nội",
        "level": "province",
        "parent_id": "bo-gtvt",
        "locality": "Hà Nội",
    },
    {"agency_id": "mo-coi", "name": "Không có cha", "level": "commune", "parent_id": "khong-co"},
    {"agency_id": "thieu-cap", "name": "Thiếu cấp"},
]
PROCEDURE: dict[str, Any] = {
    "code": "1.900001",
    "name": "Đổi giấy phép lái xe",
    "field": "Đường bộ",
    "agency_ids": ["bo-gtvt"],
    "agency_level": "central",
    "service_level": "full",
    "processing_days": 5,
    "fees": [{"name": "Lệ phí", "amount_vnd": 135000}],
    "documents": [{"name": "Tờ khai", "copies": 1}],
    "legal_bases": ["Thông tư 12/2017/TT-BGTVT"],
    "result": "Giấy phép lái xe",
    "online_payment": True,
    "e_result": True,
}


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def test_seed_writes_agencies_then_procedures_and_reports_bad_lines(tmp_path: Path) -> None:
    from services.catalogue import service

    _jsonl(tmp_path / "agencies.jsonl", AGENCIES)
    _jsonl(tmp_path / "procedures.jsonl", [PROCEDURE, {**PROCEDURE, "code": "x"}])
    said: list[str] = []

    assert seed(tmp_path, say=said.append) is False

    assert service.get_agency("so-gtvt-ha-noi")["parent_id"] == "bo-gtvt"
    agencies, procedures, dossiers = said
    assert agencies.startswith("Agencies: 2 agencies written, 2 rejected")
    assert "line 3: " in agencies and "unknown agency" in agencies
    assert "line 4: level" in agencies
    assert procedures.startswith(
        "Procedures: 2 lines: 1 created, 0 updated, 0 unchanged, 1 rejected"
    )
    assert dossiers.startswith("Dossiers: no ") and dossiers.endswith("none seeded")


def test_seed_without_files_seeds_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    assert seed(tmp_path, say=said.append) is True
    assert len(said) == 3 and all("none seeded" in line for line in said)


def test_the_demo_seeds_cleanly_with_the_34_provinces_and_national_identifiers() -> None:
    from services.catalogue import service

    said: list[str] = []
    assert seed(say=said.append, provinces=True) is True
    assert said[0] == "Provinces: 34 provinces written"
    hanoi = service.get_agency("000.00.00.H01")
    assert (hanoi["name"], hanoi["level"], hanoi["locality"]) == (
        "Ủy ban nhân dân thành phố Hà Nội",
        "province",
        "Hà Nội",
    )
    assert service.get_agency("000.00.00.H96")["name"] == "Ủy ban nhân dân tỉnh Cà Mau"
    assert service.get_agency("000.00.00.H79")["locality"] == "Thành phố Hồ Chí Minh"
    # A department under its province, a commune's one-stop code under its committee.
    assert service.get_agency("000.00.10.H01")["parent_id"] == "000.00.00.H01"
    assert service.get_agency("H01.101")["parent_id"] == "000.00.00.H01"
    # Provinces merged in 2025 are no agencies of the demo any more.
    from services.core.problems import Problem

    with pytest.raises(Problem):
        service.get_agency("000.00.00.H02")  # Hà Giang, now part of Tuyên Quang


def test_seed_syncs_dossiers_as_their_agencys_system_and_reports_bad_lines(
    tmp_path: Path, clock: Any
) -> None:
    from datetime import datetime

    from services.core.clock import VIETNAM_TZ
    from services.dossiers import service

    clock.set(datetime(2026, 3, 20, 10, 0, tzinfo=VIETNAM_TZ))  # Friday 20 March 2026
    _jsonl(tmp_path / "agencies.jsonl", AGENCIES[:2])
    _jsonl(tmp_path / "procedures.jsonl", [PROCEDURE])
    dossier = {
        "dossier_code": "SEED-0001",
        "procedure_code": "1.900001",
        "agency_id": "bo-gtvt",
        "channel": "online",
        "applicant": {"citizen_id": "001090099999", "name": "Người mẫu"},
        "received_days_ago": 11,  # Monday 9 March: five working days, due Monday 16 March
        "status": 4,
        "status_days_ago": 10,
        "apology": {"reason": "Chờ xác minh", "new_due_in_days": 3, "official_id": "cb-1"},
    }
    _jsonl(
        tmp_path / "dossiers.jsonl",
        [dossier, {**dossier, "dossier_code": "SEED-0002", "agency_id": "so-gtvt-ha-noi"}],
    )
    said: list[str] = []
    assert seed(tmp_path, say=said.append) is False
    assert said[2].startswith(
        "Dossiers: 1 dossiers synced (1 apologised for, 0 with an electronic result), 1 rejected"
    )
    assert "line 2: " in said[2]
    held, _ = service.public_status("SEED-0001")
    assert held.status == 4
    assert held.original_due_at == datetime(2026, 3, 16, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert held.due_at == datetime(2026, 3, 23, 17, 0, tzinfo=VIETNAM_TZ)
