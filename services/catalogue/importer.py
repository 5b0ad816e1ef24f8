"""Bulk import of procedures from JSON Lines: the PUT body plus ``code`` on each line.

Every line is validated; a bad line is reported by its number and the rest go on. Each
good line becomes a draft, or (unless ``publish`` is off) is published, under the same
rules as the API, in one transaction. A line whose content equals what the catalogue
already holds is left alone, so importing the same file twice changes nothing. With
``workers`` above one, threads share the lines out; lines that could meet (the same code,
the same name) stay with one thread in file order, so the outcome is the one a single
worker gives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from services.catalogue import service
from services.catalogue.models import ImportLine, ProcedureBody
from services.core.auth import Principal, Role
from services.core.problems import Problem
from services.core.text import fold

IMPORTER = Principal(sub="catalogue-import", roles=frozenset({Role.OPERATOR}))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def count(self, outcome: service.ImportOutcome) -> None:
        if outcome == "created":
            self.created += 1
        elif outcome == "updated":
            self.updated += 1
        else:
            self.unchanged += 1

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.failures)

    def summary(self) -> str:
        lines = [
            f"{self.total} lines: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.failures)} rejected"
        ]
        lines.extend(f"  line {number}: {reason}" for number, reason in self.failures)
        return "\n".join(lines)


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False, include_input=False)
        if first and first[0]["type"] == "json_invalid":
            return "not valid JSON"
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in first[:5]
        )
    if isinstance(error, Problem):
        detail = error.detail.en
        fields = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        return f"{detail} {fields}".strip()
    return "rejected"


_WINDOW = 1000
"""Lines read, checked and grouped at a time: what the workers share out."""
_CHUNK = 25
"""Lines one worker takes at a time (their records and agencies read in one batch)."""


@dataclass
class _Line:
    number: int
    code: str
    body: ProcedureBody


def _chunks(lines: list[_Line]) -> list[list[_Line]]:
    """``lines`` in chunks, keeping together (in file order) every line that could meet
    another: the same code, or the same name, whose publication claims it. Chunks never
    touch the same procedure or name, so workers may take them in any order and the
    catalogue ends the same as one worker would leave it."""
    parent = list(range(len(lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[tuple[str, str], int] = {}
    for i, line in enumerate(lines):
        for key in (("code", line.code), ("name", fold(line.body.name))):
            if key in first_of:
                parent[root(i)] = root(first_of[key])
            else:
                first_of[key] = i
    groups: dict[int, list[_Line]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(root(i), []).append(line)
    chunks: list[list[_Line]] = []
    current: list[_Line] = []
    for group in groups.values():  # in order of each group's first line
        current += group
        if len(current) >= _CHUNK:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _windows(lines: Iterable[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    window: list[tuple[int, str]] = []
    for line in lines:
        window.append(line)
        if len(window) == _WINDOW:
            yield window
            window = []
    if window:
        yield window


def import_lines(
    lines: Iterable[tuple[int, str]],
    *,
    publish: bool = True,
    force: bool = False,
    workers: int = 1,
    progress: Callable[[int], object] | None = None,
) -> ImportReport:
    """Import numbered JSON lines with ``workers`` threads; ``progress`` is told how many
    lines were done. The report is the same for any number of workers."""
    report = ImportReport()
    lock = threading.Lock()

    def run(chunk: list[_Line]) -> None:
        outcomes = service.import_procedures(
            IMPORTER, [(line.code, line.body) for line in chunk], publishing=publish, force=force
        )
        with lock:
            for line, outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, Problem):
                    report.failures.append((line.number, _reason(outcome)))
                else:
                    report.count(outcome)
            if progress is not None:
                progress(len(chunk))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for window in _windows(lines):
            checked: list[_Line] = []
            for number, text in window:
                try:
                    line = ImportLine.model_validate_json(text)
                    body = ProcedureBody.model_validate(line.model_dump(exclude={"code"}))
                    checked.append(_Line(number, line.code, body))
                except ValidationError as error:
                    report.failures.append((number, _reason(error)))
            if progress is not None:
                progress(len(window) - len(checked))
            # A window is done before the next starts: a line never races one far below it.
            list(pool.map(run, _chunks(checked)))
    report.failures.sort()
    while service.relay_quietly():
        pass
    return report


def import_file(
    path: str | Path,
    *,
    publish: bool = True,
    force: bool = False,
    progress: bool = True,
    workers: int = 1,
) -> ImportReport:
    if not progress:
        return import_lines(_lines(path), publish=publish, force=force, workers=workers)
    from tqdm import tqdm

    with tqdm(total=sum(1 for _ in _lines(path)), unit="line", desc="import") as bar:
        return import_lines(
            _lines(path), publish=publish, force=force, workers=workers, progress=bar.update
        )
