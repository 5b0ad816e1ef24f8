"""Officials' steps: accept, reject (with a reason), transfer, answer (and publish). A step the
case's status does not allow is a 409; every step lands in the timeline with actor and time."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest

from services.core.clock import VIETNAM_TZ
from tests.conftest import SetClock, body_of

_people = itertools.count(1)
_addresses = itertools.count(1)
ANSWER = "Cơ quan đã kiểm tra và trả kết quả đổi giấy phép lái xe qua dịch vụ bưu chính."
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM_TZ)  # no holiday in the weeks after


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"192.0.2.{next(_addresses) % 250}")


def new_case(desk: Any, **changes: Any) -> str:
    """A case routed to bo-cong-an (by its procedure), from a submitter of its own."""
    n = next(_people)
    changes.setdefault("submitter", {"name": f"Người gửi {n}", "phone": f"0977{n:06d}"})
    receipt = desk.submitted(**changes)
    desk.route_all()
    return str(receipt["tracking_code"])


def in_status(desk: Any, status: str) -> str:
    """A case at bo-cong-an (or, transferred, at bo-xay-dung) in ``status``."""
    code = new_case(desk)
    steps = {
        "received": [],
        "accepted": [{"action": "accept"}],
        "rejected": [{"action": "reject", "note": "Không thuộc thẩm quyền giải quyết."}],
        "transferred": [{"action": "transfer", "to_agency_id": "bo-xay-dung"}],
        "answered": [{"action": "accept"}, {"action": "answer", "answer": ANSWER}],
        "published": [
            {"action": "accept"},
            {"action": "answer", "answer": ANSWER, "publish": True},
        ],
    }[status]
    for step in steps:
        response = desk.act(code, **step)
        assert response.status_code == 200, response.body
    return code


def official_view(desk: Any, auth: Any, code: str, agency: str = "bo-cong-an") -> Any:
    response = desk.case(code, headers=auth("official", agency=agency))
    assert response.status_code == 200, response.body
    return body_of(response)


def test_accept_sets_the_answer_deadline_and_records_the_step(
    desk: Any, auth: Any, clock: SetClock
) -> None:
    clock.set(MONDAY)
    code = new_case(desk)
    clock.set(datetime(2026, 3, 9, 14, 30, tzinfo=VIETNAM_TZ))

    response = desk.act(code, action="accept", note="Tiếp nhận xử lý.")

    assert response.status_code == 200, response.body
    case = body_of(response)
    assert case["status"] == "accepted"
    step = case["timeline"][-1]
    assert step["action"] == "accept"
    assert step["actor"] == "official:bo-cong-an"
    assert step["status"] == "accepted"
    assert step["note"] == "Tiếp nhận xử lý."
    assert datetime.fromisoformat(step["at"]) == datetime(2026, 3, 9, 14, 30, tzinfo=VIETNAM_TZ)
    # Ten working days after Monday 9 March: two weeks on, Monday 23 March, end of day.
    assert datetime.fromisoformat(case["answer_by"]) == datetime(
        2026, 3, 23, 23, 59, 59, tzinfo=VIETNAM_TZ
    )
    assert case["deadline"] == case["answer_by"]
    # The answer to the action is what anyone allowed sees afterwards.
    assert official_view(desk, auth, code)["status"] == "accepted"


def test_reject_needs_a_reason_and_keeps_it(desk: Any, auth: Any) -> None:
    code = new_case(desk)

    without = desk.act(code, action="reject")
    assert without.status_code == 422, without.body
    assert official_view(desk, auth, code)["status"] == "received"

    response = desk.act(code, action="reject", note="Nội dung không thuộc phạm vi tiếp nhận.")
    assert response.status_code == 200, response.body
    case = body_of(response)
    assert case["status"] == "rejected"
    assert case["deadline"] is None
    assert case["timeline"][-1]["note"] == "Nội dung không thuộc phạm vi tiếp nhận."


def test_transfer_moves_the_case_with_a_new_respond_deadline(
    desk: Any, auth: Any, clock: SetClock
) -> None:
    clock.set(MONDAY)
    code = new_case(desk)
    clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=VIETNAM_TZ))  # Wednesday

    response = desk.act(code, action="transfer", to_agency_id="bo-xay-dung", note="Sai thẩm quyền")

    assert response.status_code == 200, response.body
    case = body_of(response)
    assert case["status"] == "transferred"
    assert case["agency_id"] == "bo-xay-dung"
    step = case["timeline"][-1]
    assert (step["action"], step["agency_id"], step["actor"]) == (
        "transfer",
        "bo-xay-dung",
        "official:bo-cong-an",
    )
    # Five working days from the transfer (not from receipt, due Monday 16): Wednesday 18.
    assert datetime.fromisoformat(case["respond_by"]) == datetime(
        2026, 3, 18, 23, 59, 59, tzinfo=VIETNAM_TZ
    )
    # The old agency can no longer act; the new one can, and can pass it on again.
    assert desk.act(code, action="accept").status_code == 403
    onward = desk.act(code, agency="bo-xay-dung", action="transfer", to_agency_id="bo-cong-an")
    assert onward.status_code == 200, onward.body
    accepted = desk.act(code, action="accept")
    assert accepted.status_code == 200, accepted.body


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "transfer", "to_agency_id": "bo-khong-ton-tai"}, "to_agency_id"),
        ({"action": "transfer"}, "to_agency_id"),
        ({"action": "transfer", "to_agency_id": "bo-cong-an"}, "to_agency_id"),
        ({"action": "transfer", "to_agency_id": "Bộ Xây dựng"}, "to_agency_id"),
        ({"action": "escalate"}, "action"),
        ({"action": "accept", "extra": True}, "extra"),
    ],
)
def test_invalid_steps_are_422_and_change_nothing(
    desk: Any, auth: Any, body: dict[str, Any], field: str
) -> None:
    code = new_case(desk)

    response = desk.act(code, **body)

    assert response.status_code == 422, response.body
    assert any(e["field"] == field for e in body_of(response)["errors"])
    case = official_view(desk, auth, code)
    assert (case["status"], case["agency_id"]) == ("received", "bo-cong-an")


def test_answer_without_its_text_is_422(desk: Any) -> None:
    code = in_status(desk, "accepted")

    response = desk.act(code, action="answer")

    assert response.status_code == 422, response.body


def test_answer_finishes_the_case_and_publish_makes_it_public(
    desk: Any, client: Any, auth: Any
) -> None:
    private = in_status(desk, "accepted")
    public = in_status(desk, "accepted")

    answered = desk.act(private, action="answer", answer=ANSWER)
    published = desk.act(public, action="answer", answer=ANSWER, publish=True)

    assert answered.status_code == 200 and published.status_code == 200
    assert (body_of(answered)["status"], body_of(answered)["published"]) == ("answered", False)
    assert (body_of(published)["status"], body_of(published)["published"]) == (
        "published",
        True,
    )
    assert body_of(answered)["answer"] == ANSWER
    assert body_of(answered)["deadline"] is None
    listed = {a["tracking_code"] for a in body_of(client.http.get("/answers?limit=100"))["items"]}
    assert public in listed
    assert private not in listed


# Every (status, action) pair the lifecycle refuses.
REFUSED = [
    ("received", {"action": "answer", "answer": ANSWER}),
    ("accepted", {"action": "accept"}),
    ("accepted", {"action": "reject", "note": "Muộn"}),
    ("accepted", {"action": "transfer", "to_agency_id": "bo-xay-dung"}),
    ("rejected", {"action": "accept"}),
    ("rejected", {"action": "reject", "note": "Lại"}),
    ("rejected", {"action": "transfer", "to_agency_id": "bo-xay-dung"}),
    ("rejected", {"action": "answer", "answer": ANSWER}),
    ("transferred", {"action": "answer", "answer": ANSWER}),
    ("answered", {"action": "accept"}),
    ("answered", {"action": "reject", "note": "Lại"}),
    ("answered", {"action": "transfer", "to_agency_id": "bo-xay-dung"}),
    ("answered", {"action": "answer", "answer": ANSWER}),
    ("published", {"action": "accept"}),
    ("published", {"action": "answer", "answer": "Sửa câu trả lời", "publish": True}),
]


@pytest.mark.parametrize("status, body", REFUSED)
def test_a_step_the_status_does_not_allow_is_409(
    desk: Any, auth: Any, status: str, body: dict[str, Any]
) -> None:
    code = in_status(desk, status)
    agency = "bo-xay-dung" if status == "transferred" else "bo-cong-an"
    before = official_view(desk, auth, code, agency)

    response = desk.act(code, agency=agency, **body)

    assert response.status_code == 409, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = body_of(response)
    assert problem["status"] == 409 and problem["detail"]
    after = official_view(desk, auth, code, agency)
    assert after["status"] == status
    assert after["timeline"] == before["timeline"]


def test_the_timeline_holds_every_step_in_order(desk: Any, auth: Any) -> None:
    code = new_case(desk)
    desk.act(code, action="transfer", to_agency_id="bo-xay-dung")
    desk.act(code, agency="bo-xay-dung", action="accept")
    desk.act(code, agency="bo-xay-dung", action="answer", answer=ANSWER, publish=True)

    timeline = official_view(desk, auth, code, "bo-xay-dung")["timeline"]

    assert [(s["action"], s["status"], s["actor"]) for s in timeline] == [
        ("submit", "received", "submitter"),
        ("route", "received", "system"),
        ("transfer", "transferred", "official:bo-cong-an"),
        ("accept", "accepted", "official:bo-xay-dung"),
        ("answer", "published", "official:bo-xay-dung"),
    ]
    moments = [datetime.fromisoformat(s["at"]) for s in timeline]
    assert moments == sorted(moments)


def test_only_officials_of_the_handling_agency_act(desk: Any, auth: Any) -> None:
    code = new_case(desk)
    path = f"/cases/{code}/actions"
    body = '{"action": "accept"}'

    anonymous = desk.client.http.post(path, headers={"Content-Type": "application/json"}, body=body)
    citizen = desk.client.http.post(path, headers=auth("citizen", sub="cong-dan-1"), body=body)
    operator = desk.client.http.post(path, headers=auth("operator"), body=body)
    other = desk.act(code, agency="bo-xay-dung", action="accept")

    assert anonymous.status_code == 401
    assert citizen.status_code == 403
    assert operator.status_code == 403
    assert other.status_code == 403
    assert official_view(desk, auth, code)["status"] == "received"


def test_the_submitter_cannot_act_with_the_access_key(desk: Any) -> None:
    receipt = desk.submitted(submitter={"name": "Người gửi khóa", "phone": "0966000111"})
    desk.route_all()

    response = desk.client.http.post(
        f"/cases/{receipt['tracking_code']}/actions?access_key={receipt['access_key']}",
        headers={"Content-Type": "application/json"},
        body='{"action": "accept"}',
    )

    assert response.status_code == 401
    assert desk.by_key(receipt)["status"] == "received"


def test_an_unknown_case_is_404(desk: Any) -> None:
    assert desk.act("PA-22222-22222", action="accept").status_code == 404


def test_a_case_not_yet_routed_has_no_handling_agency(desk: Any) -> None:
    receipt = desk.submitted(submitter={"name": "Người gửi mới", "phone": "0966000222"})

    response = desk.act(receipt["tracking_code"], action="accept")

    assert response.status_code == 403
    desk.route_all()
    assert desk.act(receipt["tracking_code"], action="accept").status_code == 200


def test_a_step_on_a_case_that_changed_meanwhile_is_409(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.feedback import storage

    code = new_case(desk)
    stale = storage.load(code)
    assert desk.act(code, action="accept").status_code == 200
    monkeypatch.setattr(storage, "load", lambda _code: stale)  # read before the accept

    response = desk.act(code, action="reject", note="Trùng")

    assert response.status_code == 409, response.body
    monkeypatch.undo()
    assert storage.load(code)[0].status == "accepted"  # type: ignore[index]


def test_a_step_that_collides_with_another_transaction_is_tried_again(desk: Any, auth: Any) -> None:
    """Steps share the agency's counters with every other step: DynamoDB cancels one of two
    transactions meeting there, and the loser goes through on a second try."""
    from services.core import aws
    from tests.support.faults import transaction_collisions

    code = new_case(desk)
    with transaction_collisions(aws.dynamodb_client(), times=2) as collisions:
        response = desk.act(code, action="accept")

    assert response.status_code == 200, response.body
    assert collisions.injected == 2
    assert official_view(desk, auth, code)["status"] == "accepted"


def test_collisions_that_do_not_pass_are_a_409_to_retry(desk: Any, auth: Any) -> None:
    from services.core import aws
    from tests.support.faults import transaction_collisions

    code = new_case(desk)
    with transaction_collisions(aws.dynamodb_client(), times=100):
        response = desk.act(code, action="accept")

    assert response.status_code == 409, response.body
    assert body_of(response)["detail"] == "Phản ánh vừa được cập nhật, vui lòng tải lại."
    assert official_view(desk, auth, code)["status"] == "received"
