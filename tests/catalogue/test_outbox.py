"""Publications and abolitions go out on the procedure-changes queue, once each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.catalogue import service, storage
from services.core import aws
from services.core.settings import get_settings
from tests.catalogue.conftest import Catalogue


def drain() -> list[dict[str, Any]]:
    url = aws.queue_url(get_settings().procedure_changes_queue)
    messages: list[dict[str, Any]] = []
    while True:
        batch = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(json.loads(message["Body"]))
            aws.sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_changes_are_sent_once_each(catalogue: Catalogue) -> None:
    drain()
    catalogue.published("1.800001", name="Cấp giấy phép hoạt động ngân hàng mẫu")
    catalogue.abolish("1.800001")
    assert service.relay_changes() == 0  # nothing left for the schedule to send
    sent = [(m["type"], m["code"], m["version"]) for m in drain()]
    assert sent == [("procedure.published", "1.800001", 2), ("procedure.abolished", "1.800001", 3)]


def test_a_failed_send_waits_in_the_outbox_for_the_schedule(
    catalogue: Catalogue, monkeypatch: Any
) -> None:
    drain()

    def queue_down(name: str) -> str:
        raise ConnectionError("queue unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(aws, "queue_url", queue_down)
        published = catalogue.published("1.800002", name="Cấp giấy phép hoạt động bảo hiểm mẫu")
    assert published["status"] == "published"  # the change itself is committed
    assert [entry.code for entry in storage.pending_outbox()] == ["1.800002"]
    assert service.relay_changes() == 1
    assert [(m["code"], m["version"]) for m in drain()] == [("1.800002", 2)]


def test_an_import_sends_each_change_once(
    catalogue: Catalogue, tmp_path: Any, monkeypatch: Any
) -> None:
    from services.catalogue import importer
    from tests.catalogue.test_import import line

    drain()
    lines = [(n, line(f"1.8100{n:02d}")) for n in range(1, 26)]
    report = importer.import_lines(lines)
    assert report.created == 25
    sent = sorted(m["code"] for m in drain())
    assert sent == sorted(f"1.8100{n:02d}" for n in range(1, 26))
    assert storage.pending_outbox() == []


@contextmanager
def queue_refuses(code: str) -> Iterator[None]:
    """SQS takes a batch in part and lists the rest as failed: the messages of ``code``
    never reach the queue and come back in ``Failed``, the others are sent."""
    refused: list[str] = []

    def leave_out(params: dict[str, Any], **_: Any) -> None:
        entries = params["Entries"]
        kept = [e for e in entries if json.loads(e["MessageBody"])["code"] != code]
        refused.extend(e["Id"] for e in entries if e not in kept)
        params["Entries"] = kept

    def report_failed(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Failed"] = [
            {"Id": entry_id, "SenderFault": False, "Code": "InternalError"} for entry_id in refused
        ]
        refused.clear()

    events = aws.sqs().meta.events
    events.register("before-parameter-build.sqs.SendMessageBatch", leave_out, "refuse")
    events.register("after-call.sqs.SendMessageBatch", report_failed, "report")
    try:
        yield
    finally:
        events.unregister("before-parameter-build.sqs.SendMessageBatch", unique_id="refuse")
        events.unregister("after-call.sqs.SendMessageBatch", unique_id="report")


def test_only_what_the_queue_took_leaves_the_outbox(catalogue: Catalogue) -> None:
    drain()
    for code in ("1.800101", "1.800102", "1.800103"):
        catalogue.put(code)
        service.publish(code, force=False, relay_now=False)
    with queue_refuses("1.800102"):
        assert service.relay_changes() == 2
    assert sorted(m["code"] for m in drain()) == ["1.800101", "1.800103"]
    assert [entry.code for entry in storage.pending_outbox()] == ["1.800102"]
    assert service.relay_changes() == 1
    assert [(m["code"], m["version"]) for m in drain()] == [("1.800102", 2)]
    assert storage.pending_outbox() == []


def test_the_schedule_sends_what_waits_in_the_outbox(
    catalogue: Catalogue, client: Any, monkeypatch: Any
) -> None:
    drain()

    def queue_down(name: str) -> str:
        raise ConnectionError("queue unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(aws, "queue_url", queue_down)
        catalogue.published("1.800003", name="Cấp giấy phép hoạt động chứng khoán mẫu")
    assert drain() == []
    client.lambda_.invoke(
        "relay-procedure-changes",
        client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        ),
    )
    assert [(m["type"], m["code"], m["version"]) for m in drain()] == [
        ("procedure.published", "1.800003", 2)
    ]
    assert storage.pending_outbox() == []
