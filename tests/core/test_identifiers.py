"""One copy of each identifier's format, refused the same way by every service."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from services.core.identifiers import (
    AgencyId,
    DossierCode,
    Moment,
    Period,
    ProcedureCode,
    is_agency_id,
    is_procedure_code,
)


class _Sample(BaseModel):
    agency_id: AgencyId
    procedure_code: ProcedureCode
    dossier_code: DossierCode
    period: Period


@pytest.mark.parametrize("period", ["2026", "2026-Q1", "2026-Q4", "2026-01", "2026-12"])
def test_periods_a_report_names(period: str) -> None:
    _Sample(agency_id="a", procedure_code="1.000001", dossier_code="D", period=period)


@pytest.mark.parametrize("period", ["2026-Q5", "2026-Q0", "2026-13", "2026-00", "26", "2026-1"])
def test_periods_that_do_not_exist(period: str) -> None:
    with pytest.raises(ValidationError):
        _Sample(agency_id="a", procedure_code="1.000001", dossier_code="D", period=period)


def test_codes() -> None:
    assert is_procedure_code("2.000815")
    for bad in ("2.00081", "2.0008155", "a.000815", "2000815", ""):
        assert not is_procedure_code(bad)
    assert is_agency_id("ubnd-tinh-lao-cai")
    assert is_agency_id("x" * 40)
    assert not is_agency_id("x" * 41)
    assert not is_agency_id("")


class _When(BaseModel):
    at: Moment


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC: no such moment there
        "9999-12-31T23:59:59-12:00",  # after year 9999 in UTC
        "1899-12-31T23:59:59+00:00",
        "2201-01-01T00:00:00+00:00",
        "2026-12-01T09:00:00",  # no offset: whose 09:00?
    ],
)
def test_moments_at_the_ends_of_the_calendar_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        _When(at=text)  # type: ignore[arg-type]


def test_a_moment_keeps_its_offset() -> None:
    at = _When(at="2026-12-31T23:59:59+07:00").at  # type: ignore[arg-type]
    assert at.isoformat() == "2026-12-31T23:59:59+07:00"
