"""Intake and routing: a receipt at once, then the queue consumer routes each case once to
the competent agency, sets its deadline and links a duplicate from the same submitter."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from typing import Any

import boto3
import pytest

from services.core.clock import VIETNAM_TZ
from tests.conftest import SetClock, body_of
from tests.feedback.conftest import PERSON, PROCEDURE

TRACKING_CODE = re.compile(r"^PA-[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$")
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM_TZ)  # no holiday in the weeks after
FIVE_WORKING_DAYS_LATER = datetime(2026, 3, 16, 23, 59, 59, tzinfo=VIETNAM_TZ)
_people = itertools.count(1)
_addresses = itertools.count(1)


def someone() -> dict[str, str]:
    """A submitter of their own: the per-contact rate limit is tested in test_rate_limit."""
    n = next(_people)
    return {"name": f"Người gửi {n}", "phone": f"0987{n:06d}", "email": f"nguoi{n}@example.vn"}


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each anonymous submission from its own client address (the address limit is tested
    apart), as a spike of citizens from many places would be."""
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"203.0.113.{next(_addresses) % 250}")


def stats_total(client: Any, agency: str, period: str) -> int:
    response = client.http.get(f"/stats?agency_id={agency}&period={period}")
    assert response.status_code == 200, response.body
    return int(body_of(response)["total"])


def test_intake_answers_202_with_a_typable_code_and_an_unguessable_key(desk: Any) -> None:
    first = desk.submit(submitter=someone())
    second = desk.submitted(submitter=someone())

    assert first.status_code == 202
    receipt = body_of(first)
    assert receipt["status"] == "received"
    assert TRACKING_CODE.match(receipt["tracking_code"])
    assert len(receipt["access_key"]) >= 24
    assert receipt["tracking_code"] != second["tracking_code"]
    assert receipt["access_key"] != second["access_key"]
    # Before routing the submitter already sees the case as received.
    case = desk.by_key(receipt)
    assert case["status"] == "received"
    assert case["channel"] == "web"
    assert [s["action"] for s in case["timeline"]] == ["submit"]
    assert case["timeline"][0]["actor"] == "submitter"
    desk.route_all()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"content": "ngắn"}, "content"),
        ({"procedure_code": "1002804"}, "procedure_code"),
        ({"agency_id": "Bộ Công an"}, "agency_id"),
        ({"channel": "fax"}, "channel"),
        ({"submitter": {"name": "Không liên lạc được"}}, "submitter"),
        ({"submitter": {"name": "Sai số", "phone": "12345"}}, "submitter.phone"),
        ({"submitter": {"name": "Sai thư", "email": "not-an-email"}}, "submitter.email"),
        (
            {"submitter": {"name": "Sai số CCCD", "phone": "0912000111", "national_id": "123"}},
            "submitter.national_id",
        ),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_submissions_are_422_naming_the_field(
    desk: Any, changes: dict[str, Any], field: str
) -> None:
    response = desk.submit(**changes)

    assert response.status_code == 422, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert any(e["field"].startswith(field) for e in body_of(response)["errors"])


def test_a_case_goes_to_the_procedures_implementing_agency_with_a_five_working_day_deadline(
    desk: Any, clock: SetClock
) -> None:
    clock.set(MONDAY)
    receipt = desk.submitted(submitter=someone())
    desk.route_all()

    case = desk.by_key(receipt)
    assert case["agency_id"] == "bo-cong-an"
    assert case["procedure_code"] == PROCEDURE
    assert case["status"] == "received"
    assert datetime.fromisoformat(case["received_at"]) == MONDAY
    assert datetime.fromisoformat(case["respond_by"]) == FIVE_WORKING_DAYS_LATER
    assert case["deadline"] == case["respond_by"]
    assert case["answer_by"] is None
    route = [s for s in case["timeline"] if s["action"] == "route"]
    assert len(route) == 1
    assert route[0]["actor"] == "system"
    assert route[0]["agency_id"] == "bo-cong-an"


