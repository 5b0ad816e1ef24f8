"""The index answers a query in more than one way (reading the few documents of a rare
word, or intersecting bitmaps; procedures laid out in code order, or arrived since): each
way gives the same page."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from services.catalogue import search_index
from services.catalogue.search_index import SearchDoc, SearchIndex
from tests.catalogue.unit.test_search_ranking import doc

ACTIONS = ("Cấp", "Cấp lại", "Đổi", "Gia hạn", "Thu hồi", "Đăng ký", "Đăng ký lại")
THINGS = (
    "giấy phép lái xe",
    "hộ chiếu phổ thông",
    "giấy chứng nhận quyền sử dụng đất",
    "phiếu lý lịch tư pháp",
    "giấy phép xây dựng",
    "kết hôn",
    "khai sinh",
)
CASES = ("", " quốc tế", " trường hợp bị mất", " có yếu tố nước ngoài", " lưu động")
PLACES = ("", " tại tỉnh Lạng Sơn", " tại thành phố Huế", " tại tỉnh Cà Mau")
LEVELS = ("full", "partial", "offline")
AGENCIES = ("bo-cong-an", "bo-tu-phap", "ubnd-ha-noi")


def catalogue(count: int) -> list[SearchDoc]:
    rng = random.Random(11)
    return [
        doc(
            f"{1 + n % 2}.{n // 2 + 100000:06d}",
            rng.choice(ACTIONS) + " " + rng.choice(THINGS) + rng.choice(CASES) + rng.choice(PLACES),
            field=rng.choice(("Hộ tịch", "Đường bộ", "Đất đai")),
            service_level=rng.choice(LEVELS),
            agency_ids=(rng.choice(AGENCIES),),
        )
        for n in range(count)
    ]


QUERIES = [
    "giay phep",
    "cấp lại giấy phép lái xe",
    "dang ky ket hon co yeu to nuoc ngoai",
    "đăng kí khai sinh lưu động tại tỉnh Cà Mau",
    "lí lịch tư pháp tại thành phố Huế",
    "thu hoi giay chung nhan quyen su dung dat truong hop bi mat",
    "giấy chứng nhận quyền sử dụng đất trường hợp bị mấtt",
    "ho chieu pho thong quoc t",
    "lang son",
    "tai tinh",
    "100007",
    "1.100012",
    "khai sinh ket hon",
    "doi",
]
OPTIONS = [
    {},
    {"service_level": "full"},
    {"agency_id": "bo-tu-phap"},
    {"field": "Hộ tịch", "service_level": "partial"},
    {"offset": 20},
]


def answers(index: SearchIndex) -> list[tuple[list[str], bool]]:
    pages = []
    for q in QUERIES:
        for options in OPTIONS:
            page = index.search(q, limit=20, **options)  # type: ignore[arg-type]
            pages.append(([d.code for d in page.docs], page.has_more))
    return pages


@pytest.fixture
def docs() -> list[SearchDoc]:
    return catalogue(1500)


def test_reading_a_rare_words_documents_gives_what_bitmaps_give(
    docs: list[SearchDoc], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = SearchIndex()
    index.replace_all(docs)
    monkeypatch.setattr(search_index, "_CHECK_AT_MOST", -1)
    by_bitmaps = answers(index)
    monkeypatch.setattr(search_index, "_CHECK_AT_MOST", 10**9)
    assert answers(index) == by_bitmaps
    assert any(codes for codes, _ in by_bitmaps)


def test_procedures_changed_since_the_layout_rank_as_if_laid_out(docs: list[SearchDoc]) -> None:
    rng = random.Random(5)
    index = SearchIndex()
    index.replace_all(docs[:1000])
    arrived = docs[1000:1100]  # fewer than make the index lay its positions out again
    changed = rng.sample(docs[:1000], 70)
    renamed = [replace(d, name=d.name + " quốc tế", version=3) for d in changed[:40]]
    gone = changed[40:]
    for d in [*arrived, *renamed]:
        index.upsert(d)
    for d in gone:
        index.remove(d.code)
    final = {d.code: d for d in [*docs[:1100], *renamed]}
    for d in gone:
        final.pop(d.code)
    laid_out = SearchIndex()
    laid_out.replace_all(final.values())
    assert answers(index) == answers(laid_out)
    assert len(index) == len(laid_out) == 1100 - 30


def test_a_procedure_published_since_the_layout_is_found_by_its_number() -> None:
    index = SearchIndex()
    index.replace_all(catalogue(6))
    index.upsert(doc("2.000777", "Cấp giấy phép kinh doanh vận tải"))
    assert [d.code for d in index.search("000777").docs] == ["2.000777"]
    assert [d.code for d in index.search("2.000777").docs] == ["2.000777"]
    fresh = SearchIndex()
    fresh.upsert(doc("1.000555", "Đăng ký khai sinh"))
    assert [d.code for d in fresh.search("000555").docs] == ["1.000555"]


def test_the_first_procedure_alone_is_listed_and_filtered() -> None:
    index = SearchIndex()
    index.replace_all([doc("1.000001", "Đăng ký khai sinh", agency_ids=("ubnd-ha-noi",))])
    assert [d.code for d in index.search().docs] == ["1.000001"]
    index.replace_all(
        [
            doc("1.000001", "Đăng ký khai sinh", agency_ids=("ubnd-ha-noi",)),
            doc("1.000002", "Đăng ký kết hôn"),
        ]
    )
    assert [d.code for d in index.search(agency_id="ubnd-ha-noi").docs] == ["1.000001"]


def test_an_empty_index_answers_an_empty_page() -> None:
    index = SearchIndex()
    assert len(index) == 0
    assert index.search().docs == []
    assert index.search("dang ky khai sinh").docs == []
    assert index.search("thuong tru").docs == []  # a long word, with nothing to correct it to


def test_the_documents_held_leave_out_the_removed_ones() -> None:
    index = SearchIndex()
    index.replace_all([doc("1.000001", "Đăng ký khai sinh"), doc("1.000002", "Đăng ký kết hôn")])
    index.remove("1.000001")
    assert [d.code for d in index.docs()] == ["1.000002"]


def test_a_prefix_finds_a_word_or_a_number_published_since_the_layout() -> None:
    index = SearchIndex()
    index.replace_all([doc("1.000555", "Đăng ký khai sinh")])
    assert [d.code for d in index.search("00055").docs] == ["1.000555"]
    fresh = SearchIndex()
    fresh.upsert(doc("1.000555", "Đăng ký khai sinh"))
    fresh.upsert(doc("1.000556", "Đăng ký khai tử"))
    assert [d.code for d in fresh.search("dang ky kh").docs] == ["1.000555", "1.000556"]
    assert [d.code for d in fresh.search("dang ky tu").docs] == ["1.000556"]


def test_many_publications_since_the_layout_are_laid_out_and_all_found() -> None:
    index = SearchIndex()
    for n in range(300):
        index.upsert(doc(f"1.{100300 - n:06d}", "Đăng ký khai sinh"))
    page = index.search("khai sinh", limit=3)
    assert [d.code for d in page.docs] == ["1.100001", "1.100002", "1.100003"]
    assert page.has_more
    assert len(index) == 300


def test_listing_merges_the_publications_since_the_layout_in_code_order() -> None:
    index = SearchIndex()
    index.replace_all([doc("1.000002", "Đăng ký kết hôn"), doc("1.000004", "Đăng ký khai tử")])
    for code in ("1.000005", "1.000003", "1.000001"):
        index.upsert(doc(code, "Cấp bản sao trích lục"))
    codes = [d.code for d in index.search().docs]
    assert codes == ["1.000001", "1.000002", "1.000003", "1.000004", "1.000005"]


@pytest.fixture(params=["bitmaps", "reading"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    limit = -1 if request.param == "bitmaps" else 10**9
    monkeypatch.setattr(search_index, "_CHECK_AT_MOST", limit)
    return str(request.param)


def test_a_two_word_phrase_ranks_before_a_shorter_name_holding_both_words(way: str) -> None:
    index = SearchIndex()
    index.replace_all(
        [
            doc("1.000001", "Cấp phép in giấy tờ"),  # both words, apart: 5 words
            doc("1.000002", "Cấp giấy phép xây dựng nhà ở riêng lẻ"),  # the phrase: 9 words
        ]
    )
    assert [d.code for d in index.search("giay phep").docs] == ["1.000002", "1.000001"]


@pytest.mark.parametrize("arrives", ["laid out", "since the layout"])
def test_the_name_itself_ranks_first_either_way(way: str, arrives: str) -> None:
    named = doc("1.000001", "Giấy phép lái xe")
    others = [
        doc("1.000002", "Đổi giấy phép lái xe"),
        doc("1.000003", "Cấp giấy phép lái xe quốc tế"),
        doc("1.000004", "Giấy phép lái xe tạm thời"),
    ]
    index = SearchIndex()
    if arrives == "laid out":
        index.replace_all([named, *others])
    else:
        index.replace_all(others)
        index.upsert(named)
    codes = [d.code for d in index.search("giay phep lai xe").docs]
    assert codes == ["1.000001", "1.000002", "1.000004", "1.000003"]
