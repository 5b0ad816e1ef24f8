"""Each Lambda container keeps its own index; a change made through one container reaches
every other container's next search, through the change feed."""

from __future__ import annotations

from typing import Any

from services.catalogue import service
from services.catalogue.models import SearchQuery
from services.catalogue.search import CatalogueSearch
from tests.catalogue.conftest import Catalogue


def found(container: CatalogueSearch, q: str) -> list[str]:
    return [doc.code for doc in container.index().search(q).docs]


def test_another_container_sees_publications_and_abolitions(catalogue: Catalogue) -> None:
    other_container = CatalogueSearch()
    assert found(other_container, "thuy san nuoc ngot") == []
    catalogue.published("1.700001", name="Cấp phép nuôi trồng thủy sản nước ngọt")
    assert found(other_container, "thuy san nuoc ngot") == ["1.700001"]
    catalogue.published("1.700001", name="Cấp phép nuôi trồng thủy sản nước ngọt và lợ")
    assert found(other_container, "nuoc ngot va lo") == ["1.700001"]
    catalogue.abolish("1.700001")
    assert found(other_container, "thuy san nuoc ngot") == []


def test_a_new_container_loads_what_was_published_before_it(catalogue: Catalogue) -> None:
    catalogue.published("1.700002", name="Cấp chứng chỉ hành nghề dược")
    assert found(CatalogueSearch(), "chung chi hanh nghe duoc") == ["1.700002"]


def test_only_a_new_epoch_reloads_the_whole_index(catalogue: Catalogue, monkeypatch: Any) -> None:
    from services.catalogue import storage

    loads: list[int] = []
    real_loader = storage.all_search_docs

    def counting_loader() -> Any:
        loads.append(1)
        return real_loader()

    monkeypatch.setattr(storage, "all_search_docs", counting_loader)
    container = CatalogueSearch()
    catalogue.published("1.700003", name="Cấp giấy phép khai thác khoáng sản")
    assert found(container, "khai thac khoang san") == ["1.700003"]
    catalogue.published("1.700005", name="Gia hạn giấy phép khai thác khoáng sản")
    assert found(container, "gia han khai thac") == ["1.700005"]
    assert len(loads) == 1  # the second change came through the feed
    # A restored or rebuilt table starts a new epoch: the index is rebuilt from scratch.
    real = storage.generation()
    monkeypatch.setattr(storage, "generation", lambda: storage.Generation("other", real.number))
    assert found(container, "khai thac khoang san") == ["1.700003", "1.700005"]
    assert len(loads) == 2


def test_the_api_search_uses_the_fresh_index(catalogue: Catalogue) -> None:
    catalogue.published("1.700004", name="Đăng ký hoạt động cơ sở giáo dục nghề nghiệp")
    result, _ = service.search(SearchQuery(q="giao duc nghe nghiep"))
    assert [doc.code for doc in result.docs] == ["1.700004"]
