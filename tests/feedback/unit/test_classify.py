"""Which desk a case goes to: phản ánh (how a case was handled) or kiến nghị (a rule to change)."""

from __future__ import annotations

import pytest

from services.feedback.classify import kind_of


@pytest.mark.parametrize(
    ("title", "content", "kind"),
    [
        # Two proposals against one complaint, all in the text.
        (
            "Về thủ tục cấp đổi giấy phép lái xe",
            "Đề xuất bãi bỏ yêu cầu bản sao; hồ sơ của tôi cũng quá hạn.",
            "kien_nghi",
        ),
        # One complaint in the text and nothing else: a complaint.
        ("Về thủ tục cấp đổi giấy phép lái xe", "Hồ sơ của tôi đã quá hạn.", "phan_anh"),
        # A proposal in the title (counted twice) against two complaints: a tie is a complaint.
        (
            "Kiến nghị về cấp đổi giấy phép lái xe",
            "Hồ sơ quá hạn, cán bộ gây khó khăn.",
            "phan_anh",
        ),
        # A complaint in the title (counted twice) against three proposals in the text.
        (
            "Chậm trả kết quả",
            "Đề xuất sửa đổi thời hạn và bãi bỏ bản sao có chứng thực.",
            "kien_nghi",
        ),
    ],
)
def test_the_title_weighs_double_and_a_tie_is_a_complaint(
    title: str, content: str, kind: str
) -> None:
    assert kind_of(title, content) == kind
