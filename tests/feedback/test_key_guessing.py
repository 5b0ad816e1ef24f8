"""Guessing access keys: after 10 wrong keys for one case in 15 minutes, that case answers
429 with Retry-After to anyone presenting a key, without checking it, until the window
ends; its token-holding submitter, its handling officials and operators are not slowed."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import SetClock, body_of, documented_statuses

_addresses = itertools.count(1)
_people = itertools.count(1)


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"192.0.2.{next(_addresses) % 250}")


def new_case(desk: Any, **changes: Any) -> dict[str, Any]:
    n = next(_people)
    changes.setdefault("submitter", {"name": f"Người gửi {n}", "phone": f"0933{n:06d}"})
    receipt = desk.submitted(**changes)
    desk.route_all()
    return receipt


def attach(desk: Any, code: str, access_key: str) -> Any:
    body = {
        "file_name": "don.pdf",
        "content_type": "application/pdf",
        "size_bytes": 1000,
        "access_key": access_key,
    }
    return desk.client.http.post(
        f"/cases/{code}/attachments",
        headers={"Content-Type": "application/json"},
        body=json.dumps(body),
    )


def assert_slowed_down(response: Any, wait: str) -> None:
    assert response.status_code == 429, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == wait
    assert body_of(response)["status"] == 429


def test_sixty_wrong_keys_in_a_row_are_stopped_after_ten(
    desk: Any, auth: Any, clock: SetClock
) -> None:
    clock.set(datetime(2026, 3, 9, 3, 5, tzinfo=UTC))  # 10 minutes before the window ends
    citizen = auth("citizen", sub="cd-doan-khoa")
    guessed = new_case(desk, headers=citizen)
    other = new_case(desk)
    code = guessed["tracking_code"]

    answers = [desk.case(code, access_key=f"doan-{n:03d}") for n in range(60)]

    assert Counter(a.status_code for a in answers) == {404: 10, 429: 50}
    assert [a.status_code for a in answers[:10]] == [404] * 10
    for answer in answers[10:]:
        assert_slowed_down(answer, "600")
        assert guessed["access_key"] not in answer.body.decode()
    # The key is not even checked now: the right one waits too.
    assert_slowed_down(desk.case(code, access_key=guessed["access_key"]), "600")
    assert_slowed_down(attach(desk, code, guessed["access_key"]), "600")
    # Another case is not held back, nor are those who open this one without a key.
    assert desk.by_key(other)["tracking_code"] == other["tracking_code"]
    assert desk.case(other["tracking_code"], access_key="sai").status_code == 404
    for headers in (citizen, auth("official", agency="bo-cong-an"), auth("operator")):
        assert desk.case(code, headers=headers).status_code == 200
        # ...even when they send a wrong key along.
        assert desk.case(code, access_key="sai", headers=headers).status_code == 200

    clock.advance(minutes=10)  # the window is over
    assert desk.by_key(guessed)["tracking_code"] == code
    assert desk.case(code, access_key="lai-sai").status_code == 404


def test_wrong_keys_for_attachments_count_with_those_for_viewing(
    desk: Any, clock: SetClock
) -> None:
    clock.set(datetime(2026, 3, 9, 4, 0, tzinfo=UTC))
    receipt = new_case(desk)
    code = receipt["tracking_code"]

    uploads = [attach(desk, code, f"doan-{n}").status_code for n in range(5)]
    views = [desk.case(code, access_key=f"doan-{n}").status_code for n in range(5, 10)]
    eleventh = attach(desk, code, "doan-10")

    assert uploads == [404] * 5 and views == [404] * 5
    assert_slowed_down(eleventh, "900")
    assert_slowed_down(desk.case(code, access_key=receipt["access_key"]), "900")


def test_a_right_key_is_never_counted(desk: Any, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 5, 0, tzinfo=UTC))
    receipt = new_case(desk)

    code, key = receipt["tracking_code"], receipt["access_key"]

    opened = [desk.case(code, access_key=key).status_code for _ in range(30)]

    assert opened == [200] * 30


def test_a_code_that_names_no_case_answers_the_same(desk: Any, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 6, 0, tzinfo=UTC))

    answers = [desk.case("PA-22222-33333", access_key=f"k{n}").status_code for n in range(12)]

    # Whether the code names a case or not, the answers are the same: 429 says nothing.
    assert answers == [404] * 10 + [429] * 2


def test_no_key_is_no_guess(desk: Any, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    receipt = new_case(desk)
    code = receipt["tracking_code"]

    assert [desk.case(code).status_code for _ in range(15)] == [404] * 15
    assert [desk.case(code, access_key="").status_code for _ in range(15)] == [404] * 15
    assert desk.by_key(receipt)["tracking_code"] == code


def test_the_429_is_documented(client: Any) -> None:
    assert 429 in documented_statuses(client, "GET", "/cases/{tracking_code}")
    assert 429 in documented_statuses(client, "POST", "/cases/{tracking_code}/attachments")
