"""Citizens spell as they were taught and type in a hurry: i/y spellings and one mistyped
letter in a long word still find the procedure, and never reorder an exact answer."""

from __future__ import annotations

import pytest

from services.catalogue.search_index import SearchIndex
from tests.catalogue.unit.test_search_ranking import MARRIAGE, doc

NAMED = [
    doc("1.100001", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"),
    doc("1.100002", "Cấp giấy phép hành nghề đối với chức danh bác sĩ"),
    doc("1.100003", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên"),
    doc("1.100004", "Cấp giấy phép xây dựng nhà ở riêng lẻ"),
    doc("1.100005", "Đăng ký thường trú"),
    doc("1.100006", "Đăng ký trường học"),
    doc("1.100007", "Chứng thực chữ kí trong giấy tờ"),
]


@pytest.fixture
def index() -> SearchIndex:
    built = SearchIndex()
    built.replace_all([*MARRIAGE, *NAMED])
    return built


def codes(index: SearchIndex, q: str) -> list[str]:
    return [d.code for d in index.search(q, limit=50).docs]


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("đăng kí kết hôn", "1.000001"),
        ("lí lịch tư pháp", "1.100001"),
        ("li lich tu phap", "1.100001"),
        ("bác sỹ", "1.100002"),
        ("công ti trách nhiệm hữu hạn", "1.100003"),
        ("chữ ký trong giấy tờ", "1.100007"),
    ],
)
def test_either_spelling_of_i_and_y_finds_the_procedure(
    index: SearchIndex, q: str, first: str
) -> None:
    assert codes(index, q)[0] == first


def test_a_spelling_variant_keeps_every_tier_in_its_order(index: SearchIndex) -> None:
    expected = ["1.000001", "2.000001", "1.000005", "1.000002", "1.000003", "1.000004"]
    assert codes(index, "dang ky ket hon") == expected
    assert codes(index, "đăng kí kết hôn") == expected
    assert codes(index, "ĐĂNG KÍ KẾT HÔN") == expected


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("giay phep xay dung nha o rirng le", "1.100004"),  # struck on its neighbour
        ("dang ky thuongg tru", "1.100005"),  # a letter too many
        ("dang ky thuog tru", "1.100005"),  # a letter missing
        ("cap phiue ly lich", "1.100001"),  # two letters swapped
        ("Cấp giấy phép xây dựng nhà ở riêgn lẻ", "1.100004"),
    ],
)
def test_one_mistyped_letter_in_a_long_word_finds_the_procedure(
    index: SearchIndex, q: str, first: str
) -> None:
    assert codes(index, q)[0] == first


def test_a_mistyped_query_ranks_as_the_one_meant(index: SearchIndex) -> None:
    meant = codes(index, "dang ky ket hon co yeu to nuoc ngoai")
    assert meant == ["1.000002"]
    assert codes(index, "dang ky ket hon co yeu to nuoc ngoia") == meant
    assert codes(index, "dang ky ket hon co yeu to nuoc ngaoi") == meant


def test_a_word_the_catalogue_holds_is_never_corrected(index: SearchIndex) -> None:
    # "thuong" is one letter from "truong", and both are published words.
    assert codes(index, "dang ky thuong") == ["1.100005"]
    assert codes(index, "dang ky truong") == ["1.100006"]


def test_short_words_and_codes_are_not_corrected(index: SearchIndex) -> None:
    assert codes(index, "ket hpn") == []  # three letters: too many words are one away
    assert codes(index, "1.000009") == []
    assert codes(index, "ket hon ly hon") == []


def test_a_typo_in_the_last_word_still_leaves_the_prefix_first(index: SearchIndex) -> None:
    # While typing, a last word that begins a published word is a prefix, not a typo.
    assert codes(index, "dang ky thuon") == ["1.100005"]
    assert codes(index, "dang ky thuonf") == ["1.100005"]


def test_a_word_two_letters_away_is_not_a_correction() -> None:
    # "khanh" and "hoanh" share the deletion "hanh" but differ in their first two letters:
    # a citizen typing Khánh must not get the procedures of Hoành Bồ.
    index = SearchIndex()
    index.replace_all([doc("2.000901", "Cấp phép khai thác cát huyện Hoành Bồ")])
    assert codes(index, "khanh") == []
    assert codes(index, "hoanhh") == ["2.000901"]


def test_corrections_come_most_used_first() -> None:
    index = SearchIndex()
    index.replace_all(
        [
            doc("1.000001", "Thỉnh cầu giám đốc thẩm"),
            doc("1.000002", "Thỉnh nguyện của công dân"),
            doc("1.000003", "Thành lập quỹ xã hội"),
        ]
    )
    assert index.corrections("thonh") == ["thinh", "thanh"]
    assert index.corrections("thanhh") == ["thanh"]


def test_a_mistyped_word_of_four_letters_is_not_corrected(index: SearchIndex) -> None:
    # "truu" is one letter from "tru" (thường trú), but four letters are too few to guess.
    assert codes(index, "dang ky thuong truu") == []
    assert codes(index, "dang ky thuong tru") == ["1.100005"]


def test_a_word_published_after_a_correction_was_made_can_be_a_correction() -> None:
    index = SearchIndex()
    index.replace_all([doc("1.000001", "Đăng ký khai sinh")])
    assert codes(index, "khaii sinh") == ["1.000001"]  # the typo neighbourhood is built
    index.upsert(doc("1.000002", "Chứng thực bản sao"))
    assert codes(index, "chong thuc") == ["1.000002"]
