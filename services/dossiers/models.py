"""Requests and answers of the dossiers API, and the results bucket's upload events."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from services.core.clock import VIETNAM_TZ
from services.core.identifiers import (
    AgencyId,
    DossierCode,
    Moment,
    OfficialId,
    ProcedureCode,
    email_address,
    vietnamese_phone,
)
from services.core.messages import Inbox
from services.core.models import Model, Strict
from services.dossiers.domain import LETTER_NO_PATTERN

Channel = Literal["online", "counter", "post"]
At = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.astimezone(VIETNAM_TZ).isoformat(), return_type=str),
]
"""A moment in an answer: in Vietnam time (UTC+7), as the people handling dossiers read it,
whichever form it was computed or stored in."""
RESULT_ID_PATTERN = r"^[0-9a-f]{32}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
RESERVED_CODES = frozenset({"batch", "mine", "results", "agencies", "health", "docs"})
"""Paths of the API that a dossier code would shadow: no dossier may take one as its code."""
RESULT_TYPES = ("application/pdf", "application/xml", "image/jpeg", "image/png")
MAX_RESULT_BYTES = 50 * 1024 * 1024
BATCH_MOST = 100


class _Strict(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)


class Applicant(_Strict):
    citizen_id: str = Field(
        min_length=1,
        max_length=64,
        # Printable ASCII: an invisible or full-width character would make a dossier its
        # applicant's token never matches (not in `mine`, not payable by them).
        pattern=r"^[!-~]+$",
        description="The applicant's identity number: the `sub` of their citizen token",
    )
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=20, examples=["0912345678"])
    email: str | None = Field(default=None, max_length=254)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else vietnamese_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else email_address(value)


class DossierBody(_Strict):
    procedure_code: ProcedureCode
    agency_id: AgencyId
    channel: Channel
    applicant: Applicant
    received_at: Moment
    due_at: Moment | None = Field(
        default=None,
        description="Omitted: received_at plus the procedure's processing_days in working days",
    )
    # Strict: JSON's true is not status 1, nor the string "9" status 9.
    status: int = Field(
        ge=1, le=10, strict=True, description="The national dossier status (1 to 10)"
    )
    status_at: Moment = Field(description="When the change this copy carries happened")
    official_id: OfficialId | None = None
    completed_at: Moment | None = None
    returned_at: Moment | None = None
    digitized: bool | None = None
    paid_online: bool | None = None

    @field_validator("due_at")
    @classmethod
    def _due_after_receipt(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        received = info.data.get("received_at")
        if value is not None and received is not None and value <= received:
            raise ValueError("due_at must be after received_at")
        return value


class BatchItem(DossierBody):
    dossier_code: DossierCode

    @classmethod
    def parse_item(cls, raw: Any) -> BatchItem | list[ItemError]:
        """One item of a batch, or what is wrong with it (each field named)."""
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            return [
                ItemError(
                    field=".".join(str(part) for part in e["loc"]) or "item", message=e["msg"]
                )
                for e in error.errors(include_url=False, include_input=False)
            ]


class BatchBody(_Strict):
    items: list[Any] = Field(
        min_length=1,
        max_length=BATCH_MOST,
        description="Up to 100 PUT bodies (objects), each with its dossier_code; each item is "
        "checked on its own, so one that is not a dossier is answered alone with a 422",
    )


class ProgressBody(_Strict):
    status: int = Field(ge=1, le=10, strict=True)
    at: Moment
    official_id: OfficialId | None = None
    department: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class Synced(Model):
    dossier_code: str
    status: int
    due_at: At
    applied: bool = Field(description="False when a change with a later status_at was applied")


class ItemError(Model):
    field: str
    message: str


class BatchItemAnswer(Model):
    dossier_code: str | None
    status: int = Field(description="The HTTP status this item alone would get")
    applied: bool | None = None
    errors: list[ItemError] | None = None


class BatchAnswer(Model):
    items: list[BatchItemAnswer]


# -- reading ----------------------------------------------------------------------------------
class StepView(Model):
    at: At
    status: int
    status_name: str
    actor: str
    official_id: str | None = None
    department: str | None = None
    note: str | None = None


class ApplicantView(Model):
    citizen_id: str
    name: str
    phone: str | None = None
    email: str | None = None


class LetterView(Model):
    letter_no: str
    dossier_code: str
    issued_at: At
    reason: str
    old_due_at: At
    new_due_at: At
    official_id: str


class ResultView(Model):
    result_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    state: Literal["awaiting-upload", "offered", "rejected"]
    registered_at: At
    checked_at: At | None = None


class DossierView(Model):
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_id: str
    channel: Channel
    applicant: ApplicantView
    received_at: At
    due_at: At
    original_due_at: At = Field(description="The due date before any apology")
    status: int
    status_name: str
    status_at: At
    official_id: str | None
    completed_at: At | None
    returned_at: At | None
    digitized: bool | None
    paid_online: bool | None
    overdue: bool
    late: bool = Field(description="Past the due date before any apology, as on-time is counted")
    waiting_since: At | None = Field(description="Since when the clock stands (5, 6)")
    timeline: list[StepView]
    apologies: list[LetterView]
    results: list[ResultView]


class PublicStatus(Model):
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_id: str
    status: int
    status_name: str
    received_at: At
    due_at: At
    overdue: bool


class DossierSummary(Model):
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_id: str
    channel: str
    status: int
    status_name: str
    received_at: At
    due_at: At
    overdue: bool
    apologised: bool
    completed_at: At | None = None


class DossierPage(Model):
    items: list[DossierSummary]
    next_cursor: str | None


class PageQuery(Model):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2048)


class AgencyListQuery(PageQuery):
    status: int | None = Field(default=None, ge=1, le=10)
    overdue: bool | None = None
    apologised: bool | None = Field(
        default=None,
        description="With overdue=true and apologised=false: the overdue dossiers no apology "
        "letter was issued for",
    )


# -- apologies --------------------------------------------------------------------------------
class ApologyBody(_Strict):
    reason: str = Field(min_length=1, max_length=2000)
    new_due_at: Moment


# -- results ----------------------------------------------------------------------------------
class ResultBody(_Strict):
    name: str = Field(
        min_length=1,
        max_length=200,
        description="The file's name as the applicant will save it: no folders, no control "
        "characters",
    )
    content_type: Literal["application/pdf", "application/xml", "image/jpeg", "image/png"]
    size: int = Field(ge=1, le=MAX_RESULT_BYTES)
    sha256: str = Field(pattern=SHA256_PATTERN, description="Hex SHA-256 of the document")

    @field_validator("name")
    @classmethod
    def _a_plain_file_name(cls, value: str) -> str:
        # The name goes into the download's Content-Disposition and the "result ready"
        # e-mail: a line break would forge a header, a slash a folder on the applicant's disk.
        if any(unicodedata.category(c).startswith("C") for c in value):
            raise ValueError("must not hold control or invisible characters")
        if "/" in value or "\\" in value or value.strip(".") == "":
            raise ValueError("must be a file's name, not a path")
        return value

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class ResultUpload(Model):
    result_id: str
    upload_url: str
    upload_method: Literal["PUT"] = "PUT"
    upload_headers: dict[str, str] = Field(description="Send exactly these headers with the PUT")
    expires_in_seconds: int


class Verification(Model):
    sha256: str
    procedure_code: str
    procedure_name: str
    agency_id: str
    agency_name: str
    issued_at: At


# -- the results bucket's events ----------------------------------------------------------------
class _S3Lenient(Model):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class S3Object(_S3Lenient):
    key: str
    size: int = 0
    versionId: str | None = None  # S3's own name


class S3Bucket(_S3Lenient):
    name: str


class S3Entity(_S3Lenient):
    bucket: S3Bucket
    object: S3Object


class S3Record(_S3Lenient):
    eventName: str  # S3's own name
    s3: S3Entity


class UploadEvent(_S3Lenient):
    """What S3 sends the results queue: object-created records, or once a test event (no
    records), which is nothing to check."""

    Records: list[S3Record] = Field(default_factory=list)  # S3's own name


RESULT_UPLOADS: Inbox[UploadEvent] = Inbox("dossier-results", UploadEvent)

LETTER_NO = LETTER_NO_PATTERN
