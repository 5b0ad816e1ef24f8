"""The relevance set (bench/relevance.jsonl): 114 queries as citizens type them (the name
as written, without diacritics, three of its words, the other i/y spelling, one mistyped
letter), each with the procedure it must find first, on the benchmark's catalogue."""

from __future__ import annotations

from collections import Counter

from bench import relevance
from bench.synthetic_catalogue import catalogue
from services.catalogue import storage
from services.catalogue.search_index import SearchIndex


def test_at_least_95_in_100_queries_find_their_procedure_first() -> None:
    index = SearchIndex()
    index.replace_all(storage.search_doc(record) for record in catalogue(7000, 1))
    cases = relevance.load()
    assert len(cases) >= 100
    assert set(Counter(case.kind for case in cases)) == {
        "written",
        "plain",
        "fragment",
        "i_y",
        "typo",
    }
    missed = [
        case
        for case in cases
        if [d.code for d in index.search(case.q, limit=1).docs] != [case.code]
    ]
    assert len(missed) <= len(cases) * 0.05, missed
