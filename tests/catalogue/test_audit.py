"""The Decree 42/2022 audit finds procedures declared fully online that are not."""

from __future__ import annotations

from typing import Any

from tests.catalogue.conftest import Catalogue
from tests.conftest import body_of


def findings(catalogue: Catalogue, auth: Any, query: str = "") -> dict[str, dict[str, Any]]:
    response = catalogue.get(f"/audits/service-levels?limit=100{query}", auth("operator"))
    assert response.status_code == 200
    return {item["code"]: item for item in body_of(response)["items"]}


def test_each_failing_full_service_is_listed_with_its_reasons(
    catalogue: Catalogue, auth: Any
) -> None:
    catalogue.published("1.500001", online_payment=False)
    catalogue.published("1.500002", e_result=False)
    catalogue.published(
        "1.500003",
        documents=[
            {"name": "Chứng minh nhân dân bản chính", "copies": 1, "original_required": True}
        ],
        online_payment=False,
    )
    catalogue.published("1.500004")  # passes: paid online, e-result, no originals
    catalogue.published("1.500005", service_level="partial", e_result=False)  # not declared full
    catalogue.published("1.500006", fees=[], online_payment=False)  # free: nothing to pay
    found = findings(catalogue, auth)
    reasons = {code: [r["code"] for r in item["reasons"]] for code, item in found.items()}
    assert reasons["1.500001"] == ["fee_not_payable_online"]
    assert reasons["1.500002"] == ["result_not_electronic"]
    assert reasons["1.500003"] == ["fee_not_payable_online", "original_in_person"]
    assert not {"1.500004", "1.500005", "1.500006"} & set(found)
    assert "Chứng minh nhân dân bản chính" in found["1.500003"]["reasons"][1]["message"]


def test_a_fixed_procedure_leaves_the_audit(catalogue: Catalogue, auth: Any) -> None:
    catalogue.published("1.500010", e_result=False)
    assert "1.500010" in findings(catalogue, auth)
    catalogue.published("1.500010", e_result=True)
    assert "1.500010" not in findings(catalogue, auth)


def test_an_abolished_procedure_leaves_the_audit(catalogue: Catalogue, auth: Any) -> None:
    catalogue.published("1.500011", e_result=False)
    catalogue.abolish("1.500011")
    assert "1.500011" not in findings(catalogue, auth)


def test_reasons_speak_english_when_asked(catalogue: Catalogue, auth: Any) -> None:
    catalogue.published("1.500012", e_result=False)
    response = catalogue.get(
        "/audits/service-levels?limit=100", {**auth("operator"), "Accept-Language": "en"}
    )
    item = next(i for i in body_of(response)["items"] if i["code"] == "1.500012")
    assert item["reasons"][0]["message"] == "The result is not returned electronically."


def test_the_audit_is_for_operators_only(catalogue: Catalogue, auth: Any) -> None:
    assert catalogue.get("/audits/service-levels").status_code == 401
    official = catalogue.get("/audits/service-levels", auth("official", agency="bo-cong-an"))
    assert official.status_code == 403
