"""The read-only view of the dossiers table that other services use.

The dossiers service owns its table (one writer); payments reads through this module only,
to know whether the portal holds a dossier and who applied for it, so the key layout of a
dossier and the pseudonym of its applicant are written once: here, and used by the
dossiers service's own storage.

- ``DOSSIER#<code>`` / ``DOSSIER``: the dossier, with ``applicant_key``, a keyed pseudonym
  of the applicant's ``citizen_id`` (the table holds no citizen id in the clear).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from services.core import aws
from services.core.pseudonyms import pseudonym
from services.core.settings import get_settings

APPLICANT_PURPOSE = "dossiers-applicant"


def dossier_key(code: str) -> dict[str, str]:
    return {"pk": f"DOSSIER#{code}", "sk": "DOSSIER"}


def applicant_key(citizen_id: str) -> str:
    """Who applied for a dossier, as the table keeps it: equal for equal ids, and not
    reversible by trying every 12-digit number without the pseudonym key."""
    return pseudonym(APPLICANT_PURPOSE, citizen_id)


@dataclass(frozen=True, slots=True)
class HeldDossier:
    """A dossier the portal holds, as much of it as another service may know."""

    dossier_code: str
    agency_id: str
    procedure_code: str
    applicant_key: str

    def is_applicant(self, citizen_id: str) -> bool:
        return hmac.compare_digest(self.applicant_key, applicant_key(citizen_id))


def _table() -> Any:
    return aws.table(get_settings().dossiers_table)


def held_dossier(code: str) -> HeldDossier | None:
    """The dossier ``code`` if the portal holds it, else None."""
    item = (
        _table()
        .get_item(
            Key=dossier_key(code),
            ProjectionExpression="dossier_code, agency_id, procedure_code, applicant_key",
        )
        .get("Item")
    )
    if not item:
        return None
    return HeldDossier(
        dossier_code=str(item["dossier_code"]),
        agency_id=str(item["agency_id"]),
        procedure_code=str(item["procedure_code"]),
        applicant_key=str(item["applicant_key"]),
    )