def test_a_case_naming_an_agency_goes_to_that_agency(desk: Any) -> None:
    receipt = desk.submitted(submitter=someone(), procedure_code=None, agency_id="bo-xay-dung")
    desk.route_all()

    assert desk.by_key(receipt)["agency_id"] == "bo-xay-dung"


def test_an_unknown_procedure_falls_back_to_the_named_agency(desk: Any) -> None:
    receipt = desk.submitted(
        submitter=someone(), procedure_code="9.999999", agency_id="bo-xay-dung"
    )
    desk.route_all()

    assert desk.by_key(receipt)["agency_id"] == "bo-xay-dung"


def test_a_case_naming_neither_goes_to_the_government_office(desk: Any) -> None:
    receipt = desk.submitted(submitter=someone(), procedure_code=None)
    desk.route_all()

    case = desk.by_key(receipt)
    assert case["agency_id"] == "van-phong-chinh-phu"
    assert case["respond_by"] is not None


def test_a_redelivered_message_routes_the_case_once(
    desk: Any, client: Any, clock: SetClock
) -> None:
    clock.set(MONDAY)
    before = stats_total(client, "bo-xay-dung", "2026")
    receipts = [
        desk.submitted(submitter=someone(), procedure_code=None, agency_id="bo-xay-dung")
        for _ in range(3)
    ]

    delivered = desk.route_all(times=2)

    assert len(delivered) == 3
    for receipt in receipts:
        case = desk.by_key(receipt)
        assert [s["action"] for s in case["timeline"]].count("route") == 1
        assert case["agency_id"] == "bo-xay-dung"
    assert stats_total(client, "bo-xay-dung", "2026") == before + 3


def test_a_message_about_no_case_or_of_another_kind_is_dropped_not_retried(client: Any) -> None:
    bodies = [
        json.dumps({"type": "case.received", "tracking_code": "PA-22222-22222"}),
        json.dumps({"type": "something.else", "tracking_code": "PA-22222-22223"}),
        json.dumps({"type": "case.received", "tracking_code": "not a code"}),
    ]
    event = client.events.generate_sqs_event(
        message_bodies=bodies, queue_name="portal-test-feedback-intake"
    )

    result = client.lambda_.invoke("route-feedback-cases", event)

    assert result.payload == {"batchItemFailures": []}


def test_a_second_case_from_the_same_submitter_on_the_same_matter_is_linked(desk: Any) -> None:
    person = someone()
    first = desk.submitted(submitter=person)
    desk.route_all()
    # The same phone, another e-mail address, the same title: the same matter.
    again = desk.submitted(submitter={**person, "email": "khac@example.vn"})
    other_matter = desk.submitted(
        submitter=person,
        title="Thái độ của cán bộ tiếp dân",
        content="Cán bộ tại bộ phận một cửa không hướng dẫn đầy đủ thủ tục cho người dân.",
    )
    someone_else = desk.submitted(submitter=someone())
    desk.route_all()

    linked = _as_handler(desk, again)
    assert linked["duplicate_of"] == first["tracking_code"]
    link = [s for s in linked["timeline"] if s["action"] == "link"]
    assert len(link) == 1 and first["tracking_code"] in link[0]["note"]
    assert linked["status"] == "received"  # both stay open; the agency decides
    assert _as_handler(desk, first)["duplicate_of"] is None
    assert _as_handler(desk, other_matter)["duplicate_of"] is None
    assert _as_handler(desk, someone_else)["duplicate_of"] is None
    # The submitter is not told: the link would tie their case to another, maybe published.
    own_view = desk.by_key(again)
    assert own_view["duplicate_of"] is None
    assert all(step["action"] != "link" for step in own_view["timeline"])


def test_a_duplicate_is_found_by_similar_content_under_another_title(desk: Any) -> None:
    person = someone()
    first = desk.submitted(submitter=person)
    desk.route_all()
    again = desk.submitted(submitter=person, title="Xin hỏi về hồ sơ giấy phép lái xe")
    desk.route_all()

    assert _as_handler(desk, again)["duplicate_of"] == first["tracking_code"]


