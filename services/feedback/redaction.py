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

What it catches:

* phone numbers (``[số điện thoại]``): Vietnamese mobiles and landlines written whole or
  grouped by spaces, dots or dashes (``0912345678``, ``091 234 5678``, ``0912.345.678``,
  ``(024) 3825 1234``), with the country code (``+84 912 345 678``, ``84912345678``,
  ``0084...``), glued to ``SĐT``/``ĐT``; any ``+`` number of 8 to 15 digits. Grouping never
  splits a digit run, so a 13-digit account number is not cut into a "phone".
* e-mail addresses (``[email]``), ASCII only.
* ID numbers (``[số giấy tờ]``): after a cue (CCCD, CMND, căn cước, chứng minh nhân dân,
  hộ chiếu, MST, mã số thuế, số/mã định danh) a 12-digit citizen ID, 9-digit old ID,
  passport (letter and 7 or 8 digits, ``C1234567``), 10-digit or 10-3-digit tax code; any
  lone 12-digit number anywhere.
* names (``[họ tên]``): every string of ``known`` (the submitter's name as they typed it in
  the form, officials' names), as whole words, ignoring case and diacritics
  (``nguyen van an`` finds ``Nguyễn Văn An``); and 2 to 5 capitalised words after
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

It keeps money (``135.000 đồng``, ``1.200.000.000``), dates (``12/05/2024``), years,
procedure codes (``1.002804``), legal citations (``42/2022/NĐ-CP``), dossier codes
(``000.00.12.H26-240512-0003`` and numbers after ``mã hồ sơ``, ``số biên nhận``...), and
hotlines (``1900 1234``).

What it cannot do (it is a safety net, not a guarantee; an official still reads the text):

* a name with no cue and not in ``known`` (``Nguyễn Văn An đã nộp hồ sơ``), a given name
  alone (``anh Hùng``), a name written in lower case after a pronoun, a second name joined
  by ``và``; it cannot tell a person from a street or school named after one when a
  pronoun cue precedes it outside the place words it knows (``Bà Rịa`` is known).
* a one-word entry of ``known`` matches that word everywhere (``Hà`` also hides ``hạ``);
  entries shorter than two letters are ignored.
* addresses without a house number (``thôn Đông``, ``tổ 5``, ``ngõ 34 phố Huế``), a bare
  ``123 Nguyễn Trãi`` without a cue, or an address spelled in words.
* ID numbers without a cue other than 12-digit ones (a lone 9-digit CMND is too like
  other numbers), licence plates, bank accounts that do not look like a phone or an ID,
  obfuscated contacts (``0912 ba bốn năm``, ``an [at] gmail``), e-mail with non-ASCII
  characters, images and attachments.
* an amount that is really a phone number written like one (``84.912.345.678``) stays.

Redaction runs to a fixed point, so it is idempotent by construction: placeholders are
never matched again and each pass removes some unredacted text. Every pattern is bounded
or possessive and starts only at a word boundary, so time is linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
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


def _vietnamese_letters() -> str:
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels for t in tones}
    letters.update("bcdđfghjklmnpqrstvwxz")
    return "".join(sorted(letters))


_LOWER = _vietnamese_letters()
_UPPER = _LOWER.upper()


def _cue(words: str) -> str:
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


def _cues(*phrases: str) -> str:
    ordered = sorted(phrases, key=len, reverse=True)  # longest first: "tôi là" before "tôi"
    return "(?i:" + "|".join(_cue(p) for p in ordered) + r")(?!\w)"


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
)
_ID_FILLER_WORDS = _cues(
    "số", "là", "của tôi", "mang", "có", "cá nhân", "doanh nghiệp", "cũ", "mới"
)
_ID_FILLER = rf"(?:[\s:.#,\-–]|{_ID_FILLER_WORDS}|\([^()\n]{{0,40}}\)){{0,8}}+"
_ID_VALUE = (
    r"(?:[A-Za-z]\d{7,8}"  # passport
    r"|\d{10}-\d{3}"  # tax code of a branch
    r"|\d{3}(?:[ .]\d{3}){3}|\d{4}(?:[ .]\d{4}){2}|\d{12}"  # citizen ID
    r"|\d{10}"  # tax code
    r"|\d{3}(?:[ .]\d{3}){2}|\d{9})"  # old ID card
    r"(?!\w)(?![.,\-/]?\d)"
)
_CUED_ID = re.compile(rf"(?<!\w){_ID_CUE}{_ID_FILLER}(?P<value>{_ID_VALUE})")
_LONE_ID = re.compile(r"(?<!\w)(?<!\w[.,\-/])\d{12}(?!\w)(?![.,\-/]\w)")

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
                span_end = groups[j - 1][1]
                if span_end < end and text[span_end] == ")":
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


