"""Vietnamese text folding shared by every service that searches.

Folding removes case and diacritics, including ``đ`` which Unicode does not decompose, so
``giay phep lai xe`` matches ``Đổi giấy phép lái xe``.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z.]+")
_STRAY_DOTS = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})


# What decomposing a Vietnamese (or any Latin) text leaves: ASCII letters and the combining
# marks of U+0300-U+036F. A text of only those folds in a few C calls (encode without the
# marks, lower, one byte table); anything else takes the character-by-character way. Both
# give the same words: the fast way is an optimisation, not a second definition.
_LATIN_MARKS = "".join(
    chr(point) for point in range(0x300, 0x370) if unicodedata.combining(chr(point))
)
_NOT_LATIN = re.compile(f"[^\\x00-\\x7f{_LATIN_MARKS}]")
_WORD_BYTES = bytes(
    byte if "0" <= chr(byte) <= "9" or "a" <= chr(byte) <= "z" or chr(byte) == "." else 0x20
    for byte in range(256)
)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics; keeps letters, digits and spaces.

    >>> fold("Đổi Giấy phép lái xe")
    'doi giay phep lai xe'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    if _NOT_LATIN.search(decomposed) is None:
        words = decomposed.encode("ascii", "ignore").lower().translate(_WORD_BYTES).decode()
    else:
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
        words = _NON_WORD.sub(" ", stripped)
    # Dots survive only inside numbers, so a procedure code like 1.001234 stays one token.
    if "." in words:
        words = _STRAY_DOTS.sub(" ", words)
    return " ".join(words.split())


def ascii_text(text: str) -> str:
    """``text`` without diacritics but with its case and punctuation, for systems that
    accept only ASCII (bank order descriptions)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ord(ch) < 128)
