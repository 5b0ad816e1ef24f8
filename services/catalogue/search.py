"""Keeps this container's search index in step with the catalogue table.

On the first search a container loads every published procedure's search document from
``gsi1`` (sharded). Before each search it reads the generation item (one strongly
consistent GetItem): unchanged, the index is current; changed, it reads the change feed
since its watermark and applies each change whose version is newer than what it holds.
The watermark trails by a margin because transactions may commit out of timestamp order;
re-applying a change is harmless. A new epoch (a rebuilt table) or a long sleep reloads.
"""

from __future__ import annotations

import gc
import threading
import time
from datetime import UTC, datetime, timedelta

from services.catalogue import storage
from services.catalogue.search_index import SearchIndex
from services.core import clock

_MARGIN = timedelta(seconds=60)
_RELOAD_AFTER_SECONDS = 6 * 3600


class CatalogueSearch:
    def __init__(self) -> None:
        self._index: SearchIndex | None = None
        self._epoch: str | None = None
        self._generation = -1
        self._watermark = datetime.min.replace(tzinfo=UTC)
        self._loaded_at = 0.0
        self._removed: dict[str, int] = {}
        self._lock = threading.Lock()

    def index(self) -> SearchIndex:
        marker = storage.generation()
        with self._lock:
            stale = (
                self._index is None
                or marker.epoch != self._epoch
                or time.monotonic() - self._loaded_at > _RELOAD_AFTER_SECONDS
            )
            if stale:
                self._reload(marker)
            elif marker.number != self._generation:
                self._catch_up(marker.number)
            assert self._index is not None
            return self._index

    def _reload(self, marker: storage.Generation) -> None:
        started = clock.now()
        index = SearchIndex()
        index.replace_all(storage.all_search_docs())
        self._index, self._epoch, self._removed = index, marker.epoch, {}
        _keep_out_of_collections()
        self._loaded_at = time.monotonic()
        # The index replica may lag the table: replay the recent feed over it.
        self._watermark = started - storage.CHANGE_RETENTION
        self._catch_up(marker.number)

    def _catch_up(self, number: int) -> None:
        assert self._index is not None
        changes = storage.changes_since(self._watermark)
        for change in changes:
            held = self._index.version_of(change.code) or self._removed.get(change.code, 0)
            if change.version <= held:
                continue
            if change.doc is None:
                self._index.remove(change.code)
                self._removed[change.code] = change.version
            else:
                self._index.upsert(change.doc)
        if changes:
            self._watermark = max(self._watermark, changes[-1].at - _MARGIN)
        self._generation = number


def _keep_out_of_collections() -> None:
    """Move what is alive now, the index above all, out of the cyclic collector's sight.

    The index is hundreds of thousands of long-lived objects; left in the collector's oldest
    generation, every full collection walks them all, a pause that grows with the catalogue
    and lands on whichever request allocates at the wrong moment. Frozen objects are never
    walked. What an earlier reload froze is unfrozen first, so a replaced index is freed.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
