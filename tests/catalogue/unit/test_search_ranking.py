"""The search index's rule book on its own: which procedures a query finds, and in which
order. Tiers, best first: the name equals the query; the name holds it as a phrase; the name
holds every word. Within a tier, shorter names first, then by code."""

from __future__ import annotations

import pytest

from services.catalogue.search_index import SearchDoc, SearchIndex


def doc(code: str, name: str, **changes: object) -> SearchDoc:
    fields: dict[str, object] = {
        "field": "Hộ tịch",
        "service_level": "full",
        "agency_ids": ("bo-tu-phap",),
        "agency_level": "central",
        "processing_days": 5,
        "fee_total_vnd": 0,
        "version": 2,
        **changes,
    }
    return SearchDoc(code=code, name=name, **fields)  # type: ignore[arg-type]


MARRIAGE = [
    doc("1.000002", "Đăng ký kết hôn có yếu tố nước ngoài"),  # phrase, 8 words
    doc("1.000004", "Đăng ký lại kết hôn"),  # every word, 5 words
    doc("2.000001", "Đăng ký kết hôn"),  # the name itself, another code
    doc("1.000003", "Kết hôn: đăng ký lại"),  # every word, 5 words
    doc("1.000005", "Đăng ký kết hôn lưu động"),  # phrase, 5 words
    doc("1.000001", "Đăng ký kết hôn"),  # the name itself
    doc("1.000006", "Cấp hộ chiếu phổ thông", field="Xuất nhập cảnh", agency_ids=("bo-cong-an",)),
    doc(
        "1.000007",
        "Đăng ký khai sinh",
        service_level="partial",
        agency_ids=("bo-tu-phap", "ubnd-ha-noi"),
    ),
]


@pytest.fixture
def index() -> SearchIndex:
    built = SearchIndex()
    built.replace_all(MARRIAGE)
    return built


def codes(index: SearchIndex, q: str | None, **options: object) -> list[str]:
    return [d.code for d in index.search(q, limit=50, **options).docs]  # type: ignore[arg-type]


def test_exact_names_then_phrases_then_every_word(index: SearchIndex) -> None:
    assert codes(index, "dang ky ket hon") == [
        "1.000001",  # exact, by code
        "2.000001",
        "1.000005",  # phrase, 5 words before 8
        "1.000002",
        "1.000003",  # every word, 5 words each, by code
        "1.000004",
    ]


def test_case_and_diacritics_never_change_the_answer(index: SearchIndex) -> None:
    expected = codes(index, "dang ky ket hon")
    assert codes(index, "ĐĂNG KÝ KẾT HÔN") == expected
    assert codes(index, "Đăng  ký kết hôn ") == expected


def test_a_word_not_in_any_name_finds_nothing(index: SearchIndex) -> None:
    assert codes(index, "ket hon ly hon") == []
    assert index.search("ket hon ly hon").has_more is False


def test_a_code_and_its_number_find_the_procedure(index: SearchIndex) -> None:
    assert codes(index, "1.000006") == ["1.000006"]
    assert codes(index, "000006") == ["1.000006"]


def test_the_last_word_matches_as_a_prefix_once_two_letters_long(index: SearchIndex) -> None:
    assert codes(index, "ho chi") == ["1.000006"]
    assert codes(index, "khai s") == []  # one letter is too little to expand
    assert codes(index, "dang ky khai si") == ["1.000007"]


def test_only_the_last_word_is_a_prefix(index: SearchIndex) -> None:
    assert codes(index, "chi ho") == []
    assert codes(index, "chieu ho") == ["1.000006"]


def test_filters_narrow_a_query_and_list_by_code_without_one(index: SearchIndex) -> None:
    assert codes(index, "dang ky", agency_id="ubnd-ha-noi") == ["1.000007"]
    assert codes(index, "dang ky", service_level="partial") == ["1.000007"]
    assert codes(index, None, field="xuat nhap canh") == ["1.000006"]
    assert codes(index, None, agency_id="bo-cong-an", service_level="partial") == []
    assert codes(index, None) == [
        "1.000001",
        "1.000002",
        "1.000003",
        "1.000004",
        "1.000005",
        "1.000006",
        "1.000007",
        "2.000001",
    ]


