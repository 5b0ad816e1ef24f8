"""Demo data for the local stack: agencies, then procedures, then dossiers, through the
services' own use cases so that what is seeded obeys the same rules as what the API accepts.

The 34 provinces come first (from the ``vietnam-provinces`` package, infra/provinces.py),
then agencies in file order, because an agency's parent must exist before it
(``put_agency`` checks the hierarchy). Procedures go through the catalogue's bulk importer:
validated, published, their changes relayed, exactly as ``portal catalogue import`` does.
Dossiers are synced as their agency's one-stop system would sync them, with times relative
to now (``received_days_ago``, ``status_days_ago``), so that the demo always has dossiers on
time, late, waiting, finished, one apologised for and one with an electronic result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.provinces import province_agencies

DEMO_DIR = Path(__file__).with_name("demo")
AGENCIES_FILE = "agencies.jsonl"
PROCEDURES_FILE = "procedures.jsonl"
DOSSIERS_FILE = "dossiers.jsonl"


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


@dataclass
class DossierSeedReport:
    written: int = 0
    apologies: int = 0
    results: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.written} dossiers synced ({self.apologies} apologised for, "
            f"{self.results} with an electronic result), {len(self.failures)} rejected"
        ]
        lines.extend(f"  line {number}: {reason}" for number, reason in self.failures)
        return "\n".join(lines)


def _hanoi_morning(days_ago: int) -> Any:
    from datetime import datetime, time, timedelta

    from services.core import clock

    day = clock.local_date(clock.now()) - timedelta(days=days_ago)
    return datetime.combine(day, time(9, 0), tzinfo=clock.VIETNAM_TZ)


def seed_dossiers(path: Path) -> DossierSeedReport:
    """Sync each line as its agency's one-stop system; then its apology and its result."""
    from services.core.auth import Principal, Role
    from services.core.problems import Problem
    from services.dossiers.models import DossierBody

    report = DossierSeedReport()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                agency = str(data["agency_id"])
                received = _hanoi_morning(int(data["received_days_ago"]))
                status_at = _hanoi_morning(int(data["status_days_ago"])).replace(hour=15)
                body = DossierBody.model_validate(
                    {
                        **{k: data[k] for k in ("procedure_code", "agency_id", "channel")},
                        "applicant": data["applicant"],
                        "received_at": received,
                        "status": data["status"],
                        "status_at": max(status_at, received),
                        **({"official_id": data["official_id"]} if "official_id" in data else {}),
                    }
                )
                system = Principal("mot-cua-demo", frozenset({Role.SYSTEM}), agency)
                from services.dossiers import service

                (synced,) = service.sync_many([(str(data["dossier_code"]), body)], system)
                if synced.problem is not None:
                    raise synced.problem
                report.written += 1
                if "apology" in data:
                    _seed_apology(str(data["dossier_code"]), agency, data["apology"])
                    report.apologies += 1
                if "result" in data:
                    _seed_result(str(data["dossier_code"]), system, data["result"])
                    report.results += 1
            except (ValidationError, Problem, ValueError, KeyError, TypeError) as error:
                report.failures.append((number, _reason(error)))
    return report


def _seed_apology(code: str, agency: str, apology: dict[str, Any]) -> None:
    from datetime import timedelta

    from services.core.auth import Principal, Role
    from services.dossiers import service
    from services.dossiers.models import ApologyBody

    official = Principal(str(apology["official_id"]), frozenset({Role.OFFICIAL}), agency)
    new_due = _hanoi_morning(0).replace(hour=17) + timedelta(days=int(apology["new_due_in_days"]))
    service.apologise(code, ApologyBody(reason=apology["reason"], new_due_at=new_due), official)


def _seed_result(code: str, system: Any, result: dict[str, Any]) -> None:
    """Register the result, upload it through its presigned link as the one-stop system
    would, and have it checked (the upload's event would, a moment later)."""
    import hashlib

    from services.dossiers import service
    from services.dossiers.models import ResultBody

    content = b"%PDF-1.7\n" + str(result["text"]).encode() + b"\n%%EOF\n"
    body = ResultBody(
        name=result["name"],
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    registered, upload = service.register_result(code, body, system)
    # requests, not urllib: moto intercepts it in process (the tests), and on the local
    # stack the link goes to the moto server itself.
    import requests

    answer = requests.put(upload.url, data=content, headers=upload.headers, timeout=30)
    answer.raise_for_status()
    service.check_result(registered)


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
    dossiers = demo_dir / DOSSIERS_FILE
    if dossiers.exists():
        dossier_report = seed_dossiers(dossiers)
        say(f"Dossiers: {dossier_report.summary()}")
        clean = clean and not dossier_report.failures
    else:
        say(f"Dossiers: no {dossiers}, none seeded")
    return clean
