"""Ratings' rules without any table: who may rate and until when, which answers are taken,
the dissatisfied level, on time at the exact due moment, and what a rating counts for and
adds. Expected values are written out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from services.ratings import domain
from services.ratings.domain import (
    DEFAULT_CRITERIA,
    AgencyScope,
    Dossier,
    OfficialScope,
    ProcedureScope,
)
from tests.ratings.unit.conftest import Edge

CITIZEN = "pseudonym-of-the-citizen"
HANDLED = Dossier(
    dossier_code="H01.22-250510-0001",
    procedure_code="1.002804",
    agency_id="cong-an-tp-ha-noi",
    citizen=CITIZEN,
    status=9,
    received_at=datetime.fromisoformat("2025-05-10T09:00:00+07:00"),
    due_at=datetime.fromisoformat("2025-05-17T17:00:00+07:00"),
    completed_at=datetime.fromisoformat("2025-05-16T15:00:00+07:00"),
)
TWO_LEVELS = [
    {
        "id": "overall",
        "title": "Chung",
        "levels": [{"id": "tot", "title": "Tốt"}, {"id": "xau", "title": "Xấu"}],
    },
    {"id": "empty", "title": "Không mức nào", "levels": []},
]


# -- the dissatisfied level ------------------------------------------------------------------
def test_the_dissatisfied_level_is_the_last_of_its_criterion() -> None:
    assert domain.dissatisfied_level(DEFAULT_CRITERIA, "overall") == "khong_hai_long"
    assert domain.dissatisfied_level(DEFAULT_CRITERIA, "conduct") == "khong_hai_long"
    assert domain.dissatisfied_level(TWO_LEVELS, "overall") == "xau"


def test_no_dissatisfied_level_for_an_unknown_or_empty_criterion() -> None:
    assert domain.dissatisfied_level(DEFAULT_CRITERIA, "speed") is None
    assert domain.dissatisfied_level(TWO_LEVELS, "empty") is None


@pytest.mark.parametrize(
    ("answers", "criteria", "dissatisfied"),
    [
        ({"overall": "khong_hai_long"}, DEFAULT_CRITERIA, True),
        ({"overall": "hai_long", "conduct": "khong_hai_long"}, DEFAULT_CRITERIA, False),
        ({"overall": "rat_hai_long"}, DEFAULT_CRITERIA, False),
        ({"overall": "xau"}, TWO_LEVELS, True),
        ({"overall": "khong_hai_long"}, TWO_LEVELS, False),
        ({"overall": "xau"}, [], False),
    ],
)
def test_dissatisfied_means_the_overall_answer_only(
    answers: dict[str, str], criteria: list[dict[str, object]], dissatisfied: bool
) -> None:
    assert domain.is_dissatisfied(answers, criteria) is dissatisfied


# -- answers ---------------------------------------------------------------------------------
def test_known_answers_with_overall_are_taken() -> None:
    domain.check_answers({"overall": "hai_long"}, DEFAULT_CRITERIA)
    domain.check_answers(
        {"overall": "rat_hai_long", "timeliness": "khong_hai_long", "information": "hai_long"},
        DEFAULT_CRITERIA,
    )


@pytest.mark.parametrize(
    ("answers", "refusal", "field"),
    [
        ({"overall": "hai_long", "speed": "hai_long"}, domain.UnknownCriterion, "answers.speed"),
        ({"overall": "rat_tot"}, domain.UnknownLevel, "answers.overall"),
        ({"overall": "hai_long", "conduct": "Hài lòng"}, domain.UnknownLevel, "answers.conduct"),
        ({"timeliness": "hai_long"}, domain.OverallUnanswered, "answers.overall"),
        ({}, domain.OverallUnanswered, "answers.overall"),
    ],
)
def test_unknown_answers_and_a_missing_overall_are_refused(
    answers: dict[str, str], refusal: type[domain.RatingRefused], field: str
) -> None:
    with pytest.raises(refusal) as refused:
        domain.check_answers(answers, DEFAULT_CRITERIA)
    assert refused.value.field == field


def test_a_level_of_another_criterion_set_is_refused() -> None:
    with pytest.raises(domain.UnknownLevel):
        domain.check_answers({"overall": "hai_long"}, TWO_LEVELS)


# -- who may rate, and until when -----------------------------------------------------------
def test_the_dossiers_citizen_rates_a_handled_dossier() -> None:
    an_hour_after_completion = datetime.fromisoformat("2025-05-16T16:00:00+07:00")
    domain.check_may_rate(HANDLED, CITIZEN, an_hour_after_completion, 30)
    domain.check_may_rate(replace(HANDLED, status=10), CITIZEN, HANDLED.due_at, 30)


def test_anyone_else_is_refused() -> None:
    with pytest.raises(domain.NotTheirs) as refused:
        domain.check_may_rate(HANDLED, "someone-else", HANDLED.due_at, 30)
    assert refused.value.field is None


@pytest.mark.parametrize("status", [1, 2, 3, 4, 5, 6, 7, 8])
def test_a_dossier_not_handled_is_refused(status: int) -> None:
    dossier = replace(HANDLED, status=status, completed_at=None)
    with pytest.raises(domain.NotHandled) as refused:
        domain.check_may_rate(dossier, CITIZEN, HANDLED.due_at, 30)
    assert refused.value.field == "dossier_code"


def test_the_window_ends_at_its_exact_moment(edge: Edge) -> None:
    dossier = replace(HANDLED, completed_at=edge.first)
    domain.check_may_rate(dossier, CITIZEN, edge.window_end, 30)
    with pytest.raises(domain.WindowClosed) as refused:
        domain.check_may_rate(dossier, CITIZEN, edge.window_end + timedelta(microseconds=1), 30)
    assert refused.value.field == "dossier_code"


def test_the_window_is_as_long_as_configured() -> None:
    completed = datetime.fromisoformat("2025-05-16T15:00:00+07:00")
    dossier = replace(HANDLED, completed_at=completed)
    sixty_days_on = datetime.fromisoformat("2025-07-15T15:00:00+07:00")
    domain.check_may_rate(dossier, CITIZEN, sixty_days_on, 60)
    with pytest.raises(domain.WindowClosed):
        domain.check_may_rate(dossier, CITIZEN, sixty_days_on, 59)


def test_a_handled_dossier_without_completion_counts_its_window_from_receipt() -> None:
    dossier = replace(HANDLED, completed_at=None)
    thirty_days_after_receipt = datetime.fromisoformat("2025-06-09T09:00:00+07:00")
    domain.check_may_rate(dossier, CITIZEN, thirty_days_after_receipt, 30)
    with pytest.raises(domain.WindowClosed):
        domain.check_may_rate(
            dossier, CITIZEN, thirty_days_after_receipt + timedelta(seconds=1), 30
        )


# -- on time ---------------------------------------------------------------------------------
def test_completed_at_the_exact_due_moment_is_on_time(edge: Edge) -> None:
    due = edge.first
    assert replace(HANDLED, due_at=due, completed_at=edge.first).on_time is True
    assert replace(HANDLED, due_at=due, completed_at=edge.last).on_time is True
    one_second_late = edge.first + timedelta(seconds=1)
    assert replace(HANDLED, due_at=due, completed_at=one_second_late).on_time is False


def test_on_time_compares_moments_not_their_offsets() -> None:
    due = datetime.fromisoformat("2025-05-17T17:00:00+07:00")
    same_moment_in_utc = datetime.fromisoformat("2025-05-17T10:00:00+00:00")
    assert replace(HANDLED, due_at=due, completed_at=same_moment_in_utc).on_time is True
    a_second_later = datetime.fromisoformat("2025-05-17T10:00:01+00:00")
    assert replace(HANDLED, due_at=due, completed_at=a_second_later).on_time is False


def test_a_dossier_not_handled_is_neither_on_time_nor_late() -> None:
    assert replace(HANDLED, status=4).on_time is None
    assert replace(HANDLED, completed_at=None).on_time is None


# -- what a rating counts for and adds ------------------------------------------------------
def test_a_rating_counts_for_its_agency_procedure_and_named_official() -> None:
    assert domain.scopes("cong-an-tp-ha-noi", "1.002804", "can-bo-07") == [
        AgencyScope("cong-an-tp-ha-noi"),
        ProcedureScope("1.002804"),
        OfficialScope("cong-an-tp-ha-noi", "can-bo-07"),
    ]
    assert domain.scopes("cong-an-tp-ha-noi", "1.002804", None) == [
        AgencyScope("cong-an-tp-ha-noi"),
        ProcedureScope("1.002804"),
    ]


def test_an_official_is_known_within_their_agency() -> None:
    assert OfficialScope("so-tu-phap", "can-bo-01") != OfficialScope("so-y-te", "can-bo-01")


def test_a_rating_adds_one_and_each_answer_level() -> None:
    answers = {"overall": "khong_hai_long", "conduct": "hai_long"}
    assert domain.rating_counts(answers, dissatisfied=True) == {
        "count": 1,
        "dissatisfied": 1,
        "c#overall#khong_hai_long": 1,
        "c#conduct#hai_long": 1,
    }
    assert domain.rating_counts({"overall": "hai_long"}, dissatisfied=False) == {
        "count": 1,
        "dissatisfied": 0,
        "c#overall#hai_long": 1,
    }


def test_an_aggregates_answers_read_back_per_criterion() -> None:
    counts = {
        "count": 5,
        "dissatisfied": 2,
        "completed": 4,
        "c#overall#rat_hai_long": 2,
        "c#overall#khong_hai_long": 2,
        "c#overall#hai_long": 1,
        "c#conduct#khong_hai_long": 2,
    }
    assert domain.by_criterion(counts) == {
        "overall": {"rat_hai_long": 2, "khong_hai_long": 2, "hai_long": 1},
        "conduct": {"khong_hai_long": 2},
    }
    assert domain.by_criterion({"count": 0}) == {}
