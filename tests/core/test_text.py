"""Vietnamese folding: what search relies on to ignore case and diacritics."""

from __future__ import annotations

import pytest

from services.core.text import ascii_text, fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đổi giấy phép lái xe", "doi giay phep lai xe"),
        ("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon"),
        ("Thủ tục 1.001234 (mới)", "thu tuc 1.001234 moi"),
        ("Cấp lại giấy chứng nhận quyền sử dụng đất.", "cap lai giay chung nhan quyen su dung dat"),
        ("  nhiều   khoảng trắng ", "nhieu khoang trang"),
        ("Ưu đãi; ươn ướt", "uu dai uon uot"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_composed_and_decomposed_input_fold_alike() -> None:
    import unicodedata

    text = "Hộ chiếu phổ thông"
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def test_procedure_codes_stay_whole_words() -> None:
    assert fold("mã 2.000123.").split() == ["ma", "2.000123"]


def test_ascii_text_keeps_case_and_punctuation() -> None:
    assert ascii_text("Lệ phí Đổi GPLX, số 12") == "Le phi Doi GPLX, so 12"


def test_every_character_folds_as_decomposing_it_would() -> None:
    # The definition, written the slow way: decompose, drop every combining mark, lower,
    # and keep runs of ASCII letters and digits (dots only inside numbers).
    import re
    import unicodedata

    def by_definition(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
        words = re.sub(r"[^0-9a-z.]+", " ", kept)
        return " ".join(re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", words).split())

    for point in range(0x80, 0x2000):
        char = chr(point)
        for text in (char, f"Ha{char}b 1.2 .{char}.", f"{char}\u0301 x{char.upper()}"):
            assert fold(text) == by_definition(text), (hex(point), text)


def test_ascii_text_drops_what_is_not_ascii_even_without_a_mark() -> None:
    # "–" (en dash), "€", "\x80" (the first code point past ASCII) and "Ω" have no diacritic
    # to strip, and a bank taking only ASCII would refuse them all.
    assert ascii_text("Phí – 50 € \x80 Ω x") == "Phi  50    x"
