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


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics; keeps letters, digits and spaces.

    >>> fold("Đổi Giấy phép lái xe")
    'doi giay phep lai xe'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    # Dots survive only inside numbers, so a procedure code like 1.001234 stays one token.
    words = _STRAY_DOTS.sub(" ", _NON_WORD.sub(" ", stripped))
    return " ".join(words.split())


def ascii_text(text: str) -> str:
    """``text`` without diacritics but with its case and punctuation, for systems that
    accept only ASCII (bank order descriptions)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ord(ch) < 128)
