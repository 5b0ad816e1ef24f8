"""The read-only view of the catalogue's table that the other services use.

The catalogue owns its table (one writer); payments, feedback, ratings and the services to
come read a procedure's public record or an agency through this module only, so the
catalogue's key layout is written down once: here, and used by the catalogue's own storage.

- ``PROC#<code>`` / ``CURRENT``: a procedure's public record, published or abolished.
- ``AGENCY#<id>`` / ``AGENCY``: an agency, with its level and parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core import aws
from services.core.dynamo import plain
from services.core.settings import get_settings


def procedure_key(code: str) -> dict[str, str]:
    return {"pk": f"PROC#{code}", "sk": "CURRENT"}


def agency_key(agency_id: str) -> dict[str, str]:
    return {"pk": f"AGENCY#{agency_id}", "sk": "AGENCY"}


@dataclass(frozen=True, slots=True)
class Fee:
    name: str
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure's public record as the catalogue last published or abolished it."""

    code: str
    name: str
    status: str  # "published" or "abolished"
    field: str | None
    agency_ids: tuple[str, ...]
    agency_level: str | None
    service_level: str | None
    processing_days: int | None
    fees: tuple[Fee, ...]
    online_payment: bool
    e_result: bool
    version: int

    @property
    def published(self) -> bool:
        return self.status == "published"

    @property
    def fee_total_vnd(self) -> int:
        return sum(fee.amount_vnd for fee in self.fees)

    def implemented_by(self, agency_id: str) -> bool:
        return agency_id in self.agency_ids


@dataclass(frozen=True, slots=True)
class Agency:
    agency_id: str
    name: str
    level: str | None
    parent_id: str | None
    locality: str | None


def _table() -> Any:
    return aws.table(get_settings().catalogue_table)


def _procedure_from(item: dict[str, Any]) -> Procedure:
    record = plain(item)
    fees = tuple(
        Fee(str(fee.get("name", "")), int(fee.get("amount_vnd", 0)))
        for fee in record.get("fees") or []
    )
    days = record.get("processing_days")
    return Procedure(
        code=str(record["code"]),
        name=str(record.get("name") or record["code"]),
        status=str(record.get("status", "")),
        field=str(record["field"]) if record.get("field") else None,
        agency_ids=tuple(str(a) for a in record.get("agency_ids") or []),
        agency_level=record.get("agency_level"),
        service_level=record.get("service_level"),
        processing_days=int(days) if days is not None else None,
        fees=fees,
        online_payment=bool(record.get("online_payment")),
        e_result=bool(record.get("e_result")),
        version=int(record.get("version", 0)),
    )


def procedure(code: str, *, consistent: bool = False) -> Procedure | None:
    """The public record of ``code`` (published or abolished), or None."""
    item = _table().get_item(Key=procedure_key(code), ConsistentRead=consistent).get("Item")
    return _procedure_from(item) if item else None


def published_procedure(code: str, *, consistent: bool = False) -> Procedure | None:
    """``code`` if it is published now; an abolished or unknown code is None."""
    found = procedure(code, consistent=consistent)
    return found if found is not None and found.published else None


def agency(agency_id: str) -> Agency | None:
    item = _table().get_item(Key=agency_key(agency_id)).get("Item")
    if not item:
        return None
    record = plain(item)
    return Agency(
        agency_id=str(record["agency_id"]),
        name=str(record.get("name", record["agency_id"])),
        level=record.get("level"),
        parent_id=record.get("parent_id"),
        locality=record.get("locality"),
    )
