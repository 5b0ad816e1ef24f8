"""``portal reports rebuild``: recompute a period of the reports from the other services'
tables, read only.

Each producer scans its own table in parallel segments and yields the very messages it
sends when it writes (its ``report_facts``), so the rebuild and the messages cannot count
differently; the reports service, the table's one writer, sets each fact's share of the
period from them (:func:`services.reports.service.recount`). Payments are not read: the
index counts a payment through the dossier it paid for, and the settled payments' own
counter stays as the messages left it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

Source = Callable[[int, int], Iterator[Any]]


def sources() -> dict[str, Source]:
    """The producers, catalogue first: a dossier's agency level comes from the catalogue."""
    from services.catalogue import service as catalogue
    from services.dossiers import service as dossiers
    from services.feedback import service as feedback
    from services.ratings import service as ratings

    return {
        "catalogue": catalogue.report_facts,
        "dossiers": dossiers.report_facts,
        "feedback": feedback.report_facts,
        "ratings": ratings.report_facts,
    }


@dataclass
class Progress:
    """How far a rebuild went: facts read and facts whose counters changed, per source."""

    read: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"{name:<10} {self.read[name]:>9} read {self.changed[name]:>9} changed"
            for name in self.read
        ]
        total_read, total_changed = sum(self.read.values()), sum(self.changed.values())
        lines.append(f"{'in all':<10} {total_read:>9} read {total_changed:>9} changed")
        return "\n".join(lines)


def _segment(source: Source, segment: int, segments: int, period: str) -> tuple[int, int]:
    from services.reports import service as reports

    read = changed = 0
    for message in source(segment, segments):
        read += 1
        changed += reports.recount(message, period)
    return read, changed


def rebuild(
    period: str,
    segments: int = 4,
    say: Callable[[str], None] = print,
    only: tuple[str, ...] = (),
) -> Progress:
    """Recompute ``period`` (and the procedures as they stand) from every source, each
    scanned in ``segments`` parallel segments; ``say`` hears each segment as it ends."""
    progress = Progress()
    for name, source in sources().items():
        if only and name not in only:
            continue
        progress.read[name] = progress.changed[name] = 0
        with ThreadPoolExecutor(max_workers=segments) as pool:
            running = [
                pool.submit(_segment, source, segment, segments, period)
                for segment in range(segments)
            ]
            for done, finished in enumerate(as_completed(running), start=1):
                read, changed = finished.result()
                progress.read[name] += read
                progress.changed[name] += changed
                say(
                    f"{name}: segment {done}/{segments} done, "
                    f"{progress.read[name]} read, {progress.changed[name]} changed"
                )
    return progress
