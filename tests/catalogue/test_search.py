"""Public search: folded, ranked, filtered, paginated; published procedures only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.catalogue.conftest import Catalogue
from tests.conftest import body_of

PROCEDURES = {
    "1.400001": {"name": "Đổi giấy phép lái xe", "field": "Đường bộ"},
    "1.400002": {"name": "Cấp lại giấy phép lái xe bị mất", "field": "Đường bộ"},
    "1.400003": {
        "name": "Cấp giấy phép kinh doanh vận tải bằng xe ô tô có lái xe thuê",
        "field": "Đường bộ",
        "service_level": "partial",
    },
    "1.400004": {
        "name": "Đăng ký kết hôn",
        "field": "Hộ tịch",
        "agency_ids": ["bo-tu-phap"],
        "fees": [],
    },
    "1.400005": {
        "name": "Đăng ký kết hôn có yếu tố nước ngoài",
        "field": "Hộ tịch",
        "agency_ids": ["bo-tu-phap"],
    },
    "1.400006": {"name": "Cấp hộ chiếu phổ thông ở trong nước", "field": "Xuất nhập cảnh"},
}


@pytest.fixture(scope="module", autouse=True)
def published(catalogue: Catalogue) -> None:
    for code, changes in PROCEDURES.items():
        catalogue.published(code, **changes)
    catalogue.put("1.400007", name="Đổi giấy phép lái xe quốc tế (bản nháp)")


def search(catalogue: Catalogue, query: str) -> dict[str, Any]:
    response = catalogue.get(f"/procedures?{query}")
    assert response.status_code == 200, response.body
    return body_of(response)  # type: ignore[no-any-return]


def codes(page: dict[str, Any]) -> list[str]:
    return [item["code"] for item in page["items"]]


def test_search_ignores_case_and_diacritics_including_d_stroke(catalogue: Catalogue) -> None:
    for q in ("giay phep lai xe", "GIẤY PHÉP LÁI XE", "doi giay phep", "Đổi giấy phép"):
        assert "1.400001" in codes(search(catalogue, f"q={quote(q)}")), q


def test_the_best_match_comes_first(catalogue: Catalogue) -> None:
    page = search(catalogue, "q=" + quote("giay phep lai xe"))
    # All three hold the words; the exact phrase in the shortest name ranks first and the
    # name where the words are scattered ranks last.
    assert codes(page) == ["1.400001", "1.400002", "1.400003"]


def test_an_exact_name_beats_a_longer_one(catalogue: Catalogue) -> None:
    assert codes(search(catalogue, "q=" + quote("dang ky ket hon")))[0] == "1.400004"


def test_a_code_finds_its_procedure(catalogue: Catalogue) -> None:
    assert codes(search(catalogue, "q=1.400006")) == ["1.400006"]


def test_the_last_word_matches_as_a_prefix(catalogue: Catalogue) -> None:
    assert codes(search(catalogue, "q=" + quote("ho chi"))) == ["1.400006"]


def test_drafts_are_never_found(catalogue: Catalogue) -> None:
    assert "1.400007" not in codes(search(catalogue, "q=" + quote("quoc te")))


def test_abolished_procedures_leave_the_results(catalogue: Catalogue) -> None:
    catalogue.published("1.400008", name="Thủ tục sắp bãi bỏ về đường thủy")
    assert codes(search(catalogue, "q=" + quote("duong thuy"))) == ["1.400008"]
    catalogue.abolish("1.400008")
    assert codes(search(catalogue, "q=" + quote("duong thuy"))) == []


def test_filters_narrow_the_results(catalogue: Catalogue) -> None:
    by_agency = search(catalogue, "q=" + quote("dang ky") + "&agency_id=bo-tu-phap")
    assert set(codes(by_agency)) == {"1.400004", "1.400005"}
    by_field = search(catalogue, "field=" + quote("hộ tịch"))
    assert set(codes(by_field)) == {"1.400004", "1.400005"}
    by_level = search(catalogue, "q=" + quote("lai xe") + "&service_level=partial")
    assert codes(by_level) == ["1.400003"]


def test_items_hold_what_front_ends_rely_on(catalogue: Catalogue) -> None:
    item = search(catalogue, "q=1.400004")["items"][0]
    assert {"code", "name", "field", "service_level", "agency_ids"} <= set(item)
    assert item["name"] == "Đăng ký kết hôn"
    assert item["agency_ids"] == ["bo-tu-phap"]


def test_pages_follow_the_cursor_without_repeats(catalogue: Catalogue) -> None:
    seen: list[str] = []
    page = search(catalogue, "q=" + quote("giay phep lai xe") + "&limit=1")
    while True:
        seen.extend(codes(page))
        if page["next_cursor"] is None:
            break
        page = search(
            catalogue, "q=" + quote("giay phep lai xe") + f"&limit=1&cursor={page['next_cursor']}"
        )
    assert seen == ["1.400001", "1.400002", "1.400003"]


def test_an_altered_cursor_is_400(catalogue: Catalogue) -> None:
    page = search(catalogue, "q=" + quote("giay phep") + "&limit=1")
    cursor = page["next_cursor"]
    altered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for bad in (altered, "garbage", "%%%"):
        response = catalogue.get(f"/procedures?q=giay&limit=1&cursor={quote(bad)}")
        assert response.status_code == 400, bad
        assert response.headers["Content-Type"] == "application/problem+json"


def test_a_cursor_from_another_search_is_400(catalogue: Catalogue) -> None:
    cursor = search(catalogue, "q=" + quote("giay phep") + "&limit=1")["next_cursor"]
    response = catalogue.get(f"/procedures?q=ket+hon&limit=1&cursor={cursor}")
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "service_level=online"])
def test_bad_parameters_are_422(catalogue: Catalogue, query: str) -> None:
    response = catalogue.get(f"/procedures?{query}")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def test_without_a_query_the_list_is_by_code(catalogue: Catalogue) -> None:
    listed = codes(search(catalogue, "limit=100"))
    assert listed == sorted(listed)
    assert "1.400007" not in listed
