"""An in-memory inverted index over published procedures. Pure: no I/O.

Ranking, best first: the name (or code) equals the query; the name holds the query as a
phrase; the name holds every query word. Within a tier, shorter names first, then by code.
The last query word also matches as a prefix, so a front end can search while typing.
Words are folded (``services.core.text``), so case and Vietnamese diacritics never matter.

Citizens spell as they were taught, and type in a hurry:
- A syllable written with a final i or y after a consonant (``ký``/``kí``, ``lý``/``lí``,
  ``mỹ``/``mĩ``, ``sỹ``/``sĩ``, ``quý``/``quí``) is one word to the index, so either
  spelling finds both.
- A query word of five letters or more that no published name holds is read as the words
  of the catalogue one letter away from it (a letter replaced, added, dropped, or two
  neighbours swapped). A query whose words all exist is answered as it always was, so no
  correction ever reorders an exact answer.

How it stays fast at any size: procedures sit at positions in code order, and every
posting (a word, a pair of neighbouring words, a facet, a name length) is a bitmap over
those positions held in one Python ``int``, so matching is a few ``&`` and ``|`` run in C.
A page in rank order takes, for each name length from the shortest, the lowest set bits of
(matches & that length): within one length, position order is code order. Procedures that
arrive after the positions were laid out sit past them and are merged in by key; once they
are many, the positions are laid out again.

>>> index = SearchIndex()
>>> index.upsert(SearchDoc(code="1.000001", name="Đổi giấy phép lái xe", field="Đường bộ",
...     service_level="full", agency_ids=("bo-cong-an",), agency_level="central",
...     processing_days=5, fee_total_vnd=135000, version=2))
>>> [doc.code for doc in index.search("giay phep lai xe").docs]
['1.000001']
>>> [doc.code for doc in index.search("doi giay phep lia xe").docs]  # "lia": not a word
[]
>>> [doc.code for doc in index.search("doi giay phep lai xe").docs]
['1.000001']
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from services.core.text import fold

_PREFIX_MIN = 2
_PREFIX_EXPANSIONS = 40
_TYPO_MIN = 5
"""Letters a word needs before a typo in it is corrected: Vietnamese syllables are short,
and a shorter word is one letter away from too many others to guess which was meant."""
_CORRECTION_COMBINATIONS = 16
_CHECK_AT_MOST = 512
"""A query whose rarest word is in at most this many documents (times the words) is
answered by reading those documents, not by intersecting bitmaps: the same answer."""
_LAYOUT_SLACK = 256
"""Procedures past the laid-out positions tolerated before the positions are laid out
again (or one in 32 of the catalogue, if more)."""

# A syllable that is only consonants and a final y (k-y, l-y, m-y, s-y, t-y, h-y, ...),
# where Vietnamese writes i or y alike; "quy"/"qui" too. Not "uy" ("tuy" and "tui" differ).
_I_OR_Y = re.compile(r"(?:[bcdghklmnprstvx]|ch|gh|kh|ng|ngh|nh|ph|th|tr)y")
_NONZERO_BYTE = re.compile(rb"[^\x00]")


def spelling(word: str) -> str:
    """The one form of a folded word under which its i/y spellings are indexed.

    >>> [spelling(w) for w in ("ky", "ki", "ly", "qui", "quy", "tuy", "y", "kyc")]
    ['ki', 'ki', 'li', 'quy', 'quy', 'tuy', 'y', 'kyc']
    """
    if word == "qui":
        return "quy"
    if _I_OR_Y.fullmatch(word):
        return word[:-1] + "i"
    return word


@dataclass(frozen=True, slots=True)
class SearchDoc:
    code: str
    name: str
    field: str
    service_level: str
    agency_ids: tuple[str, ...]
    agency_level: str
    processing_days: int
    fee_total_vnd: int
    version: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    docs: list[SearchDoc]
    has_more: bool


def _code_tokens(code: str) -> list[str]:
    _head, _, tail = code.partition(".")
    return [code, tail] if tail else [code]


def _bits(positions: list[int]) -> int:
    """The bitmap with ``positions`` set."""
    if not positions:
        return 0
    buffer = bytearray(max(positions) // 8 + 1)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def _lowest(bits: int, count: int) -> list[int]:
    """The positions of the ``count`` lowest set bits of ``bits``, lowest first."""
    found: list[int] = []
    if bits <= 0 or count <= 0:
        return found
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for match in _NONZERO_BYTE.finditer(data):
        base = match.start() * 8
        byte = data[match.start()]
        while byte:
            low = byte & -byte
            found.append(base + low.bit_length() - 1)
            if len(found) == count:
                return found
            byte ^= low
    return found


def _one_letter_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter replaced, added or dropped, or two neighbours
    swapped (``a != b``)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):
        return a[start:] == b[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:
        return True
    return (
        start + 1 < len(a)
        and a[start] == b[start + 1]
        and a[start + 1] == b[start]
        and a[start + 2 :] == b[start + 2 :]
    )


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True, slots=True)
class _Indexed:
    """What the index derives from one document's name, kept so that a new layout never
    folds a name twice."""

    words: tuple[str, ...]  # folded, in i/y spelling, in name order
    raw: tuple[str, ...]  # folded as written, for prefixes


Postings = int | list[int]
"""The documents holding something: a bitmap, or (when they are few, so that a bitmap as
long as the catalogue would waste memory) their positions."""


def _posting(positions: list[int], total: int) -> Postings:
    return positions if len(positions) * 64 < total else _bits(positions)


def _as_bits(postings: Postings | None) -> int:
    if postings is None:
        return 0
    return postings if isinstance(postings, int) else _bits(postings)


_EXPANDED_AT_MOST = 4096
"""Rare postings kept as bitmaps once a query needed them so (the most a bitmap costs is
one bit a document: 4096 of them at 70,000 documents is 36 MB)."""


def _add(postings: dict[Any, Postings], key: Any, position: int) -> None:
    found = postings.get(key)
    if found is None:
        postings[key] = [position]
    elif isinstance(found, int):
        postings[key] = found | 1 << position
    else:
        found.append(position)


class SearchIndex:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._docs: list[SearchDoc | None] = []  # by position
        self._indexed: list[_Indexed] = []
        self._id_of: dict[str, int] = {}
        self._laid_out = 0  # positions below this are in code order
        self._alive = 0
        self._words: dict[str, Postings] = {}
        self._tails: dict[str, list[int]] = {}  # a code's number after its first dot
        self._spellings: dict[str, str] = {}  # every folded word seen, and its spelling
        self._vocabulary: list[str] = []  # those words and the code tokens, sorted
        self._pairs: dict[tuple[str, str], Postings] = {}
        self._names: dict[str, list[int]] = {}
        self._facets: dict[tuple[str, str], Postings] = {}
        self._lengths: dict[int, Postings] = {}
        self._fields: dict[str, str] = {}  # a field as written, folded
        self._near: dict[str, set[str]] | None = None
        self._expanded: dict[int, int] = {}  # id of a rare posting -> its bitmap
        self._terms: dict[tuple[str, bool], _Term | None] = {}  # what a query word matched

    def __len__(self) -> int:
        return self._alive.bit_count()

    def version_of(self, code: str) -> int | None:
        position = self._id_of.get(code)
        doc = self._docs[position] if position is not None else None
        return doc.version if doc is not None else None

    def docs(self) -> Iterator[SearchDoc]:
        """Every document held, in no promised order."""
        return (doc for doc in self._docs if doc is not None)

    # -- maintenance --------------------------------------------------------------------
    def _indexing(self, doc: SearchDoc, folded: dict[str, _Indexed] | None = None) -> _Indexed:
        found = folded.get(doc.name) if folded is not None else None
        if found is None:
            raw = tuple(fold(doc.name).split())
            for word in raw:
                if word not in self._spellings:
                    self._spellings[word] = spelling(word)
            found = _Indexed(tuple(self._spellings[w] for w in raw), raw)
            if folded is not None:
                folded[doc.name] = found
        return found

    def _facet_keys(self, doc: SearchDoc) -> list[tuple[str, str]]:
        field = self._fields.get(doc.field)
        if field is None:
            self._fields[doc.field] = field = fold(doc.field)
        keys = [("field", field), ("service_level", doc.service_level)]
        keys.extend(("agency", agency) for agency in doc.agency_ids)
        return keys

    def upsert(self, doc: SearchDoc) -> None:
        self.remove(doc.code)
        self._forget_queries()
        known = len(self._spellings)
        indexed = self._indexing(doc)
        position = len(self._docs)
        self._docs.append(doc)
        self._indexed.append(indexed)
        self._id_of[doc.code] = position
        self._alive |= 1 << position
        for word in set(indexed.words):
            _add(self._words, word, position)
        for pair in set(itertools.pairwise(indexed.words)):
            _add(self._pairs, pair, position)
        self._names.setdefault(" ".join(indexed.words), []).append(position)
        for facet in self._facet_keys(doc):
            _add(self._facets, facet, position)
        _add(self._lengths, len(indexed.words), position)
        tokens = _code_tokens(doc.code)
        for tail in tokens[1:]:
            self._tails.setdefault(tail, []).append(position)
        for word in (*tokens, *(indexed.raw if len(self._spellings) != known else ())):
            index = bisect.bisect_left(self._vocabulary, word)
            if index == len(self._vocabulary) or self._vocabulary[index] != word:
                self._vocabulary.insert(index, word)
        if len(self._spellings) != known:
            self._near = None

    def remove(self, code: str) -> None:
        position = self._id_of.pop(code, None)
        if position is None:
            return
        # Its bits stay in the postings, masked by ``_alive``, until the next layout.
        self._docs[position] = None
        self._alive &= ~(1 << position)
        self._forget_queries()

    def _forget_queries(self) -> None:
        """Drop what was kept from earlier queries: a change may alter any of it."""
        self._expanded.clear()
        self._terms.clear()

    def replace_all(self, docs: Iterable[SearchDoc]) -> None:
        self._reset()
        latest: dict[str, SearchDoc] = {}
        for doc in docs:
            latest[doc.code] = doc
        folded: dict[str, _Indexed] = {}
        self._lay_out([(doc, self._indexing(doc, folded)) for doc in latest.values()])

    def _lay_out(self, entries: list[tuple[SearchDoc, _Indexed]]) -> None:
        """Give every document its position in code order and build every posting anew.

        Documents sharing a name share its words, pairs and length: those postings are
        extended once per name, not once per document."""
        entries.sort(key=lambda entry: entry[0].code)
        total = len(entries)
        self._docs = [doc for doc, _ in entries]
        self._indexed = [indexed for _, indexed in entries]
        self._id_of = {doc.code: position for position, (doc, _) in enumerate(entries)}
        by_name: dict[str, list[int]] = {}
        by_facets: dict[tuple[str, str, tuple[str, ...]], list[int]] = {}
        tails: dict[str, list[int]] = {}
        for position, doc in enumerate(self._docs):
            assert doc is not None
            by_name.setdefault(doc.name, []).append(position)
            facets_key = (doc.field, doc.service_level, doc.agency_ids)
            by_facets.setdefault(facets_key, []).append(position)
            _head, _, tail = doc.code.partition(".")
            if tail:
                tails.setdefault(tail, []).append(position)
        words: dict[str, list[int]] = {}
        pairs: dict[tuple[str, str], list[int]] = {}
        names: dict[str, list[int]] = {}
        lengths: dict[int, list[int]] = {}
        for positions in by_name.values():
            indexed = self._indexed[positions[0]]
            for word in set(indexed.words):
                words.setdefault(word, []).extend(positions)
            for pair in set(itertools.pairwise(indexed.words)):
                pairs.setdefault(pair, []).extend(positions)
            names.setdefault(" ".join(indexed.words), []).extend(positions)
            lengths.setdefault(len(indexed.words), []).extend(positions)
        facets: dict[tuple[str, str], list[int]] = {}
        for positions in by_facets.values():
            doc = self._docs[positions[0]]
            assert doc is not None
            for facet in self._facet_keys(doc):
                facets.setdefault(facet, []).extend(positions)
        self._words = {word: _posting(found, total) for word, found in words.items()}
        self._pairs = {pair: _posting(found, total) for pair, found in pairs.items()}
        self._facets = {facet: _posting(found, total) for facet, found in facets.items()}
        self._lengths = {length: _bits(found) for length, found in lengths.items()}
        self._names, self._tails = names, tails
        self._vocabulary = sorted(
            {*self._spellings, *self._id_of, *(t for t in tails if t not in self._spellings)}
        )
        self._laid_out = total
        self._alive = (1 << total) - 1
        self._near = None
        self._forget_queries()

    def _settle(self) -> None:
        """Lay the positions out again once many documents arrived after the last layout."""
        late = len(self._docs) - self._laid_out
        if late > max(_LAYOUT_SLACK, self._laid_out // 32):
            self._lay_out(
                [(doc, self._indexed[p]) for p, doc in enumerate(self._docs) if doc is not None]
            )

    # -- queries ------------------------------------------------------------------------
    def _bits_for(self, postings: Postings | None) -> int:
        """``postings`` as a bitmap; a rare one is expanded once and kept until the index
        changes (a change may append to it)."""
        if postings is None or isinstance(postings, int):
            return postings or 0
        found = self._expanded.get(id(postings))
        if found is None:
            if len(self._expanded) >= _EXPANDED_AT_MOST:
                self._expanded.clear()
            self._expanded[id(postings)] = found = _bits(postings)
        return found

    def _canonical(self, word: str) -> str:
        return self._spellings.get(word) or spelling(word)

    def _postings(self, word: str) -> int:
        bits = self._bits_for(self._words.get(self._canonical(word)))
        if word[:1].isdigit():
            position = self._id_of.get(word)
            if position is not None:
                bits |= 1 << position
            bits |= _as_bits(self._tails.get(word))
        return bits & self._alive

    def _expansions(self, word: str) -> list[str]:
        """The words and code tokens starting with ``word`` (as typed, folded)."""
        if len(word) < _PREFIX_MIN:
            return []
        start = bisect.bisect_left(self._vocabulary, word)
        found = []
        for candidate in self._vocabulary[start : start + _PREFIX_EXPANSIONS]:
            if not candidate.startswith(word):
                break
            found.append(candidate)
        return found

    def _neighbourhood(self) -> dict[str, set[str]]:
        """Each one-letter deletion of every long word, and the words it came from."""
        if self._near is None:
            near: dict[str, set[str]] = {}
            for word in self._words:
                if len(word) >= _TYPO_MIN - 1 and word.isalpha():
                    for deleted in _deletions(word):
                        near.setdefault(deleted, set()).add(word)
            self._near = near
        return self._near

    def corrections(self, word: str) -> list[str]:
        """The published words one letter away from ``word`` (folded), most used first;
        none for a short word or one with digits."""
        if len(word) < _TYPO_MIN or not word.isalpha():
            return []
        near = self._neighbourhood()
        candidates: set[str] = set(near.get(word, ()))
        for deleted in _deletions(word):
            candidates |= near.get(deleted, set())
            if deleted in self._words:
                candidates.add(deleted)
        alive = [
            (self._postings(c).bit_count(), c)
            for c in candidates
            if _one_letter_apart(word, c) and self._postings(c)
        ]
        return [c for _, c in sorted(alive, key=lambda found: (-found[0], found[1]))]

    def _term_of(self, tokens: list[str], readings: list[str]) -> _Term:
        accepted: set[str] = set()
        codes: set[str] = set()
        sources: list[Postings] = []
        for token in tokens:
            canonical = self._canonical(token)
            if canonical not in accepted:
                accepted.add(canonical)
                found = self._words.get(canonical)
                if found is not None:
                    sources.append(found)
            if token[:1].isdigit() and token not in codes:
                codes.add(token)
                position = self._id_of.get(token)
                if position is not None:
                    sources.append([position])
                tails = self._tails.get(token)
                if tails:
                    sources.append(tails)
        size = sum(len(s) if isinstance(s, list) else s.bit_count() for s in sources)
        return _Term(readings, frozenset(accepted), frozenset(codes), sources, size)

    def _matches_any(self, term: _Term) -> bool:
        for source in term.sources:
            if isinstance(source, int):
                if source & self._alive:
                    return True
            elif any(self._docs[p] is not None for p in source):
                return True
        return False

    def _term(self, word: str, last: bool) -> _Term | None:
        """What one query word matches: itself (and, last, the words it begins), or its
        corrections when no published name holds it; None when nothing at all. Kept
        until the index changes: citizens' queries share most of their words."""
        key = (word, last)
        if key in self._terms:
            return self._terms[key]
        if len(self._terms) >= _EXPANDED_AT_MOST:
            self._terms.clear()
        self._terms[key] = term = self._analysed(word, last)
        return term

    def _analysed(self, word: str, last: bool) -> _Term | None:
        term = self._term_of(
            [word, *(self._expansions(word) if last else ())], [self._canonical(word)]
        )
        if not self._matches_any(term):
            corrected = [self._canonical(c) for c in self.corrections(word)]
            term = self._term_of(corrected, corrected)
            if not self._matches_any(term):
                return None
        return term

    def search(
        self,
        q: str | None = None,
        *,
        agency_id: str | None = None,
        field: str | None = None,
        service_level: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> SearchResult:
        self._settle()
        wanted = offset + limit + 1
        filters = _Filters(agency_id, fold(field) if field else None, service_level)
        words = fold(q or "").split()
        if not words:
            candidates = self._filtered(filters)
            by_code = self._by_code(candidates, wanted)
            return self._page(by_code, candidates.bit_count(), offset, limit)
        terms: list[_Term] = []
        for i, word in enumerate(words):
            term = self._term(word, last=i == len(words) - 1)
            if term is None:
                return SearchResult([], False)
            terms.append(term)
        rarest = min(terms, key=lambda term: term.size)
        if rarest.size * len(terms) <= _CHECK_AT_MOST:
            return self._checked(words, terms, rarest, filters, offset, limit)
        candidates = self._filtered(filters)
        for found in sorted((self._bits_of(term) for term in terms), key=int.bit_count):
            candidates &= found
        if not candidates:
            return SearchResult([], False)
        exact = self._exact(words, terms) & candidates
        phrase = 0
        if len(words) > 1:
            phrase = candidates & ~exact
            for first, second in itertools.pairwise(terms):
                phrase &= self._either_pair(first.readings, second.readings)
        rest = candidates & ~exact & ~phrase
        # Only the first ``wanted`` in rank order are ever taken: a page never sorts every
        # match, which is what keeps a broad query cheap in a large catalogue.
        ordered: list[int] = []
        for tier in (exact, phrase, rest):
            if len(ordered) < wanted and tier:
                ordered += self._by_rank(tier, wanted - len(ordered))
        return self._page(ordered, candidates.bit_count(), offset, limit)

    def _filtered(self, filters: _Filters) -> int:
        candidates = self._alive
        for key in filters.facets():
            candidates &= self._bits_for(self._facets.get(key))
        return candidates

    def _bits_of(self, term: _Term) -> int:
        bits = 0
        for source in term.sources:
            bits |= self._bits_for(source)
        return bits & self._alive

    def _checked(
        self,
        words: list[str],
        terms: list[_Term],
        rarest: _Term,
        filters: _Filters,
        offset: int,
        limit: int,
    ) -> SearchResult:
        """The same answer as the bitmaps give, found by reading the few documents of the
        rarest word: a precise query never turns a rare word's positions into a bitmap."""
        positions: set[int] = set()
        for source in rarest.sources:
            positions.update(
                source if isinstance(source, list) else _lowest(source, source.bit_count())
            )
        exact_names = {
            " ".join(reading)
            for reading in itertools.islice(
                itertools.product(*(term.readings for term in terms)), _CORRECTION_COMBINATIONS
            )
        }
        by_rarity = sorted(terms, key=lambda term: term.size)  # a miss shows soonest
        ranked: list[tuple[int, int, str, int]] = []
        for position in positions:
            doc = self._docs[position]
            if doc is None or not filters.admit(doc, self._fields):
                continue
            words_of = self._indexed[position].words
            if not all(term.holds(words_of, doc.code) for term in by_rarity):
                continue
            if " ".join(words_of) in exact_names or (
                len(words) == 1
                and words[0][:1].isdigit()
                and terms[0].holds_exactly(words_of, doc.code)
            ):
                tier = 0
            elif len(words) > 1 and _holds_pairs(words_of, terms):
                tier = 1
            else:
                tier = 2
            ranked.append((tier, len(words_of), doc.code, position))
        ranked.sort()
        ordered = [position for *_, position in ranked]
        return self._page(ordered, len(ranked), offset, limit)

    def _exact(self, words: list[str], terms: list[_Term]) -> int:
        """Documents whose name is the query (in some reading), or whose code it is."""
        found: list[int] = []
        readings = (term.readings for term in terms)
        for reading in itertools.islice(itertools.product(*readings), _CORRECTION_COMBINATIONS):
            found += self._names.get(" ".join(reading), ())
        exact = _bits(found)
        if len(words) == 1 and words[0][:1].isdigit():
            exact |= self._postings(words[0])
        return exact

    def _either_pair(self, first: list[str], second: list[str]) -> int:
        pairs = 0
        for pair in itertools.islice(itertools.product(first, second), _CORRECTION_COMBINATIONS):
            pairs |= self._bits_for(self._pairs.get(pair))
        return pairs

    def _rank_key(self, position: int) -> tuple[int, str]:
        doc = self._docs[position]
        assert doc is not None
        return len(self._indexed[position].words), doc.code

    def _code_of(self, position: int) -> str:
        doc = self._docs[position]
        assert doc is not None
        return doc.code

    def _late(self, bits: int) -> list[int]:
        """The positions set in ``bits`` past the laid-out ones."""
        return [self._laid_out + p for p in _lowest(bits >> self._laid_out, len(self._docs))]

    def _by_rank(self, bits: int, count: int) -> list[int]:
        """The first ``count`` documents of ``bits`` by name length, then code."""
        laid_out = bits & ((1 << self._laid_out) - 1)
        first: list[int] = []
        for length in sorted(self._lengths):
            if len(first) >= count:
                break
            same_length = laid_out & self._bits_for(self._lengths[length])
            if same_length:
                first += _lowest(same_length, count - len(first))
        late = sorted(self._late(bits), key=self._rank_key)
        return list(itertools.islice(heapq.merge(first, late, key=self._rank_key), count))

    def _by_code(self, bits: int, count: int) -> list[int]:
        first = _lowest(bits & ((1 << self._laid_out) - 1), count)
        late = sorted(self._late(bits), key=self._code_of)
        return list(itertools.islice(heapq.merge(first, late, key=self._code_of), count))

    def _page(self, ordered: list[int], total: int, offset: int, limit: int) -> SearchResult:
        docs = [self._docs[p] for p in ordered[offset : offset + limit]]
        return SearchResult([d for d in docs if d is not None], total > offset + limit)


@dataclass(frozen=True, slots=True)
class _Term:
    """One query word: the published words it stands for (``readings``: itself, or its
    corrections), every word a name may hold for it (``accepted``: those and, for the
    last word, the words it begins), the code tokens it is, and where all of them are."""

    readings: list[str]
    accepted: frozenset[str]
    codes: frozenset[str]
    sources: list[Postings]
    size: int  # documents in ``sources``, counting any removed since the last layout

    def holds(self, words: tuple[str, ...], code: str) -> bool:
        return not self.accepted.isdisjoint(words) or self._is_code(code)

    def holds_exactly(self, words: tuple[str, ...], code: str) -> bool:
        return self.readings[0] in words or self._is_code(code)

    def _is_code(self, code: str) -> bool:
        if not self.codes:
            return False
        return code in self.codes or code.partition(".")[2] in self.codes


@dataclass(frozen=True, slots=True)
class _Filters:
    agency_id: str | None
    field: str | None  # folded
    service_level: str | None

    def facets(self) -> list[tuple[str, str]]:
        keys = []
        if self.agency_id:
            keys.append(("agency", self.agency_id))
        if self.field:
            keys.append(("field", self.field))
        if self.service_level:
            keys.append(("service_level", self.service_level))
        return keys

    def admit(self, doc: SearchDoc, folded_fields: dict[str, str]) -> bool:
        return (
            (not self.agency_id or self.agency_id in doc.agency_ids)
            and (not self.field or folded_fields.get(doc.field) == self.field)
            and (not self.service_level or self.service_level == doc.service_level)
        )


def _holds_pairs(words: tuple[str, ...], terms: list[_Term]) -> bool:
    """Whether every two neighbouring query words stand side by side somewhere in
    ``words`` (the phrase tier)."""
    pairs = set(itertools.pairwise(words))
    return all(
        any(
            pair in pairs
            for pair in itertools.islice(
                itertools.product(first.readings, second.readings), _CORRECTION_COMBINATIONS
            )
        )
        for first, second in itertools.pairwise(terms)
    )
