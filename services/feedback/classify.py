"""What kind of case this is: a complaint about how something was handled (phản ánh) or a
proposal to change a rule (kiến nghị). The two go to different desks and are reported
apart; the submitter does not have to know the difference, so the text decides.

>>> kind_of("Kiến nghị sửa đổi quy định về thời hạn đổi giấy phép lái xe", "")
'kien_nghi'
>>> kind_of("Chậm trả kết quả", "Hồ sơ của tôi quá hạn hẹn mà chưa có kết quả")
'phan_anh'
"""

from __future__ import annotations

from typing import Literal

from services.core.text import fold

Kind = Literal["phan_anh", "kien_nghi"]

# Phrases that ask for a rule to change, folded; the title weighs double.
_PROPOSAL = (
    "kien nghi",
    "de xuat",
    "de nghi sua doi",
    "de nghi bo sung",
    "sua doi",
    "bo sung quy dinh",
    "bai bo",
    "thay doi quy dinh",
    "hop ly hoa",
    "don gian hoa",
    "cat giam",
)
# Phrases that report how a case was handled, folded.
_COMPLAINT = (
    "cham tra",
    "qua han",
    "tre hen",
    "sach nhieu",
    "gay kho khan",
    "thai do",
    "khong huong dan",
    "yeu cau them giay to",
    "thu them",
    "chua nhan duoc",
    "phan anh",
)


def _score(text: str, phrases: tuple[str, ...]) -> int:
    folded = f" {' '.join(fold(text).split())} "
    return sum(folded.count(f" {phrase} ") for phrase in phrases)


def kind_of(title: str, content: str) -> Kind:
    proposal = 2 * _score(title, _PROPOSAL) + _score(content, _PROPOSAL)
    complaint = 2 * _score(title, _COMPLAINT) + _score(content, _COMPLAINT)
    return "kien_nghi" if proposal > complaint else "phan_anh"