def _known_names(text: str, known: Iterable[str]) -> Iterator[tuple[int, int]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for name in known:
        if not isinstance(name, str):
            continue
        key = tuple(fold(name).replace(".", " ").split())
        if key and len("".join(key)) >= 2:
            by_first.setdefault(key[0], []).append(key)
    if not by_first:
        return
    for options in by_first.values():
        options.sort(key=len, reverse=True)
    words = _words(text)
    i = 0
    while i < len(words):
        matched = 0
        for key in by_first.get(words[i][0], ()):
            n = len(key)
            if i + n > len(words):
                continue
            if all(words[i + k][0] == key[k] for k in range(n)) and all(
                text[words[i + k][2] : words[i + k + 1][1]].isspace() for k in range(n - 1)
            ):
                matched = n
                break
        if matched:
            yield words[i][1], words[i + matched - 1][2]
            i += matched
        else:
            i += 1


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


# --- putting it together ------------------------------------------------------------------


def _findings(text: str, known: tuple[str, ...]) -> list[tuple[int, int, str]]:
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    found: list[tuple[int, int, str]] = []
    found += [(*m.span(), EMAIL) for m in _EMAIL.finditer(text)]
    found += [(*m.span("value"), ID_NUMBER) for m in _CUED_ID.finditer(text)]
    found += [
        (*m.span(), ID_NUMBER)
        for m in _LONE_ID.finditer(text)
        if not _AFTER_NUMBER_NOT_PHONE.match(text, m.end())
        and not _BEFORE_NUMBER_NOT_PHONE.search(text, max(0, m.start() - 30), m.start())
    ]
    found += [(a, b, PHONE) for a, b in _phones(text)]
    found += [(a, b, ADDRESS) for a, b in _addresses(text)]
    found += [(a, b, NAME) for a, b in _names(text)]
    found += [(a, b, NAME) for a, b in _known_names(text, known)]
    found.sort(key=lambda f: (f[0], -f[1], _PRIORITY[f[2]]))

    chosen: list[tuple[int, int, str]] = []
    last_end = 0
    p = 0
    for start, end, label in found:
        if start >= end or start < last_end:
            continue
        while p < len(protected) and protected[p][1] <= start:
            p += 1
        if p < len(protected) and protected[p][0] < end:
            continue  # never touch a placeholder that is already there
        chosen.append((start, end, label))
        last_end = end
    return chosen


def _redact_once(text: str, known: tuple[str, ...]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, label in _findings(text, known):
        out.append(text[pos:start])
        out.append(label)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str, *, known: Iterable[str] = ()) -> str:
    """``text`` with phone numbers, e-mail addresses, ID numbers, names and street addresses
    replaced by ``[số điện thoại]``, ``[email]``, ``[số giấy tờ]``, ``[họ tên]`` and
    ``[địa chỉ]``; every other character is kept as it was.

    ``known``: names to hide wherever they appear, ignoring case and diacritics (the
    submitter's name from the form, officials' names).

    >>> redact("Liên hệ anh Trần Minh Đức qua số +84 912 345 678.")
    'Liên hệ anh [họ tên] qua số [số điện thoại].'
    """
    if not isinstance(text, str) or not text:
        return text
    names = tuple(known)
    # Each pass replaces at least one unredacted character and never touches a
    # placeholder, so this ends; in practice the second pass only confirms the first.
    while True:
        redacted = _redact_once(text, names)
        if redacted == text:
            return text
        text = redacted


def contains_personal_data(text: str, *, known: Iterable[str] = ()) -> bool:
    """Whether ``redact`` would change ``text``.

    >>> contains_personal_data("Thủ tục 1.002804, lệ phí 135.000 đồng")
    False
    >>> contains_personal_data("SĐT: 0912345678")
    True
    """
    if not isinstance(text, str) or not text:
        return False
    return bool(_findings(text, tuple(known)))
