"""The schedule: cases past their deadline are marked overdue (and count as late in the
on-time share), finished cases close after their time."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.core.clock import VIETNAM_TZ
from tests.conftest import SetClock, body_of

AGENCY = "van-phong-chinh-phu"  # cases naming neither a procedure nor an agency
START = datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM_TZ)  # a Monday; every test begins there
_people = itertools.count(1)


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"192.0.2.{next(_people) % 250}")


@pytest.fixture(autouse=True)
def started(clock: SetClock) -> None:
    clock.set(START)


def new_case(desk: Any) -> str:
    n = next(_people)
    receipt = desk.submitted(
        procedure_code=None,
        title=f"Kiến nghị số {n} gửi Chính phủ",
        content=f"Nội dung kiến nghị số {n}: đề nghị đơn giản hóa thủ tục hành chính.",
        submitter={"name": f"Người gửi {n}", "phone": f"0944{n:06d}"},
    )
    desk.route_all()
    return str(receipt["tracking_code"])


def act(desk: Any, code: str, **body: Any) -> dict[str, Any]:
    response = desk.act(code, agency=AGENCY, **body)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def view(desk: Any, auth: Any, code: str) -> dict[str, Any]:
    response = desk.case(code, headers=auth("official", agency=AGENCY))
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def stats(client: Any) -> dict[str, Any]:
    response = client.http.get(f"/stats?agency_id={AGENCY}&period=2026")
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def test_a_case_past_its_deadline_is_marked_overdue_once_and_answered_late(
    desk: Any, auth: Any, client: Any, clock: SetClock
) -> None:
    from services.feedback import service

    before = stats(client)
    late = new_case(desk)
    on_time = new_case(desk)
    act(desk, on_time, action="accept")
    act(desk, on_time, action="answer", answer="Đã xem xét và trả lời.")
    deadline = datetime.fromisoformat(view(desk, auth, late)["respond_by"])
    assert service.sweep()["overdue"] == 0  # not yet

    clock.set(deadline + timedelta(minutes=1))
    swept = service.sweep()

    assert swept["overdue"] >= 1
    case = view(desk, auth, late)
    assert case["overdue"] is True
    assert case["status"] == "received"  # overdue is a mark, not a status
    step = case["timeline"][-1]
    assert (step["action"], step["actor"]) == ("overdue", "system")
    listed = body_of(
        client.http.get(f"/agencies/{AGENCY}/cases", headers=auth("official", agency=AGENCY))
    )["items"]
    assert {i["tracking_code"]: i["overdue"] for i in listed}[late] is True
    assert service.sweep()["overdue"] == 0  # marked once
    assert [s["action"] for s in view(desk, auth, late)["timeline"]].count("overdue") == 1

    act(desk, late, action="accept")
    act(desk, late, action="answer", answer="Trả lời muộn.")
    after = stats(client)
    assert after["finished"] - before["finished"] == 2
    assert after["finished_on_time"] - before["finished_on_time"] == 1
    assert after["on_time_share"] == pytest.approx(
        after["finished_on_time"] / after["finished"], abs=1e-4
    )
    assert after["on_time_share"] < 1


def test_a_step_taken_after_the_deadline_is_late_even_before_the_sweep(
    desk: Any, auth: Any, client: Any, clock: SetClock
) -> None:
    before = stats(client)
    code = new_case(desk)

    clock.set(START + timedelta(days=30))  # no sweep ran meanwhile
    case = act(desk, code, action="reject", note="Quá hạn, không thuộc thẩm quyền.")

    assert case["overdue"] is True
    after = stats(client)
    assert after["finished"] - before["finished"] == 1
    assert after["finished_on_time"] == before["finished_on_time"]


def test_an_accepted_case_is_overdue_after_its_answer_deadline(
    desk: Any, auth: Any, clock: SetClock
) -> None:
    from services.feedback import service

    code = new_case(desk)
    accepted = act(desk, code, action="accept")
    answer_by = datetime.fromisoformat(accepted["answer_by"])

    clock.set(answer_by - timedelta(hours=1))
    service.sweep()
    assert view(desk, auth, code)["overdue"] is False

    clock.set(answer_by + timedelta(hours=1))
    service.sweep()
    assert view(desk, auth, code)["overdue"] is True


def test_finished_cases_close_after_their_close_date(desk: Any, auth: Any, clock: SetClock) -> None:
    from services.feedback import service

    answered = new_case(desk)
    act(desk, answered, action="accept")
    act(desk, answered, action="answer", answer="Đã trả lời.", publish=True)
    rejected = new_case(desk)
    act(desk, rejected, action="reject", note="Trùng nội dung.")
    still_open = new_case(desk)
    act(desk, still_open, action="accept")

    clock.set(START + timedelta(days=3))
    assert service.sweep()["closed"] == 0  # too early
    assert view(desk, auth, answered)["status"] == "published"

    clock.set(START + timedelta(days=30))
    swept = service.sweep()

    assert swept["closed"] >= 2
    for code in (answered, rejected):
        case = view(desk, auth, code)
        assert case["status"] == "closed"
        assert (case["timeline"][-1]["action"], case["timeline"][-1]["actor"]) == (
            "close",
            "system",
        )
    assert view(desk, auth, still_open)["status"] == "accepted"
    assert service.sweep()["closed"] == 0  # closed once
    # A closed case takes no more steps.
    refused = desk.act(answered, agency=AGENCY, action="answer", answer="Lại")
    assert refused.status_code == 409


def test_the_schedule_runs_the_sweep(client: Any, desk: Any, auth: Any, clock: SetClock) -> None:
    code = new_case(desk)
    clock.set(START + timedelta(days=40))

    client.lambda_.invoke(
        "sweep-feedback-cases",
        client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        ),
    )

    assert view(desk, auth, code)["overdue"] is True
