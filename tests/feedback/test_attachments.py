"""Attachments: up to 5 files per case, each a presigned S3 POST fixing the file's key, type
and size, given only to the case's submitter and its handling officials. A slot is taken by
a file uploaded, or by a link for 15 minutes while it may still be used."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import SetClock, body_of, documented_statuses

PDF = "application/pdf"
_people = itertools.count(1)


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"192.0.2.{next(_people) % 250}")


def new_case(desk: Any, **changes: Any) -> dict[str, Any]:
    n = next(_people)
    changes.setdefault("submitter", {"name": f"Người gửi {n}", "phone": f"0911{n:06d}"})
    receipt = desk.submitted(**changes)
    desk.route_all()
    return receipt


def attach(
    desk: Any,
    code: str,
    headers: dict[str, str] | None = None,
    **changes: Any,
) -> Any:
    body = {"file_name": "don-de-nghi.pdf", "content_type": PDF, "size_bytes": 200_000}
    body.update(changes)
    return desk.client.http.post(
        f"/cases/{code}/attachments",
        headers=headers or {"Content-Type": "application/json"},
        body=json.dumps(body),
    )


def policy_of(upload: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(upload["fields"]["policy"])))


def test_the_submitter_gets_a_presigned_post_fixing_key_type_and_size(desk: Any) -> None:
    receipt = new_case(desk)
    code = receipt["tracking_code"]

    response = attach(
        desk, code, access_key=receipt["access_key"], content_type="image/png", size_bytes=5000
    )

    assert response.status_code == 201, response.body
    upload = body_of(response)
    assert upload["attachment_id"]
    assert upload["expires_in_seconds"] == 900
    assert "feedback-attachments" in upload["url"]
    key = upload["fields"]["key"]
    assert key.startswith(f"cases/{code}/") and key.endswith(".png")
    assert "don-de-nghi" not in key  # the caller's file name does not name the object
    assert upload["fields"]["Content-Type"] == "image/png"
    conditions = policy_of(upload)["conditions"]
    assert ["content-length-range", 1, 5000] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": key} in conditions


def test_the_presigned_post_uploads_the_file(desk: Any) -> None:
    import requests

    receipt = new_case(desk)
    upload = body_of(attach(desk, receipt["tracking_code"], access_key=receipt["access_key"]))

    posted = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("don.pdf", b"%PDF-1.4 test", PDF)},
        timeout=10,
    )

    assert posted.status_code in (200, 201, 204), posted.text
    import boto3

    bucket = upload["url"].rstrip("/").rsplit("/", 1)[-1].split(".")[0]
    stored = boto3.client("s3").get_object(Bucket=bucket, Key=upload["fields"]["key"])
    assert stored["Body"].read() == b"%PDF-1.4 test"


def test_a_case_takes_at_most_five_files(desk: Any) -> None:
    receipt = new_case(desk)
    code, key = receipt["tracking_code"], receipt["access_key"]

    answers = [attach(desk, code, access_key=key).status_code for _ in range(5)]
    sixth = attach(desk, code, access_key=key)

    assert answers == [201] * 5
    assert sixth.status_code == 409
    assert sixth.headers["Content-Type"].startswith("application/problem+json")
    # An official's step afterwards does not reset the count.
    assert desk.act(code, action="accept").status_code == 200
    assert attach(desk, code, access_key=key).status_code == 409


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"content_type": "application/x-msdownload"}, "content_type"),
        ({"content_type": "text/html"}, "content_type"),
        ({"size_bytes": 10 * 1024 * 1024 + 1}, "size_bytes"),
        ({"size_bytes": 0}, "size_bytes"),
        ({"file_name": ""}, "file_name"),
    ],
)
def test_wrong_type_or_size_is_422_and_takes_no_slot(
    desk: Any, changes: dict[str, Any], field: str
) -> None:
    receipt = new_case(desk)
    code, key = receipt["tracking_code"], receipt["access_key"]

    response = attach(desk, code, access_key=key, **changes)

    assert response.status_code == 422, response.body
    assert any(e["field"] == field for e in body_of(response)["errors"])
    assert [attach(desk, code, access_key=key).status_code for _ in range(5)] == [201] * 5


def test_the_submitter_and_the_handling_officials_may_attach(desk: Any, auth: Any) -> None:
    mine = new_case(desk, headers=auth("citizen", sub="cong-dan-dinh-kem"))
    code = mine["tracking_code"]

    by_token = attach(desk, code, auth("citizen", sub="cong-dan-dinh-kem"))
    by_official = attach(desk, code, auth("official", agency="bo-cong-an"))

    assert by_token.status_code == 201, by_token.body
    assert by_official.status_code == 201, by_official.body


@pytest.mark.parametrize(
    "who",
    ["nobody", "wrong key", "another key", "other citizen", "other agency", "system"],
)
def test_nobody_else_gets_an_upload(desk: Any, auth: Any, who: str) -> None:
    receipt = new_case(desk)
    other = new_case(desk)
    code = receipt["tracking_code"]
    headers = {
        "other citizen": auth("citizen", sub="nguoi-la"),
        "other agency": auth("official", agency="bo-xay-dung"),
        "system": auth("system", agency="bo-cong-an"),
    }.get(who)
    key = {"wrong key": "khong-dung", "another key": other["access_key"]}.get(who)

    response = attach(desk, code, headers, **({"access_key": key} if key else {}))

    assert response.status_code == 404, response.body
    # And the refused asks took no slot.
    counts = [attach(desk, code, access_key=receipt["access_key"]).status_code for _ in range(5)]
    assert counts == [201] * 5


def test_an_unknown_case_takes_no_attachment(desk: Any, auth: Any) -> None:
    response = attach(desk, "PA-22222-22222", auth("operator"))

    assert response.status_code == 404


def test_a_step_racing_an_upload_does_not_give_back_a_slot(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.feedback import storage

    receipt = new_case(desk)
    code, key = receipt["tracking_code"], receipt["access_key"]
    read_before_uploads = storage.load(code)
    assert [attach(desk, code, access_key=key).status_code for _ in range(5)] == [201] * 5

    # An official's step that read the case before the uploads saves after them.
    with monkeypatch.context() as patch:
        patch.setattr(storage, "load", lambda _code: read_before_uploads)
        desk.act(code, action="accept")

    assert attach(desk, code, access_key=key).status_code == 409


def upload(link: dict[str, Any], content: bytes = b"%PDF-1.4 don") -> None:
    """The browser's part: the file POSTed to S3 (moto) with the link's fields."""
    import requests

    posted = requests.post(
        link["url"], data=link["fields"], files={"file": ("don.pdf", content, PDF)}, timeout=10
    )
    assert posted.status_code in (200, 201, 204), posted.text


def test_an_unused_link_frees_its_slot_when_it_expires(desk: Any, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 3, 0, tzinfo=UTC))
    receipt = new_case(desk)
    code, key = receipt["tracking_code"], receipt["access_key"]

    asked = [attach(desk, code, access_key=key).status_code for _ in range(5)]
    assert asked == [201] * 5
    assert attach(desk, code, access_key=key).status_code == 409  # still usable: held

    clock.advance(minutes=14)
    assert attach(desk, code, access_key=key).status_code == 409
    clock.advance(minutes=2)  # 16 minutes after: none of them can be used any more
    again = [attach(desk, code, access_key=key).status_code for _ in range(6)]

    assert again == [201] * 5 + [409]


def test_uploaded_files_keep_their_slots(desk: Any, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 4, 0, tzinfo=UTC))
    receipt = new_case(desk)
    code, key = receipt["tracking_code"], receipt["access_key"]
    links = [body_of(attach(desk, code, access_key=key)) for _ in range(5)]

    for link in links:
        upload(link)
    clock.advance(minutes=16)
    sixth = attach(desk, code, access_key=key)

    assert sixth.status_code == 409
    assert sixth.headers["Content-Type"].startswith("application/problem+json")


def test_files_uploaded_and_links_unused_count_together(desk: Any, clock: SetClock) -> None:
    clock.set(datetime(2026, 3, 9, 5, 0, tzinfo=UTC))
    receipt = new_case(desk)
    code, key = receipt["tracking_code"], receipt["access_key"]
    links = [body_of(attach(desk, code, access_key=key)) for _ in range(5)]
    for link in links[:3]:
        upload(link)
    upload(links[0], b"%PDF-1.4 lai")  # the same link used twice is still one file

    clock.advance(minutes=16)
    again = [attach(desk, code, access_key=key).status_code for _ in range(3)]

    assert again == [201, 201, 409]


def test_an_operator_cannot_ask_for_a_link(desk: Any, auth: Any) -> None:
    receipt = new_case(desk)
    code = receipt["tracking_code"]

    response = attach(desk, code, auth("operator"))

    assert response.status_code == 403, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert desk.case(code, headers=auth("operator")).status_code == 200  # who still sees it
    counts = [attach(desk, code, access_key=receipt["access_key"]).status_code for _ in range(5)]
    assert counts == [201] * 5


def test_concurrent_asks_never_exceed_five(desk: Any) -> None:
    from services.core.problems import Problem
    from services.feedback import service
    from services.feedback.models import AttachmentBody

    receipt = new_case(desk)
    body = AttachmentBody(
        file_name="don.pdf", content_type=PDF, size_bytes=1000, access_key=receipt["access_key"]
    )
    answers: list[int] = []
    start = threading.Barrier(12)

    def ask() -> None:
        start.wait()
        try:
            service.add_attachment(receipt["tracking_code"], body, None)
            answers.append(201)
        except Problem as problem:
            answers.append(problem.status)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [201] * 5 + [409] * 7


def test_the_refusals_are_documented(client: Any) -> None:
    statuses = documented_statuses(client, "POST", "/cases/{tracking_code}/attachments")

    assert {403, 404, 409, 429} <= statuses
