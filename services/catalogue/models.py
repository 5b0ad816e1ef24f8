"""Request and response models of the catalogue API, validated at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from services.catalogue.audit import GapCode
from services.catalogue.domain import AgencyLevel, ServiceLevel, Status
from services.core.identifiers import AgencyId, ProcedureCode
from services.core.models import Model, Strict

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Fee(Strict):
    name: ShortText
    amount_vnd: int = Field(ge=0, le=1_000_000_000_000, description="Whole VND.")


class RequiredDocument(Strict):
    name: ShortText
    copies: int = Field(ge=1, le=50)
    original_required: bool = Field(
        default=False,
        description="The original must be shown in person: the dossier cannot be fully online.",
    )


class ProcedureBody(Strict):
    """What an agency declares about a procedure (the body of PUT)."""

    name: Name
    field: ShortText
    agency_ids: list[AgencyId] = Field(min_length=1, max_length=50)
    agency_level: AgencyLevel
    service_level: ServiceLevel
    processing_days: int = Field(ge=0, le=365, description="Working days.")
    fees: list[Fee] = Field(default_factory=list, max_length=50)
    documents: list[RequiredDocument] = Field(default_factory=list, max_length=100)
    legal_bases: list[ShortText] = Field(default_factory=list, max_length=50)
    result: LongText
    online_payment: bool
    e_result: bool

    @field_validator("agency_ids")
    @classmethod
    def _unique_agencies(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("agency_ids must not repeat")
        return value


class ImportLine(ProcedureBody):
    """One line of a bulk import file: the PUT body plus the procedure's code."""

    code: ProcedureCode


class Procedure(Model):
    code: str
    name: str
    field: str
    agency_ids: list[str]
    agency_level: AgencyLevel
    service_level: ServiceLevel
    processing_days: int
    fees: list[Fee]
    fee_total_vnd: int
    documents: list[RequiredDocument]
    legal_bases: list[str]
    result: str
    online_payment: bool
    e_result: bool
    status: Status
    version: int
    updated_at: datetime
    published_at: datetime | None = None
    abolished_at: datetime | None = None
    abolition_reason: str | None = None


class ProcedureSummary(Model):
    code: str
    name: str
    field: str
    service_level: ServiceLevel
    agency_ids: list[str]
    agency_level: AgencyLevel
    processing_days: int
    fee_total_vnd: int
    version: int


class ProcedurePage(Model):
    items: list[ProcedureSummary]
    next_cursor: str | None


class VersionPage(Model):
    items: list[Procedure]
    next_cursor: str | None


class PageQuery(Strict):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


class SearchQuery(PageQuery):
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Words of the name or a code; case and diacritics fold.",
    )
    agency_id: AgencyId | None = None
    field: str | None = Field(default=None, max_length=300)
    service_level: ServiceLevel | None = None


class ProcedureView(Strict):
    model_config = ConfigDict(extra="ignore")
    view: Literal["current", "draft"] = Field(
        default="current",
        description="`draft` shows the pending draft to its agencies' officials and operators.",
    )


class PublishBody(Strict):
    force: bool = Field(default=False, description="Publish even if the name duplicates another.")


class AbolishBody(Strict):
    reason: LongText


class AgencyBody(Strict):
    name: Name
    level: AgencyLevel
    parent_id: AgencyId | None = None
    locality: ShortText | None = None


class Agency(Model):
    agency_id: str
    name: str
    level: AgencyLevel
    parent_id: str | None
    locality: str | None
    updated_at: datetime


class AgencyPage(Model):
    items: list[Agency]
    next_cursor: str | None


class AgencyListQuery(PageQuery):
    parent_id: AgencyId | None = Field(default=None, description="Only this agency's children.")


class AuditReason(Model):
    code: GapCode
    message: str


class AuditFinding(Model):
    code: str
    name: str
    agency_ids: list[str]
    version: int
    reasons: list[AuditReason]


class AuditPage(Model):
    items: list[AuditFinding]
    next_cursor: str | None
