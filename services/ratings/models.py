"""Requests and answers of the ratings API."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from services.core.identifiers import AgencyId, DossierCode, OfficialId, Period, ProcedureCode
from services.core.models import Model, Strict

CRITERION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class _Strict(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)


class DossierAccepted(Model):
    dossier_code: str
    status: int
    applied: bool = Field(description="False when a later or the same status was already known")


class Level(Model):
    id: str
    title: str


class Criterion(Model):
    id: str = Field(pattern=CRITERION_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    levels: list[Level] = Field(min_length=2, max_length=7)


class CriteriaList(Model):
    items: list[Criterion]


class CriteriaBody(_Strict):
    items: list[Criterion] = Field(min_length=1, max_length=20)


class RatingBody(_Strict):
    dossier_code: DossierCode
    answers: dict[str, str] = Field(min_length=1, max_length=20)
    comment: str | None = Field(default=None, max_length=2000)


class RatingView(Model):
    dossier_code: str
    answers: dict[str, str]
    comment: str | None
    rated_at: datetime


class SummaryQuery(Model):
    agency_id: AgencyId | None = None
    procedure_code: ProcedureCode | None = None
    official_id: OfficialId | None = None
    period: Period


class Summary(Model):
    count: int
    satisfied_pct: float | None = Field(description="Share not dissatisfied overall; null if none")
    by_criterion: dict[str, dict[str, int]]
    completed: int | None = Field(default=None, description="Dossiers handled (agencies only)")
    on_time_pct: float | None = Field(default=None, description="Handled by due_at (agencies)")


class RankingsQuery(Model):
    period: Period
    agency_level: str | None = Field(default=None, pattern=r"^(central|province|commune)$")
    min_count: int = Field(default=30, ge=1, le=100_000)


class Ranked(Model):
    rank: int
    agency_id: str
    count: int
    satisfied_pct: float
    on_time_pct: float | None


class Rankings(Model):
    period: str
    agency_level: str | None
    min_count: int
    items: list[Ranked]
