"""Procedures move draft -> published -> abolished; every change raises the version."""

from __future__ import annotations

from typing import Any

from tests.catalogue.conftest import Catalogue
from tests.conftest import body_of


def test_put_creates_a_draft_at_version_one(catalogue: Catalogue) -> None:
    response = catalogue.put("1.100001")
    assert response.status_code == 200
    record = body_of(response)
    assert record["status"] == "draft"
    assert record["version"] == 1
    assert record["fee_total_vnd"] == 135000


def test_every_change_raises_the_version_by_one(catalogue: Catalogue) -> None:
    assert body_of(catalogue.put("1.100002"))["version"] == 1
    assert body_of(catalogue.put("1.100002", processing_days=3))["version"] == 2
    assert body_of(catalogue.publish("1.100002"))["version"] == 3
    assert body_of(catalogue.put("1.100002", processing_days=2))["version"] == 4
    assert body_of(catalogue.publish("1.100002"))["version"] == 5
    assert body_of(catalogue.abolish("1.100002"))["version"] == 6


def test_a_draft_is_hidden_from_the_public(catalogue: Catalogue, auth: Any) -> None:
    catalogue.put("1.100003")
    response = catalogue.get("/procedures/1.100003")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    citizen = catalogue.get("/procedures/1.100003", auth("citizen"))
    assert citizen.status_code == 404


def test_a_draft_is_shown_to_operators_and_its_agencys_officials(
    catalogue: Catalogue, auth: Any
) -> None:
    catalogue.put("1.100004")
    for headers in (auth("operator"), auth("official", agency="bo-cong-an")):
        response = catalogue.get("/procedures/1.100004", headers)
        assert response.status_code == 200
        assert body_of(response)["status"] == "draft"
    other_agency = catalogue.get("/procedures/1.100004", auth("official", agency="bo-tu-phap"))
    assert other_agency.status_code == 404


def test_the_public_keeps_the_published_version_while_a_new_draft_waits(
    catalogue: Catalogue, auth: Any
) -> None:
    catalogue.published("1.100005", processing_days=10)
    catalogue.put("1.100005", processing_days=3)
    public = body_of(catalogue.get("/procedures/1.100005"))
    assert (public["status"], public["processing_days"]) == ("published", 10)
    draft = body_of(catalogue.get("/procedures/1.100005?view=draft", auth("operator")))
    assert (draft["status"], draft["processing_days"]) == ("draft", 3)
    catalogue.publish("1.100005")
    assert body_of(catalogue.get("/procedures/1.100005"))["processing_days"] == 3


def test_abolished_procedures_stay_public_with_their_status(catalogue: Catalogue) -> None:
    catalogue.published("1.100006")
    catalogue.abolish("1.100006", reason="Trùng lặp với thủ tục khác")
    record = body_of(catalogue.get("/procedures/1.100006"))
    assert record["status"] == "abolished"
    assert record["abolition_reason"] == "Trùng lặp với thủ tục khác"


def test_an_abolished_code_cannot_be_revived(catalogue: Catalogue) -> None:
    catalogue.published("1.100007")
    catalogue.abolish("1.100007")
    assert catalogue.put("1.100007").status_code == 409
    assert catalogue.abolish("1.100007").status_code == 409


def test_publishing_without_a_draft_is_a_conflict(catalogue: Catalogue) -> None:
    catalogue.published("1.100008")
    response = catalogue.publish("1.100008")
    assert response.status_code == 409
    assert body_of(response)["status"] == 409


def test_unknown_procedures_are_404(catalogue: Catalogue) -> None:
    assert catalogue.get("/procedures/9.999999").status_code == 404
    assert catalogue.publish("9.999998").status_code == 404
    assert catalogue.abolish("9.999997").status_code == 404
    assert catalogue.get("/procedures/9.999999/versions").status_code == 404


def test_abolishing_a_draft_only_procedure_is_a_conflict(catalogue: Catalogue) -> None:
    catalogue.put("1.100009")
    assert catalogue.abolish("1.100009").status_code == 409


def test_versions_list_every_published_version_newest_first(catalogue: Catalogue) -> None:
    catalogue.published("1.100010", processing_days=20)
    catalogue.published("1.100010", processing_days=15)
    catalogue.published("1.100010", processing_days=10)
    first = body_of(catalogue.get("/procedures/1.100010/versions?limit=2"))
    assert [v["processing_days"] for v in first["items"]] == [10, 15]
    assert [v["version"] for v in first["items"]] == [6, 4]
    rest = body_of(
        catalogue.get(f"/procedures/1.100010/versions?limit=2&cursor={first['next_cursor']}")
    )
    assert [v["version"] for v in rest["items"]] == [2]
    assert rest["next_cursor"] is None


def test_a_draft_only_procedure_has_no_public_versions(catalogue: Catalogue, auth: Any) -> None:
    catalogue.put("1.100011")
    assert catalogue.get("/procedures/1.100011/versions").status_code == 404
    editor = catalogue.get("/procedures/1.100011/versions", auth("operator"))
    assert body_of(editor)["items"] == []
