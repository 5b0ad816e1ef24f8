"""Requests and answers of the reports API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from services.core.identifiers import EARLIEST_YEAR, LATEST_YEAR, AgencyId
from services.core.identifiers import Period as AnyPeriod
from services.core.models import Model


def _within_the_calendar(period: str) -> str:
    """A period's bounds must be dates: ``0000`` and ``9999-12`` match the pattern, but their
    start or end is no datetime, and a form of them would fail far from the request."""
    if not EARLIEST_YEAR <= int(period[:4]) <= LATEST_YEAR:
        raise ValueError(f"a year between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return period


Period = Annotated[AnyPeriod, AfterValidator(_within_the_calendar)]


class IndexQuery(Model):
    agency_id: AgencyId
    period: Period


class IndicatorView(Model):
    id: str
    title: str
    numerator: int
    denominator: int
    points: float
    max_points: int


class GroupView(Model):
    id: str
    title: str
    points: float
    max_points: int
    indicators: list[IndicatorView]


class IndexView(Model):
    agency_id: str
    period: str
    score: float = Field(ge=0, le=100)
    band: str = Field(description="xuat_sac, tot, kha, trung_binh or yeu")
    groups: list[GroupView]


class RankingsQuery(Model):
    period: Period
    agency_level: str | None = Field(default=None, pattern=r"^(central|province|commune)$")


class Ranked(Model):
    rank: int
    agency_id: str
    score: float
    band: str


class Rankings(Model):
    period: str
    agency_level: str | None
    items: list[Ranked]


class FormQuery(Model):
    agency_id: AgencyId
    period: Period
    format: Literal["csv", "xlsx"] = "csv"


class DashboardQuery(Model):
    agency_id: AgencyId | None = None
    period: Period | None = None
