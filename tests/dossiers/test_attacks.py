"""What outsiders could try against the dossiers service, and what they now get."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import body_of
from tests.dossiers.conftest import APPLICANT, RECEIVED, Desk, at, hanoi


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


def test_a_status_that_is_not_a_number_is_refused(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency])
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))

    as_true = desk.put(desk.code(agency), desk.body(agency, procedure, status=True))
    as_text = desk.put(desk.code(agency), desk.body(agency, procedure, status="9"))
    step = desk.progress(code, {"status": "9", "at": at(hanoi("2026-03-16 09:00:00"))})
    in_batch = desk.batch(
        agency, [{**desk.body(agency, procedure, status=True), "dossier_code": code}]
    )

    assert (as_true.status_code, as_text.status_code, step.status_code) == (422, 422, 422)
    assert body_of(as_true)["errors"][0]["field"] == "status"
    assert body_of(in_batch)["items"][0]["status"] == 422
    assert desk.dossier(code)["status"] == 2


def test_an_applicant_id_with_invisible_or_full_width_characters_is_refused(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency])
    answers = [
        desk.put(
            desk.code(agency),
            desk.body(agency, procedure, applicant={**APPLICANT, "citizen_id": citizen_id}),
        )
        for citizen_id in ("079123456789\u200b", "０７９１２３４５６７８９", "0791\u00a023456789")
    ]

    assert [a.status_code for a in answers] == [422, 422, 422]
    assert body_of(answers[0])["errors"][0]["field"] == "applicant.citizen_id"


def test_a_result_named_as_a_path_or_with_a_line_break_is_refused(desk: Desk) -> None:
    from tests.dossiers.test_results import register

    agency = desk.agency()
    procedure = desk.procedure([agency])
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure, status=9))
    for name in (
        "../../x.pdf",
        "ket-qua\r\nSet-Cookie: a=b.pdf",
        "thư mục\\kết quả.pdf",
        "kết\u200bquả.pdf",  # a zero-width space
        "..",
    ):
        answer = register(desk, code, name=name)
        assert answer.status_code == 422, name
        assert body_of(answer)["errors"][0]["field"] == "name"
    assert register(desk, code, name="Giấy phép xây dựng (bản chính).pdf").status_code == 201
