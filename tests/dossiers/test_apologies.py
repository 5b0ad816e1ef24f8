"""Apology letters: an official of the dossier's agency issues one with a reason and a new
date, numbered per agency and year without gaps; the applicant is told by e-mail (SES) or
SMS (SNS), once; the letter reads as Form 04 of Circular 01/2018/TT-VPCP."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import body_of
from tests.dossiers.conftest import APPLICANT, CITIZEN, Desk, at, hanoi, sent_emails, sent_sms

REASON = "Chờ kết quả xác minh của Công an phường Hoàn Kiếm"


@pytest.fixture
def late(desk: Desk) -> tuple[str, str]:
    """A dossier due Monday 23 March 2026, and now Tuesday 24 March: overdue."""
    parent = desk.agency(name="Ủy ban nhân dân thành phố Hà Nội", locality="Hà Nội")
    agency = desk.agency(name="Sở Tư pháp thành phố Hà Nội", parent=parent, locality="Hà Nội")
    procedure = desk.procedure([agency], processing_days=5, name="Cấp phiếu lý lịch tư pháp")
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))
    desk.clock.set(hanoi("2026-03-24 09:00:00"))
    return agency, code


def test_an_official_issues_a_letter_and_the_dossier_takes_its_new_date(
    desk: Desk, late: tuple[str, str]
) -> None:
    agency, code = late
    response = desk.apologise(
        code, REASON, hanoi("2026-03-27 17:00:00"), desk.official(agency, "can-bo-07")
    )
    assert response.status_code == 201, response.body
    letter = body_of(response)
    assert letter == {
        "letter_no": "PXL-2026-000001",
        "dossier_code": code,
        "issued_at": "2026-03-24T09:00:00+07:00",
        "reason": REASON,
        "old_due_at": "2026-03-23T23:59:59+07:00",
        "new_due_at": "2026-03-27T17:00:00+07:00",
        "official_id": "can-bo-07",
    }
    seen = desk.dossier(code)
    assert seen["due_at"] == "2026-03-27T17:00:00+07:00"
    assert seen["apologies"] == [letter]


def test_letters_are_numbered_per_agency_and_year_without_gaps(desk: Desk) -> None:
    first, second = desk.agency(), desk.agency()
    numbers: dict[str, list[str]] = {first: [], second: []}
    for agency in (first, second, first, first, second):
        procedure = desk.procedure([agency])
        code = desk.code(agency)
        desk.synced(code, desk.body(agency, procedure))
        answer = desk.apologise(code, REASON, hanoi("2026-04-01 17:00:00"))
        assert answer.status_code == 201, answer.body
        numbers[agency].append(body_of(answer)["letter_no"])
    assert numbers == {
        first: ["PXL-2026-000001", "PXL-2026-000002", "PXL-2026-000003"],
        second: ["PXL-2026-000001", "PXL-2026-000002"],
    }
    # A new year starts again at 1.
    desk.clock.set(hanoi("2027-01-04 09:00:00"))
    procedure = desk.procedure([first])
    code = desk.code(first)
    received = at(hanoi("2027-01-04 08:00:00"))
    desk.synced(code, desk.body(first, procedure, received_at=received, status_at=received))
    answer = desk.apologise(code, REASON, hanoi("2027-01-20 17:00:00"))
    assert body_of(answer)["letter_no"] == "PXL-2027-000001"


def test_a_finished_dossier_cannot_be_apologised_for(desk: Desk, late: tuple[str, str]) -> None:
    _agency, code = late
    desk.progress(code, {"status": 9, "at": at(hanoi("2026-03-24 08:00:00"))})
    response = desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"))
    assert response.status_code == 409


def test_the_new_date_must_be_after_the_current_one(desk: Desk, late: tuple[str, str]) -> None:
    _agency, code = late
    for new in ("2026-03-23 23:59:59", "2026-03-20 17:00:00"):
        response = desk.apologise(code, REASON, hanoi(new))
        assert response.status_code == 422
        assert body_of(response)["errors"][0]["field"] == "new_due_at"
    assert desk.dossier(code)["apologies"] == []


@pytest.mark.parametrize("who", ["other-official", "system", "citizen", "operator"])
def test_only_an_official_of_its_agency_apologises(
    desk: Desk, late: tuple[str, str], who: str
) -> None:
    agency, code = late
    headers = {
        "other-official": desk.official(desk.agency()),
        "system": desk.system(agency),
        "citizen": desk.citizen(),
        "operator": desk.auth("operator"),
    }[who]
    response = desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"), headers)
    assert response.status_code == 403
    assert desk.dossier(code)["apologies"] == []


def test_an_apology_for_an_unknown_dossier_is_404(desk: Desk) -> None:
    agency = desk.agency()
    response = desk.apologise(desk.code(agency), REASON, hanoi("2026-03-27 17:00:00"))
    assert response.status_code == 404


def test_the_applicant_gets_the_apology_by_email_once(desk: Desk, late: tuple[str, str]) -> None:
    _agency, code = late
    before = len(sent_emails())
    desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"))
    # Delivered twice, as SQS may: one e-mail.
    desk.notify_all(times=2)
    emails = [e for e in sent_emails()[before:] if code in e.subject]
    assert len(emails) == 1
    email = emails[0]
    assert email.source == "thongbao@dichvucong.gov.vn"
    assert email.destinations["ToAddresses"] == [APPLICANT["email"]]
    assert email.subject == f"Phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}"
    assert "Kính gửi Ông/Bà Trần Thị Mai" in email.body
    assert "Sở Tư pháp thành phố Hà Nội xin lỗi" in email.body
    assert f"Lý do: {REASON}" in email.body
    assert "Ngày hẹn trả kết quả mới: 17:00 ngày 27/03/2026" in email.body
    assert f"/dossiers/{code}/apologies/PXL-2026-000001" in email.body


def test_without_an_email_the_applicant_gets_an_sms(desk: Desk) -> None:
    agency = desk.agency(name="UBND phường Hoàn Kiếm")
    procedure = desk.procedure([agency])
    code = desk.code(agency)
    applicant = {"citizen_id": CITIZEN, "name": "Lê Văn Bình", "phone": "0987 654 321"}
    desk.synced(code, desk.body(agency, procedure, applicant=applicant))
    before = len(sent_sms())
    desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"))
    desk.notify_all()
    messages = [m for m in sent_sms()[before:] if code in m[1]]
    assert len(messages) == 1
    number, text = messages[0]
    assert number == "+84987654321"
    assert text.startswith("UBND phuong Hoan Kiem xin loi: ho so")
    assert "17:00 ngay 27/03/2026" in text


def _letter(desk: Desk, code: str, headers: dict[str, str], accept: str) -> Any:
    return desk.client.http.get(
        f"/{code}/apologies/PXL-2026-000001", headers={**headers, "Accept": accept}
    )


def test_the_letter_is_a_printable_page_of_form_04(desk: Desk, late: tuple[str, str]) -> None:
    agency, code = late
    desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"), desk.official(agency, "cb-07"))
    response = _letter(desk, code, desk.citizen(), "text/html")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert '<html lang="vi">' in page
    assert "<title>Phiếu xin lỗi và hẹn lại ngày trả kết quả số PXL-2026-000001</title>" in page
    for landmark in ("<header", "<main", "<footer"):
        assert landmark in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for shown in (
        "Ủy ban nhân dân thành phố Hà Nội",
        "Sở Tư pháp thành phố Hà Nội",
        "Số: PXL-2026-000001",
        "Hà Nội, ngày 24 tháng 03 năm 2026",
        "Kính gửi: Ông/Bà Trần Thị Mai",
        "Cấp phiếu lý lịch tư pháp",
        code,
        "08 giờ 00 phút, ngày 16 tháng 03 năm 2026",
        "23 giờ 59 phút, ngày 23 tháng 03 năm 2026",
        f"Lý do: {REASON}",
        "17 giờ 00 phút, ngày 27 tháng 03 năm 2026",
        "Cộng hòa xã hội chủ nghĩa Việt Nam",
    ):
        assert shown in text, shown
    assert "@media print" in page


def test_the_letter_as_json(desk: Desk, late: tuple[str, str]) -> None:
    agency, code = late
    desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"))
    response = _letter(desk, code, desk.official(agency), "application/json")
    assert response.status_code == 200
    assert body_of(response)["letter_no"] == "PXL-2026-000001"


def test_what_is_typed_into_a_letter_is_escaped(desk: Desk, late: tuple[str, str]) -> None:
    _agency, code = late
    desk.apologise(code, "<script>alert(1)</script>", hanoi("2026-03-27 17:00:00"))
    page = _letter(desk, code, desk.auth("operator"), "text/html").body.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("who", ["another-citizen", "other-official", "anonymous"])
def test_others_do_not_see_the_letter(desk: Desk, late: tuple[str, str], who: str) -> None:
    _agency, code = late
    desk.apologise(code, REASON, hanoi("2026-03-27 17:00:00"))
    headers = {
        "another-citizen": desk.citizen("079000000009"),
        "other-official": desk.official(desk.agency()),
        "anonymous": {},
    }[who]
    response = _letter(desk, code, headers, "text/html")
    assert response.status_code == (401 if who == "anonymous" else 404)


def test_an_unknown_letter_is_404(desk: Desk, late: tuple[str, str]) -> None:
    agency, code = late
    response = _letter(desk, code, desk.official(agency), "application/json")
    assert response.status_code == 404
