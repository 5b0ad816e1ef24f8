"""Personal data: the submitter's contact details are encrypted at rest, never logged, never
in an error, and stripped from published questions and answers, also where the submitter
typed them into the text (and where an official quoted them back)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.conftest import body_of
from tests.feedback.conftest import PERSON

TYPED_IN = (
    "Tôi là Nguyễn Thị Hồng Nhung, điện thoại 0912 345 678, email hong.nhung@example.vn, "
    "CCCD 001190012345, địa chỉ Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm, Hà Nội. "
    "Tôi nộp hồ sơ đổi giấy phép lái xe từ tháng trước nhưng chưa nhận được kết quả."
)
QUOTED_BACK = (
    "Kính gửi bà Nguyễn Thị Hồng Nhung (SĐT 0912345678, hong.nhung@example.vn): Công an "
    "thành phố đã trả kết quả đổi giấy phép lái xe qua bưu điện đến Số 12 ngõ 34 phố Hàng "
    "Bông; lệ phí 135.000 đồng theo Thông tư 01/2025/TT-BCA."
)


def leaks(text: str) -> list[str]:
    """The submitted personal data found in ``text``, however it was spaced or cased."""
    squeezed = "".join(text.split()).lower()
    found = [
        value
        for value in PERSON.values()
        if value.lower() in text.lower() or "".join(value.split()).lower() in squeezed
    ]
    for part in ("Hồng Nhung", "0912 345 678", "0912.345.678", "ngõ 34 phố Hàng Bông"):
        if part.lower() in text.lower():
            found.append(part)
    digits = "".join(c for c in text if c.isdigit() or c.isspace())
    if "912345678" in "".join(digits.split()):
        found.append("phone digits")
    return found


class _Stdout:
    """Whatever ``sys.stdout`` is when a line is written: capsys swaps it between phases."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def logged(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Every log line of the feedback service, at DEBUG, into capsys; ``logged()`` reads."""
    from services.core import observability

    log = observability.logger("feedback")
    handler = log.registered_handler
    level = log.log_level
    stream = handler.setStream(_Stdout())  # type: ignore[attr-defined]
    log.setLevel("DEBUG")

    def read() -> str:
        captured = capsys.readouterr()
        return captured.out + captured.err

    try:
        yield read
    finally:
        log.setLevel(level)
        handler.setStream(stream)  # type: ignore[attr-defined]


