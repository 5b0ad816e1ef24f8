"""Demo data for the local stack: agencies, then procedures, through the services' own use
cases so that what is seeded obeys the same rules as what the API accepts.

The 34 provinces come first (from the ``vietnam-provinces`` package, infra/provinces.py),
then agencies in file order, because an agency's parent must exist before it
(``put_agency`` checks the hierarchy). Procedures go through the catalogue's bulk importer:
validated, published, their changes relayed, exactly as ``portal catalogue import`` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from infra.provinces import province_agencies

DEMO_DIR = Path(__file__).with_name("demo")
AGENCIES_FILE = "agencies.jsonl"
PROCEDURES_FILE = "procedures.jsonl"


@dataclass
class AgencySeedReport:
    written: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.written} agencies written, {len(self.failures)} rejected"]
        lines.extend(f"  line {number}: {reason}" for number, reason in self.failures)
        return "\n".join(lines)


def _reason(error: Exception) -> str:
    from services.core.problems import Problem

    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False)[:5]
        )
    if isinstance(error, Problem):
        fields = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        return f"{error.detail.en} {fields}".strip()
    if isinstance(error, (ValueError, KeyError, TypeError)):
        return "not a valid agency line"
    return "rejected"


def seed_agencies(path: Path) -> AgencySeedReport:
    """Write each line ``{"agency_id", "name", "level", "parent_id", "locality"}``."""
    from services.catalogue import service
    from services.catalogue.models import AgencyBody
    from services.core.problems import Problem

    report = AgencySeedReport()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                body = AgencyBody.model_validate(
                    {key: data.get(key) for key in ("name", "level", "parent_id", "locality")}
                )
                service.put_agency(str(data["agency_id"]), body)
                report.written += 1
            except (ValidationError, Problem, ValueError, KeyError, TypeError) as error:
                report.failures.append((number, _reason(error)))
    return report


def seed_provinces() -> int:
    """Every province's People's Committee (infra/provinces.py), before the agencies under
    them."""
    from services.catalogue import service
    from services.catalogue.models import AgencyBody

    provinces = province_agencies()
    for province in provinces:
        body = AgencyBody(name=province.name, level="province", locality=province.locality)
        service.put_agency(province.agency_id, body)
    return len(provinces)


def seed(
    demo_dir: Path = DEMO_DIR, *, say: Callable[[str], None] = print, provinces: bool = False
) -> bool:
    """Seed what ``demo_dir`` holds (and, with ``provinces``, the 34 provinces first);
    whether every line went in."""
    from services.catalogue import importer

    clean = True
    if provinces:
        say(f"Provinces: {seed_provinces()} provinces written")
    agencies = demo_dir / AGENCIES_FILE
    if agencies.exists():
        agency_report = seed_agencies(agencies)
        say(f"Agencies: {agency_report.summary()}")
        clean = clean and not agency_report.failures
    else:
        say(f"Agencies: no {agencies}, none seeded")
    procedures = demo_dir / PROCEDURES_FILE
    if procedures.exists():
        report = importer.import_file(procedures, publish=True, force=False, progress=False)
        say(f"Procedures: {report.summary()}")
        clean = clean and not report.failures
    else:
        say(f"Procedures: no {procedures}, none seeded")
    return clean
