"""The dossier-results queue: what S3 sends for an upload to the results bucket (and the
test event it sends once when the bucket is told of the queue) is what the dossiers
consumer reads. The bodies are moto's own, drained from the queue after a real PUT through
the presigned link."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from chalice.test import Client

from services.dossiers.models import RESULT_UPLOADS
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

QUEUE = "portal-test-dossier-results"
AGENCY = "000.00.42.H26"
PROCEDURE = "1.004412"
DOCUMENT = b"%PDF-1.7\nGiay chung nhan (hop dong)\n%%EOF\n"


@pytest.fixture(scope="module")
def dossiers(moto_world: None, auth: Any) -> Iterator[Client]:
    from services.catalogue.app import app as catalogue_app
    from services.dossiers.app import app

    with Client(catalogue_app) as catalogue:
        catalogue.http.put(
            f"/agencies/{AGENCY}",
            headers=auth("operator"),
            body=json.dumps({"name": "Sở Xây dựng (hợp đồng)", "level": "province"}),
        )
        publish_procedure(catalogue, auth("operator"), PROCEDURE, [AGENCY])
    with Client(app) as client:
        yield client


def test_what_s3_sends_for_an_upload_the_consumer_reads(dossiers: Client, auth: Any) -> None:
    code = f"{AGENCY}-260316-0001"
    system = auth("system", sub="mot-cua", agency=AGENCY)
    body = {
        "procedure_code": PROCEDURE,
        "agency_id": AGENCY,
        "channel": "online",
        "applicant": {"citizen_id": "079100200301", "name": "Phan Anh"},
        "received_at": "2026-03-02T08:00:00+07:00",
        "status": 9,
        "status_at": "2026-03-06T08:00:00+07:00",
    }
    assert dossiers.http.put(f"/{code}", headers=system, body=json.dumps(body)).status_code == 201
    first = drain(QUEUE)
    # The bucket's test event, sent once when it was told of the queue: read, and nothing.
    assert [RESULT_UPLOADS.parse(b).Records for b in first] == [[]] * len(first)
    registered = json.loads(
        dossiers.http.post(
            f"/{code}/results",
            headers=system,
            body=json.dumps(
                {
                    "name": "Giấy chứng nhận.pdf",
                    "content_type": "application/pdf",
                    "size": len(DOCUMENT),
                    "sha256": hashlib.sha256(DOCUMENT).hexdigest(),
                }
            ),
        ).body
    )
    put = requests.put(
        registered["upload_url"],
        data=DOCUMENT,
        headers=registered["upload_headers"],
        timeout=10,
    )
    assert put.status_code == 200
    bodies = drain(QUEUE)
    assert len(bodies) == 1
    [record] = RESULT_UPLOADS.parse(bodies[0]).Records
    assert record.eventName.startswith("ObjectCreated")
    event = dossiers.events.generate_sqs_event(message_bodies=[*bodies, *first], queue_name=QUEUE)
    assert dossiers.lambda_.invoke("check-results", event).payload == {"batchItemFailures": []}
    verified = dossiers.http.get(f"/results/{hashlib.sha256(DOCUMENT).hexdigest()}")
    assert verified.status_code == 200
