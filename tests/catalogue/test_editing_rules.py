"""Who may edit, publish and abolish, and what bad input gets back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.catalogue.conftest import Catalogue, procedure_body
from tests.conftest import body_of


def test_an_official_may_declare_a_procedure_of_their_own_agency(
    catalogue: Catalogue, auth: Any
) -> None:
    response = catalogue.put("1.200001", auth("official", agency="bo-cong-an"))
    assert response.status_code == 200


def test_an_official_may_not_declare_a_procedure_for_another_agency(
    catalogue: Catalogue, auth: Any
) -> None:
    response = catalogue.put("1.200002", auth("official", agency="bo-tu-phap"))
    assert response.status_code == 403
    assert body_of(response)["type"].endswith("/forbidden")


def test_an_official_may_not_take_over_another_agencys_procedure(
    catalogue: Catalogue, auth: Any
) -> None:
    catalogue.put("1.200003")  # belongs to bo-cong-an
    takeover = catalogue.put(
        "1.200003", auth("official", agency="bo-tu-phap"), agency_ids=["bo-tu-phap"]
    )
    assert takeover.status_code == 403


@pytest.mark.parametrize("role", ["citizen", "system"])
def test_citizens_and_systems_may_not_edit(catalogue: Catalogue, auth: Any, role: str) -> None:
    headers = auth(role, agency="bo-cong-an") if role == "system" else auth(role)
    assert catalogue.put("1.200004", headers).status_code == 403


def test_editing_needs_a_token(catalogue: Catalogue) -> None:
    response = catalogue.client.http.put(
        "/procedures/1.200005",
        headers={"Content-Type": "application/json"},
        body=json.dumps(procedure_body()),
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer a.b.c"],
)
def test_a_bad_token_is_401_never_500(catalogue: Catalogue, authorization: str) -> None:
    response = catalogue.client.http.put(
        "/procedures/1.200006",
        headers={"Authorization": authorization, "Content-Type": "application/json"},
        body=json.dumps(procedure_body()),
    )
    assert response.status_code == 401


def test_only_operators_publish_and_abolish(catalogue: Catalogue, auth: Any) -> None:
    catalogue.put("1.200007")
    official = auth("official", agency="bo-cong-an")
    for action, body in (("publish", {}), ("abolish", {"reason": "x"})):
        response = catalogue.client.http.post(
            f"/procedures/1.200007/{action}", headers=official, body=json.dumps(body)
        )
        assert response.status_code == 403


def test_invalid_fields_are_422_with_each_field_named(catalogue: Catalogue, auth: Any) -> None:
    body = procedure_body(processing_days=-1, agency_level="village", fees=[{"name": "Lệ phí"}])
    body.pop("result")
    response = catalogue.client.http.put(
        "/procedures/1.200008", headers=auth("operator"), body=json.dumps(body)
    )
    assert response.status_code == 422
    problem = body_of(response)
    assert response.headers["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in problem["errors"]}
    assert {"processing_days", "agency_level", "fees.0.amount_vnd", "result"} <= fields


def test_unknown_agencies_are_422(catalogue: Catalogue) -> None:
    response = catalogue.put("1.200009", agency_ids=["bo-khong-co-that"])
    assert response.status_code == 422
    assert body_of(response)["errors"][0]["field"] == "agency_ids"


def test_a_malformed_code_is_422_on_put(catalogue: Catalogue) -> None:
    response = catalogue.put("1234")
    assert response.status_code == 422
    assert body_of(response)["errors"][0]["field"] == "code"


def test_malformed_json_is_400(catalogue: Catalogue, auth: Any) -> None:
    response = catalogue.client.http.put(
        "/procedures/1.200010", headers=auth("operator"), body="{not json"
    )
    assert response.status_code == 400
    assert body_of(response)["status"] == 400


def test_unknown_fields_are_refused_rather_than_dropped(catalogue: Catalogue) -> None:
    response = catalogue.put("1.200011", fee="135000")
    assert response.status_code == 422
    assert body_of(response)["errors"][0]["field"] == "fee"


def test_other_content_types_are_415_problems(catalogue: Catalogue, auth: Any) -> None:
    headers = {**auth("operator"), "Content-Type": "text/plain"}
    response = catalogue.client.http.put("/procedures/1.200012", headers=headers, body="x")
    assert response.status_code == 415
    assert response.headers["Content-Type"] == "application/problem+json"


def test_messages_follow_accept_language(catalogue: Catalogue) -> None:
    vietnamese = body_of(catalogue.get("/procedures/9.000404"))
    english = body_of(catalogue.get("/procedures/9.000404", {"Accept-Language": "en-US,en;q=0.9"}))
    assert vietnamese["detail"] == "Không tìm thấy thủ tục hành chính."
    assert english["detail"] == "No such procedure."


def test_every_answer_carries_a_correlation_id(catalogue: Catalogue) -> None:
    response = catalogue.get("/procedures/9.000404", {"X-Correlation-Id": "abc-123"})
    assert response.headers["X-Correlation-Id"] == "abc-123"
    generated = catalogue.get("/procedures/9.000404")
    assert len(generated.headers["X-Correlation-Id"]) >= 8


def test_duplicate_names_at_the_same_level_are_refused_naming_the_other(
    catalogue: Catalogue,
) -> None:
    catalogue.published("1.300001", name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam")
    catalogue.put("1.300002", name="cấp phiếu LÝ LỊCH tư pháp cho công dân việt nam")
    response = catalogue.publish("1.300002")
    assert response.status_code == 409
    assert body_of(response)["conflicting_code"] == "1.300001"
    assert "1.300001" in body_of(response)["detail"]


def test_force_publishes_a_duplicate_name(catalogue: Catalogue) -> None:
    catalogue.published("1.300003", name="Đăng ký khai sinh có yếu tố nước ngoài")
    catalogue.put("1.300004", name="Đăng ký khai sinh có yếu tố nước ngoài")
    response = catalogue.publish("1.300004", force=True)
    assert response.status_code == 200
    assert body_of(response)["status"] == "published"


def test_the_same_name_at_another_agency_level_is_no_duplicate(catalogue: Catalogue) -> None:
    catalogue.published("1.300005", name="Cấp giấy phép xây dựng nhà ở riêng lẻ")
    catalogue.put(
        "1.300006",
        name="Cấp giấy phép xây dựng nhà ở riêng lẻ",
        agency_level="province",
        agency_ids=["so-xay-dung-ha-noi"],
    )
    assert catalogue.publish("1.300006").status_code == 200


def test_abolishing_frees_the_name(catalogue: Catalogue) -> None:
    catalogue.published("1.300007", name="Gia hạn giấy phép hoạt động thử nghiệm")
    catalogue.abolish("1.300007")
    catalogue.put("1.300008", name="Gia hạn giấy phép hoạt động thử nghiệm")
    assert catalogue.publish("1.300008").status_code == 200


def test_republishing_under_a_new_name_frees_the_old_one(catalogue: Catalogue) -> None:
    catalogue.published("1.300009", name="Xác nhận tình trạng hôn nhân thử nghiệm")
    catalogue.published("1.300009", name="Cấp giấy xác nhận tình trạng hôn nhân thử nghiệm")
    catalogue.put("1.300010", name="Xác nhận tình trạng hôn nhân thử nghiệm")
    assert catalogue.publish("1.300010").status_code == 200


@pytest.mark.parametrize("path", ["/procedures/{x}", "/procedures/{x}/versions", "/agencies/{x}"])
def test_odd_path_values_are_404_and_never_reach_the_table(
    catalogue: Catalogue, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DynamoDB refuses keys over 2 KB with an error (moto does not emulate the limit), so an
    # odd value must be answered before any read.
    from services.catalogue import storage

    def no_reads(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the table was read")

    for reader in ("load_current", "load_state", "get_agency"):
        monkeypatch.setattr(storage, reader, no_reads)
    # "a.b" is an agency id of the national form, but no procedure code; ".a" is neither.
    for odd in ("9" * 5000, "a.b" if "procedures" in path else ".a", "%C4%90", "a" * 41):
        response = catalogue.get(path.format(x=odd))
        assert response.status_code == 404, (path, odd[:10])


def test_publishing_an_odd_code_is_404(catalogue: Catalogue) -> None:
    assert catalogue.publish("1" * 3000).status_code == 404
