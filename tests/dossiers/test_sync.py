"""Sync as one-stop systems do it: whole copies (PUT), batches, handling steps. Idempotent
and ordered by status_at: a late copy of an older step never moves a dossier back, a
repeated one changes nothing; only the system of the dossier's agency writes it; the
procedure must be one that agency implements."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import body_of
from tests.dossiers.conftest import APPLICANT, CITIZEN, RECEIVED, Desk, at, hanoi


@pytest.fixture
def office(desk: Desk) -> tuple[str, str]:
    agency = desk.agency()
    return agency, desk.procedure([agency], processing_days=5)


def test_a_new_dossier_is_created_with_its_deadline_counted_in_working_days(
    desk: Desk, office: tuple[str, str]
) -> None:
    agency, procedure = office
    code = desk.code(agency)
    response = desk.put(code, desk.body(agency, procedure))
    assert response.status_code == 201, response.body
    # Received Monday 16 March 2026: five working days are 17, 18, 19, 20 and 23 March.
    assert body_of(response) == {
        "dossier_code": code,
        "status": 2,
        "due_at": "2026-03-23T23:59:59+07:00",
        "applied": True,
    }


def test_every_field_the_contract_lists_is_kept(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    code = desk.code(agency)
    body = desk.body(
        agency,
        procedure,
        channel="counter",
        due_at=at(hanoi("2026-03-27 17:00:00")),
        status=10,
        status_at=at(hanoi("2026-03-25 15:00:00")),
        official_id="can-bo-mot-cua-07",
        completed_at=at(hanoi("2026-03-24 11:00:00")),
        returned_at=at(hanoi("2026-03-25 15:00:00")),
        digitized=True,
        paid_online=False,
    )
    desk.synced(code, body)
    seen = desk.dossier(code)
    assert {k: seen[k] for k in body if k not in ("applicant",)} == {
        "procedure_code": procedure,
        "agency_id": agency,
        "channel": "counter",
        "received_at": "2026-03-16T08:00:00+07:00",
        "due_at": "2026-03-27T17:00:00+07:00",
        "status": 10,
        "status_at": "2026-03-25T15:00:00+07:00",
        "official_id": "can-bo-mot-cua-07",
        "completed_at": "2026-03-24T11:00:00+07:00",
        "returned_at": "2026-03-25T15:00:00+07:00",
        "digitized": True,
        "paid_online": False,
    }
    assert seen["applicant"] == {
        "citizen_id": CITIZEN,
        "name": "Trần Thị Mai",
        "phone": "0912345678",
        "email": "tran.mai@example.vn",
    }
    assert seen["status_name"] == "Đã trả kết quả"
    assert seen["overdue"] is False


def test_a_local_procedure_code_means_its_national_one(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, f"{procedure}.000.00.00.H26"))
    assert desk.dossier(code)["procedure_code"] == procedure


def test_the_same_copy_again_changes_nothing(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    code = desk.code(agency)
    body = desk.body(agency, procedure, status=4, status_at=at(hanoi("2026-03-17 09:00:00")))
    first = desk.put(code, body)
    before = desk.dossier(code)
    again = desk.put(code, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert body_of(again) == {**body_of(first), "applied": True}
    assert desk.dossier(code) == before
    assert len(before["timeline"]) == 1


def test_a_late_copy_of_an_older_step_never_moves_the_dossier_back(
    desk: Desk, office: tuple[str, str]
) -> None:
    agency, procedure = office
    code = desk.code(agency)
    handling = desk.body(
        agency, procedure, status=4, status_at=at(hanoi("2026-03-18 14:00:00")), official_id="cb-2"
    )
    received = desk.body(agency, procedure, status=2, status_at=at(hanoi("2026-03-16 08:30:00")))
    desk.synced(code, handling)
    late = desk.put(code, received)
    assert late.status_code == 200
    assert body_of(late) == {
        "dossier_code": code,
        "status": 4,
        "due_at": "2026-03-23T23:59:59+07:00",
        "applied": False,
    }
    seen = desk.dossier(code)
    assert (seen["status"], seen["status_at"], seen["official_id"]) == (
        4,
        "2026-03-18T14:00:00+07:00",
        "cb-2",
    )
    assert [(s["status"], s["at"]) for s in seen["timeline"]] == [(4, "2026-03-18T14:00:00+07:00")]


def test_later_copies_add_steps_in_order(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    code = desk.code(agency)
    steps = [
        (2, "2026-03-16 08:00:00", None),
        (4, "2026-03-17 09:00:00", "cb-1"),
        (9, "2026-03-20 16:00:00", "cb-1"),
    ]
    for status, when, official in steps:
        desk.synced(
            code,
            desk.body(
                agency, procedure, status=status, status_at=at(hanoi(when)), official_id=official
            ),
        )
    seen = desk.dossier(code)
    assert [(s["status"], s["at"], s["actor"]) for s in seen["timeline"]] == [
        (2, "2026-03-16T08:00:00+07:00", f"system:mot-cua-{agency}"),
        (4, "2026-03-17T09:00:00+07:00", "official:cb-1"),
        (9, "2026-03-20T16:00:00+07:00", "official:cb-1"),
    ]
    # Handled without a completion time: completed when it reached 9.
    assert seen["completed_at"] == "2026-03-20T16:00:00+07:00"
    assert (seen["status_name"], seen["overdue"]) == ("Đã xử lý xong", False)


def test_progress_steps_are_ordered_as_copies_are(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))
    step = {
        "status": 4,
        "at": at(hanoi("2026-03-17 10:00:00")),
        "official_id": "cb-9",
        "department": "Phòng Quản lý xuất nhập cảnh",
        "note": "Chuyển thẩm định",
    }
    moved = desk.progress(code, step)
    repeated = desk.progress(code, step)
    older = desk.progress(code, {"status": 3, "at": at(hanoi("2026-03-16 09:00:00"))})
    assert [r.status_code for r in (moved, repeated, older)] == [200, 200, 200]
    assert [body_of(r)["applied"] for r in (moved, repeated, older)] == [True, True, False]
    assert [body_of(r)["status"] for r in (moved, repeated, older)] == [4, 4, 4]
    seen = desk.dossier(code)
    assert seen["timeline"][-1] == {
        "at": "2026-03-17T10:00:00+07:00",
        "status": 4,
        "status_name": "Đang xử lý",
        "actor": "official:cb-9",
        "official_id": "cb-9",
        "department": "Phòng Quản lý xuất nhập cảnh",
        "note": "Chuyển thẩm định",
    }
    assert len(seen["timeline"]) == 2


def test_progress_for_an_unknown_dossier_is_404(desk: Desk, office: tuple[str, str]) -> None:
    agency, _ = office
    response = desk.progress(desk.code(agency), {"status": 4, "at": at(RECEIVED)})
    assert response.status_code == 404


# -- who may write --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["official", "citizen", "operator"])
def test_only_a_one_stop_system_writes_dossiers(
    desk: Desk, office: tuple[str, str], role: str
) -> None:
    agency, procedure = office
    code = desk.code(agency)
    headers = desk.auth(role, sub="someone", agency=agency if role == "official" else None)
    response = desk.put(code, desk.body(agency, procedure), headers)
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert desk.get(code, desk.auth("operator")).status_code == 404


def test_without_a_token_it_is_401(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    response = desk.put(desk.code(agency), desk.body(agency, procedure), {})
    assert response.status_code == 401


def test_a_system_writes_only_for_its_own_agency(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    other = desk.agency()
    response = desk.put(desk.code(agency), desk.body(agency, procedure), desk.system(other))
    assert response.status_code == 403


def test_a_dossier_belongs_to_the_agency_that_first_synced_it(desk: Desk) -> None:
    owner, intruder = desk.agency(), desk.agency()
    procedure = desk.procedure([owner, intruder])
    code = f"HS-{owner}-0001"  # a code that names no agency
    desk.synced(code, desk.body(owner, procedure))
    taken = desk.put(code, desk.body(intruder, procedure, status=9, status_at=at(RECEIVED)))
    assert taken.status_code == 403
    assert desk.dossier(code)["agency_id"] == owner


def test_a_code_carrying_another_agencys_identifier_is_refused(desk: Desk) -> None:
    named, intruder = desk.agency(), desk.agency()
    procedure = desk.procedure([named, intruder])
    code = desk.code(named)  # ``<named>-260316-NNNN``
    response = desk.put(code, desk.body(intruder, procedure))
    assert response.status_code == 403
    assert desk.put(code, desk.body(named, procedure)).status_code == 201


@pytest.mark.parametrize("case", ["unpublished", "other-agency", "unknown"])
def test_the_procedure_must_be_published_and_implemented_by_the_agency(
    desk: Desk, case: str
) -> None:
    agency, other = desk.agency(), desk.agency()
    if case == "unpublished":
        procedure = "1.999990"
        draft = {
            "name": "Bản nháp",
            "field": "Thử",
            "agency_ids": [agency],
            "agency_level": "province",
            "service_level": "partial",
            "processing_days": 5,
            "fees": [],
            "documents": [],
            "legal_bases": [],
            "result": "Kết quả",
            "online_payment": False,
            "e_result": False,
        }
        desk.catalogue.http.put(
            f"/procedures/{procedure}", headers=desk.auth("operator"), body=json.dumps(draft)
        )
    elif case == "other-agency":
        procedure = desk.procedure([other])
    else:
        procedure = "1.999999"
    response = desk.put(desk.code(agency), desk.body(agency, procedure))
    assert response.status_code == 422, response.body
    assert body_of(response)["errors"][0]["field"] == "procedure_code"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": 11}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"received_at": "2026-03-16T08:00:00"}, "received_at"),
        ({"due_at": "2026-03-15T08:00:00+07:00"}, "due_at"),
        ({"applicant": {"citizen_id": CITIZEN}}, "applicant.name"),
        ({"applicant": {**APPLICANT, "email": "not-an-address"}}, "applicant.email"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_fields_are_422_with_the_field_named(
    desk: Desk, office: tuple[str, str], change: dict[str, Any], field: str
) -> None:
    agency, procedure = office
    response = desk.put(desk.code(agency), desk.body(agency, procedure, **change))
    assert response.status_code == 422, response.body
    assert any(e["field"] == field for e in body_of(response)["errors"]), body_of(response)


def test_a_code_that_a_route_would_shadow_is_refused(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    response = desk.put("mine", desk.body(agency, procedure))
    assert response.status_code in (405, 422)


# -- batches --------------------------------------------------------------------------------
def test_a_batch_answers_each_item_as_it_alone_would_be_answered(
    desk: Desk, office: tuple[str, str]
) -> None:
    agency, procedure = office
    other = desk.agency()
    new, known = desk.code(agency), desk.code(agency)
    desk.synced(
        known, desk.body(agency, procedure, status=4, status_at=at(hanoi("2026-03-18 09:00:00")))
    )
    items = [
        {"dossier_code": new, **desk.body(agency, procedure)},
        {"dossier_code": known, **desk.body(agency, procedure)},  # older than what is held
        {"dossier_code": desk.code(agency), **desk.body(agency, procedure, status=0)},
        {"dossier_code": desk.code(other), **desk.body(other, procedure)},
        {"dossier_code": desk.code(agency), **desk.body(agency, "1.999999")},
        {"status": 2},
        "not a dossier",
    ]
    response = desk.batch(agency, items)
    assert response.status_code == 200, response.body
    answers = body_of(response)["items"]
    assert [(a["dossier_code"], a["status"], a.get("applied")) for a in answers] == [
        (new, 201, True),
        (known, 200, False),
        (items[2]["dossier_code"], 422, None),
        (items[3]["dossier_code"], 403, None),
        (items[4]["dossier_code"], 422, None),
        (None, 422, None),
        (None, 422, None),
    ]
    assert [e["field"] for e in answers[2]["errors"]] == ["status"]
    assert answers[4]["errors"][0]["field"] == "procedure_code"
    assert "errors" not in answers[0] and "errors" not in answers[1]
    assert desk.dossier(new)["status"] == 2
    assert desk.dossier(known)["status"] == 4


def test_two_copies_of_one_dossier_in_a_batch_apply_in_their_order(
    desk: Desk, office: tuple[str, str]
) -> None:
    agency, procedure = office
    code = desk.code(agency)
    items = [
        {"dossier_code": code, **desk.body(agency, procedure)},
        {
            "dossier_code": code,
            **desk.body(agency, procedure, status=4, status_at=at(hanoi("2026-03-17 09:00:00"))),
        },
    ]
    answers = body_of(desk.batch(agency, items))["items"]
    assert [(a["status"], a["applied"]) for a in answers] == [(201, True), (200, True)]
    assert [s["status"] for s in desk.dossier(code)["timeline"]] == [2, 4]


def test_a_batch_takes_at_most_100_items(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    items = [
        {"dossier_code": desk.code(agency), **desk.body(agency, procedure)} for _ in range(101)
    ]
    response = desk.batch(agency, items)
    assert response.status_code == 422
    hundred = desk.batch(agency, items[:100])
    assert hundred.status_code == 200
    assert [a["status"] for a in body_of(hundred)["items"]] == [201] * 100


def test_a_batch_from_anyone_but_a_system_is_403(desk: Desk, office: tuple[str, str]) -> None:
    agency, procedure = office
    response = desk.client.http.post(
        "/batch",
        headers=desk.official(agency),
        body=json.dumps(
            {"items": [{"dossier_code": desk.code(agency), **desk.body(agency, procedure)}]}
        ),
    )
    assert response.status_code == 403


def test_malformed_json_is_400(desk: Desk, office: tuple[str, str]) -> None:
    agency, _ = office
    response = desk.client.http.put(
        f"/{desk.code(agency)}", headers=desk.system(agency), body="{not json"
    )
    assert response.status_code == 400
