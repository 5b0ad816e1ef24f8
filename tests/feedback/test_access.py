"""Who sees a case: its submitter (by access key or by token) and the officials handling it
see the submitter's details; operators see the case without them; to anyone else the case
does not exist."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.conftest import body_of
from tests.feedback.conftest import PERSON

_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.feedback import app

    monkeypatch.setattr(app, "_client_ip", lambda: f"198.51.100.{next(_addresses) % 250}")


@pytest.fixture(scope="module")
def routed(client: Any, auth: Any) -> dict[str, Any]:
    """One anonymous case and one a citizen sent with a token, both routed to bo-cong-an."""
    from tests.feedback.conftest import Desk

    desk = Desk(client, auth)
    anonymous = desk.submitted()
    mine = desk.submitted(
        headers=auth("citizen", sub="cong-dan-42"),
        submitter={"name": "Lê Văn Tám", "phone": "0903111222"},
        title="Hỏi về lệ phí đổi giấy phép lái xe",
    )
    desk.route_all()
    return {"anonymous": anonymous, "mine": mine}


def test_without_a_key_or_a_token_the_case_does_not_exist(desk: Any, routed: Any) -> None:
    code = routed["anonymous"]["tracking_code"]

    response = desk.case(code)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert code not in response.body.decode()


@pytest.mark.parametrize(
    "key",
    ["wrong", "", "x" * 32],
)
def test_a_wrong_access_key_is_the_same_404(desk: Any, routed: Any, key: str) -> None:
    response = desk.case(routed["anonymous"]["tracking_code"], access_key=key)

    assert response.status_code == 404


def test_a_key_opens_only_its_own_case(desk: Any, routed: Any) -> None:
    response = desk.case(
        routed["mine"]["tracking_code"], access_key=routed["anonymous"]["access_key"]
    )

    assert response.status_code == 404


@pytest.mark.parametrize("code", ["PA-22222-22222", "PA-ABCDE-FGHJK"])
def test_an_unknown_code_is_404(desk: Any, routed: Any, code: str) -> None:
    assert desk.case(code, access_key=routed["anonymous"]["access_key"]).status_code == 404


@pytest.mark.parametrize("code", ["PA-00000-00000", "pa-abcde-fghjk", "PA-ABCDE", "CASE"])
def test_a_malformed_code_is_not_a_case(desk: Any, code: str) -> None:
    assert desk.case(code).status_code == 404


def test_the_access_key_shows_the_case_and_the_submitters_details(desk: Any, routed: Any) -> None:
    case = desk.by_key(routed["anonymous"])

    assert case["tracking_code"] == routed["anonymous"]["tracking_code"]
    assert case["agency_id"] == "bo-cong-an"
    assert case["submitter"] == PERSON
    assert case["timeline"]


def test_the_citizen_who_sent_it_sees_it_by_token(desk: Any, auth: Any, routed: Any) -> None:
    response = desk.case(
        routed["mine"]["tracking_code"], headers=auth("citizen", sub="cong-dan-42")
    )

    assert response.status_code == 200, response.body
    submitter = body_of(response)["submitter"]
    assert {k: v for k, v in submitter.items() if v} == {
        "name": "Lê Văn Tám",
        "phone": "0903111222",
    }


def test_another_citizens_token_does_not_open_it(desk: Any, auth: Any, routed: Any) -> None:
    other = auth("citizen", sub="cong-dan-43")

    assert desk.case(routed["mine"]["tracking_code"], headers=other).status_code == 404
    # Nor does any token open an anonymous case: it has no owner.
    assert desk.case(routed["anonymous"]["tracking_code"], headers=other).status_code == 404


def test_officials_of_the_handling_agency_see_the_submitters_details(
    desk: Any, auth: Any, routed: Any
) -> None:
    response = desk.case(
        routed["anonymous"]["tracking_code"], headers=auth("official", agency="bo-cong-an")
    )

    assert response.status_code == 200, response.body
    assert body_of(response)["submitter"] == PERSON


def test_officials_of_another_agency_do_not_see_the_case(desk: Any, auth: Any, routed: Any) -> None:
    response = desk.case(
        routed["anonymous"]["tracking_code"], headers=auth("official", agency="bo-xay-dung")
    )

    assert response.status_code == 404
    assert PERSON["name"] not in response.body.decode()


def test_operators_see_the_case_without_the_submitters_details(
    desk: Any, auth: Any, routed: Any
) -> None:
    response = desk.case(routed["anonymous"]["tracking_code"], headers=auth("operator"))

    assert response.status_code == 200, response.body
    case = body_of(response)
    assert case["content"]
    assert case["submitter"] is None
    for value in PERSON.values():
        assert value not in response.body.decode()


def test_a_system_token_does_not_open_a_case(desk: Any, auth: Any, routed: Any) -> None:
    response = desk.case(
        routed["anonymous"]["tracking_code"], headers=auth("system", agency="bo-cong-an")
    )

    assert response.status_code == 404


def test_after_a_transfer_the_new_agency_sees_it_and_the_old_one_no_longer(
    desk: Any, auth: Any
) -> None:
    receipt = desk.submitted(
        submitter={"name": "Phạm Thị Lan", "email": "lan@example.vn"},
        title="Kiến nghị về quy hoạch xây dựng",
    )
    desk.route_all()
    moved = desk.act(receipt["tracking_code"], action="transfer", to_agency_id="bo-xay-dung")
    assert moved.status_code == 200, moved.body

    old = desk.case(receipt["tracking_code"], headers=auth("official", agency="bo-cong-an"))
    new = desk.case(receipt["tracking_code"], headers=auth("official", agency="bo-xay-dung"))

    assert old.status_code == 404
    assert new.status_code == 200
    assert body_of(new)["submitter"]["email"] == "lan@example.vn"
    # The submitter's key still opens it.
    assert desk.by_key(receipt)["agency_id"] == "bo-xay-dung"


def test_operators_do_not_see_what_submitters_typed_about_themselves(desk: Any, auth: Any) -> None:
    receipt = desk.submitted(
        headers=auth("citizen", sub="typed-it-in"),
        title="Phản ánh của Trần Văn Bình về hồ sơ",
        content="Tôi là Trần Văn Bình, điện thoại 0903 123 456, CCCD số 079201001234, "
        "hồ sơ đổi giấy phép lái xe quá hạn.",
        submitter={"name": "Trần Văn Bình", "phone": "0903123456"},
    )
    desk.route_all()
    seen = desk.case(receipt["tracking_code"], headers=auth("operator")).body.decode()
    for typed in ("Trần Văn Bình", "0903 123 456", "079201001234"):
        assert typed not in seen
    assert "giấy phép lái xe" in seen  # the matter itself is still there
    work = desk.client.http.get("/agencies/bo-cong-an/cases?limit=100", headers=auth("operator"))
    assert "Trần Văn Bình" not in work.body.decode()
    # The handling officials see the text as written, to answer it.
    official = desk.case(receipt["tracking_code"], headers=auth("official", agency="bo-cong-an"))
    assert "Trần Văn Bình" in official.body.decode()
