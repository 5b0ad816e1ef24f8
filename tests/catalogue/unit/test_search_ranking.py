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
