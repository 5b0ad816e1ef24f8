"""Personal data redaction before a feedback question and its answer are published."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.feedback.redaction import (
    ADDRESS,
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    PLACEHOLDERS,
    contains_personal_data,
    redact,
)

# Realistic submissions and answers, and what may be published of them.
CASES = [
    (
        "Tôi là Nguyễn Văn An, SĐT 0912345678, phản ánh việc UBND phường chậm trả kết quả.",
        "Tôi là [họ tên], SĐT [số điện thoại], phản ánh việc UBND phường chậm trả kết quả.",
    ),
    (
        "Tên tôi là Trần Thị Bích Ngọc, trú tại số 12 ngõ 34 phố Hàng Bông, phường Hàng Gai,"
        " quận Hoàn Kiếm, Hà Nội. Điện thoại: 091 234 5678.",
        "Tên tôi là [họ tên], trú tại [địa chỉ], phường Hàng Gai,"
        " quận Hoàn Kiếm, Hà Nội. Điện thoại: [số điện thoại].",
    ),
    (
        "Họ và tên: NGUYỄN THỊ BÌNH\nCCCD: 001234567890\nĐịa chỉ: 123 Nguyễn Trãi, Thanh Xuân",
        "Họ và tên: [họ tên]\nCCCD: [số giấy tờ]\nĐịa chỉ: [địa chỉ], Thanh Xuân",
    ),
    (
        "Ngày 12/05/2024 tôi nộp hồ sơ đăng ký kết hôn (thủ tục 1.002804), lệ phí 135.000 đồng,"
        " nhưng cán bộ Lê Thị Hoa yêu cầu bổ sung bản sao CMND số 012345678.",
        "Ngày 12/05/2024 tôi nộp hồ sơ đăng ký kết hôn (thủ tục 1.002804), lệ phí 135.000 đồng,"
        " nhưng cán bộ [họ tên] yêu cầu bổ sung bản sao CMND số [số giấy tờ].",
    ),
    (
        "Đề nghị liên hệ chị Phạm Thu Hà qua email ha.pt@gmail.com hoặc 0987.654.321.",
        "Đề nghị liên hệ chị [họ tên] qua email [email] hoặc [số điện thoại].",
    ),
    (
        "Số điện thoại: +84 912 345 678; máy bàn (024) 3825 1234; Zalo 84912345678.",
        "Số điện thoại: [số điện thoại]; máy bàn [số điện thoại]; Zalo [số điện thoại].",
    ),
    (
        "ĐT:0912-345-678, SĐT0987654321, ĐT 0243 825 1234.",
        "ĐT:[số điện thoại], SĐT[số điện thoại], ĐT [số điện thoại].",
    ),
    (
        "Hộ chiếu số C1234567 của tôi hết hạn; mã số thuế cá nhân: 8012345678.",
        "Hộ chiếu số [số giấy tờ] của tôi hết hạn; mã số thuế cá nhân: [số giấy tờ].",
    ),
    (
        "Công ty (MST 0101234567-001) đề nghị hướng dẫn theo Nghị định 42/2022/NĐ-CP.",
        "Công ty (MST [số giấy tờ]) đề nghị hướng dẫn theo Nghị định 42/2022/NĐ-CP.",
    ),
    (
        "Số định danh cá nhân của tôi là 001 234 567 890, mã hồ sơ 000.00.12.H26-240512-0003.",
        "Số định danh cá nhân của tôi là [số giấy tờ], mã hồ sơ 000.00.12.H26-240512-0003.",
    ),
    (
        "Trả lời ông Hoàng Minh Tuấn: Sở Tư pháp đã chuyển hồ sơ về UBND xã Tân Lập.",
        "Trả lời ông [họ tên]: Sở Tư pháp đã chuyển hồ sơ về UBND xã Tân Lập.",
    ),
    (
        "Nhà tôi ở số nhà 5 hẻm 12/3 Lê Văn Sỹ, phường 13, bị ngập; 45/2A đường Cách Mạng"
        " Tháng 8 cũng vậy.",
        "Nhà tôi ở [địa chỉ], phường 13, bị ngập; [địa chỉ] cũng vậy.",
    ),
    (
        "Đồng chí Phạm Văn Đồng, cán bộ địa chính xã, hẹn tôi tại 123 đường Trần Phú.",
        "Đồng chí [họ tên], cán bộ địa chính xã, hẹn tôi tại [địa chỉ].",
    ),
    (
        "Gọi 0912345678/0987654321 hoặc 0912345678 - 0987654321.",
        "Gọi [số điện thoại]/[số điện thoại] hoặc [số điện thoại] - [số điện thoại].",
    ),
    (
        "Tài khoản nhận tiền 001234567890, thẻ 123456789012.",
        "Tài khoản nhận tiền [số giấy tờ], thẻ [số giấy tờ].",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_redacts_realistic_feedback(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected
    assert contains_personal_data(text)
    assert not contains_personal_data(expected)


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("0912345678", PHONE),
        ("091 234 5678", PHONE),
        ("0912 345 678", PHONE),
        ("0912.345.678", PHONE),
        ("0912-345-678", PHONE),
        ("+84 912 345 678", PHONE),
        ("+84912345678", PHONE),
        ("84912345678", PHONE),
        ("0084 912 345 678", PHONE),
        ("(024) 3825 1234", PHONE),
        ("024 3825 1234", PHONE),
        ("02438251234", PHONE),
        ("0333 123 456", PHONE),
        ("an.nguyen@gmail.com", EMAIL),
        ("an_nv+pakn@mail.hanoi.gov.vn", EMAIL),
        ("001234567890", ID_NUMBER),
    ],
)
def test_each_form_on_its_own(text: str, placeholder: str) -> None:
    assert redact(f"Liên hệ: {text}.") == f"Liên hệ: {placeholder}."


@pytest.mark.parametrize(
    "text",
    [
        "Lệ phí 135.000 đồng, phí thẩm định 1.200.000 đ, tổng 1.335.000 VNĐ.",
        "Số tiền 2.500.000.000 đồng; 50% phí; 0,5 triệu.",
        "Nộp ngày 12/05/2024, hẹn trả 12-06-2024, lúc 08:30 ngày 1.7.2024.",
        "Thủ tục 1.002804 và 2.001234, mức độ 4.",
        "Theo Nghị định 42/2022/NĐ-CP, Thông tư 01/2023/TT-BTP, Quyết định 1234/QĐ-UBND.",
        "Điều 5 Luật Cư trú 2020, khoản 2 Điều 3.",
        "Mã hồ sơ: 000.00.12.H26-240512-0003; số biên nhận 0123456789; mã hồ sơ 2405120003.",
        "Năm 2023 và 2024, giai đoạn 2020-2025, khoảng 10.000 - 20.000 người.",
        "Tổng đài 1900 1234 hoặc 1800 6789, gọi 113 hoặc 115.",
        "Ủy ban nhân dân phường Hàng Bông; Công an tỉnh Hà Giang; Sở Tư pháp.",
        "Ông Chủ tịch UBND xã trả lời; bà Ủy Viên Thường trực; anh Công An Phường 5 đến.",
        "Đường Bà Huyện Thanh Quan bị ngập; tỉnh Bà Rịa Vũng Tàu; chợ Bà Chiểu.",
        "Đường Nguyễn Trãi, phố Hàng Bông và ngõ 34 phố Huế xuống cấp.",
        "Tôi là người dân phường Hàng Gai, anh Hùng đã hướng dẫn.",
        "Tiếng Anh Văn, lớp 12A, phòng 305, tầng 3.",
        "Chứng chỉ tiếng Anh Quốc Tế, du học nước Anh Quốc.",
        "Hồ sơ: [họ tên], [số điện thoại], [email], [số giấy tờ], [địa chỉ].",
        "",
    ],
)
def test_leaves_what_is_not_personal(text: str) -> None:
    assert redact(text) == text
    assert not contains_personal_data(text)


@pytest.mark.parametrize(
    ("known", "text", "expected"),
    [
        (["Nguyễn Văn An"], "anh nguyen van an gửi lại", "anh [họ tên] gửi lại"),
        (["nguyen van an"], "NGUYỄN VĂN AN đã nộp", "[họ tên] đã nộp"),
        (["Nguyen Van An"], "Gửi Nguyễn  Văn\nAn.", "Gửi [họ tên]."),
        (["Trần Thị Bích"], "Trần Thị Bích Ngọc", "[họ tên] Ngọc"),
        (["Lê Văn Tám", "Lê Văn"], "Lê Văn Tám, Lê Văn Tí", "[họ tên], [họ tên] Tí"),
        # Whole words only: a prefix of a word is not the name.
        (["Văn An"], "Văn Anh và Văn An.", "Văn Anh và [họ tên]."),
        # Words separated by punctuation are not the name.
        (["Nguyễn Văn An"], "Nguyễn, Văn An", "Nguyễn, Văn An"),
        # Entries that cannot be matched safely are ignored.
        (["", "  ", "A", "-"], "A và B", "A và B"),
    ],
)
def test_known_names_ignore_case_and_diacritics(known: list[str], text: str, expected: str) -> None:
    assert redact(text, known=known) == expected
    assert redact(expected, known=known) == expected


def test_known_names_in_decomposed_text_keep_the_rest_intact() -> None:
    text = unicodedata.normalize("NFD", "Bà Nguyễn Thị Hoà, phường Hàng Gai")
    out = redact(text, known=["nguyen thi hoa"])
    assert out == unicodedata.normalize("NFD", "Bà ") + NAME + text[text.index(",") :]


def test_known_accepts_any_iterable_once() -> None:
    names = (n for n in ["Nguyễn Văn An"])
    assert redact("Nguyễn Văn An và nguyễn văn an", known=names) == f"{NAME} và {NAME}"


def test_cue_names_in_decomposed_form() -> None:
    text = unicodedata.normalize("NFD", "Tôi là Nguyễn Văn An.")
    assert redact(text) == unicodedata.normalize("NFD", "Tôi là ") + NAME + "."


def test_keeps_everything_else_byte_for_byte() -> None:
    text = "  Kính gửi:\tUBND…  «Tôi là Đặng Thị Ưng»; ĐT 0912345678!!  \r\n"
    assert redact(text) == "  Kính gửi:\tUBND…  «Tôi là [họ tên]»; ĐT [số điện thoại]!!  \r\n"


def test_placeholders_are_distinct_and_never_redacted_again() -> None:
    assert len(set(PLACEHOLDERS)) == 5
    assert {PHONE, EMAIL, ID_NUMBER, NAME, ADDRESS} == set(PLACEHOLDERS)
    for placeholder in PLACEHOLDERS:
        assert redact(f"Địa chỉ: {placeholder} 12") == f"Địa chỉ: {placeholder} 12"


_FRAGMENTS = [
    "Tôi là ",
    "Nguyễn ",
    "Văn ",
    "An",
    "ông ",
    "Bà ",
    "SĐT",
    "ĐT:",
    "0912",
    "345",
    "678",
    "+84 ",
    "(024) ",
    "84",
    "12",
    ".",
    "-",
    " ",
    ", ",
    "/",
    "@",
    "an.nv",
    "gmail.com",
    "CCCD ",
    "số ",
    "001234567890",
    "C1234567",
    "địa chỉ: ",
    "ngõ ",
    "hẻm ",
    "đường ",
    "phố ",
    "Hàng Bông",
    "[họ tên]",
    "[địa chỉ]",
    "[số điện thoại]",
    "[",
    "]",
    "135.000 đồng",
    "\u0301",
    "\n",
]
_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=40).map("".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=_texts,
    known=st.lists(
        st.sampled_from(
            [
                *("Nguyễn Văn An", "an", "Hàng Bông", "an.nv@gmail.com"),
                *("0912345678", "+84 912 345 678", "001234567890", "84", "0"),
            ]
        )
    ),
    addresses=st.lists(st.sampled_from(["Số 12 ngõ 34 phố Hàng Bông, Hà Nội", "12, Hà Nội"])),
)
def test_never_raises_and_is_idempotent(text: str, known: list[str], addresses: list[str]) -> None:
    once = redact(text, known=known, addresses=addresses)
    assert isinstance(once, str)
    assert redact(once, known=known, addresses=addresses) == once
    assert contains_personal_data(once, known=known, addresses=addresses) is False
    assert contains_personal_data(text, known=known, addresses=addresses) is (once != text)


@pytest.mark.parametrize(
    "text",
    [
        "0" * 100_000,
        "1 " * 50_000,
        "0912 " * 20_000,
        "1." * 50_000,
        "a" * 100_000,
        "a." * 50_000 + "@",
        "a@" * 50_000,
        "a@b." * 25_000,
        "Ông " + "Nguyễn " * 14_000,
        "Tôi là " * 14_000,
        "số 12 ngõ " * 10_000,
        "địa chỉ " * 12_000,
        "CCCD số " * 12_000,
        "12/" * 33_000,
        "Nguyễn Văn An " * 7_000,
        ("SĐT 0912345678, email a@b.vn, " * 3_500)[:100_000],
        # Near misses of the known numbers, in every grouping.
        "0 9 1 2 3 4 5 6 7 " * 5_000,
        "079.123.456.78 " * 6_000,
        "0-(" * 33_000,
        "+84 " * 25_000,
        "0912345678" * 10_000,
        "số 12 ngõ 34 phố Hàng " * 4_500,
        "hong.nhung@example.v" * 5_000,
    ],
)
def test_adversarial_input_is_linear(text: str) -> None:
    assert len(text) >= 90_000
    # This process's CPU time, not the wall clock: on a shared machine the wall clock also
    # counts the time spent waiting for a core, which says nothing about backtracking.
    started = time.process_time()
    redact(
        text,
        known=["Nguyễn Văn An", "Trần Thị B", "0912345678", "079123456789", "a@b.vn"],
        addresses=["Số 12 ngõ 34 phố Hàng Bông, Hà Nội"],
    )
    assert time.process_time() - started < 1.0


def test_non_string_input_is_returned_as_is() -> None:
    assert redact(None) is None  # type: ignore[arg-type]
    assert contains_personal_data(None) is False  # type: ignore[arg-type]


# -- what the portal knows of the submitter ---------------------------------------------------
# The sealed contact of a case, as the form stores it (the phone in its national form).
SUBMITTER = {
    "name": "Nguyễn Thị Hồng Nhung",
    "phone": "0912345678",
    "email": "hong.nhung@example.vn",
    "national_id": "079123456789",
    "address": "Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm, Hà Nội",
}
KNOWN = [SUBMITTER[field] for field in ("name", "phone", "email", "national_id")]
ADDRESSES = [SUBMITTER["address"]]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # The ID number, grouped and separated as people write it.
        ("079123456789", ID_NUMBER),
        ("079 123 456 789", ID_NUMBER),
        ("079.123.456.789", ID_NUMBER),
        ("079-123-456-789", ID_NUMBER),
        ("079/123/456/789", ID_NUMBER),
        ("0791 2345 6789", ID_NUMBER),
        ("07 91 23 45 67 89", ID_NUMBER),
        ("(079) 123-456-789", ID_NUMBER),
        ("0 7 9 1 2 3 4 5 6 7 8 9", ID_NUMBER),
        ("079 - 123 - 456 - 789", ID_NUMBER),
        # Glued to letters.
        ("xx079123456789xx", f"xx{ID_NUMBER}xx"),
        ("CCCD079123456789", f"CCCD{ID_NUMBER}"),
        # The phone, in every grouping and with its country code in each form.
        ("0912345678", PHONE),
        ("0912 345 678", PHONE),
        ("091.234.5678", PHONE),
        ("09-12-34-56-78", PHONE),
        ("0912/345/678", PHONE),
        ("(091) 234 5678", PHONE),
        ("0 9 1 2 3 4 5 6 7 8", PHONE),
        ("SĐT0912345678", f"SĐT{PHONE}"),
        ("sdt0912345678xx", f"sdt{PHONE}xx"),
        ("+84 912 345 678", PHONE),
        ("+84912345678", PHONE),
        ("84912345678", PHONE),
        ("84.912.345.678", PHONE),
        ("0084 912 345 678", PHONE),
        ("(+84) 912.345.678", PHONE),
        ("+84 (0) 912 345 678", PHONE),
        ("912 345 678", PHONE),
        # The e-mail in any case, the name without diacritics, the address as typed.
        ("HONG.NHUNG@EXAMPLE.VN", EMAIL),
        ("nguyen thi hong nhung", NAME),
        ("so 12 ngo 34 pho hang bong", ADDRESS),
        ("12, ngõ 34, phố Hàng Bông", ADDRESS),
    ],
)
def test_the_submitters_own_contacts_are_found_in_every_form(typed: str, expected: str) -> None:
    text = f"Xin liên hệ {typed} nhé."

    assert redact(text, known=KNOWN, addresses=ADDRESSES) == f"Xin liên hệ {expected} nhé."
    assert contains_personal_data(text, known=KNOWN, addresses=ADDRESSES)


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("0912345678", "+84 912 345 678"),
        ("0912345678", "0084.912.345.678"),
        ("+84912345678", "0912 345 678"),
        ("84912345678", "091-234-5678"),
        ("+84 912 345 678", "0 9 1 2 3 4 5 6 7 8"),
        ("0243 825 1234", "+84 24 3825 1234"),
    ],
)
def test_a_phone_is_the_same_with_or_without_its_country_code(stored: str, typed: str) -> None:
    assert redact(f"Gọi {typed}.", known=[stored]) == f"Gọi {PHONE}."


def test_a_known_e_mail_is_found_even_where_the_pattern_rules_cannot() -> None:
    known = ["nhung.hồng@thư.vn"]

    assert redact("Gửi NHUNG.HỒNG@THƯ.VN, cảm ơn.", known=known) == f"Gửi {EMAIL}, cảm ơn."


@pytest.mark.parametrize(
    "text",
    [
        # A known number is found only on whole digit groups, never inside a longer run.
        "Tài khoản 1230912345678 và 0912345678123 và 10791234567890.",
        "Số 90791234567891 và 0079123456789.",
        # An address without a house number locates the case, not the person.
        "Công an quận Hoàn Kiếm, Hà Nội trả lời; phố Hàng Bông đã thông.",
        # Money, dates, codes and citations as before.
        "Lệ phí 135.000 đồng theo Nghị định 42/2022/NĐ-CP, thủ tục 1.002804, ngày 12/05/2024.",
        "Mã hồ sơ 079123456780; số biên nhận 012345678901.",
    ],
)
def test_the_submitters_contacts_hide_nothing_else(text: str) -> None:
    assert redact(text, known=KNOWN, addresses=ADDRESSES) == text
    assert not contains_personal_data(text, known=KNOWN, addresses=ADDRESSES)


@pytest.mark.parametrize("address", ["Hà Nội", "Hoàn Kiếm, Hà Nội", "thôn Đông, xã Tân Lập"])
def test_an_address_without_a_house_number_is_not_hidden_everywhere(address: str) -> None:
    text = "Công an Hà Nội, quận Hoàn Kiếm và thôn Đông, xã Tân Lập đã trả lời."

    assert redact(text, addresses=[address]) == text


@pytest.mark.parametrize(
    ("address", "typed"),
    [
        ("123 Nguyễn Trãi, Thanh Xuân, Hà Nội", "Tôi ở 123 Nguyễn Trãi, Thanh Xuân"),
        (
            "Số nhà 5 hẻm 12/3 Lê Văn Sỹ, phường 13",
            "Tôi ở số nhà 5, hẻm 12/3, lê văn sỹ, phường 13",
        ),
        ("Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm", "Tôi ở SỐ 12 NGÕ 34 PHỐ HÀNG BÔNG, Hoàn Kiếm"),
    ],
)
def test_a_known_address_is_hidden_up_to_its_locality(address: str, typed: str) -> None:
    locality = typed.rsplit(", ", 1)[-1]

    assert redact(typed, addresses=[address]) == f"Tôi ở {ADDRESS}, {locality}"


def test_a_known_value_overlapping_a_pattern_finding_is_hidden_whole() -> None:
    # The pattern rules see an address ending at "Hàng Bông"; the known name runs on.
    text = "Gặp tại số 12 ngõ 34 phố Hàng Bông lan anh hôm qua."

    assert redact(text, known=["Bông Lan Anh"]) == "Gặp tại [địa chỉ] hôm qua."


# -- what the module's docstring promises -----------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A lone 12-digit number, whatever word precedes it, but a dossier's code.
        ("mã 079123456789.", f"mã {ID_NUMBER}."),
        ("Thủ tục 079123456789 của tôi.", f"Thủ tục {ID_NUMBER} của tôi."),
        ("Số tiền 079123456789 nộp rồi.", f"Số tiền {ID_NUMBER} nộp rồi."),
        ("Quyết định 079123456789.", f"Quyết định {ID_NUMBER}."),
        # Grouped by dots, spaces or dashes and starting with 0 (money never does).
        ("Số 079.123.456.789 của tôi.", f"Số {ID_NUMBER} của tôi."),
        ("Số 079 123 456 789 của tôi.", f"Số {ID_NUMBER} của tôi."),
        ("Số 0791-2345-6789 của tôi.", f"Số {ID_NUMBER} của tôi."),
        # After a cue, in any grouping, glued to it or not.
        ("ID 079-123-456-789.", f"ID {ID_NUMBER}."),
        ("Số ID: 079123456789.", f"Số ID: {ID_NUMBER}."),
        ("CCCD 0791-2345-6789.", f"CCCD {ID_NUMBER}."),
        ("CCCD079123456789.", f"CCCD{ID_NUMBER}."),
        ("CMND012345678.", f"CMND{ID_NUMBER}."),
        # The old 9-digit card, grouped in threes as it is printed.
        ("CMND 123 456 789 cấp năm 2010.", f"CMND {ID_NUMBER} cấp năm 2010."),
        ("chứng minh nhân dân số 123.456.789", f"chứng minh nhân dân số {ID_NUMBER}"),
        ("CMND: 123-456-789.", f"CMND: {ID_NUMBER}."),
    ],
)
def test_what_the_docstring_promises_about_id_numbers(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mã hồ sơ 079123456789; số biên nhận: 079123456789; mã hồ sơ: 079.123.456.789.",
        "Số tiền 123.456.789.012 đồng; tổng 123456789012 đồng; 100 000 000 000 đồng.",
        "Khoản 123.456.789.012 đã chi.",
    ],
)
def test_dossier_codes_and_money_of_twelve_digits_survive(text: str) -> None:
    assert redact(text) == text


def test_the_docstring_examples_hold() -> None:
    import doctest

    from services.feedback import redaction

    assert doctest.testmod(redaction).failed == 0


# -- the edges each rule turns on ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "+84 0912..." typed without the "+": the 0 after the country code is dropped.
        ("Gọi 84 0912 345 678.", f"Gọi {PHONE}."),
        # A mobile whose third digit is 0 (090x, 080x).
        ("Gọi 0903 123 456.", f"Gọi {PHONE}."),
        # Any "+" number of 8 to 15 digits (a relative abroad), not 16.
        ("Gọi +682 21 234.", f"Gọi {PHONE}."),
        ("Gọi +882123456789012.", f"Gọi {PHONE}."),
        ("Mã +8821234567890123.", "Mã +8821234567890123."),
        # An 11-digit account number starting with 8 is not a phone.
        ("Tài khoản 81234567890 tại Agribank.", "Tài khoản 81234567890 tại Agribank."),
        # Amounts written without the currency: thousands groups after a short head.
        (
            "Tổng 84.912.345.678 và 840.912.345.678 trong năm.",
            "Tổng 84.912.345.678 và 840.912.345.678 trong năm.",
        ),
        # A date before the phone does not hide it.
        (
            "Ngày 12/05/2024 tôi gọi 0912345678 nhưng không ai nghe.",
            f"Ngày 12/05/2024 tôi gọi {PHONE} nhưng không ai nghe.",
        ),
        # A code right at the start of the text, and one before a real phone.
        ("Mã 0912345678 đã được cấp.", "Mã 0912345678 đã được cấp."),
        (
            "Mã hồ sơ 0912345678, liên hệ 0987654321.",
            f"Mã hồ sơ 0912345678, liên hệ {PHONE}.",
        ),
        # The longest phone in a run of groups, the rest of the run kept.
        (
            "Đường dây nóng 0912 345 678 24 giờ mọi ngày.",
            f"Đường dây nóng {PHONE} 24 giờ mọi ngày.",
        ),
        # An alley first (no house number), then an address.
        (
            "Ngõ 34 phố Huế bị ngập, số 5 phố Huế cũng vậy.",
            f"Ngõ 34 phố Huế bị ngập, {ADDRESS} cũng vậy.",
        ),
        # A street named after a person, then a person.
        (
            "Đường Ông Ích Khiêm bị ngập, ông Nguyễn Văn An đã báo.",
            f"Đường Ông Ích Khiêm bị ngập, ông {NAME} đã báo.",
        ),
        # A title, an acronym, a single letter and a unit after a name.
        (
            "Kính gửi ông Chủ Tịch UBND xã, tôi là Trần Văn Bình.",
            f"Kính gửi ông Chủ Tịch UBND xã, tôi là {NAME}.",
        ),
        (
            "Anh CB Tư pháp đã hẹn; chị Lê Thị Hoa sẽ gọi lại.",
            f"Anh CB Tư pháp đã hẹn; chị {NAME} sẽ gọi lại.",
        ),
        ("Gửi ông Nguyễn Văn A.", f"Gửi ông {NAME}."),
        (
            "Anh Nguyễn Văn Nam CA phường Hàng Gai đã đến.",
            f"Anh {NAME} CA phường Hàng Gai đã đến.",
        ),
        # Two words are a name.
        ("Liên hệ bà Lê Hoa.", f"Liên hệ bà {NAME}."),
        # A dossier's code at the very start of the text.
        ("Hồ sơ 079123456789 đã được tiếp nhận.", "Hồ sơ 079123456789 đã được tiếp nhận."),
        # A serial number starting with 00 is no phone.
        ("Hóa đơn seri 0012345678 đã xuất.", "Hóa đơn seri 0012345678 đã xuất."),
    ],
)
def test_the_edges_of_the_pattern_rules(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_known_name_at_the_start_of_decomposed_text() -> None:
    text = unicodedata.normalize("NFD", "Nguyễn Thị Hoà đã nộp hồ sơ")

    assert redact(text, known=["nguyen thi hoa"]) == NAME + unicodedata.normalize(
        "NFD", " đã nộp hồ sơ"
    )


@pytest.mark.parametrize(
    ("known", "text", "expected"),
    [
        # Known numbers of 8 to 15 digits are looked for, shorter or longer ones not.
        (["1234 5678"], "Số 1234-5678 của tôi.", f"Số {ID_NUMBER} của tôi."),
        (["123 4567"], "Số 123-4567 của tôi.", "Số 123-4567 của tôi."),
        (["079123456789012"], "Mã 079 123 456 789 012.", f"Mã {ID_NUMBER}."),
        (["4111 1111 1111 1111"], "Thẻ 4111 1111 1111 1111.", "Thẻ 4111 1111 1111 1111."),
        # A phone stored with 0084, typed in its national form.
        (["0084 912 345 670"], "Gọi 912 345 670.", f"Gọi {PHONE}."),
        (["0084 0912 345 670"], "Gọi 912 345 670.", f"Gọi {PHONE}."),
        (["84 912 345 670"], "Gọi 912 345 670.", f"Gọi {PHONE}."),
        (["840912345670"], "Gọi 912 345 670.", f"Gọi {PHONE}."),
        # A known number in parentheses is hidden with them; a parenthesis it does not
        # open stays.
        (["079123456789"], "Số cũ (079 123 456 789) đã hết hạn.", f"Số cũ {ID_NUMBER} đã hết hạn."),
        (["079123456789"], "(079 123 456 789) là số cũ.", f"{ID_NUMBER} là số cũ."),
        (
            ["079123456789"],
            "Số cũ (bản năm 2015: 079 123 456 789) hết hạn (xem bản sao).",
            f"Số cũ (bản năm 2015: {ID_NUMBER}) hết hạn (xem bản sao).",
        ),
        (
            ["079123456789"],
            "Mục 2) tờ khai ghi số (079 123 456 789) đã hết hạn.",
            f"Mục 2) tờ khai ghi số {ID_NUMBER} đã hết hạn.",
        ),
        # A known name's first word at the very end, or parted by a comma before the name.
        (["Nguyễn Văn An"], "Trân trọng, Nguyễn", "Trân trọng, Nguyễn"),
        (
            ["Nguyễn Văn An"],
            "Nguyễn, Văn An là con; nguyễn văn an là cha.",
            f"Nguyễn, Văn An là con; {NAME} là cha.",
        ),
        # A known name is never looked for inside a placeholder already there.
        (
            ["Thoại"],
            "Gửi [họ tên] ([email]), số [số điện thoại]; chị Thoại sẽ gọi lại.",
            "Gửi [họ tên] ([email]), số [số điện thoại]; chị [họ tên] sẽ gọi lại.",
        ),
        (
            ["Thoại"],
            "Gửi chị Thoại, số [số điện thoại].",
            "Gửi chị [họ tên], số [số điện thoại].",
        ),
        # A known phone inside an e-mail: the whole e-mail is hidden.
        (["0912345678"], "Gửi nhung.0912345678@gmail.com.", f"Gửi {EMAIL}."),
        # A name of two letters is looked for.
        (["Hà"], "Chị Hà gọi lại.", f"Chị {NAME} gọi lại."),
        # Empty or missing fields of the contact do not stop the others being looked for.
        (["", "Nguyễn Văn An"], "Gửi nguyen van an.", f"Gửi {NAME}."),
        ([None, "Nguyễn Văn An"], "Gửi nguyen van an.", f"Gửi {NAME}."),
    ],
)
def test_what_is_known_is_found_in_its_bounds(known: list[str], text: str, expected: str) -> None:
    assert redact(text, known=known) == expected


@pytest.mark.parametrize(
    ("addresses", "text", "expected"),
    [
        # An address without a house number is skipped, the next one still looked for.
        (
            ["Hoàn Kiếm, Hà Nội", "Số 12 ngõ 34 phố Hàng Bông, Hoàn Kiếm"],
            "Nhà ở so 12 ngo 34 pho hang bong.",
            f"Nhà ở {ADDRESS}.",
        ),
        # Parted by commas in the form and in the text, with or without its "Số".
        (
            ["Số 12, ngõ 34, phố Hàng Bông, Hoàn Kiếm"],
            "Nhà ở so 12, ngo 34, pho hang bong.",
            f"Nhà ở {ADDRESS}.",
        ),
        (["Số 12 ngõ 34 phố Hàng Bông"], "Nhà ở 12, ngo 34, pho hang bong.", f"Nhà ở {ADDRESS}."),
        (["Số 12 ngõ 34 phố Hàng Bông"], "Nhà ở 12 ngo 34 pho hang bong.", f"Nhà ở {ADDRESS}."),
        (
            ["Số 12,, ngõ 34 phố Hàng Bông"],
            "Nhà ở so 12 ngo 34 pho hang bong.",
            f"Nhà ở {ADDRESS}.",
        ),
        # Each leading word the house number may be typed without.
        (["Số nhà 8 ngõ 12 phố Huế"], "Nhà ở 8 ngo 12 pho hue.", f"Nhà ở {ADDRESS}."),
        (["Nhà số 8 ngõ 12 phố Huế"], "Nhà ở 8 ngo 12 pho hue.", f"Nhà ở {ADDRESS}."),
        (["Nhà 8 ngõ 12 phố Huế"], "Nhà ở 8 ngo 12 pho hue.", f"Nhà ở {ADDRESS}."),
        # Only the house number is dropped, never its lane: an alley is no address.
        (["12 ngõ 34 phố Hàng Bông"], "Ngõ 34 phố Hàng Bông ngập.", "Ngõ 34 phố Hàng Bông ngập."),
        # Without a street's name the ward is the locality: nothing is looked for.
        (
            ["Số 12, phường Hàng Gai, Hoàn Kiếm"],
            "Số 12, phường Hàng Gai có ổ gà.",
            "Số 12, phường Hàng Gai có ổ gà.",
        ),
    ],
)
def test_a_known_address_in_its_bounds(addresses: list[str], text: str, expected: str) -> None:
    assert redact(text, addresses=addresses) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A phone in parentheses keeps both of them, or neither: never one alone.
        ("Liên hệ (nhà riêng 0912 345 678).", f"Liên hệ (nhà riêng {PHONE})."),
        ("Gọi (0912 345 678) giờ hành chính.", f"Gọi ({PHONE}) giờ hành chính."),
        (
            "ĐT 0912 345 678 (0243 825 1234) giờ hành chính.",
            f"ĐT {PHONE} {PHONE} giờ hành chính.",
        ),
        ("ĐT 0912 345 678 (024) 3825 1234.", f"ĐT {PHONE} {PHONE}."),
    ],
)
def test_parentheses_around_a_phone_stay_balanced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("known", "addresses", "text", "expected"),
    [
        # A text that is only a one-word known name.
        (["Hà"], [], "Hà", NAME),
        # Several known e-mails, each found where only what is known can find it.
        (
            ["hong.nhung@example.vn", "nhung.hồng@thư.vn"],
            [],
            "Gửi nhung.hồng@thư.vn.",
            f"Gửi {EMAIL}.",
        ),
        # A lane abbreviated with a dot in the form ("ng." for "ngõ").
        ([], ["Số 12 ng.34 phố Huế"], "Nhà ở so 12 ng.34 pho hue.", f"Nhà ở {ADDRESS}."),
    ],
)
def test_what_is_known_in_the_forms_it_is_kept_in(
    known: list[str], addresses: list[str], text: str, expected: str
) -> None:
    assert redact(text, known=known, addresses=addresses) == expected


def test_a_number_given_instead_of_text_is_returned_as_is() -> None:
    # A JSON field may carry a number where text was expected.
    assert redact(912345678) == 912345678  # type: ignore[arg-type]
    assert contains_personal_data(912345678) is False  # type: ignore[arg-type]
