"""An in-memory inverted index over published procedures. Pure: no I/O.

Ranking, best first: the name (or code) equals the query; the name holds the query as a
phrase; the name holds every query word. Within a tier, shorter names first, then by code.
The last query word also matches as a prefix, so a front end can search while typing.
Words are folded (``services.core.text``), so case and Vietnamese diacritics never matter.

>>> index = SearchIndex()
>>> index.upsert(SearchDoc(code="1.000001", name="Đổi giấy phép lái xe", field="Đường bộ",
...     service_level="full", agency_ids=("bo-cong-an",), agency_level="central",
...     processing_days=5, fee_total_vnd=135000, version=2))
>>> [doc.code for doc in index.search("giay phep lai xe").docs]
['1.000001']
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from services.core.text import fold

_PREFIX_MIN = 2
_PREFIX_EXPANSIONS = 40


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


class SearchIndex:
    def __init__(self) -> None:
        self._docs: list[SearchDoc | None] = []
        self._id_of: dict[str, int] = {}
        self._words: dict[str, set[int]] = {}
        self._pairs: dict[tuple[str, str], set[int]] = {}
        self._names: dict[str, set[int]] = {}
        self._facets: dict[tuple[str, str], set[int]] = {}
        self._vocabulary: list[str] = []
        self._length: list[int] = []
        self._rank: list[int] = []
        self._rank_dirty = True
        self._alive: set[int] = set()

    def __len__(self) -> int:
        return len(self._alive)

    def version_of(self, code: str) -> int | None:
        doc_id = self._id_of.get(code)
        doc = self._docs[doc_id] if doc_id is not None else None
        return doc.version if doc is not None else None

    # -- maintenance --------------------------------------------------------------------
    def upsert(self, doc: SearchDoc) -> None:
        self.remove(doc.code)
        doc_id = len(self._docs)
        self._docs.append(doc)
        self._id_of[doc.code] = doc_id
        self._alive.add(doc_id)
        name_words = fold(doc.name).split()
        self._length.append(len(name_words))
        for word in {*name_words, *_code_tokens(doc.code)}:
            postings = self._words.get(word)
            if postings is None:
                self._words[word] = postings = set()
                bisect.insort(self._vocabulary, word)
            postings.add(doc_id)
        for pair in itertools.pairwise(name_words):
            self._pairs.setdefault(pair, set()).add(doc_id)
        self._names.setdefault(" ".join(name_words), set()).add(doc_id)
        for facet in self._facet_keys(doc):
            self._facets.setdefault(facet, set()).add(doc_id)
        self._rank_dirty = True

    def remove(self, code: str) -> None:
        doc_id = self._id_of.pop(code, None)
        if doc_id is None:
            return
        doc = self._docs[doc_id]
        assert doc is not None
        self._docs[doc_id] = None
        self._alive.discard(doc_id)
        name_words = fold(doc.name).split()
        for word in {*name_words, *_code_tokens(doc.code)}:
            self._words[word].discard(doc_id)
        for pair in itertools.pairwise(name_words):
            self._pairs[pair].discard(doc_id)
        self._names[" ".join(name_words)].discard(doc_id)
        for facet in self._facet_keys(doc):
            self._facets[facet].discard(doc_id)

    def replace_all(self, docs: Iterable[SearchDoc]) -> None:
        self.__init__()  # type: ignore[misc]
        for doc in docs:
            self.upsert(doc)

    @staticmethod
    def _facet_keys(doc: SearchDoc) -> list[tuple[str, str]]:
        keys = [("field", fold(doc.field)), ("service_level", doc.service_level)]
        keys.extend(("agency", agency) for agency in doc.agency_ids)
        return keys

    def _ranks(self) -> list[int]:
        """Position of each doc in (name length, code) order; recomputed after changes."""
        if self._rank_dirty:
            order = sorted(self._alive, key=lambda i: (self._length[i], self._docs[i].code))  # type: ignore[union-attr]
            rank = [0] * len(self._docs)
            for position, doc_id in enumerate(order):
                rank[doc_id] = position
            self._rank, self._rank_dirty = rank, False
        return self._rank

    # -- queries ------------------------------------------------------------------------
    def _matching(self, word: str, last: bool) -> set[int]:
        exact = self._words.get(word, set())
        if not last or len(word) < _PREFIX_MIN:
            return exact
        start = bisect.bisect_left(self._vocabulary, word)
        found = set(exact)
        for candidate in self._vocabulary[start : start + _PREFIX_EXPANSIONS]:
            if not candidate.startswith(word):
                break
            found |= self._words[candidate]
        return found

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
        wanted = offset + limit + 1
        filters = [
            self._facets.get(key, set())
            for key in (
                ("agency", agency_id) if agency_id else None,
                ("field", fold(field)) if field else None,
                ("service_level", service_level) if service_level else None,
            )
            if key is not None
        ]
        words = fold(q or "").split()
        if not words:
            candidates = set.intersection(*filters) if filters else set(self._alive)
            ordered = _first(candidates, wanted, lambda i: self._docs[i].code)  # type: ignore[union-attr]
            return self._page(ordered, len(candidates), offset, limit)
        sets = [self._matching(word, last=i == len(words) - 1) for i, word in enumerate(words)]
        candidates = set.intersection(*sorted(sets + filters, key=len))
        if not candidates:
            return SearchResult([], False)
        rank = self._ranks().__getitem__
        exact = candidates & (
            self._names.get(" ".join(words), set())
            | (
                self._words.get(words[0], set())
                if len(words) == 1 and words[0][:1].isdigit()
                else set()
            )
        )
        phrase: set[int] = set()
        if len(words) > 1:
            pair_sets = [self._pairs.get(pair, set()) for pair in itertools.pairwise(words)]
            phrase = candidates.intersection(*pair_sets) - exact
        # Only the first ``wanted`` in rank order are ever shown: a page never sorts every
        # match, which is what keeps a broad query cheap in a large catalogue.
        ordered = _first(exact, wanted, rank)
        if len(ordered) < wanted:
            ordered += _first(phrase, wanted - len(ordered), rank)
        if len(ordered) < wanted:
            ordered += _first(candidates - exact - phrase, wanted - len(ordered), rank)
        return self._page(ordered, len(candidates), offset, limit)

    def _page(self, ordered: list[int], total: int, offset: int, limit: int) -> SearchResult:
        window = ordered[offset : offset + limit]
        docs = [self._docs[i] for i in window]
        return SearchResult([d for d in docs if d is not None], total > offset + limit)


def _first(ids: set[int], count: int, key: Callable[[int], Any]) -> list[int]:
    """The ``count`` smallest of ``ids`` by ``key``, in order, without sorting them all."""
    if count <= 0 or not ids:
        return []
    if len(ids) <= count * 4:
        return sorted(ids, key=key)[:count]
    return heapq.nsmallest(count, ids, key=key)
