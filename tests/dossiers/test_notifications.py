"""The one path for e-mail and SMS: the notifications queue and its consumer, which sends
each notification exactly once however often it arrives, and records the delivery in the
dossiers table without the recipient."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from services.core.messages import NotificationAbout, NotificationRequested, encode
from tests.dossiers.conftest import Desk, sent_emails, sent_sms

QUEUE = "portal-test-notifications"


def _message(notification_id: str, channel: str = "email", recipient: str | None = None) -> str:
    return encode(
        NotificationRequested(
            id=notification_id,
            channel=channel,  # type: ignore[arg-type]
            recipient=recipient or ("ba.lan@example.vn" if channel == "email" else "+84912000111"),
            subject=f"Thông báo {notification_id}",
            text="Hồ sơ của Ông/Bà đã có kết quả.",
            about=NotificationAbout(kind="result-ready", reference="H26-1"),
        )
    )


def _record(notification_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table("portal-test-dossiers")
    item = table.get_item(Key={"pk": f"NOTIFY#{notification_id}", "sk": "NOTIFY"}).get("Item")
    return dict(item or {})


def _emails_for(notification_id: str) -> list[Any]:
    return [e for e in sent_emails() if e.subject == f"Thông báo {notification_id}"]


@dataclass
class _Refusals:
    remaining: int


@contextmanager
def ses_refuses(times: int) -> Iterator[_Refusals]:
    """The next ``times`` SendEmail calls are refused by SES (throttled), as it answers."""
    from services.core import aws

    refusals = _Refusals(times)

    @dataclass
    class _Status:
        status_code: int = 400
        headers: dict[str, str] | None = None

    def refuse(**_: Any) -> tuple[_Status, dict[str, Any]] | None:
        if refusals.remaining <= 0:
            return None
        refusals.remaining -= 1
        return _Status(), {
            "Error": {"Code": "TooManyRequestsException", "Message": "Too many requests"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    client = aws.sesv2()
    event = "before-call.sesv2.SendEmail"
    client.meta.events.register(event, refuse, unique_id="test-ses-refuses")
    try:
        yield refusals
    finally:
        client.meta.events.unregister(event, unique_id="test-ses-refuses")


def test_a_notification_delivered_twice_is_sent_once_and_recorded(desk: Desk) -> None:
    body = _message("test:twice")
    payload = desk.deliver("send-notifications", QUEUE, [body, body])
    assert payload == {"batchItemFailures": []}
    assert desk.deliver("send-notifications", QUEUE, [body]) == {"batchItemFailures": []}
    emails = _emails_for("test:twice")
    assert len(emails) == 1
    assert emails[0].destinations["ToAddresses"] == ["ba.lan@example.vn"]
    record = _record("test:twice")
    assert record["state"] == "delivered"
    assert record["channel"] == "email"
    assert (record["about_kind"], record["about"]) == ("result-ready", "H26-1")
    assert record["provider_message_id"] == emails[0].id
    assert int(record["attempts"]) == 1
    assert "ba.lan@example.vn" not in json.dumps(record, default=str)


def test_an_sms_goes_out_through_sns(desk: Desk) -> None:
    desk.deliver("send-notifications", QUEUE, [_message("test:sms", "sms", "+84912000222")])
    assert ("+84912000222", "Hồ sơ của Ông/Bà đã có kết quả.") in sent_sms()
    assert _record("test:sms")["state"] == "delivered"


def test_a_refused_send_comes_back_and_goes_out_once_later(desk: Desk) -> None:
    body = _message("test:refused")
    with ses_refuses(1):
        payload = desk.deliver("send-notifications", QUEUE, [body])
    assert len(payload["batchItemFailures"]) == 1
    assert _emails_for("test:refused") == []
    assert _record("test:refused")["state"] == "failed"
    assert desk.deliver("send-notifications", QUEUE, [body]) == {"batchItemFailures": []}
    assert len(_emails_for("test:refused")) == 1
    record = _record("test:refused")
    assert (record["state"], int(record["attempts"])) == ("delivered", 2)


def test_an_attempt_under_way_makes_its_copy_wait_and_a_stopped_one_is_not_resent(
    desk: Desk,
) -> None:
    from services.dossiers import storage

    # Another consumer recorded its attempt and has not recorded the delivery yet.
    assert storage.begin_delivery("test:interrupted", "email", "apology", "H26-2", desk.clock.now())
    body = _message("test:interrupted")
    payload = desk.deliver("send-notifications", QUEUE, [body])
    assert len(payload["batchItemFailures"]) == 1  # it comes back later
    # Long after, that attempt never finished: it may have sent. Not sent a second time.
    desk.clock.advance(timedelta(minutes=6))
    assert desk.deliver("send-notifications", QUEUE, [body]) == {"batchItemFailures": []}
    assert _emails_for("test:interrupted") == []
    assert _record("test:interrupted")["state"] == "uncertain"


def test_a_body_that_is_no_notification_is_dropped(desk: Desk) -> None:
    payload = desk.deliver("send-notifications", QUEUE, ['{"type": "something.else"}', "not json"])
    assert payload == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [("email", "+84912000111"), ("sms", "ba.lan@example.vn"), ("sms", "0912000111")],
)
def test_a_recipient_must_fit_its_channel(channel: str, recipient: str) -> None:
    with pytest.raises(ValueError):
        NotificationRequested(
            id="x",
            channel=channel,  # type: ignore[arg-type]
            recipient=recipient,
            subject="s",
            text="t",
            about=NotificationAbout(kind="apology", reference="r"),
        )
