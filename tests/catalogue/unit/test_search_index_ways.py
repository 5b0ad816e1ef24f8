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
