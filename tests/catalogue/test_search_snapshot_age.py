"""When the schedule rewrites the search snapshot, and when a new container does not trust
it. Time moves forward only here, so these tests have a catalogue of their own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.catalogue import service, storage
from services.catalogue.search import CatalogueSearch
from tests.catalogue.conftest import Catalogue
from tests.conftest import SetClock


def found(container: CatalogueSearch, q: str) -> list[str]:
    return [doc.code for doc in container.index().search(q).docs]


def test_a_snapshot_behind_the_catalogue_is_rewritten_within_ten_minutes(
    catalogue: Catalogue, clock: SetClock
) -> None:
    clock.set(datetime(2030, 1, 7, 8, 0, tzinfo=UTC))
    catalogue.published("1.920001", name="Cấp phép khai thác tổ yến")
    assert service.keep_search_snapshot() is True  # the first one
    catalogue.published("1.920002", name="Gia hạn phép khai thác tổ yến")
    clock.advance(minutes=9)
    assert service.keep_search_snapshot() is False  # one change behind, nine minutes old
    clock.advance(minutes=2)
    assert service.keep_search_snapshot() is True
    head = storage.snapshot_head()
    assert head is not None
    assert head.generation == storage.generation().number
    assert service.keep_search_snapshot() is False


def test_a_snapshot_older_than_the_feed_is_not_replayed(
    catalogue: Catalogue, clock: SetClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(datetime(2030, 2, 3, 8, 0, tzinfo=UTC))
    catalogue.published("1.920101", name="Cấp phép nuôi chim yến")
    service.keep_search_snapshot()
    clock.advance(hours=26)  # the schedule stopped; the feed keeps a day
    catalogue.published("1.920102", name="Gia hạn phép nuôi chim yến")
    loads: list[int] = []
    real_loader = storage.all_search_docs

    def counting_loader() -> Any:
        loads.append(1)
        return real_loader()

    monkeypatch.setattr(storage, "all_search_docs", counting_loader)
    assert found(CatalogueSearch(), "nuoi chim yen") == ["1.920101", "1.920102"]
    assert loads == [1]
