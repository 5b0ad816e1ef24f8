"""Requests and answers of the feedback API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from services.core.identifiers import (
    AgencyId,
    Period,
    ProcedureCode,
    email_address,
    vietnamese_phone,
)
from services.core.models import Model, Strict
from services.feedback.domain import Action, Channel, Status

TRACKING_CODE_PATTERN = r"^PA-[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$"
NATIONAL_ID = re.compile(r"^(?:[0-9]{9}|[0-9]{12})$")
ATTACHMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


class _Strict(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)


class Submitter(_Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=20, examples=["0912345678"])
    email: str | None = Field(default=None, max_length=254)
    national_id: str | None = Field(default=None, max_length=12)
    address: str | None = Field(default=None, max_length=300)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else vietnamese_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else email_address(value)

    @field_validator("national_id")
    @classmethod
    def _national_id(cls, value: str | None) -> str | None:
        if value is not None and not NATIONAL_ID.match(value):
            raise ValueError("a national ID has 9 or 12 digits")
        return value

    @model_validator(mode="after")
    def _reachable(self) -> Submitter:
        if not self.phone and not self.email:
            raise ValueError("give a phone number or an e-mail address")
        return self


class CaseBody(_Strict):
    title: str = Field(min_length=5, max_length=200)
    content: str = Field(min_length=10, max_length=10_000)
    procedure_code: ProcedureCode | None = None
    agency_id: AgencyId | None = None
    submitter: Submitter
    channel: Channel = Field(
        default="web",
        description="web for the submitter; phone, letter or email when an official enters "
        "a case received another way",
    )


class CaseReceipt(Model):
    tracking_code: str
    access_key: str = Field(description="Shown once: with the tracking code, it opens the case")
    status: Status


class StepView(Model):
    at: datetime
    actor: str
    action: str
    status: Status
    note: str | None = None
    agency_id: str | None = None


class CaseView(Model):
    tracking_code: str
    title: str
    content: str
    status: Status
    channel: Channel
    procedure_code: str | None
    agency_id: str | None
    received_at: datetime
    deadline: datetime | None
    respond_by: datetime | None
    answer_by: datetime | None
    overdue: bool
    answer: str | None
    published: bool
    duplicate_of: str | None
    kind: Literal["phan_anh", "kien_nghi"] | None = Field(
        default=None, description="phan_anh (about handling) or kien_nghi (about a rule)"
    )
    field: str | None = Field(default=None, description="The procedure's field, if any")
    dossier_code: str | None = Field(
        default=None, description="The dossier, for a case opened by a dissatisfied rating"
    )
    timeline: list[StepView]
    submitter: Submitter | None = Field(
        default=None, description="Only to the submitter and the officials handling the case"
    )


class CaseQuery(Model):
    access_key: str | None = Field(default=None, max_length=64)


class ActionBody(_Strict):
    action: Action
    note: str | None = Field(default=None, max_length=2000)
    answer: str | None = Field(default=None, max_length=10_000)
    to_agency_id: AgencyId | None = None
    publish: bool = False


class WorkListQuery(Model):
    status: Literal["received", "accepted", "transferred"] | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2000)


class WorkItem(Model):
    tracking_code: str
    title: str
    status: Status
    channel: Channel
    received_at: datetime
    deadline: datetime | None
    overdue: bool


class WorkList(Model):
    items: list[WorkItem]
    next_cursor: str | None


class AnswersQuery(Model):
    q: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2000)


class PublishedAnswer(Model):
    tracking_code: str
    title: str
    question: str
    answer: str
    agency_id: str | None
    procedure_code: str | None
    answered_at: datetime


class AnswerPage(Model):
    items: list[PublishedAnswer]
    next_cursor: str | None


class StatsQuery(Model):
    agency_id: AgencyId
    period: Period


class Stats(Model):
    agency_id: str
    period: str
    total: int
    by_status: dict[str, int]
    by_channel: dict[str, int]
    finished: int
    finished_on_time: int
    on_time_share: float | None = Field(description="Finished on time over finished; null if none")


class AttachmentBody(_Strict):
    file_name: str = Field(min_length=1, max_length=200)
    content_type: Literal[
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    size_bytes: int = Field(ge=1, le=10 * 1024 * 1024)
    access_key: str | None = Field(default=None, max_length=64)


class AttachmentUpload(Model):
    attachment_id: str
    url: str
    fields: dict[str, str]
    expires_in_seconds: int
