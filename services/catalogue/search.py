"""Keeps this container's search index in step with the catalogue table.

A new container starts from the search snapshot: a few large items holding every
published procedure's search document as of a generation and a moment of the change feed.
It replays the feed since that moment over it, so what was published or abolished after
the snapshot was written is there too. Without a usable snapshot (none yet, another epoch,
or one older than the feed's retention) it loads every search document from ``gsi1``
(sharded), as it always could. The schedule keeps the snapshot close behind the catalogue
(:meth:`CatalogueSearch.keep_snapshot`), so the replay stays short.

Before each search a container reads the generation item (one strongly consistent
GetItem): unchanged, the index is current; changed, it reads the change feed since its
watermark and applies each change whose version is newer than what it holds. The
watermark trails by a margin because transactions may commit out of timestamp order;
re-applying a change is harmless. A new epoch (a rebuilt table) or a long sleep reloads.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from services.catalogue import storage
from services.catalogue.search_index import SearchIndex
from services.core import clock

_MARGIN = timedelta(seconds=60)
_RELOAD_AFTER_SECONDS = 6 * 3600
SNAPSHOT_AFTER_CHANGES = 200
"""Changes behind the catalogue after which the snapshot is rewritten at once."""
SNAPSHOT_AFTER = timedelta(minutes=10)
"""How long a snapshot that is behind at all may stay so: the feed a new container replays
stays minutes long, and a busy catalogue rewrites its snapshot at most this often."""
_SNAPSHOT_SAFETY = timedelta(hours=1)
"""A snapshot is replayed from only while its moment is this far inside the feed's
retention: TTL removes expired changes late, never early, but time is not measured to the
second by everyone."""
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


class CatalogueSearch:
    def __init__(self) -> None:
        self._index: SearchIndex | None = None
        self._epoch: str | None = None
        self._generation = -1
        self._watermark = _LONG_AGO
        self._covered = _LONG_AGO  # every change made before this is in the index
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
                self._load(marker)
            elif marker.number != self._generation:
                self._catch_up(marker.number)
            assert self._index is not None
            return self._index

    def _load(self, marker: storage.Generation) -> None:
        head = storage.snapshot_head() if marker.epoch is not None else None
        snapshot = storage.load_snapshot(head) if head and _usable(head, marker) else None
        if snapshot is None:
            self._reload(marker)
            return
        index = SearchIndex()
        with _collector_paused():
            index.replace_all(snapshot.docs)
        self._install(index, marker.epoch, dict(snapshot.removed))
        self._watermark = self._covered = snapshot.head.replay_from
        # The snapshot holds exactly the changes up to its generation, and every change
        # since bumped the generation once: when its delta brings that many new ones, the
        # index is the catalogue at ``marker`` and the feed need not be read now. The
        # watermark stays at the snapshot's moment, so the next catch-up reads the feed
        # from there and mends the one case counting misses (a change noted late while
        # one made after ``marker`` was noted already: the generation has moved on).
        ordered = sorted(snapshot.since, key=lambda change: change.version)
        news = sum(self._apply(change) for change in ordered)
        if snapshot.head.generation + news == marker.number:
            self._generation = marker.number
        else:
            self._catch_up(marker.number)

    def _reload(self, marker: storage.Generation) -> None:
        started = clock.now()
        index = SearchIndex()
        with _collector_paused():
            index.replace_all(storage.all_search_docs())
        self._install(index, marker.epoch, {})
        # The index replica may lag the table: replay the recent feed over it.
        self._watermark = started - storage.CHANGE_RETENTION
        self._covered = _LONG_AGO
        self._catch_up(marker.number)

    def _install(self, index: SearchIndex, epoch: str | None, removed: dict[str, int]) -> None:
        replacing = self._index is not None
        self._index, self._epoch, self._removed = index, epoch, removed
        _keep_out_of_collections(replacing)
        self._loaded_at = time.monotonic()

    def _catch_up(self, number: int) -> None:
        assert self._index is not None
        read_at = clock.now()
        changes = storage.changes_since(self._watermark)
        for change in changes:
            self._apply(change)
        if changes:
            self._watermark = max(self._watermark, changes[-1].at - _MARGIN)
        # What committed before the read began minus the margin, the read returned.
        self._covered = max(self._covered, read_at - _MARGIN)
        self._generation = number

    def _apply(self, change: storage.Change) -> bool:
        """Apply ``change`` unless what the index holds is as new; whether it was new."""
        assert self._index is not None
        held = self._index.version_of(change.code) or self._removed.get(change.code, 0)
        if change.version <= held:
            return False
        if change.doc is None:
            self._index.remove(change.code)
            self._removed[change.code] = change.version
        else:
            self._index.upsert(change.doc)
        return True

    def keep_snapshot(self) -> bool:
        """Write this container's index as the snapshot new containers start from, when
        the current one is ``SNAPSHOT_AFTER_CHANGES`` changes behind, or behind at all and
        ``SNAPSHOT_AFTER`` old; whether it wrote one."""
        # The index must be the catalogue at exactly one generation (a new container adds
        # the delta to it by counting): caught up, and no change committed meanwhile.
        for _ in range(3):
            self.index()
            if storage.generation().number == self._generation:
                break
        else:
            return False  # too busy this minute; the next run tries again
        head = storage.snapshot_head()
        now = clock.now()
        with self._lock:
            if self._index is None or self._epoch is None:
                return False  # nothing was ever published
            if head is not None and head.epoch == self._epoch:
                behind = self._generation - head.generation
                if behind <= 0:
                    return False
                if behind < SNAPSHOT_AFTER_CHANGES and now - head.written_at < SNAPSHOT_AFTER:
                    return False
            docs = list(self._index.docs())
            removed = dict(self._removed)
            epoch, generation = self._epoch, self._generation
            replay_from = max(self._watermark, self._covered)
        written = storage.save_snapshot(
            docs,
            removed,
            epoch=epoch,
            generation=generation,
            replay_from=replay_from,
            now=now,
            replacing=head,
        )
        return written is not None


def _usable(head: storage.SnapshotHead, marker: storage.Generation) -> bool:
    """Whether ``head`` plus the feed since its moment gives the catalogue as it is."""
    if head.epoch != marker.epoch or head.generation > marker.number:
        return False
    if head.generation == marker.number:
        return True  # nothing changed since it was written
    oldest_replayable = clock.now() - storage.CHANGE_RETENTION + _SNAPSHOT_SAFETY
    return head.replay_from >= oldest_replayable


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic collection while an index is built: it makes only objects that live on,
    and a collection that starts halfway walks every one of them for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _keep_out_of_collections(replacing: bool) -> None:
    """Move what is alive now, the index above all, out of the cyclic collector's sight.

    The index is many long-lived objects; left in the collector's oldest generation, every
    full collection walks them all, a pause that grows with the catalogue and lands on
    whichever request allocates at the wrong moment. Frozen objects are never walked. When
    an index replaces another, what the earlier load froze is unfrozen and collected first,
    so the replaced index is freed; a first load has nothing to free and skips that walk.
    """
    if replacing:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
