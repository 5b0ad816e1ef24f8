"""What outsiders could try against the dossiers service, and what they now get."""

from __future__ import annotations

from datetime import timedelta

from tests.dossiers.conftest import RECEIVED, Desk, at, hanoi


def test_a_hundred_long_vietnamese_notes_never_make_a_dossier_unwritable(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency])
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))
    note, department = "Đã chuyển hồ sơ " + "ữ" * 1984, "Phòng " + "ữ" * 194  # 2,000 and 200

    answers = [
        desk.progress(
            code,
            {
                "status": 4,
                "at": at(RECEIVED + timedelta(minutes=n)),
                "note": note,
                "department": department,
            },
        ).status_code
        for n in range(1, 101)
    ]

    assert answers == [200] * 100
    done = desk.progress(code, {"status": 9, "at": at(hanoi("2026-03-17 09:00:00"))})
    assert done.status_code == 200
    timeline = desk.dossier(code)["timeline"]
    assert timeline[-1]["status"] == 9
    assert timeline[-1]["at"] == "2026-03-17T09:00:00+07:00"
    assert timeline[-2]["at"] == "2026-03-16T09:40:00+07:00"  # the 100th step, 08:00 + 100'
    assert timeline[-2]["note"] == note
    assert len(timeline) < 100