def _as_handler(desk: Any, receipt: dict[str, Any]) -> dict[str, Any]:
    """The case as an official of the agency handling it (1.002804: bo-cong-an) sees it."""
    official = desk.auth("official", agency="bo-cong-an")
    response = desk.case(receipt["tracking_code"], headers=official)
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def test_no_duplicate_after_thirty_days(desk: Any, clock: SetClock) -> None:
    clock.set(MONDAY)
    person = someone()
    desk.submitted(submitter=person)
    desk.route_all()
    clock.advance(days=31)
    again = desk.submitted(submitter=person)
    desk.route_all()

    assert _as_handler(desk, again)["duplicate_of"] is None


def test_web_is_the_default_channel(desk: Any) -> None:
    receipt = desk.submitted(submitter=someone())

    assert desk.by_key(receipt)["channel"] == "web"


@pytest.mark.parametrize("channel", ["phone", "letter", "email"])
def test_officials_enter_cases_received_by_phone_letter_or_email(
    desk: Any, auth: Any, channel: str
) -> None:
    official = auth("official", agency="bo-xay-dung")
    response = desk.submit(
        headers=official, submitter=someone(), channel=channel, procedure_code=None
    )
    assert response.status_code == 202, response.body
    receipt = body_of(response)
    desk.route_all()

    case = desk.by_key(receipt)
    assert case["channel"] == channel
    assert case["timeline"][0]["actor"] == "official:bo-xay-dung"
    assert case["agency_id"] == "van-phong-chinh-phu"


@pytest.mark.parametrize("role", [None, "citizen", "operator"])
def test_only_officials_enter_cases_from_other_channels(
    desk: Any, auth: Any, role: str | None
) -> None:
    headers = auth(role, sub="citizen-channel") if role else None

    response = desk.submit(headers=headers, submitter=someone(), channel="phone")

    assert response.status_code == 403, response.body
    assert body_of(response)["status"] == 403


def test_a_bad_token_is_401_even_where_a_token_is_optional(desk: Any) -> None:
    response = desk.submit(headers={"Authorization": "Bearer not-a-token"}, submitter=someone())

    assert response.status_code == 401


