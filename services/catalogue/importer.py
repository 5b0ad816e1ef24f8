"""Bulk import of procedures from JSON Lines: the PUT body plus ``code`` on each line.

Every line is validated; a bad line is reported by its number and the rest go on. Each
good line becomes a draft and (unless ``publish`` is off) is published, through the same
use cases as the API. A line whose content equals what the catalogue already holds is
left alone, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from services.catalogue import service
from services.catalogue.models import ImportLine, ProcedureBody
from services.core.auth import Principal, Role
from services.core.problems import Problem

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


def import_lines(
    lines: Iterable[tuple[int, str]], *, publish: bool = True, force: bool = False
) -> ImportReport:
    report = ImportReport()
    for number, text in lines:
        try:
            line = ImportLine.model_validate_json(text)
            body = ProcedureBody.model_validate(line.model_dump(exclude={"code"}))
            outcome = service.import_procedure(
                IMPORTER, line.code, body, publishing=publish, force=force
            )
            report.count(outcome)
        except (ValidationError, Problem) as error:
            report.failures.append((number, _reason(error)))
    while service.relay_quietly():
        pass
    return report


def import_file(
    path: str | Path, *, publish: bool = True, force: bool = False, progress: bool = True
) -> ImportReport:
    lines: Iterable[tuple[int, str]] = _lines(path)
    if progress:
        from tqdm import tqdm

        total = sum(1 for _ in _lines(path))
        lines = tqdm(lines, total=total, unit="line", desc="import")
    return import_lines(lines, publish=publish, force=force)
