"""When an official answers a case, its submitter is told on the portal's one notifications
path: a NotificationRequested on the notifications queue, to their e-mail address (or, with
none, their phone), carrying the answer; nothing of the contact is logged."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from services.core.messages import NOTIFICATIONS
from tests.feedback.conftest import PERSON
from tests.support.queues import drain

QUEUE = "portal-test-notifications"
ANSWER = "Cơ quan đã trả kết quả qua dịch vụ bưu chính công ích ngày 12/3."
_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"198.51.100.{next(_addresses) % 250}")


def answered(desk: Any, submitter: dict[str, Any]) -> str:
    receipt = desk.submitted(submitter=submitter)
    desk.route_all()
    code = str(receipt["tracking_code"])
    assert desk.act(code, action="accept").status_code == 200
    drain(QUEUE)
    assert desk.act(code, action="answer", answer=ANSWER).status_code == 200
    return code


def test_the_submitter_is_emailed_the_answer(desk: Any, capsys: pytest.CaptureFixture[str]) -> None:
    person = {**PERSON, "email": "answer.test@example.vn", "phone": "0912000333"}
    code = answered(desk, person)
    sent = [NOTIFICATIONS.parse(body) for body in drain(QUEUE)]
    assert len(sent) == 1
    message = sent[0]
    assert (message.id, message.channel, message.recipient) == (
        f"feedback-answer:{code}",
        "email",
        "answer.test@example.vn",
    )
    assert message.subject == f"Phản ánh, kiến nghị {code} đã được trả lời"
    assert ANSWER in message.text and f"Kính gửi Ông/Bà {PERSON['name']}" in message.text
    assert (message.about.kind, message.about.reference) == ("feedback-answer", code)
    assert "answer.test@example.vn" not in capsys.readouterr().out


def test_without_an_email_the_submitter_gets_an_sms(desk: Any) -> None:
    code = answered(desk, {"name": "Đỗ Văn Hải", "phone": "0912 000 444"})
    sent = [NOTIFICATIONS.parse(body) for body in drain(QUEUE)]
    assert [(m.channel, m.recipient) for m in sent] == [("sms", "+84912000444")]
    assert sent[0].text.startswith(f"PAKN {code} da duoc tra loi.")


def test_other_steps_tell_nobody(desk: Any) -> None:
    receipt = desk.submitted(submitter={"name": "Vũ Thị Lan", "phone": "0912000555"})
    desk.route_all()
    drain(QUEUE)
    assert desk.act(receipt["tracking_code"], action="accept").status_code == 200
    assert drain(QUEUE) == []