def test_routing_is_asked_again_by_the_sweep_when_the_message_was_lost(
    desk: Any, clock: SetClock
) -> None:
    from services.feedback import service

    clock.set(MONDAY)
    desk.route_all()
    receipt = desk.submitted(submitter=someone(), procedure_code=None, agency_id="bo-xay-dung")
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="portal-test-feedback-intake")["QueueUrl"]
    (lost,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert receipt["tracking_code"] in lost["Body"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=lost["ReceiptHandle"])
    assert service.sweep()["rerouted"] == 0  # too early: the message may still come

    clock.advance(minutes=1)
    assert service.sweep()["rerouted"] == 0  # still too early
    clock.advance(days=2)
    assert service.sweep()["rerouted"] >= 1
    assert desk.route_all()

    case = desk.by_key(receipt)
    assert case["agency_id"] == "bo-xay-dung"
    # The deadline counts from when the case was received, not from when it was routed.
    assert datetime.fromisoformat(case["respond_by"]) == FIVE_WORKING_DAYS_LATER
    assert service.sweep()["rerouted"] == 0  # routed: not asked again


def test_person_fixture_is_a_valid_submitter(desk: Any, auth: Any) -> None:
    # PERSON (used across the suite) is accepted as is, by a citizen with a token.
    response = desk.submit(headers=auth("citizen", sub="nguoi-dan-1"), submitter=dict(PERSON))

    assert response.status_code == 202, response.body


def test_two_deliveries_at_once_route_the_case_once(
    desk: Any, client: Any, monkeypatch: pytest.MonkeyPatch, clock: SetClock
) -> None:
    from services.feedback import service, storage

    clock.set(MONDAY)
    before = stats_total(client, "bo-xay-dung", "2026-03")
    receipt = desk.submitted(submitter=someone(), procedure_code=None, agency_id="bo-xay-dung")
    code = receipt["tracking_code"]
    unrouted = storage.load(code)
    assert service.route(code) is True  # the first delivery
    real_load = storage.load
    reads = iter([unrouted])  # the second read the case before the first saved it
    monkeypatch.setattr(storage, "load", lambda c: next(reads, None) or real_load(c))

    assert service.route(code) is False

    monkeypatch.undo()
    case = desk.by_key(receipt)
    assert [s["action"] for s in case["timeline"]].count("route") == 1
    assert stats_total(client, "bo-xay-dung", "2026-03") == before + 1
    desk.route_all()  # the queued message, a third delivery, changes nothing
    assert desk.by_key(receipt)["timeline"] == case["timeline"]


def test_an_agency_that_does_not_exist_sends_the_case_to_the_national_desk(desk: Any) -> None:
    receipt = desk.submitted(submitter=someone(), procedure_code=None, agency_id="khong-ton-tai")
    desk.route_all()
    assert desk.by_key(receipt)["agency_id"] == "van-phong-chinh-phu"


def test_routing_classifies_the_case_and_names_the_procedures_field(desk: Any) -> None:
    proposal = desk.submitted(
        submitter=someone(),
        title="Kiến nghị sửa đổi quy định về thời hạn đổi giấy phép lái xe",
        content="Đề nghị bỏ yêu cầu nộp bản sao giấy khám sức khỏe khi đổi giấy phép.",
    )
    complaint = desk.submitted(submitter=someone())  # "Chậm trả kết quả ... quá thời hạn"
    desk.route_all()
    shown = _as_handler(desk, proposal)
    assert shown["kind"] == "kien_nghi"
    assert shown["field"] == "Đường bộ"  # from the catalogue's procedure 1.002804
    assert _as_handler(desk, complaint)["kind"] == "phan_anh"


def test_the_classifier_examples_run() -> None:
    import doctest

    from services.feedback import classify

    assert doctest.testmod(classify).failed == 0


def test_a_case_about_an_abolished_or_unpublished_procedure(desk: Any, auth: Any) -> None:
    """An abolished procedure still names the agency that handled it; a draft is not in
    the public catalogue yet, so the case goes where it would without a procedure."""
    from chalice.test import Client

    from services.catalogue.app import app as catalogue

    operator = auth("operator")
    procedure = {
        "name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "field": "Xây dựng",
        "agency_ids": ["bo-xay-dung"],
        "agency_level": "central",
        "service_level": "partial",
        "processing_days": 15,
        "fees": [],
        "documents": [{"name": "Đơn đề nghị", "copies": 1}],
        "legal_bases": ["Nghị định 15/2021/NĐ-CP"],
        "result": "Giấy phép xây dựng",
        "online_payment": False,
        "e_result": False,
    }
    with Client(catalogue) as client:
        for code in ("1.009001", "1.009002"):
            put = client.http.put(
                f"/procedures/{code}", headers=operator, body=json.dumps(procedure)
            )
            assert put.status_code == 200, put.body
        published = client.http.post("/procedures/1.009001/publish", headers=operator, body="{}")
        assert published.status_code == 200, published.body
        abolished = client.http.post(
            "/procedures/1.009001/abolish",
            headers=operator,
            body=json.dumps({"reason": "Hợp nhất vào thủ tục khác"}),
        )
        assert abolished.status_code == 200, abolished.body

    about_abolished = desk.submitted(submitter=someone(), procedure_code="1.009001")
    about_draft = desk.submitted(submitter=someone(), procedure_code="1.009002")
    desk.route_all()

    routed = _as_official_of(desk, about_abolished, "bo-xay-dung")
    assert (routed["agency_id"], routed["field"]) == ("bo-xay-dung", "Xây dựng")
    routed = _as_official_of(desk, about_draft, "van-phong-chinh-phu")
    assert (routed["agency_id"], routed["field"]) == ("van-phong-chinh-phu", None)


def _as_official_of(desk: Any, receipt: dict[str, Any], agency: str) -> dict[str, Any]:
    response = desk.case(receipt["tracking_code"], headers=desk.auth("official", agency=agency))
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))
