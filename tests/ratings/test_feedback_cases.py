"""A dissatisfied overall answer opens one feedback case for the dossier's agency, linked to
the dossier, carrying nothing of the citizen but what they wrote."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from services.core import dynamo
from services.core.pseudonyms import pseudonym
from services.feedback.domain import tracking_code_from
from services.ratings import storage
from tests.conftest import body_of
from tests.ratings.conftest import (
    DISSATISFIED,
    FAIR,
    FEEDBACK_QUEUE,
    RATING_QUEUE,
    SATISFIED,
    Portal,
    drain,
    sqs_event,
)

COMMENT = "Tôi phải đi lại ba lần mới nộp đủ hồ sơ."


def case_code(dossier_code: str) -> str:
    return tracking_code_from(pseudonym("feedback-rating", dossier_code))


def route(feedback_client: Client, bodies: list[str]) -> None:
    event, _ = sqs_event(feedback_client, bodies, FEEDBACK_QUEUE)
    result = feedback_client.lambda_.invoke("route-feedback-cases", event)
    assert result.payload == {"batchItemFailures": []}


def agency_cases(feedback_client: Client, auth: Any, agency: str) -> list[dict[str, Any]]:
    response = feedback_client.http.get(
        f"/agencies/{agency}/cases", headers=auth("official", sub="can-bo", agency=agency)
    )
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


def test_a_dissatisfied_rating_opens_one_case_for_the_agency(
    portal: Portal, feedback_client: Client, auth: Any
) -> None:
    agency = portal.agency()
    drain(FEEDBACK_QUEUE)
    event = portal.event(agency, official_id="can-bo-07")
    portal.known(event)
    portal.rated(event, {"overall": DISSATISFIED, "returns": DISSATISFIED}, COMMENT)
    portal.count_all(times=2)
    messages = drain(FEEDBACK_QUEUE)
    assert len(messages) == 1
    message = json.loads(messages[0])
    assert message == {
        "type": "rating.dissatisfied",
        "schema_version": 1,
        "dossier_code": event["dossier_code"],
        "agency_id": agency,
        "procedure_code": event["procedure_code"],
        "comment": COMMENT,
    }
    # Nothing of the citizen but the comment: neither their id nor their pseudonym.
    assert event["citizen_id"] not in messages[0]
    dossier_item = storage.table().get_item(Key=storage.dossier_key(event["dossier_code"]))
    assert dossier_item["Item"]["citizen"] not in messages[0]

    route(feedback_client, messages * 2)  # delivered twice
    code = case_code(event["dossier_code"])
    response = feedback_client.http.get(
        f"/cases/{code}", headers=auth("official", sub="can-bo", agency=agency)
    )
    assert response.status_code == 200, response.body
    case = body_of(response)
    assert case["agency_id"] == agency
    assert case["dossier_code"] == event["dossier_code"]
    assert case["content"] == COMMENT
    assert case["submitter"] is None
    assert event["citizen_id"] not in json.dumps(case)
    listed = agency_cases(feedback_client, auth, agency)
    assert [c["tracking_code"] for c in listed] == [code]
    # Another agency's officials do not see it.
    other = feedback_client.http.get(
        f"/cases/{code}", headers=auth("official", sub="x", agency=portal.agency())
    )
    assert other.status_code == 404


def test_a_recount_after_a_failure_still_opens_one_case(
    portal: Portal, feedback_client: Client, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = portal.agency()
    drain(FEEDBACK_QUEUE)
    drain(RATING_QUEUE)
    event, pleased = portal.event(agency), portal.event(agency)
    for dossier, overall in ((event, DISSATISFIED), (pleased, SATISFIED)):
        portal.known(dossier)
        portal.rated(dossier, {"overall": overall})  # no comment
    unlucky = storage.rating_key(event["dossier_code"])
    transact = dynamo.transact
    failures: list[int] = []

    def fails_once(operations: list[dict[str, Any]]) -> None:
        if operations[0]["Update"]["Key"] == unlucky and not failures:
            failures.append(1)
            raise RuntimeError("the connection dropped")
        transact(operations)

    monkeypatch.setattr(dynamo, "transact", fails_once)
    bodies = drain(RATING_QUEUE)
    position = [json.loads(b)["dossier_code"] for b in bodies].index(event["dossier_code"])
    payload, ids = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": [{"itemIdentifier": ids[position]}]}
    payload, _ = portal.deliver_ratings(bodies)
    assert payload == {"batchItemFailures": []}
    found = portal.summary_of(agency_id=agency, period="2025-05")
    assert (found["count"], found["satisfied_pct"]) == (2, 50.0)
    messages = drain(FEEDBACK_QUEUE)
    assert len(messages) == 2  # asked before the failed count, and again on redelivery
    route(feedback_client, messages)
    route(feedback_client, messages)
    cases = agency_cases(feedback_client, auth, agency)
    assert [c["tracking_code"] for c in cases] == [case_code(event["dossier_code"])]
    opened = feedback_client.http.get(
        f"/cases/{cases[0]['tracking_code']}", headers=auth("official", sub="c", agency=agency)
    )
    assert body_of(opened)["dossier_code"] == event["dossier_code"]
    assert body_of(opened)["content"]  # a text of its own when the citizen wrote none


@pytest.mark.parametrize(
    "answers",
    [
        {"overall": SATISFIED, "conduct": DISSATISFIED},
        {"overall": FAIR, "timeliness": DISSATISFIED},
    ],
)
def test_no_case_unless_overall_is_dissatisfied(portal: Portal, answers: dict[str, str]) -> None:
    drain(FEEDBACK_QUEUE)
    event = portal.event(portal.agency())
    portal.known(event)
    portal.rated(event, answers, "Cán bộ thiếu niềm nở.")
    portal.count_all()
    assert drain(FEEDBACK_QUEUE) == []


def test_a_case_whose_routing_failed_is_routed_on_redelivery(
    portal: Portal, feedback_client: Client, auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.feedback import service as feedback

    agency = portal.agency()
    drain(FEEDBACK_QUEUE)
    event = portal.event(agency)
    portal.known(event)
    portal.rated(event, {"overall": DISSATISFIED}, COMMENT)
    portal.count_all()
    messages = drain(FEEDBACK_QUEUE)
    route_case = feedback.route

    def unavailable(code: str) -> bool:
        raise RuntimeError("the table is throttling")

    monkeypatch.setattr(feedback, "route", unavailable)
    batch, ids = sqs_event(
        feedback_client, [*messages, json.dumps({"type": "other"})], FEEDBACK_QUEUE
    )
    result = feedback_client.lambda_.invoke("route-feedback-cases", batch)
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": ids[0]}]}
    monkeypatch.setattr(feedback, "route", route_case)
    route(feedback_client, messages)  # the message comes back
    code = case_code(event["dossier_code"])
    assert [c["tracking_code"] for c in agency_cases(feedback_client, auth, agency)] == [code]
