"""Personal data out of feedback text before the portal publishes a question and its answer.

Why: a published case (phản ánh, kiến nghị) and the agency's answer are public pages. The
contact fields of a case are never published, but citizens routinely type their name, phone
number, ID number and home address into the free text itself ("Tôi là Nguyễn Văn An, SĐT
0912 345 678, ở số 12 ngõ 34 phố Hàng Bông ..."), and officials quote them back in the
answer. ``redact`` replaces such data with a placeholder that says what was there, and
leaves every other character exactly as typed.

>>> redact("Tôi là Nguyễn Văn An, SĐT 0912.345.678, email an.nv@gmail.com.")
'Tôi là [họ tên], SĐT [số điện thoại], email [email].'
>>> redact("CCCD số 001234567890, nhà tôi ở số 12 ngõ 34 phố Hàng Bông, phường Hàng Gai.")
'CCCD số [số giấy tờ], nhà tôi ở [địa chỉ], phường Hàng Gai.'
>>> redact("Gửi nguyen van an: lệ phí 135.000 đồng theo Nghị định 42/2022/NĐ-CP.",
...        known=["Nguyễn Văn An"])
'Gửi [họ tên]: lệ phí 135.000 đồng theo Nghị định 42/2022/NĐ-CP.'
>>> redact("Gọi 0 9 1 2 3 4 5 6 7 8 hoặc xx079123456789xx, nhà 12, ngõ 34, phố Huế, Hà Nội.",
...        known=["+84 912 345 678", "079123456789"], addresses=["Số 12 ngõ 34 phố Huế, Hà Nội"])
'Gọi [số điện thoại] hoặc xx[số giấy tờ]xx, nhà [địa chỉ], Hà Nội.'

What it catches:

* what the portal knows of the people in the text, whatever the pattern rules below say:
  the strings of ``known`` (the submitter's name, phone, e-mail and ID number as the form
  keeps them; officials' names) and of ``addresses`` (the submitter's address):

  - a known phone or ID number in any form a person types it: its digits parted by
    spaces, dots, commas, dashes, slashes or parentheses in any grouping
    (``079 123 456 789``, ``079.123.456.789``, ``(091) 234-5678``, ``0 9 1 2 3 4 5 6 7 8``),
    glued to letters (``xx079123456789xx``, ``SĐT0912345678``), a phone with or without its
    country code in each form (``+84 912 345 678``, ``84912345678``, ``0084 912...``,
    ``+84 (0) 912...``, ``912 345 678``) whichever form was stored. Only whole digit groups
    match: a known number is never cut out of a longer run (``1230912345678`` stays).
    Numbers shorter than 8 digits are not looked for.
  - a known e-mail in any case, also with non-ASCII characters.
  - a known name as whole words, ignoring case and diacritics (``nguyen van an`` finds
    ``Nguyễn Văn An``), the words parted by spaces only.
  - a known address's house line, its leading parts up to the street's name
    (``Số 12, ngõ 34, phố Hàng Bông``), ignoring case and diacritics, with or without its
    leading ``Số``, the words parted by spaces or punctuation; its ward, district and
    province stay. An address without a house number is not looked for.

* phone numbers (``[số điện thoại]``): Vietnamese mobiles and landlines written whole or
  grouped by spaces, dots or dashes (``0912345678``, ``091 234 5678``, ``0912.345.678``,
  ``(024) 3825 1234``), with the country code (``+84 912 345 678``, ``84912345678``,
  ``0084...``), glued to ``SĐT``/``ĐT``; any ``+`` number of 8 to 15 digits. Grouping never
  splits a digit run, so a 13-digit account number is not cut into a "phone".
* e-mail addresses (``[email]``), ASCII only.
* ID numbers (``[số giấy tờ]``): after a cue (CCCD, CMND, căn cước, chứng minh nhân dân,
  hộ chiếu, MST, mã số thuế, số/mã định danh, ID), also glued to it (``CCCD079123456789``),
  a 12-digit citizen ID whole or grouped 3-3-3-3 or 4-4-4 by spaces, dots or dashes,
  a 9-digit old ID, a passport (letter and 7 or 8 digits, ``C1234567``), a 10-digit or
  10-3-digit tax code. Without a cue: a lone 12-digit number whatever word precedes it
  (``mã 079123456789``), and one grouped 3-3-3-3 or 4-4-4 that starts with 0 as every
  citizen ID does and no amount does (``079.123.456.789``, ``0791 2345 6789``), except a
  dossier's code right after ``hồ sơ`` or ``biên nhận``.
* names (``[họ tên]``): 2 to 5 capitalised words after
  ``tôi là``, ``tên tôi là``, ``họ và tên:``, ``ông``, ``bà``, ``anh``, ``chị``, ``em``,
  ``cô``, ``chú``, ``bác``, ``cán bộ``, ``đồng chí``... (all-capitals names only after the
  first-person and form cues). Titles and agencies are not names: ``ông Chủ tịch``,
  ``anh Công An Phường``, ``bà Ủy Viên`` survive; a cue right after ``đường``, ``phố``,
  ``phường``... is part of a place (``đường Bà Huyện Thanh Quan``).
* street addresses (``[địa chỉ]``): a house number with its alleys and street
  (``số 12 ngõ 34 phố Hàng Bông``, ``123 đường Nguyễn Trãi``, ``số nhà 5 hẻm 12/3
  Lê Văn Sỹ``), and after ``địa chỉ``, ``trú tại``, ``thường trú``... a number with its
  street (``Địa chỉ: 123 Nguyễn Trãi``). Ward, district and province stay: they locate the
  case, not the person.

Findings that overlap are replaced as one, so no piece of any of them is left.

It keeps money (``135.000 đồng``, ``1.200.000.000``, ``123.456.789.012``), dates
(``12/05/2024``), years, procedure codes (``1.002804``), legal citations
(``42/2022/NĐ-CP``), dossier codes (``000.00.12.H26-240512-0003`` and numbers after
``mã hồ sơ``, ``số biên nhận``...), and hotlines (``1900 1234``), unless one of them is a
known number.

What it cannot do (it is a safety net, not a guarantee; an official still reads the text):

* a name with no cue and not in ``known`` (``Nguyễn Văn An đã nộp hồ sơ``), a given name
  alone (``anh Hùng``; also the submitter's: ``Hồng Nhung`` of a known ``Nguyễn Thị Hồng
  Nhung``), a name written in lower case after a pronoun, a second name joined by ``và``;
  it cannot tell a person from a street or school named after one when a pronoun cue
  precedes it outside the place words it knows (``Bà Rịa`` is known).
* a one-word entry of ``known`` matches that word everywhere (``Hà`` also hides ``hạ``);
  entries shorter than two letters are ignored.
* addresses without a house number (``thôn Đông``, ``tổ 5``, ``ngõ 34 phố Huế``), a bare
  ``123 Nguyễn Trãi`` without a cue unless it is the known address, a known address
  typed without its street word (``12 ngõ 34 Hàng Bông`` for ``... phố Hàng Bông``), or an
  address spelled in words.
* numbers that are not known, without a cue, other than 12-digit ones (a lone 9-digit
  CMND is too like other numbers), a 12-digit ID grouped otherwise or glued to letters,
  licence plates, bank accounts that do not look like a phone or an ID, obfuscated
  contacts (``0912 ba bốn năm``, ``an [at] gmail``), e-mail with non-ASCII characters
  that is not known, images and attachments.
* a known number in the middle of a run it shares groups with is found on its groups:
  ``1.0912345678`` becomes ``1.[số điện thoại]``.
* an amount that is really a phone number written like one (``84.912.345.678``) stays
  unless it is a known number.

Redaction runs to a fixed point, so it is idempotent by construction: placeholders are
never matched again and each pass removes some unredacted text. Every pattern is bounded
or possessive and starts only at a word boundary (a known number: at a digit no digit
precedes), so time is linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from services.core.text import fold

PHONE = "[số điện thoại]"
EMAIL = "[email]"
ID_NUMBER = "[số giấy tờ]"
NAME = "[họ tên]"
ADDRESS = "[địa chỉ]"
PLACEHOLDERS: tuple[str, ...] = (PHONE, EMAIL, ID_NUMBER, NAME, ADDRESS)

__all__ = [
    "ADDRESS",
    "EMAIL",
    "ID_NUMBER",
    "NAME",
    "PHONE",
    "PLACEHOLDERS",
    "contains_personal_data",
    "redact",
]

# Which placeholder wins when two findings overlap at the same start and length.
_PRIORITY = {EMAIL: 0, ID_NUMBER: 1, PHONE: 2, ADDRESS: 3, NAME: 4}

_PROTECTED = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))

# --- character classes ------------------------------------------------------------------

_MARKS = "\u0300-\u036f"  # combining marks, for text typed in decomposed form


# Runs at import, where mutmut cannot switch a mutant on: left out of make mutants.
def _vietnamese_letters() -> str:  # pragma: no mutate block
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels for t in tones}
    letters.update("bcdđfghjklmnpqrstvwxz")
    return "".join(sorted(letters))


_LOWER = _vietnamese_letters()
_UPPER = _LOWER.upper()


# Runs at import, where mutmut cannot switch a mutant on: left out of make mutants.
def _cue(words: str) -> str:  # pragma: no mutate block
    """A case-insensitive pattern for ``words`` that also accepts decomposed diacritics."""
    parts: list[str] = []
    for ch in words:
        if ch == " ":
            parts.append(r"[ \t\u00a0]+")
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed == ch:
            parts.append(re.escape(ch))
        else:
            parts.append(f"(?:{re.escape(ch)}|{re.escape(decomposed)})")
    return "".join(parts)


# Runs at import, where mutmut cannot switch a mutant on: left out of make mutants.
def _cues(*phrases: str, glued_to_digits: bool = False) -> str:  # pragma: no mutate block
    """Any of ``phrases`` as whole words; ``glued_to_digits``: a digit may follow at once
    (``CCCD079123456789``)."""
    ordered = sorted(phrases, key=len, reverse=True)  # longest first: "tôi là" before "tôi"
    end = r"(?![^\W\d_])" if glued_to_digits else r"(?!\w)"
    return "(?i:" + "|".join(_cue(p) for p in ordered) + ")" + end


# A capitalised word ("Nguyễn", "A"); _CAPS_WORD also allows "NGUYỄN".
_TITLE_WORD = rf"[{_UPPER}][{_MARKS}]*+[{_LOWER}{_MARKS}]*+(?!\w)"
_CAPS_WORD = rf"[{_UPPER}][{_MARKS}]*+(?:[{_LOWER}{_MARKS}]++|[{_UPPER}{_MARKS}]*+)(?!\w)"
_SPACE = r"[ \u00a0]"

# --- e-mail -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]++@[A-Za-z0-9\-]++(?:\.[A-Za-z0-9\-]++)++"
)

# --- ID numbers ---------------------------------------------------------------------------

_ID_CUE = _cues(
    "cccd",
    "cmnd",
    "cmtnd",
    "cmt",
    "căn cước công dân",
    "căn cước",
    "chứng minh nhân dân",
    "chứng minh thư",
    "hộ chiếu",
    "passport",
    "mst",
    "mã số thuế",
    "số định danh cá nhân",
    "số định danh",
    "mã định danh",
    "định danh cá nhân",
    "id",
    glued_to_digits=True,
)
_ID_FILLER_WORDS = _cues(
    "số", "là", "của tôi", "mang", "có", "cá nhân", "doanh nghiệp", "cũ", "mới"
)
_ID_FILLER = rf"(?:[\s:.#,\-–]|{_ID_FILLER_WORDS}|\([^()\n]{{0,40}}\)){{0,8}}+"
_ID_VALUE = (
    r"(?:[A-Za-z]\d{7,8}"  # passport
    r"|\d{10}-\d{3}"  # tax code of a branch
    r"|\d{3}(?:[ .\-]\d{3}){3}|\d{4}(?:[ .\-]\d{4}){2}|\d{12}"  # citizen ID
    r"|\d{10}"  # tax code
    r"|\d{3}(?:[ .\-]\d{3}){2}|\d{9})"  # old ID card
    r"(?!\w)(?![.,\-/]?\d)"
)
_CUED_ID = re.compile(rf"(?<!\w){_ID_CUE}{_ID_FILLER}(?P<value>{_ID_VALUE})")
_LONE_ID = re.compile(
    r"(?<!\w)(?<!\w[.,\-/])\d{12}(?!\w)(?![.,\-/]\w)"
    # Grouped 3-3-3-3 or 4-4-4 by one separator, starting with 0 as every citizen ID does
    # (province code 001 to 096) and no amount does; not a piece of a longer digit run.
    r"|(?<!\w)(?<!\d[ \u00a0.,\-/])"
    r"(?:0\d\d(?P<sep3>[ \u00a0.\-])\d{3}(?P=sep3)\d{3}(?P=sep3)\d{3}"
    r"|0\d{3}(?P<sep4>[ \u00a0.\-])\d{4}(?P=sep4)\d{4})"
    r"(?!\w)(?![ \u00a0.,\-/]\d)"
)
# A lone 12-digit number is a dossier's code only right after these words.
_BEFORE_DOSSIER_CODE = re.compile(
    _cues("hồ sơ", "biên nhận") + r"[\s:#.\-]*+(?:(?i:số)[\s:#.\-]*+)?$"
)

# --- phone numbers ------------------------------------------------------------------------

# A run of digit groups joined by single spaces, dots or dashes; may start with + or (024).
_NUMBER_RUN = re.compile(
    r"(?:(?<=(?i:sđt))|(?<=(?i:đt))|(?<!\w)(?<![\w+])(?<!\w[.,\-]))"
    r"(?:\+[ \u00a0]?)?(?:\(\+?\d{1,4}\)[ \u00a0]?)?\d++"
    r"(?:(?:[ \u00a0.\-]|[ \u00a0]?[-–][ \u00a0]?)\(?\d++\)?)*+"
)
_GROUP = re.compile(r"\d+")
_AFTER_NUMBER_NOT_PHONE = re.compile(
    r"[ \u00a0]*+(?:"
    + _cues("đồng", "đ", "vnđ", "vnd", "triệu", "tỷ", "nghìn", "ngàn", "usd")
    + r"|%)|[.,\-/]?\w"
)
_BEFORE_NUMBER_NOT_PHONE = re.compile(
    _cues(
        "hồ sơ",
        "biên nhận",
        "thủ tục",
        "giao dịch",
        "tra cứu",
        "văn bản",
        "quyết định",
        "số tiền",
        "mã",
        "công văn",
    )
    + r"[\s:#.\-]*+(?:(?i:số)[\s:#.\-]*+)?$"
)
_MAX_PHONE_GROUPS = 6


def _is_phone(digits: str, plus: bool) -> bool:
    if plus:
        return 8 <= len(digits) <= 15
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
        if digits.startswith("00"):  # +84 0912... written without the +
            digits = digits[1:]
    return len(digits) in (10, 11) and digits[0] == "0" and digits[1] != "0"


def _looks_like_amount(run: str) -> bool:
    """``1.200.000`` or ``84.912.345.678``: thousands groups after a short head."""
    groups = run.split(".")
    return (
        len(groups) >= 2
        and all(g.isdigit() for g in groups)
        and 1 <= len(groups[0]) <= 3
        and groups[0][0] != "0"
        and all(len(g) == 3 for g in groups[1:])
    )


def _phones(text: str) -> Iterator[tuple[int, int]]:
    for run in _NUMBER_RUN.finditer(text):
        start, end = run.span()
        if end - start < 8:
            continue  # fewer than the 8 digits of the shortest phone
        if _AFTER_NUMBER_NOT_PHONE.match(text, end) or _looks_like_amount(run.group()):
            continue
        if _BEFORE_NUMBER_NOT_PHONE.search(text, max(0, start - 30), start):
            continue
        plus = run.group().startswith("+")
        groups = [(g.start() + start, g.end() + start) for g in _GROUP.finditer(run.group())]
        pieces = [text[a:b] for a, b in groups]
        i = 0
        while i < len(groups):
            found = False
            # A phone starts with 0, 84 or +, and has 8 to 15 digits.
            starts = (plus and i == 0) or pieces[i][0] in "08"
            for j in range(min(len(groups), i + _MAX_PHONE_GROUPS), i, -1) if starts else ():
                digits = "".join(pieces[i:j])
                if not 8 <= len(digits) <= 15 or not _is_phone(digits, plus and i == 0):
                    continue
                if (i > 0 and text[groups[i][0] - 1] == ".") or (
                    j < len(groups) and text[groups[j - 1][1]] == "."
                ):
                    continue  # a piece of a dotted code or amount
                span_start = start if i == 0 else groups[i][0]
                if i > 0 and text[span_start - 1] == "(":
                    span_start -= 1  # "... (0243 825 1234)": the parenthesis opens this phone
                span_end = groups[j - 1][1]
                # Its closing parenthesis goes with it only if it opened one: a "(" left
                # behind alone, or a ")" taken from a parenthesis around more, garbles the text.
                inside = text[span_start:span_end]
                opened = inside.count("(") > inside.count(")")
                if opened and span_end < end and text[span_end] == ")":
                    span_end += 1
                yield span_start, span_end
                i, found = j, True
                break
            if not found:
                i += 1


# --- names --------------------------------------------------------------------------------

_STRONG_NAME_CUES = (
    "tôi là",
    "tên tôi là",
    "tên tôi",
    "tôi tên là",
    "tôi tên",
    "em là",
    "em tên là",
    "mình là",
    "cháu là",
    "tên là",
    "họ và tên",
    "họ tên",
    "người phản ánh",
    "người kiến nghị",
    "người gửi",
    "người khiếu nại",
)
_PRONOUN_CUES = (
    "ông",
    "bà",
    "anh",
    "chị",
    "em",
    "cô",
    "chú",
    "bác",
    "cháu",
    "cụ",
    "cán bộ",
    "đồng chí",
)
_NAME = re.compile(
    rf"(?<!\w)(?P<cue>{_cues(*_STRONG_NAME_CUES, *_PRONOUN_CUES)})[ \t\u00a0]*+(?::[ \t]*+)?"
    rf"(?P<name>{_CAPS_WORD}(?:{_SPACE}{_CAPS_WORD}){{1,4}})"
)
_STRONG_CUE_FOLDED = frozenset(fold(c) for c in _STRONG_NAME_CUES)
# Words that cannot start a name after a cue: titles, agencies, units.
_NOT_FIRST = frozenset(
    [
        "chu",
        "tich",
        "pho",
        "truong",
        "giam",
        "doc",
        "uy",
        "ban",
        "so",
        "bo",
        "cuc",
        "toa",
        "vien",
        "cong",
        "phong",
        "hoi",
        "doi",
        "to",
        "ubnd",
        "hdnd",
        "mttq",
        "csgt",
        "ca",
        "nha",
        "xa",
        "phuong",
        "quan",
        "huyen",
        "tinh",
        "thanh",
        "thi",
        "trung",
        "tam",
        "ria",
        "nguoi",
        "dan",
        "thu",
        "ky",
        "ke",
        "toan",
        "can",
        "chuyen",
        "vien",
        "lanh",
        "dao",
    ]
)
# Words that end a name: titles and agency words never part of a Vietnamese name.
_NOT_IN_NAME = frozenset(
    [
        "chu",
        "tich",
        "giam",
        "doc",
        "truong",
        "pho",
        "uy",
        "ban",
        "so",
        "bo",
        "cuc",
        "toa",
        "vien",
        "ubnd",
        "hdnd",
        "csgt",
        "phuong",
        "xa",
        "quan",
        "huyen",
        "tinh",
    ]
)
# A pronoun cue right after these words is part of a place ("đường Bà Triệu") or a
# language ("tiếng Anh").
_PLACE_WORDS = frozenset(
    [
        "duong",
        "pho",
        "phuong",
        "xa",
        "quan",
        "huyen",
        "tinh",
        "cho",
        "cau",
        "chua",
        "den",
        "truong",
        "ngo",
        "hem",
        "kiet",
        "ap",
        "thon",
        "benh",
        "vien",
        "nui",
        "song",
        "ben",
        "tp",
        "tieng",
        "nuoc",
    ]
)
_LAST_WORD = re.compile(r"(\w+)\W*$")


def _names(text: str) -> Iterator[tuple[int, int]]:
    for m in _NAME.finditer(text):
        cue = fold(m.group("cue"))
        strong = cue in _STRONG_CUE_FOLDED
        if not strong:
            before = _LAST_WORD.search(text, max(0, m.start() - 20), m.start())
            if before and fold(before.group(1)) in _PLACE_WORDS:
                continue
        words = list(re.finditer(r"\S+", m.group("name")))
        kept: list[re.Match[str]] = []
        for w in words:
            folded = fold(w.group())
            if folded in _NOT_IN_NAME or (not kept and folded in _NOT_FIRST):
                break
            if not strong and len(w.group()) > 1 and w.group().isupper():
                break  # acronyms after a pronoun: "anh CSGT"
            kept.append(w)
        if len(kept) >= 2:
            base = m.start("name")
            yield base + kept[0].start(), base + kept[-1].end()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold(ch)


def _words(text: str) -> list[tuple[str, int, int]]:
    """Folded words of ``text`` with their spans in ``text`` itself."""
    words: list[tuple[str, int, int]] = []
    parts: list[str] = []
    start = end = -1
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        if folded and folded.isalnum():
            if start < 0:
                start = i
            parts.append(folded)
            end = i + 1
        elif start >= 0 and unicodedata.combining(ch):
            end = i + 1
        elif start >= 0:
            words.append(("".join(parts), start, end))
            parts, start = [], -1
    if start >= 0:
        words.append(("".join(parts), start, end))
    return words


# --- addresses ----------------------------------------------------------------------------

_HOUSE_NO = r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?){0,3}(?![\w/])"
_HOUSE = rf"(?:{_cues('số nhà', 'nhà số', 'số')}[ \u00a0]*+:?[ \u00a0]*+)?{_HOUSE_NO}"
_LANE = (
    rf"{_cues('ngõ', 'ngách', 'hẻm', 'kiệt')}(?:[ \u00a0]++{_cues('số')})?[ \u00a0]++{_HOUSE_NO}"
)
_ADMIN = (
    r"(?:Phường|Xã|Quận|Huyện|Tỉnh|Thị[ ](?:xã|trấn|Xã|Trấn)|Thành[ ](?:phố|Phố)|TP|Tp"
    r"|Thôn|Xóm|Ấp|Khu|Tổ|P|Q)(?!\w)"
)
_STREET_NAME = (
    rf"(?!{_ADMIN}){_TITLE_WORD}(?:{_SPACE}(?!{_ADMIN})(?:{_TITLE_WORD}|\d{{1,3}}(?![\w/]))){{0,4}}"
)
_STREET_KEYWORD = _cues("đường", "phố", "đại lộ")
_KEYED_STREET = (
    rf"{_STREET_KEYWORD}[ \u00a0]++(?:{_STREET_NAME}|{_cues('số')}[ \u00a0]++\d{{1,3}}(?!\w))"
)
_STREET = rf"(?:{_KEYED_STREET}|{_STREET_NAME})"
_SEP = r"(?:,[ \u00a0]*+|[ \u00a0]++|[ \u00a0]*+[-–][ \u00a0]*+)"
_LANES = rf"(?:{_SEP}{_LANE}){{0,3}}"
_ADDRESS_CUE = _cues(
    "địa chỉ",
    "nơi thường trú",
    "nơi tạm trú",
    "nơi cư trú",
    "thường trú",
    "tạm trú",
    "trú tại",
    "cư trú tại",
    "nơi ở hiện nay",
    "nơi ở hiện tại",
    "nơi ở",
    "nhà tôi ở",
    "nhà ở",
    "sống tại",
    "sinh sống tại",
    "ở tại",
    "cư ngụ tại",
)
_ADDRESS_CUE_FILLER = (
    rf"(?:[ \u00a0]++{_cues('thường trú', 'tạm trú', 'liên hệ', 'cư trú', 'hiện nay')}"
    rf"|[ \u00a0]++{_cues('hiện tại', 'của tôi', 'nhà tôi', 'nhà', 'tại', 'ở', 'là')}){{0,3}}+"
    r"[ \u00a0]*+[:\-]?[ \u00a0]*+"
)
_LANE_WORDS = frozenset({"ngo", "ngach", "hem", "kiet"})
_NUMBER_START = r"(?<!\w)(?<!\w[.,/\-])"
_CUED_ADDRESS = re.compile(
    rf"(?<!\w){_ADDRESS_CUE}{_ADDRESS_CUE_FILLER}"
    rf"(?P<value>(?:{_HOUSE}|{_LANE}){_LANES}(?:{_SEP}{_STREET})?)"
)
_ADDRESS = re.compile(
    rf"{_NUMBER_START}(?P<value>"
    rf"{_cues('số nhà', 'nhà số')}[ \u00a0]*+:?[ \u00a0]*+{_HOUSE_NO}{_LANES}(?:{_SEP}{_STREET})?"
    rf"|(?:{_cues('số')}[ \u00a0]++)?{_HOUSE_NO}(?:{_SEP}{_LANE}){{1,3}}(?:{_SEP}{_STREET})?"
    rf"|(?:{_cues('số')}[ \u00a0]++)?{_HOUSE_NO}{_SEP}{_KEYED_STREET}"
    r")"
)


def _addresses(text: str) -> Iterator[tuple[int, int]]:
    for m in _CUED_ADDRESS.finditer(text):
        yield m.span("value")
    for m in _ADDRESS.finditer(text):
        before = _LAST_WORD.search(text, max(0, m.start() - 10), m.start())
        if before and fold(before.group(1)) in _LANE_WORDS:
            continue  # "ngõ 34 phố Huế": an alley, no house number
        yield m.span("value")


# --- what the portal knows of the people in the text ---------------------------------------

# Between the digits of one number as people type it: spaces, dots, commas, dashes, slashes,
# parentheses, in any grouping ("079.123.456.789", "(091) 234-5678", "0 9 1 2 ...").
_BETWEEN_DIGITS = r"[\s.,\-–—/()_]{0,3}+"
_TYPED_NUMBER = re.compile(r"\+?[0-9\s.,\-–—/()_]+")
_SUBSCRIBER = re.compile(r"[1-9][0-9]{8,9}")
# The words of an address that are not its street's name ("số", "ngõ", "phố"...), and
# those that open its locality ("phường", "quận"...), which stays.
_HOUSE_WORDS = frozenset(
    {"so", "nha", "ngo", "ngach", "hem", "kiet", "duong", "pho", "dai", "lo", "to", "thon"}
    | {"ap", "khu", "xom", "can", "ho", "tang", "phong"}
)
_LOCALITY_WORDS = frozenset(["phuong", "xa", "quan", "huyen", "tinh", "thanh", "tp", "thi"])
_LOCALITY_LETTERS = frozenset(["p", "q"])  # "P. Hàng Gai", "Q. 3"


def _national_phone(digits: str) -> str | None:
    """``digits`` as a Vietnamese phone number in its national form (``0912345678``), if it
    is one: ``84912345678``, ``0084912345678`` and ``840912345678`` are that number too."""
    if digits.startswith("0084"):
        rest = digits[4:].removeprefix("0")
    elif digits.startswith("84") and len(digits) >= 11:
        rest = digits[2:].removeprefix("0")
    elif digits.startswith("0"):
        rest = digits[1:]
    else:
        return None
    return "0" + rest if _SUBSCRIBER.fullmatch(rest) else None


def _number_forms(value: str) -> tuple[str, tuple[str, ...]] | None:
    """(placeholder, the digit strings that are this number) of a phone or ID number as the
    form keeps it; None when ``value`` is not a number."""
    if not _TYPED_NUMBER.fullmatch(value.strip()):
        return None
    digits = re.sub(r"[^0-9]", "", value)
    if not 8 <= len(digits) <= 15:
        return None  # shorter numbers are everywhere: hiding them would hide other things
    national = _national_phone(digits)
    if national is None:
        return ID_NUMBER, (digits,)
    subscriber = national[1:]
    forms = (national, subscriber, f"84{subscriber}", f"840{subscriber}", f"0084{subscriber}")
    return PHONE, (digits, *forms)


def _house_line(address: str) -> tuple[str, ...] | None:
    """The folded words of the part of ``address`` that finds the person: its leading parts
    up to the street's name (``Số 12, ngõ 34, phố Hàng Bông``), never its locality. None
    without a house number: an address of a locality alone identifies no one."""
    words: list[str] = []
    for part in address.split(","):
        part_words = fold(part).replace(".", " ").split()
        if not part_words:
            continue
        if words and part_words[0] in _LOCALITY_WORDS | _LOCALITY_LETTERS:
            break
        words += part_words
        if any(w not in _HOUSE_WORDS and not w.isdigit() for w in part_words):
            break  # the street's name: what follows is the locality
    has_number = any(ch.isdigit() for w in words for ch in w)
    has_name = any(w not in _HOUSE_WORDS and not w.isdigit() for w in words)
    return tuple(words) if has_number and has_name else None


@dataclass(frozen=True, slots=True)
class _Known:
    """What ``redact`` was told, sorted by how it is found."""

    # First folded word -> (folded words, placeholder, whether punctuation may part them),
    # longest first.
    words: dict[str, list[tuple[tuple[str, ...], str, bool]]]
    numbers: re.Pattern[str] | None
    number_labels: dict[str, str]
    emails: re.Pattern[str] | None


def _knowledge(known: Iterable[str], addresses: Iterable[str]) -> _Known:
    words: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
    labels: dict[str, str] = {}
    emails: list[str] = []

    def add(key: tuple[str, ...], label: str, loose: bool) -> None:
        if key and len("".join(key)) >= 2:
            words.setdefault(key[0], []).append((key, label, loose))

    for value in known:
        if not isinstance(value, str) or not value.strip():
            continue
        if "@" in value:
            if len(value.strip()) >= 3 and not any(ch.isspace() for ch in value.strip()):
                emails.append(value.strip())
            continue
        number = _number_forms(value)
        if number is not None:
            label, forms = number
            labels.update(dict.fromkeys(forms, label))
        elif _TYPED_NUMBER.fullmatch(value.strip()) is None:
            add(tuple(fold(value).replace(".", " ").split()), NAME, False)
    for address in addresses:
        key = _house_line(address) if isinstance(address, str) else None
        if key is None:
            continue
        add(key, ADDRESS, True)
        for lead in (("so", "nha"), ("nha", "so"), ("so",), ("nha",)):
            shorter = key[len(lead) :]
            if key[: len(lead)] == lead and _house_line(" ".join(shorter)):
                add(shorter, ADDRESS, True)  # "12 ngõ 34 phố Hàng Bông" without its "Số"
                break
    for options in words.values():
        options.sort(key=lambda option: len(option[0]), reverse=True)
    numbers = None
    if labels:
        longest_first = sorted(labels, key=len, reverse=True)  # "0084912..." before "84912..."
        body = "|".join(_BETWEEN_DIGITS.join(form) for form in longest_first)
        # Whole digit groups only: a known number never cuts a longer run of digits.
        numbers = re.compile(rf"(?<!\d)(?:{body})(?!\d)")
    email_pattern = None
    if emails:
        body = "|".join(re.escape(e) for e in sorted(set(emails), key=len, reverse=True))
        email_pattern = re.compile(rf"(?<![\w.%+\-])(?:{body})(?![\w%+\-]|\.\w)", re.IGNORECASE)
    return _Known(words, numbers, labels, email_pattern)


def _known_numbers(text: str, known: _Known) -> Iterator[tuple[int, int, str]]:
    if known.numbers is None:
        return
    for m in known.numbers.finditer(text):
        start, end = m.span()
        while start > 0 and m.start() - start < 2 and text[start - 1] in "(+":
            start -= 1  # "+84 ...", "(+84) ...", "(091) ..."
        if text.count("(", start, end) > text.count(")", start, end) and text[end : end + 1] == ")":
            end += 1
        yield start, end, known.number_labels[re.sub(r"[^0-9]", "", m.group())]


_LOOSE_GAP = re.compile(r"[\s,.;:\-–/]{1,3}")


def _known_words(text: str, known: _Known) -> Iterator[tuple[int, int, str]]:
    """Known names (parted by spaces only: ``Nguyễn, Văn An`` is not a name) and house
    lines (parted by spaces or punctuation), whole words, ignoring case and diacritics."""
    if not known.words:
        return
    words = _words(text)
    count = len(words)
    i = 0
    while i < count:
        matched = 0
        for key, label, loose in known.words.get(words[i][0], ()):
            n = len(key)
            k = 1
            while k < n and i + k < count and words[i + k][0] == key[k]:
                gap = text[words[i + k - 1][2] : words[i + k][1]]
                if not (_LOOSE_GAP.fullmatch(gap) if loose else gap.isspace()):
                    break
                k += 1
            if k == n:
                matched = n
                yield words[i][1], words[i + n - 1][2], label
                break
        i += matched or 1


def _known_emails(text: str, known: _Known) -> Iterator[tuple[int, int, str]]:
    if known.emails is not None:
        for m in known.emails.finditer(text):
            yield m.start(), m.end(), EMAIL


# --- putting it together ------------------------------------------------------------------


def _findings(text: str, known: _Known) -> list[tuple[int, int, str]]:
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    found: list[tuple[int, int, str]] = []
    found += [(*m.span(), EMAIL) for m in _EMAIL.finditer(text)]
    found += [(*m.span("value"), ID_NUMBER) for m in _CUED_ID.finditer(text)]
    found += [
        (*m.span(), ID_NUMBER)
        for m in _LONE_ID.finditer(text)
        if not _AFTER_NUMBER_NOT_PHONE.match(text, m.end())
        and not _BEFORE_DOSSIER_CODE.search(text, max(0, m.start() - 30), m.start())
    ]
    found += [(a, b, PHONE) for a, b in _phones(text)]
    found += [(a, b, ADDRESS) for a, b in _addresses(text)]
    found += [(a, b, NAME) for a, b in _names(text)]
    found += _known_emails(text, known)
    found += _known_numbers(text, known)
    found += _known_words(text, known)
    found.sort(key=lambda f: (f[0], -f[1], _PRIORITY[f[2]]))

    # Findings that overlap become one, so that no part of any of them is left in the text;
    # it is named after its longest finding.
    chosen: list[tuple[int, int, str]] = []
    longest = 0
    p = 0
    for start, end, label in found:
        if start >= end:
            continue
        while p < len(protected) and protected[p][1] <= start:
            p += 1
        if p < len(protected) and protected[p][0] < end:
            continue  # never touch a placeholder that is already there
        if chosen and start < chosen[-1][1]:
            first, last, name = chosen[-1]
            if end > last:
                if end - start > longest:
                    name, longest = label, end - start
                chosen[-1] = (first, end, name)
            continue
        chosen.append((start, end, label))
        longest = end - start
    return chosen


def _redact_once(text: str, known: _Known) -> str:
    out: list[str] = []
    pos = 0
    for start, end, label in _findings(text, known):
        out.append(text[pos:start])
        out.append(label)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str, *, known: Iterable[str] = (), addresses: Iterable[str] = ()) -> str:
    """``text`` with phone numbers, e-mail addresses, ID numbers, names and street addresses
    replaced by ``[số điện thoại]``, ``[email]``, ``[số giấy tờ]``, ``[họ tên]`` and
    ``[địa chỉ]``; every other character is kept as it was.

    ``known``: the names, phone and ID numbers and e-mail addresses of the people the text
    may name (the submitter's contact as the form keeps it, officials' names), told apart
    by their form and hidden in every form they are typed in. ``addresses``: their
    addresses, hidden up to the locality.

    >>> redact("Liên hệ anh Trần Minh Đức qua số +84 912 345 678.")
    'Liên hệ anh [họ tên] qua số [số điện thoại].'
    """
    if not isinstance(text, str) or not text:
        return text
    knowledge = _knowledge(known, addresses)
    # Each pass replaces at least one unredacted character and never touches a
    # placeholder, so this ends; in practice the second pass only confirms the first.
    while True:
        redacted = _redact_once(text, knowledge)
        if redacted == text:
            return text
        text = redacted


def contains_personal_data(
    text: str, *, known: Iterable[str] = (), addresses: Iterable[str] = ()
) -> bool:
    """Whether ``redact`` would change ``text``.

    >>> contains_personal_data("Thủ tục 1.002804, lệ phí 135.000 đồng")
    False
    >>> contains_personal_data("SĐT: 0912345678")
    True
    """
    if not isinstance(text, str) or not text:
        return False
    return bool(_findings(text, _knowledge(known, addresses)))