def test_pages_split_the_ranked_answer(index: SearchIndex) -> None:
    first = index.search("dang ky ket hon", offset=0, limit=4)
    rest = index.search("dang ky ket hon", offset=4, limit=4)
    assert [d.code for d in first.docs] == ["1.000001", "2.000001", "1.000005", "1.000002"]
    assert first.has_more is True
    assert [d.code for d in rest.docs] == ["1.000003", "1.000004"]
    assert rest.has_more is False


def test_a_new_version_replaces_the_old_words_and_a_removal_forgets_the_procedure(
    index: SearchIndex,
) -> None:
    index.upsert(doc("1.000006", "Cấp hộ chiếu ngoại giao", version=3))
    assert codes(index, "pho thong") == []
    assert codes(index, "ngoai giao") == ["1.000006"]
    assert index.version_of("1.000006") == 3
    index.remove("1.000006")
    assert codes(index, "ho chieu") == []
    assert index.version_of("1.000006") is None
    assert len(index) == 7


def test_a_renamed_procedure_moves_between_tiers(index: SearchIndex) -> None:
    index.upsert(doc("1.000004", "Đăng ký kết hôn", version=3))
    assert codes(index, "dang ky ket hon")[:3] == ["1.000001", "1.000004", "2.000001"]


def _many(count: int) -> list[SearchDoc]:
    # Listed longest name first and highest code first, so insertion order is never rank order.
    return [
        doc(f"1.{900 - n:06d}", "Cấp giấy phép " + " ".join(["xây dựng"] * (1 + (n % 3))))
        for n in range(count)
    ]


def test_a_large_answer_is_ranked_the_same_when_only_its_first_page_is_kept() -> None:
    index = SearchIndex()
    index.replace_all(_many(30))
    # 30 matches, a page of 2: only the best few are picked out, shortest names, then codes.
    page = index.search("giay phep", limit=2)
    assert [d.code for d in page.docs] == ["1.000873", "1.000876"]
    assert page.has_more
    listing = index.search(None, limit=3)
    assert [d.code for d in listing.docs] == ["1.000871", "1.000872", "1.000873"]


def test_twenty_to_a_page_unless_asked_otherwise() -> None:
    index = SearchIndex()
    index.replace_all(_many(21))
    first = index.search("xay dung")
    assert len(first.docs) == 20 and first.has_more
    assert len(index.search("xay dung", offset=20).docs) == 1


def test_more_is_said_only_when_a_match_lies_past_the_page(index: SearchIndex) -> None:
    assert len(index.search("ket hon", limit=6).docs) == 6
    assert not index.search("ket hon", limit=6).has_more
    assert index.search("ket hon", limit=5).has_more
    assert not index.search("ket hon", offset=3, limit=3).has_more
    assert index.search("ket hon", offset=2, limit=3).has_more
    last = index.search("ket hon", offset=5, limit=1)
    assert [d.code for d in last.docs] == ["1.000002"] and not last.has_more


def test_a_removed_procedure_takes_no_place_and_counts_for_nothing(index: SearchIndex) -> None:
    index.remove("1.000001")
    index.remove("1.000005")
    found = index.search("dang ky ket hon", limit=4)
    assert [d.code for d in found.docs] == ["2.000001", "1.000002", "1.000003", "1.000004"]
    assert not found.has_more
    assert [d.code for d in index.search("ket hon luu dong").docs] == []
    tu_phap = index.search(None, agency_id="bo-tu-phap", limit=5)
    assert [d.code for d in tu_phap.docs] == [
        "1.000002",
        "1.000003",
        "1.000004",
        "1.000007",
        "2.000001",
    ]
    assert not tu_phap.has_more
    assert [d.code for d in index.search("1.000001").docs] == []
    assert index.version_of("1.000001") is None
    assert len(index) == 6


def test_an_exact_name_comes_before_a_phrase_of_the_same_length() -> None:
    index = SearchIndex()
    # Both hold the pairs of "hôn kết hôn" and are three words long; only one is the name.
    index.replace_all([doc("1.000001", "Kết hôn kết"), doc("1.000002", "Hôn kết hôn")])
    assert codes(index, "hon ket hon") == ["1.000002", "1.000001"]


def test_an_unknown_filter_value_finds_nothing(index: SearchIndex) -> None:
    assert codes(index, None, agency_id="bo-khong-co") == []
    assert codes(index, "ket hon", field="Không có") == []
