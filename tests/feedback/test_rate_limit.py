"""Abuse: anonymous submissions are limited per phone or e-mail (5 an hour) and per client
address (20 an hour), answered 429 with Retry-After; signed-in citizens and officials are not."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import SetClock, body_of

_addresses = itertools.count(1)
_phones = itertools.count(1)


@pytest.fixture
def many_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"203.0.113.{next(_addresses) % 250}")


def a_phone() -> str:
    return f"0922{next(_phones):06d}"


def assert_slowed_down(response: Any) -> None:
    assert response.status_code == 429, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 3600
    assert body_of(response)["status"] == 429


def test_the_sixth_anonymous_case_from_one_phone_in_an_hour_is_429(
    desk: Any, many_addresses: None
) -> None:
    desk.route_all()
    phone = a_phone()
    person = {"name": "Người gửi nhiều", "phone": phone}
    answers = [desk.submit(submitter=person).status_code for _ in range(5)]

    sixth = desk.submit(submitter=person)
    # Written differently, the same number is the same submitter.
    spaced = desk.submit(submitter={**person, "phone": f"{phone[:4]} {phone[4:7]} {phone[7:]}"})
    international = desk.submit(submitter={**person, "phone": "+84" + phone[1:]})
    bare_country = desk.submit(submitter={**person, "phone": "84" + phone[1:]})

    assert answers == [202] * 5
    assert_slowed_down(sixth)
    assert_slowed_down(spaced)
    assert_slowed_down(international)
    assert_slowed_down(bare_country)
    assert phone not in sixth.body.decode()
    assert len(desk.route_all()) == 5  # the refused ones left no case behind
    # Another phone is not held back.
    assert desk.submit(submitter={"name": "Người khác", "phone": a_phone()}).status_code == 202


def test_the_limit_is_per_email_too(desk: Any, many_addresses: None) -> None:
    email = "nhieu.lan@example.vn"
    answers = [
        desk.submit(submitter={"name": "Người gửi", "phone": a_phone(), "email": email})
        for _ in range(6)
    ]

    assert [a.status_code for a in answers[:5]] == [202] * 5
    assert_slowed_down(answers[5])
    upper = desk.submit(submitter={"name": "Người gửi", "email": email.upper()})
    assert_slowed_down(upper)


def test_the_limit_ends_with_its_hour(desk: Any, many_addresses: None, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 3, 20, tzinfo=UTC))  # 40 minutes before the hour ends
    person = {"name": "Người gửi kiên nhẫn", "phone": a_phone()}
    for _ in range(5):
        assert desk.submit(submitter=person).status_code == 202
    refused = desk.submit(submitter=person)
    assert_slowed_down(refused)
    assert refused.headers["Retry-After"] == "2400"

    clock.set(datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC))
    last_second = desk.submit(submitter=person)
    assert_slowed_down(last_second)
    assert last_second.headers["Retry-After"] == "1"

    clock.set(datetime(2026, 3, 9, 4, 0, tzinfo=UTC))
    assert desk.submit(submitter=person).status_code == 202


def test_a_citizen_with_a_token_is_not_limited(desk: Any, auth: Any, many_addresses: None) -> None:
    person = {"name": "Công dân đăng nhập", "phone": a_phone()}
    citizen = auth("citizen", sub="cong-dan-dang-nhap")

    answers = [desk.submit(headers=citizen, submitter=person).status_code for _ in range(8)]

    assert answers == [202] * 8
    # The same phone, anonymous, is still counted on its own.
    anonymous = [desk.submit(submitter=person).status_code for _ in range(6)]
    assert anonymous == [202] * 5 + [429]


def test_an_official_entering_calls_is_not_limited(desk: Any, auth: Any) -> None:
    official = auth("official", agency="bo-cong-an")
    person = {"name": "Người gọi điện", "phone": a_phone()}

    answers = [
        desk.submit(headers=official, channel="phone", submitter=person).status_code
        for _ in range(7)
    ]

    assert answers == [202] * 7


def test_one_client_address_sends_at_most_20_an_hour(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: "198.51.100.77")
    answers = [
        desk.submit(submitter={"name": f"Người {n}", "phone": a_phone()}).status_code
        for n in range(20)
    ]

    over = desk.submit(submitter={"name": "Người 21", "phone": a_phone()})

    assert answers == [202] * 20
    assert_slowed_down(over)
    monkeypatch.setattr(app, "_client_ip", lambda: "198.51.100.78")
    assert desk.submit(submitter={"name": "Người 22", "phone": a_phone()}).status_code == 202


def submitted_together(bodies: list[tuple[dict[str, Any], str]]) -> list[int]:
    """Every (body, client address) submitted at the same moment, each from its own
    thread; the statuses answered."""
    from services.core.problems import Problem
    from services.feedback import service
    from services.feedback.models import CaseBody

    answers: list[int] = []
    start = threading.Barrier(len(bodies))

    def send(body: dict[str, Any], address: str) -> None:
        start.wait()
        try:
            service.submit(CaseBody.model_validate(body), None, address)
            answers.append(202)
        except Problem as problem:
            answers.append(problem.status)
            assert 1 <= int(problem.headers["Retry-After"]) <= 3600

    threads = [threading.Thread(target=send, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_racing_submissions_from_one_phone_take_exactly_five(desk: Any) -> None:
    from tests.feedback.conftest import case_body

    desk.route_all()
    person = {"name": "Người gửi cùng lúc", "phone": a_phone()}
    bodies = [(case_body(submitter=person), f"192.0.2.{n}") for n in range(12)]

    answers = submitted_together(bodies)

    assert sorted(answers) == [202] * 5 + [429] * 7
    assert len(desk.route_all()) == 5


def test_racing_submissions_from_one_address_take_exactly_twenty(desk: Any) -> None:
    from tests.feedback.conftest import case_body

    desk.route_all()
    bodies = [
        (case_body(submitter={"name": f"Người {n}", "phone": a_phone()}), "198.51.100.90")
        for n in range(26)
    ]

    answers = submitted_together(bodies)

    assert sorted(answers) == [202] * 20 + [429] * 6
    assert len(desk.route_all()) == 20
