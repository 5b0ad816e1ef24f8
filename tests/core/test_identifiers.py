"""One copy of each identifier's format, refused the same way by every service."""

from __future__ import annotations

from datetime import UTC

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
    vietnamese_phone,
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


@pytest.mark.parametrize(
    "agency_id",
    ["000.00.00.H26", "000.00.04.G14", "H55.242", "000.00.12.H26", "so-tu-phap-ha-noi", "G01"],
)
def test_agency_ids_as_the_national_systems_write_them(agency_id: str) -> None:
    assert is_agency_id(agency_id)
    sample = _Sample(
        agency_id=agency_id, procedure_code="1.000001", dossier_code="D", period="2026"
    )
    assert sample.agency_id == agency_id  # kept exactly as written


@pytest.mark.parametrize(
    "agency_id", [".000.00.H26", "-H55", "H55 242", "Bộ Công an", "H55/242", "H55_242", "x" * 41]
)
def test_what_no_agency_id_looks_like(agency_id: str) -> None:
    assert not is_agency_id(agency_id)


@pytest.mark.parametrize(
    ("given", "national"),
    [
        ("2.000815", "2.000815"),
        ("2.000815.000.00.00.H55", "2.000815"),
        ("1.001234.H55.242", "1.001234"),
        ("3.000181.000.00.00.H22", "3.000181"),
    ],
)
def test_a_local_procedure_code_means_the_national_one(given: str, national: str) -> None:
    sample = _Sample(agency_id="a", procedure_code=given, dossier_code="D", period="2026")
    assert sample.procedure_code == national


@pytest.mark.parametrize("code", ["2.000815.", "2.000815..H55", "2.000815-H55", "2.00081.H55"])
def test_malformed_local_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError):
        _Sample(agency_id="a", procedure_code=code, dossier_code="D", period="2026")


@pytest.mark.parametrize(
    ("text", "in_utc"),
    [
        ("1900-01-01T00:00:00+00:00", "1900-01-01T00:00:00+00:00"),
        ("1900-01-01T06:59:59+07:00", "1899-12-31T23:59:59+00:00"),  # refused below
        ("2200-12-31T23:59:59+00:00", "2200-12-31T23:59:59+00:00"),
        ("2201-01-01T06:00:00+07:00", "2200-12-31T23:00:00+00:00"),  # 2201 in Hà Nội, 2200 in UTC
    ],
)
def test_the_first_and_last_years_count_in_utc(text: str, in_utc: str) -> None:
    if in_utc.startswith("1899"):
        with pytest.raises(ValidationError) as refused:
            _When(at=text)  # type: ignore[arg-type]
        assert "a moment between 1900 and 2200" in str(refused.value)
        return
    at = _When(at=text).at  # type: ignore[arg-type]
    assert at.isoformat() == text
    assert at.astimezone(UTC).isoformat() == in_utc


def test_a_moment_with_no_utc_form_says_which_years_count() -> None:
    with pytest.raises(ValidationError) as refused:
        _When(at="0001-01-01T00:00:00+14:00")  # type: ignore[arg-type]
    assert "a moment between 1900 and 2200" in str(refused.value)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Tran.Thi.Bich@Example.VN", "tran.thi.bich@example.vn"),
        ("an+phan-anh@so-tu-phap.hanoi.gov.vn", "an+phan-anh@so-tu-phap.hanoi.gov.vn"),
    ],
)
def test_one_email_rule_for_feedback_dossiers_and_notifications(typed: str, kept: str) -> None:
    from services.dossiers.models import Applicant
    from services.feedback.models import Submitter

    applicant = Applicant(citizen_id="001090012345", name="Trần Thị Bích", email=typed)
    assert applicant.email == kept
    assert Submitter(name="Trần Thị Bích", email=typed).email == kept


@pytest.mark.parametrize(
    "typed", ["an@localhost", "an@example.v1", "an @example.vn", "@example.vn"]
)
def test_what_no_email_address_looks_like(typed: str) -> None:
    from pydantic import ValidationError

    from services.dossiers.models import Applicant
    from services.feedback.models import Submitter

    with pytest.raises(ValidationError):
        Applicant(citizen_id="001090012345", name="Trần Thị Bích", email=typed)
    with pytest.raises(ValidationError):
        Submitter(name="Trần Thị Bích", email=typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912-345-678", "0912345678"),
        ("024.3825.1234", "02438251234"),
    ],
)
def test_a_phone_is_kept_in_one_form(typed: str, stored: str) -> None:
    assert vietnamese_phone(typed) == stored


@pytest.mark.parametrize("typed", ["1900 1234", "0912 345", "số 0912345678"])
def test_what_is_not_a_phone_is_refused_saying_so(typed: str) -> None:
    with pytest.raises(ValueError) as refused:
        vietnamese_phone(typed)
    assert str(refused.value) == "not a Vietnamese phone number"
