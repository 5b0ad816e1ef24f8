"""Electronic results: a one-stop system registers a result with its SHA-256 and uploads it
through a presigned S3 PUT; the portal reads the upload back and offers it only when its
digest, size and type are the registered ones; the applicant downloads it through a
short-lived link; anyone checks a document's digest against the public verification route."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import body_of
from tests.dossiers.conftest import APPLICANT, CITIZEN, Desk, drain, sent_emails

_documents = itertools.count(100)


def a_document() -> bytes:
    """A document of its own for each test (the digests the portal verifies outlive one)."""
    return (
        b"%PDF-1.7\n" + f"Phiếu lý lịch tư pháp số {next(_documents)}/2026".encode() + b"\n%%EOF\n"
    )


def forged(document: bytes) -> bytes:
    """The same size, another document."""
    return document.replace(b"2026", b"2025")


RESULTS_QUEUE = "portal-test-dossier-results"


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def handled(desk: Desk) -> tuple[str, str, str]:
    agency = desk.agency(name="Sở Tư pháp tỉnh Lạng Sơn")
    procedure = desk.procedure([agency], name="Cấp phiếu lý lịch tư pháp")
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure, status=9))
    drain(RESULTS_QUEUE)
    return agency, procedure, code


def register(
    desk: Desk,
    code: str,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    **over: Any,
) -> Any:
    content = content if content is not None else a_document()
    body = {
        "name": "Phiếu lý lịch tư pháp.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": digest(content),
        **over,
    }
    agency = code.split("-")[0]
    return desk.client.http.post(
        f"/{code}/results",
        headers=headers if headers is not None else desk.system(agency),
        body=json.dumps(body),
    )


def upload(answer: dict[str, Any], content: bytes, **headers: str) -> int:
    sent = {**answer["upload_headers"], **headers}
    return requests.put(answer["upload_url"], data=content, headers=sent, timeout=10).status_code


def check_uploads(desk: Desk) -> None:
    bodies = drain(RESULTS_QUEUE)
    assert desk.deliver("check-results", RESULTS_QUEUE, bodies) == {"batchItemFailures": []}


def fetch(desk: Desk, code: str, result_id: str, headers: dict[str, str] | None = None) -> Any:
    return desk.client.http.get(f"/{code}/results/{result_id}", headers=headers or desk.citizen())


def verification(desk: Desk, sha256: str) -> Any:
    return desk.client.http.get(f"/results/{sha256}")


def test_a_registered_result_gets_a_presigned_upload_fixed_to_its_document(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    _, _, code = handled
    document = a_document()
    response = register(desk, code, document)
    assert response.status_code == 201, response.body
    answer = body_of(response)
    assert len(answer["result_id"]) == 32
    assert answer["upload_method"] == "PUT"
    assert answer["expires_in_seconds"] == 900
    assert answer["upload_headers"] == {
        "Content-Type": "application/pdf",
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(document).digest()).decode(),
    }
    signed = parse_qs(urlsplit(answer["upload_url"]).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type", "x-amz-checksum-sha256"} <= set(signed)
    results = desk.dossier(code)["results"]
    assert [(r["result_id"], r["state"], r["sha256"]) for r in results] == [
        (answer["result_id"], "awaiting-upload", digest(document))
    ]


def test_a_matching_upload_is_offered_verified_and_announced(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    agency, procedure, code = handled
    document = a_document()
    answer = body_of(register(desk, code, document))
    assert upload(answer, document) == 200
    check_uploads(desk)
    assert desk.dossier(code)["results"][0]["state"] == "offered"

    link = fetch(desk, code, answer["result_id"])
    assert link.status_code == 302
    location = link.headers["Location"]
    assert "X-Amz-Expires=300" in location and "versionId=" in location
    downloaded = requests.get(location, timeout=10)
    assert downloaded.content == document

    public = verification(desk, digest(document))
    assert public.status_code == 200
    found = body_of(public)
    assert found == {
        "sha256": digest(document),
        "procedure_code": procedure,
        "procedure_name": "Cấp phiếu lý lịch tư pháp",
        "agency_id": agency,
        "agency_name": "Sở Tư pháp tỉnh Lạng Sơn",
        "issued_at": found["issued_at"],
    }
    for personal in (CITIZEN, APPLICANT["name"], APPLICANT["email"], code):
        assert personal not in public.body.decode()
    assert verification(desk, digest(document).upper()).status_code == 200

    desk.notify_all()
    ready = [
        e for e in sent_emails() if e.subject == f"Kết quả điện tử của hồ sơ {code} đã sẵn sàng"
    ]
    assert len(ready) == 1
    assert f"/dossiers/{code}/results/{answer['result_id']}" in ready[0].body


def test_an_upload_whose_digest_does_not_match_is_never_offered(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    _, _, code = handled
    document = a_document()
    answer = body_of(register(desk, code, document))
    assert (
        upload(answer, forged(document)) == 200
    )  # moto does not check S3's checksum; the portal does
    check_uploads(desk)
    assert desk.dossier(code)["results"][0]["state"] == "rejected"
    assert fetch(desk, code, answer["result_id"]).status_code == 404
    assert verification(desk, digest(document)).status_code == 404
    assert verification(desk, digest(forged(document))).status_code == 404
    # The right document uploaded after it is offered.
    upload(answer, document)
    check_uploads(desk)
    assert fetch(desk, code, answer["result_id"]).status_code == 302


def test_an_upload_of_another_type_is_not_offered(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    _, _, code = handled
    document = a_document()
    answer = body_of(register(desk, code, document))
    upload(answer, document, **{"Content-Type": "text/html"})
    check_uploads(desk)
    assert fetch(desk, code, answer["result_id"]).status_code == 404


def test_an_upload_over_an_offered_result_does_not_replace_it(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    _, _, code = handled
    document = a_document()
    answer = body_of(register(desk, code, document))
    upload(answer, document)
    check_uploads(desk)
    upload(answer, forged(document))
    check_uploads(desk)
    location = fetch(desk, code, answer["result_id"]).headers["Location"]
    assert requests.get(location, timeout=10).content == document


def test_a_result_is_checked_when_its_applicant_asks_before_the_event_arrives(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    _, _, code = handled
    document = a_document()
    answer = body_of(register(desk, code, document))
    upload(answer, document)
    assert fetch(desk, code, answer["result_id"]).status_code == 302
    check_uploads(desk)  # the event, arriving late, finds it offered already
    assert desk.dossier(code)["results"][0]["state"] == "offered"


def test_nothing_uploaded_is_nothing_offered(desk: Desk, handled: tuple[str, str, str]) -> None:
    _, _, code = handled
    answer = body_of(register(desk, code))
    assert fetch(desk, code, answer["result_id"]).status_code == 404


@pytest.mark.parametrize("who", ["another-citizen", "official", "anonymous"])
def test_only_the_applicant_downloads(desk: Desk, handled: tuple[str, str, str], who: str) -> None:
    agency, _, code = handled
    document = a_document()
    answer = body_of(register(desk, code, document))
    upload(answer, document)
    check_uploads(desk)
    headers = {
        "another-citizen": desk.citizen("079000000077"),
        "official": desk.official(agency),
        "anonymous": {"Accept": "application/json"},
    }[who]
    response = fetch(desk, code, answer["result_id"], headers)
    assert response.status_code == {"another-citizen": 404, "official": 403, "anonymous": 401}[who]


def test_only_the_system_of_its_agency_registers_results(
    desk: Desk, handled: tuple[str, str, str]
) -> None:
    agency, _, code = handled
    assert register(desk, code, headers=desk.system(desk.agency())).status_code == 403
    assert register(desk, code, headers=desk.official(agency)).status_code == 403
    other = desk.agency()
    assert register(desk, desk.code(other), headers=desk.system(other)).status_code == 404


def test_a_refused_dossier_has_no_result(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency])
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure, status=3))
    assert register(desk, code).status_code == 409


@pytest.mark.parametrize(
    "over",
    [{"sha256": "xyz"}, {"size": 0}, {"content_type": "text/html"}, {"name": ""}],
)
def test_a_result_must_say_what_it_is(
    desk: Desk, handled: tuple[str, str, str], over: dict[str, Any]
) -> None:
    _, _, code = handled
    assert register(desk, code, **over).status_code == 422


def test_an_unknown_digest_is_404(desk: Desk) -> None:
    assert verification(desk, "0" * 64).status_code == 404
