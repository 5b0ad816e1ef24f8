"""The relevance set: queries as citizens type them, each with the procedure it must find
first, on the benchmark's catalogue (the demo's 50 real procedures among 7,000 synthetic
ones, ``synthetic_catalogue.catalogue(7000, 1)``).

    .venv/bin/python bench/relevance.py          # print the set's make-up
    .venv/bin/python bench/relevance.py --write  # rebuild bench/relevance.jsonl

Each query is made from one procedure's name, and only from names no other procedure of
the catalogue shares (folded), so which procedure it must find is a fact about the
catalogue, not about any search engine. Nothing here runs a search: the set is built the
same whichever engine is then measured on it. Five kinds, the real names first:
- ``written``: the name as written;
- ``plain``: the name without diacritics (``đ`` as ``d``), as typed without a Vietnamese
  keyboard;
- ``fragment``: three neighbouring words of the name that no other name holds all of;
- ``i_y``: the name with its i/y syllables in the other spelling (``đăng kí`` for
  ``đăng ký``, ``lí lịch`` for ``lý lịch``, ``bác sỹ`` for ``bác sĩ``);
- ``typo``: the name with one letter of its longest word (five letters or more) struck on
  a neighbouring key, where that makes a word no name holds (a slip that gives another
  real word is a different problem, which no engine here tries to solve).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from services.catalogue.domain import ProcedureRecord

RELEVANCE_SET = Path(__file__).resolve().parent / "relevance.jsonl"
SIZES = {"written": 24, "plain": 24, "fragment": 22, "i_y": 20, "typo": 24}

# Vietnamese keyboards are QWERTY: a slip lands on a neighbouring key.
_NEIGHBOURS = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij",
    "i": "uok", "o": "ipl", "p": "ol", "a": "qsz", "s": "adwx", "d": "sfex", "f": "dgrc",
    "g": "fhtv", "h": "gjyb", "j": "hkun", "k": "jlim", "l": "kop", "z": "asx", "x": "zsdc",
    "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}  # fmt: skip
# The syllables written with i or y alike, in their y spelling (folded), and the vowel
# letters with each tone in both spellings.
_I_Y_SYLLABLES = {"ky", "ly", "my", "sy", "ty", "hy", "quy"}
_Y_TO_I = dict(zip("yýỳỷỹỵYÝỲỶỸỴ", "iíìỉĩịIÍÌỈĨỊ", strict=True))
_I_TO_Y = {i: y for y, i in _Y_TO_I.items()}


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    q: str
    code: str
    name: str


def _words(name: str) -> list[str]:
    return [word.strip(",.;:()") for word in name.split() if word.strip(",.;:()")]


def _other_spelling(word: str) -> str | None:
    from services.core.text import fold

    folded = fold(word)
    spelled_y = folded[:-1] + "y" if folded.endswith("i") else folded
    if spelled_y not in _I_Y_SYLLABLES or len(word) != len(folded):
        return None
    last = word[-1]
    swapped = _Y_TO_I.get(last) or _I_TO_Y.get(last)
    return word[:-1] + swapped if swapped else None


def build(records: list[ProcedureRecord]) -> list[Case]:
    from services.core.text import ascii_text, fold

    names = Counter(fold(r.content.name) for r in records)
    unique = [r for r in records if names[fold(r.content.name)] == 1]
    demo_codes = {r.code for r in records[:50]}
    real = [r for r in unique if r.code in demo_codes]
    synthetic = [r for r in unique if r.code not in demo_codes]
    random.Random(15).shuffle(synthetic)
    word_sets = [set(fold(r.content.name).split()) for r in records]
    vocabulary = set().union(*word_sets)
    rng = random.Random(2025)

    def holding(words: set[str]) -> int:
        return sum(1 for found in word_sets if words <= found)

    def fragment(name: str) -> str | None:
        words = _words(name)
        triples = [words[i : i + 3] for i in range(len(words) - 2)]
        rng.shuffle(triples)
        for triple in triples:
            if holding(set(fold(" ".join(triple)).split())) == 1:
                return " ".join(triple)
        return None

    def i_y(name: str) -> str | None:
        words = name.split()
        changed = [_other_spelling(w.strip(",.;:()")) for w in words]
        if not any(changed):
            return None
        return " ".join(
            w.replace(w.strip(",.;:()"), c) if c else w for w, c in zip(words, changed, strict=True)
        )

    def typo(name: str) -> str | None:
        words = sorted(_words(name), key=lambda w: -len(fold(w)))
        for word in words:
            folded = fold(word)
            if len(folded) < 5 or not folded.isalpha():
                continue
            spots = [i for i in range(1, len(word)) if word[i].isascii() and word[i].isalpha()]
            rng.shuffle(spots)
            for spot in spots:
                for key in rng.sample(_NEIGHBOURS[word[spot].lower()], 2):
                    slipped = word[:spot] + key + word[spot + 1 :]
                    if fold(slipped) not in vocabulary:
                        return name.replace(word, slipped, 1)
        return None

    makers = {
        "written": lambda name: name,
        "plain": ascii_text,
        "fragment": fragment,
        "i_y": i_y,
        "typo": typo,
    }
    cases: list[Case] = []
    for number, (kind, size) in enumerate(SIZES.items()):
        # Real and synthetic names in turn; each kind starts elsewhere in both.
        shift = number * 7
        turns = itertools.zip_longest(
            real[shift:] + real[:shift], synthetic[shift * 20 :] + synthetic[: shift * 20]
        )
        candidates = [r for pair in turns for r in pair if r is not None]
        if kind == "i_y":  # "đăng ký" is everywhere: the other syllables take every other turn
            other = [r for r in candidates if {"lý", "sĩ", "sỹ"} & set(r.content.name.split())]
            rest = [r for r in candidates if r not in other and i_y(r.content.name)]
            pairs = itertools.zip_longest(other, rest)
            candidates = [r for pair in pairs for r in pair if r is not None]
        made = 0
        for record in candidates:
            if made == size:
                break
            q = makers[kind](record.content.name)
            if q is None or (kind != "written" and q == record.content.name):
                continue
            cases.append(Case(kind, q, record.code, record.content.name))
            made += 1
    return cases


def load() -> list[Case]:
    with RELEVANCE_SET.open(encoding="utf-8") as handle:
        return [Case(**json.loads(line)) for line in handle if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {RELEVANCE_SET.name}")
    args = parser.parse_args()
    from bench.common import prepare_environment

    prepare_environment()
    from bench.synthetic_catalogue import catalogue

    cases = build(catalogue(7000, 1))
    if args.write:
        RELEVANCE_SET.write_text(
            "".join(
                json.dumps(
                    {"kind": c.kind, "q": c.q, "code": c.code, "name": c.name},
                    ensure_ascii=False,
                )
                + "\n"
                for c in cases
            ),
            encoding="utf-8",
        )
    print(f"{len(cases)} queries: {dict(Counter(c.kind for c in cases))}")
    for case in cases[:: max(1, len(cases) // 25)]:
        print(f"  {case.kind:9} {case.q!r:70} -> {case.code}")


if __name__ == "__main__":
    main()
