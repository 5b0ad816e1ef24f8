"""Dossiers, criteria, ratings and what a rating counts for. No I/O.

A dossier's status is the national dossier status code (1 to 10); it only moves forward
here, so an event that arrives late never undoes a later one. Status 9 (handled) or 10
(result returned) opens the dossier to its citizen's rating, once, within
``RATING_WINDOW_DAYS`` of completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

HANDLED = frozenset({9, 10})
RATING_WINDOW_DAYS = 30
OVERALL = "overall"

SATISFIED_LEVELS = (
    {"id": "rat_hai_long", "title": "Rất hài lòng"},
    {"id": "hai_long", "title": "Hài lòng"},
    {"id": "khong_hai_long", "title": "Không hài lòng"},
)


# Runs at import, where mutmut cannot switch a mutant on: left out of make mutants.
def _criterion(criterion_id: str, title: str) -> dict[str, object]:  # pragma: no mutate block
    return {
        "id": criterion_id,
        "title": title,
        "levels": [dict(level) for level in SATISFIED_LEVELS],
    }


DEFAULT_CRITERIA: list[dict[str, object]] = [
    _criterion(OVERALL, "Mức độ hài lòng chung về việc giải quyết hồ sơ"),
    _criterion("timeliness", "Thời gian giải quyết so với thời hạn đã hẹn"),
    _criterion("returns", "Số lần phải đi lại, bổ sung hồ sơ"),
    _criterion("conduct", "Thái độ, tinh thần phục vụ của cán bộ, công chức"),
    _criterion("information", "Sự rõ ràng, đầy đủ của thông tin thủ tục được công khai"),
]


@dataclass(frozen=True, slots=True)
class Dossier:
    dossier_code: str
    procedure_code: str
    agency_id: str
    citizen: str  # a pseudonym of the citizen's id, never the id itself
    status: int
    received_at: datetime
    due_at: datetime
    official_id: str | None = None
    completed_at: datetime | None = None

    @property
    def handled(self) -> bool:
        return self.status in HANDLED

    @property
    def on_time(self) -> bool | None:
        if not self.handled or self.completed_at is None:
            return None
        return self.completed_at <= self.due_at


class RatingRefused(Exception):
    """Why the rules refuse a rating. ``field`` names the part of the request at fault, if
    one is; the service says the refusal to the caller."""

    field: str | None = None


class NotTheirs(RatingRefused):
    """Only the dossier's citizen rates it."""


class NotHandled(RatingRefused):
    """The dossier is not handled (9 or 10) yet."""

    field = "dossier_code"


class WindowClosed(RatingRefused):
    """The dossier was completed longer ago than the rating window."""

    field = "dossier_code"


class UnknownCriterion(RatingRefused):
    """An answer to a criterion the current set does not have."""

    def __init__(self, criterion: str) -> None:
        super().__init__(criterion)
        self.field = f"answers.{criterion}"


class UnknownLevel(RatingRefused):
    """A level that is not one of its criterion's levels."""

    def __init__(self, criterion: str) -> None:
        super().__init__(criterion)
        self.field = f"answers.{criterion}"


class OverallUnanswered(RatingRefused):
    """Every rating answers ``overall``: it is what satisfaction is counted by."""

    field = f"answers.{OVERALL}"


def check_answers(answers: Mapping[str, str], criteria: list[dict[str, object]]) -> None:
    """Every criterion known, every level one of its levels, and ``overall`` answered."""
    levels = {
        str(c["id"]): {str(level["id"]) for level in c["levels"]}  # type: ignore[attr-defined]
        for c in criteria
    }
    for criterion, level in answers.items():
        if criterion not in levels:
            raise UnknownCriterion(criterion)
        if level not in levels[criterion]:
            raise UnknownLevel(criterion)
    if OVERALL not in answers:
        raise OverallUnanswered()


def check_may_rate(dossier: Dossier, citizen: str, now: datetime, window_days: int) -> None:
    """The dossier's own citizen, once it is handled, until ``window_days`` after it was
    completed (that very moment included)."""
    if dossier.citizen != citizen:
        raise NotTheirs()
    if not dossier.handled:
        raise NotHandled()
    completed = dossier.completed_at or dossier.received_at
    if now > completed + timedelta(days=window_days):
        raise WindowClosed()


def dissatisfied_level(criteria: list[dict[str, object]], criterion_id: str) -> str | None:
    """The last level of a criterion: its dissatisfied one."""
    for criterion in criteria:
        if criterion["id"] == criterion_id:
            levels = criterion["levels"]
            return str(levels[-1]["id"]) if levels else None  # type: ignore[index]
    return None


def is_dissatisfied(answers: Mapping[str, str], criteria: list[dict[str, object]]) -> bool:
    """Whether the overall answer is the overall criterion's dissatisfied (last) level."""
    level = dissatisfied_level(criteria, OVERALL)
    return level is not None and answers.get(OVERALL) == level


def rating_counts(answers: Mapping[str, str], dissatisfied: bool) -> dict[str, int]:
    """What one rating adds to each aggregate it counts in: one rating, one if it is
    dissatisfied overall (else 0), and one for each answer's level
    (``c#<criterion>#<level>``)."""
    adds = {"count": 1, "dissatisfied": 1 if dissatisfied else 0}
    adds |= {f"c#{criterion}#{level}": 1 for criterion, level in answers.items()}
    return adds


def by_criterion(counts: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """An aggregate's answers read back, per criterion and level."""
    found: dict[str, dict[str, int]] = {}
    for name, value in counts.items():
        if name.startswith("c#"):
            _, criterion, level = name.split("#", 2)
            found.setdefault(criterion, {})[level] = value
    return found


# -- what a count is kept for -----------------------------------------------------------------
# These are the things a summary names (an agency, a procedure, an agency's official), as
# values. How an aggregate of one of them is filed (``agency#<id>`` inside the key
# ``AGG#agency#<id>#<period>``) is part of the table's keys, so storage alone spells it.


@dataclass(frozen=True, slots=True)
class AgencyScope:
    """An agency: its ratings, and its handled dossiers for the on-time share; ranked."""

    agency_id: str


@dataclass(frozen=True, slots=True)
class ProcedureScope:
    procedure_code: str


@dataclass(frozen=True, slots=True)
class OfficialScope:
    """An official, known by their id within their agency."""

    agency_id: str
    official_id: str


Scope = AgencyScope | ProcedureScope | OfficialScope


def scopes(agency_id: str, procedure_code: str, official_id: str | None) -> list[Scope]:
    """What a rating counts for: its agency, its procedure and, if named, its official."""
    found: list[Scope] = [AgencyScope(agency_id), ProcedureScope(procedure_code)]
    if official_id:
        found.append(OfficialScope(agency_id, official_id))
    return found


@dataclass(frozen=True, slots=True)
class Rating:
    """A dossier's one rating, as its citizen gave it."""

    dossier_code: str
    agency_id: str
    procedure_code: str
    answers: Mapping[str, str]
    rated_at: datetime
    official_id: str | None = None
    comment: str | None = None
    counted: bool = False
