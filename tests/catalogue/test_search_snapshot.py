"""A new container starts from the search snapshot, and its first search is current: what
was published or abolished after the snapshot was written is there (or gone) too."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.catalogue import search, service, storage
from services.catalogue.search import CatalogueSearch
from tests.catalogue.conftest import Catalogue


def found(container: CatalogueSearch, q: str) -> list[str]:
    return [doc.code for doc in container.index().search(q).docs]


@pytest.fixture
def snapshot_now(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The schedule rewrites the snapshot as soon as it is one change behind, and the test
    starts from a snapshot written now by a container that has just read the catalogue.

    The process's search model and the snapshot it last wrote are shared with the tests
    before, which may have run under a frozen clock: a snapshot that was current then
    keeps the moment it replays from, and once the catalogue moves on a new container
    rightly refuses a moment that far back and reads every item, which this file's tests
    take for a failure. A catalogue with nothing published has no snapshot to start from,
    so one procedure is published first."""
    from services.core import aws
    from services.core.settings import get_settings

    monkeypatch.setattr(search, "SNAPSHOT_AFTER_CHANGES", 1)
    monkeypatch.setattr(service, "search_model", CatalogueSearch())
    aws.table(get_settings().catalogue_table).delete_item(
        Key={"pk": "SEARCH_SNAPSHOT", "sk": "HEAD"}
    )
    if not service.keep_search_snapshot():  # nothing was ever published in this world
        catalogue.published("1.910000", name="Đăng ký tàu cá")
        assert service.keep_search_snapshot() is True
    yield


@pytest.fixture
def no_full_load(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Arms the refusal of a full load for the new containers made after the call. Armed
    from the start it would also refuse the schedule's own warm index, which may reload
    legitimately (it is the process's, shared with the tests before, in any order)."""

    def refuse() -> Any:
        raise AssertionError("a new container read every search item")

    return lambda: monkeypatch.setattr(storage, "all_search_docs", refuse)


def test_a_new_container_starts_from_the_snapshot(
    catalogue: Catalogue, snapshot_now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue.published("1.910001", name="Cấp giấy phép khai thác cát sỏi lòng sông")
    catalogue.published("1.910002", name="Gia hạn giấy phép khai thác cát sỏi lòng sông")
    assert service.keep_search_snapshot() is True
    assert service.keep_search_snapshot() is False  # nothing changed since
    monkeypatch.setattr(storage, "all_search_docs", lambda: iter(()))
    assert found(CatalogueSearch(), "khai thac cat soi") == ["1.910001", "1.910002"]


def test_changes_after_the_snapshot_reach_a_new_containers_first_search(
    catalogue: Catalogue, snapshot_now: None, no_full_load: Callable[[], None]
) -> None:
    catalogue.published("1.910101", name="Cấp phép nuôi ong lấy mật")
    assert service.keep_search_snapshot() is True
    catalogue.published("1.910102", name="Cấp phép nuôi ong lấy mật và sáp")
    assert catalogue.abolish("1.910101").status_code == 200
    catalogue.published("1.910102", name="Cấp phép nuôi ong lấy mật và phấn hoa")
    no_full_load()
    assert found(CatalogueSearch(), "nuoi ong lay mat") == ["1.910102"]
    assert found(CatalogueSearch(), "phan hoa") == ["1.910102"]
    assert found(CatalogueSearch(), "sap") == []  # the name before last had it


def test_without_the_snapshots_delta_the_feed_is_replayed(
    catalogue: Catalogue,
    snapshot_now: None,
    no_full_load: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalogue.published("1.910201", name="Cấp chứng chỉ hành nghề thú y thủy sản")
    assert service.keep_search_snapshot() is True

    def lost(*_: Any) -> bool:
        raise ConnectionError("table unreachable")

    monkeypatch.setattr(storage, "note_change", lost)
    catalogue.published("1.910202", name="Cấp lại chứng chỉ hành nghề thú y thủy sản")
    assert catalogue.abolish("1.910201").status_code == 200  # the change itself is committed
    no_full_load()
    assert found(CatalogueSearch(), "hanh nghe thu y thuy san") == ["1.910202"]


def test_an_import_after_the_snapshot_reaches_a_new_container(
    catalogue: Catalogue, snapshot_now: None, no_full_load: Callable[[], None], tmp_path: Path
) -> None:
    from services.catalogue import importer
    from tests.catalogue.conftest import procedure_body

    lines = [
        (n, json.dumps({"code": f"1.91030{n}", **procedure_body(name=f"Cấp phép bay mẫu {n}")}))
        for n in range(1, 4)
    ]
    assert importer.import_lines(lines).created == 3
    no_full_load()
    assert found(CatalogueSearch(), "cap phep bay mau") == ["1.910301", "1.910302", "1.910303"]


def test_each_snapshot_replaces_the_one_before_last(
    catalogue: Catalogue, snapshot_now: None
) -> None:
    from services.core import aws
    from services.core.settings import get_settings

    heads = []
    for n in range(3):
        catalogue.published(f"1.91040{n}", name=f"Cấp phép lặn biển mẫu {n}")
        assert service.keep_search_snapshot() is True
        heads.append(storage.snapshot_head())
    first, second, third = heads
    assert first and second and third
    assert third.previous == (second.snapshot_id, second.parts)
    table = aws.table(get_settings().catalogue_table)
    assert "Item" not in table.get_item(Key={"pk": f"SNAPSHOT#{first.snapshot_id}#0", "sk": "PART"})
    assert "Item" in table.get_item(Key={"pk": f"SNAPSHOT#{second.snapshot_id}#0", "sk": "PART"})