def test_the_whole_life_of_a_case_logs_no_personal_data(
    desk: Any, auth: Any, client: Any, logged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.feedback import service

    receipt = desk.submitted(title="Phản ánh của Nguyễn Thị Hồng Nhung", content=TYPED_IN)
    code = receipt["tracking_code"]
    desk.route_all(times=2)
    desk.by_key(receipt)
    official = auth("official", agency="bo-cong-an")
    assert desk.case(code, headers=official).status_code == 200
    assert desk.act(code, action="accept").status_code == 200
    answered = desk.act(code, action="answer", answer=QUOTED_BACK, publish=True)
    assert answered.status_code == 200
    client.http.get("/answers?q=giay+phep")
    client.http.get("/answers?q=Nguyễn+Thị+Hồng+Nhung")
    client.http.post(
        f"/cases/{code}/attachments",
        headers={"Content-Type": "application/json"},
        body=json.dumps(
            {
                "file_name": f"{PERSON['name']}.pdf",
                "content_type": "application/pdf",
                "size_bytes": 10,
                "access_key": receipt["access_key"],
            }
        ),
    )
    service.sweep()
    # Refusals and failures log too.
    desk.submit(submitter={**PERSON, "national_id": "12345"})
    desk.submit(submitter=PERSON, channel="phone")
    for _ in range(6):
        desk.submit(submitter=PERSON)
    monkeypatch.setattr(
        service.contacts,
        "open_sealed",
        lambda *_: (_ for _ in ()).throw(RuntimeError(f"cannot decrypt {PERSON}")),
    )
    failed = desk.case(code, access_key=receipt["access_key"])
    assert failed.status_code == 500

    lines = logged()

    assert code in lines  # the consumer logged its work: the capture works
    assert '"status":500' in lines.replace(" ", "") or "unhandled error" in lines
    assert leaks(lines) == [], lines


def test_no_error_answer_holds_personal_data(
    desk: Any, auth: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.feedback import app, service

    addresses = iter(range(1, 200))
    monkeypatch.setattr(app, "_client_ip", lambda: f"192.0.2.{next(addresses)}")
    wrong = [
        desk.submit(submitter={**PERSON, "national_id": "12345"}),
        desk.submit(submitter={**PERSON, "phone": "12345 " + PERSON["name"]}),
        desk.submit(submitter={**PERSON, "email": PERSON["name"]}),
        desk.submit(submitter={**PERSON, "extra": PERSON["phone"]}),
        desk.submit(submitter={"name": PERSON["name"], "address": PERSON["address"]}),
        desk.submit(submitter={**PERSON, "name": PERSON["name"] * 10}),
        desk.submit(submitter=PERSON, channel="letter"),
        desk.submit(submitter=PERSON, title=PERSON["name"][:3]),
    ]
    statuses = [r.status_code for r in wrong]
    for _ in range(6):
        limited = desk.submit(submitter=PERSON)
    statuses.append(limited.status_code)
    receipt = desk.submitted(headers=auth("citizen", sub="cd-loi"), submitter=PERSON)
    desk.route_all()
    refusals = [
        desk.act(receipt["tracking_code"], action="reject"),
        desk.act(receipt["tracking_code"], action="answer", answer=PERSON["name"]),
        desk.act(receipt["tracking_code"], agency="bo-xay-dung", action="accept"),
        desk.case(receipt["tracking_code"], headers=auth("official", agency="bo-xay-dung")),
    ]
    monkeypatch.setattr(
        service.contacts,
        "open_sealed",
        lambda *_: (_ for _ in ()).throw(RuntimeError(f"cannot decrypt {PERSON}")),
    )
    failed = desk.case(receipt["tracking_code"], access_key=receipt["access_key"])

    assert statuses == [422] * 6 + [403, 422, 429]
    assert [r.status_code for r in refusals] == [422, 409, 403, 404]
    assert failed.status_code == 500
    for response in [*wrong, limited, *refusals, failed]:
        text = response.body.decode()
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert leaks(text) == [], text


def test_published_questions_and_answers_hold_no_personal_data(
    desk: Any, auth: Any, client: Any
) -> None:
    receipt = desk.submitted(
        headers=auth("citizen", sub="cd-cong-khai"),
        title="Phản ánh của Nguyễn Thị Hồng Nhung, SĐT 0912345678",
        content=TYPED_IN,
    )
    code = receipt["tracking_code"]
    desk.route_all()
    assert desk.act(code, action="accept").status_code == 200
    published = desk.act(code, action="answer", answer=QUOTED_BACK, publish=True)
    assert published.status_code == 200

    page = body_of(client.http.get("/answers?limit=100"))
    (item,) = [i for i in page["items"] if i["tracking_code"] == code]

    text = json.dumps(item, ensure_ascii=False)
    assert leaks(text) == [], text
    # What is not personal stays, so the answer is still useful.
    assert "giấy phép lái xe" in item["question"]
    assert "135.000 đồng" in item["answer"] and "01/2025/TT-BCA" in item["answer"]
    assert item["agency_id"] == "bo-cong-an"
    # Searching for the person's contacts finds nothing (a name's folded words, "hong"
    # and "nhung", are also in "không" and "nhưng"); searching for the matter finds it.
    for q in ("0912345678", "example", "001190012345"):
        found = body_of(client.http.get(f"/answers?q={q}"))["items"]
        assert code not in [i["tracking_code"] for i in found], q
    found = body_of(client.http.get("/answers?q=giay%20phep%20lai%20xe"))["items"]
    assert code in [i["tracking_code"] for i in found]


def test_the_submitters_own_numbers_typed_in_other_forms_are_never_published(
    desk: Any, auth: Any, client: Any
) -> None:
    from urllib.parse import quote

    # The form keeps the phone as 0987123456 and the ID number as 079123456789; the
    # submitter types them into the text as people do, and the official quotes some back.
    submitter = {
        "name": "Trịnh Thị Thu Trang",
        "phone": "+84 987 123 456",
        "email": "Thu.Trang@Example.vn",
        "national_id": "079123456789",
        "address": "Số 8, ngõ 15, phố Lò Đúc, Hai Bà Trưng, Hà Nội",
    }
    phones = [
        "0987 123 456",
        "098.712.3456",
        "098-712-3456",
        "0 9 8 7 1 2 3 4 5 6",
        "+84 987 123 456",
        "84987123456",
        "SĐT0987123456",
        "(098) 712 3456",
    ]
    ids = [
        "079 123 456 789",
        "079.123.456.789",
        "079-123-456-789",
        "0791 2345 6789",
        "xx079123456789xx",
        "mã 079123456789",
        "079/123/456/789",
    ]
    content = (
        "Tôi gửi phản ánh về việc đổi giấy phép lái xe quá hạn. Số của tôi: "
        + ", ".join(phones)
        + ". Căn cước: "
        + "; ".join(ids)
        + ". Nhà tôi ở số 8 ngõ 15 Lò Đúc hoặc 8, ngõ 15, phố Lò Đúc, Hai Bà Trưng. "
        "E-mail THU.TRANG@EXAMPLE.VN."
    )
    receipt = desk.submitted(
        headers=auth("citizen", sub="cd-nhieu-dang"),
        title="Đổi giấy phép lái xe, gọi 0987.123.456",
        content=content,
        submitter=submitter,
    )
    code = receipt["tracking_code"]
    desk.route_all()
    assert desk.act(code, action="accept").status_code == 200
    answer = (
        "Kính gửi công dân (ĐT 098 712 3456, CCCD 079.123.456.789): giấy phép lái xe đã "
        "được trả qua bưu điện đến số 8, ngõ 15, phố Lò Đúc."
    )
    assert desk.act(code, action="answer", answer=answer, publish=True).status_code == 200

    page = body_of(client.http.get("/answers?limit=100"))
    (item,) = [i for i in page["items"] if i["tracking_code"] == code]
    published = json.dumps(item, ensure_ascii=False)
    digits = "".join(c for c in published if c.isdigit())
    for typed in [*phones, *ids, "Thu.Trang@Example.vn", "Lò Đúc", "ngõ 15"]:
        assert typed.lower() not in published.lower(), typed
    for number in ("987123456", "079123456789", "91234"):
        assert number not in digits, number
    assert "giấy phép lái xe" in item["question"] and "bưu điện" in item["answer"]
    assert "Hai Bà Trưng" in item["question"]  # the locality stays: it names no one

    # Searching for any form of the numbers, or for their bare digits, finds nothing.
    searches = [*phones, *ids, "0987123456", "987123456", "84987123456", "079123456789"]
    for q in searches:
        found = body_of(client.http.get(f"/answers?q={quote(q)}"))["items"]
        assert found == [], q
    found = body_of(client.http.get(f"/answers?q={quote('giấy phép bưu điện')}"))["items"]
    assert code in [i["tracking_code"] for i in found]


def test_contact_details_are_not_stored_in_plaintext(desk: Any, auth: Any) -> None:
    receipt = desk.submitted(
        headers=auth("citizen", sub="cd-luu-tru"),
        title="Chậm trả kết quả hồ sơ",
        content="Hồ sơ đổi giấy phép lái xe đã quá hạn giải quyết nhưng chưa có kết quả.",
    )
    desk.route_all()
    table = boto3.resource("dynamodb").Table("portal-test-feedback")

    item = table.get_item(Key={"pk": f"CASE#{receipt['tracking_code']}", "sk": "CASE"})["Item"]
    everything = table.scan()["Items"]

    contact = bytes(item["contact"].value)
    for value in PERSON.values():
        assert value.encode() not in contact
    assert receipt["access_key"] not in str(item)  # only its digest is kept
    for stored in everything:
        if stored.get("tracking_code", receipt["tracking_code"]) != receipt["tracking_code"]:
            continue  # other tests' cases, whose content holds what their submitter typed
        assert leaks(repr(stored)) == [], stored["pk"]
        assert leaks(json.dumps(stored, default=repr, ensure_ascii=False)) == [], stored["pk"]
    # The submitter still gets their details back.
    assert desk.by_key(receipt)["submitter"] == PERSON


def test_a_ciphertext_copied_onto_another_case_does_not_open(desk: Any, auth: Any) -> None:
    first = desk.submitted(headers=auth("citizen", sub="cd-sao-chep"))
    second = desk.submitted(
        headers=auth("citizen", sub="cd-sao-chep"),
        submitter={"name": "Người khác", "phone": "0900000001"},
    )
    table = boto3.resource("dynamodb").Table("portal-test-feedback")
    stolen = table.get_item(Key={"pk": f"CASE#{first['tracking_code']}", "sk": "CASE"})["Item"]
    table.update_item(
        Key={"pk": f"CASE#{second['tracking_code']}", "sk": "CASE"},
        UpdateExpression="SET contact = :c",
        ExpressionAttributeValues={":c": stolen["contact"]},
    )

    response = desk.case(second["tracking_code"], access_key=second["access_key"])

    assert PERSON["name"] not in response.body.decode()
    assert response.status_code == 500
