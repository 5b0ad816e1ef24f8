"""Attachments: up to 5 files per case, each a presigned S3 POST fixing the file's key, type
and size, given only to someone who may see the case."""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

import pytest

from tests.conftest import body_of

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


def test_those_who_see_the_case_may_attach(desk: Any, auth: Any) -> None:
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
