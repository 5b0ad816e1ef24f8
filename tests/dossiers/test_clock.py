"""The clock on the shared working-day calendar: due_at from the procedure's processing days
across weekends and public holidays, standing still while the dossier waits on the
applicant (5, 6), and overdue kept true by the every-minute sweep. Expected dates are
counted by hand from the 2026 calendar (Hùng Kings' Day observed Monday 27 April; 30 April
and 1 May off)."""

from __future__ import annotations

import pytest

from tests.conftest import body_of
from tests.dossiers.conftest import Desk, at, hanoi


def _due(desk: Desk, received: str, days: int) -> str:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=days)
    code = desk.code(agency)
    when = at(hanoi(received))
    answer = desk.synced(code, desk.body(agency, procedure, received_at=when, status_at=when))
    return str(answer["due_at"])


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Friday: Monday 16 to Friday 20 March are the five working days.
        ("2026-03-13 09:00:00", 5, "2026-03-20T23:59:59+07:00"),
        # Received on a Saturday: counted from Monday 16, as if received on Friday 13.
        ("2026-03-14 09:00:00", 5, "2026-03-20T23:59:59+07:00"),
        # Tuesday 28 April: Wednesday 29 is day 1; 30 April and 1 May are holidays, then the
        # weekend; Monday 4 and Tuesday 5 May are days 2 and 3.
        ("2026-04-28 09:00:00", 3, "2026-05-05T23:59:59+07:00"),
        # Friday 24 April: Monday 27 is Hùng Kings' Day observed; 28 and 29 April are days 1
        # and 2, then 30 April, 1 May and the weekend; Monday 4 May is day 3.
        ("2026-04-24 16:30:00", 3, "2026-05-04T23:59:59+07:00"),
        # Late evening in Hà Nội is still the same day (15:30 UTC is 22:30 there).
        ("2026-03-16 22:30:00", 1, "2026-03-17T23:59:59+07:00"),
    ],
)
def test_due_at_counts_working_days_from_receipt(
    desk: Desk, received: str, days: int, due: str
) -> None:
    assert _due(desk, received, days) == due


def test_a_due_at_the_system_sends_is_kept(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    answer = desk.synced(
        desk.code(agency), desk.body(agency, procedure, due_at=at(hanoi("2026-03-18 17:00:00")))
    )
    assert answer["due_at"] == "2026-03-18T17:00:00+07:00"


def test_the_clock_stands_still_in_status_5_and_moves_due_at_by_the_days_waited(
    desk: Desk,
) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    code = desk.code(agency)
    # Received Monday 16 March: due Monday 23 March.
    assert desk.synced(code, desk.body(agency, procedure))["due_at"] == "2026-03-23T23:59:59+07:00"
    # Wednesday 18 March: the applicant is asked for a missing paper.
    asked = desk.progress(code, {"status": 5, "at": at(hanoi("2026-03-18 10:00:00"))})
    assert body_of(asked)["due_at"] == "2026-03-23T23:59:59+07:00"
    # Tuesday 24 March, still waiting: past the date, yet not overdue, as its clock stands.
    desk.clock.set(hanoi("2026-03-24 10:00:00"))
    waiting = desk.dossier(code)
    assert (waiting["overdue"], waiting["waiting_since"]) == (False, "2026-03-18T10:00:00+07:00")
    desk.sweep()
    assert desk.listed(agency, overdue="true") == []
    # Tuesday 24 March, 11:00: the paper arrives and handling goes on. It waited Thursday
    # 19, Friday 20, Monday 23 and Tuesday 24 (the working days after the Wednesday it
    # stopped, up to the day it went on): four, so Monday 23 becomes Friday 27 March.
    on = desk.progress(code, {"status": 4, "at": at(hanoi("2026-03-24 11:00:00"))})
    assert body_of(on) == {
        "dossier_code": code,
        "status": 4,
        "due_at": "2026-03-27T23:59:59+07:00",
        "applied": True,
    }
    seen = desk.dossier(code)
    assert (seen["overdue"], seen["late"], seen["waiting_since"]) == (False, False, None)
    assert seen["original_due_at"] == "2026-03-27T23:59:59+07:00"


def test_a_wait_over_a_weekend_counts_only_its_working_days(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))  # due Monday 23 March
    # Asked to pay a fee (6) on Friday 20, then for a paper (5) on Saturday 21, back in
    # handling on Monday 23: the wait began on Friday and took one working day (Monday 23).
    for status, when in ((6, "2026-03-20 15:00:00"), (5, "2026-03-21 09:00:00")):
        desk.synced(code, desk.body(agency, procedure, status=status, status_at=at(hanoi(when))))
    back = desk.synced(
        code, desk.body(agency, procedure, status=4, status_at=at(hanoi("2026-03-23 08:00:00")))
    )
    assert back["due_at"] == "2026-03-24T23:59:59+07:00"


def test_a_wait_over_the_april_holidays_counts_none_of_them(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=3)
    code = desk.code(agency)
    received = at(hanoi("2026-04-28 09:00:00"))
    first = desk.synced(
        code, desk.body(agency, procedure, received_at=received, status_at=received)
    )
    assert first["due_at"] == "2026-05-05T23:59:59+07:00"
    # Waiting from Wednesday 29 April to Monday 4 May: 30 April, 1 May and the weekend are
    # no working days, so it waited one day (4 May); 5 May becomes 6 May.
    desk.progress(code, {"status": 5, "at": at(hanoi("2026-04-29 16:00:00"))})
    back = desk.progress(code, {"status": 4, "at": at(hanoi("2026-05-04 08:00:00"))})
    assert body_of(back)["due_at"] == "2026-05-06T23:59:59+07:00"


def test_a_copy_that_sends_its_own_due_at_on_going_on_is_taken_as_it_is(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))
    desk.synced(
        code, desk.body(agency, procedure, status=5, status_at=at(hanoi("2026-03-18 10:00:00")))
    )
    back = desk.synced(
        code,
        desk.body(
            agency,
            procedure,
            status=4,
            status_at=at(hanoi("2026-03-20 10:00:00")),
            due_at=at(hanoi("2026-03-25 17:00:00")),
        ),
    )
    assert back["due_at"] == "2026-03-25T17:00:00+07:00"


def test_the_sweep_marks_overdue_the_dossiers_whose_due_at_passed(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    running, waiting, handled = desk.code(agency), desk.code(agency), desk.code(agency)
    for code in (running, waiting, handled):
        desk.synced(code, desk.body(agency, procedure))  # all due Monday 23 March, 23:59:59
    desk.synced(
        waiting, desk.body(agency, procedure, status=5, status_at=at(hanoi("2026-03-20 09:00")))
    )
    desk.synced(
        handled, desk.body(agency, procedure, status=9, status_at=at(hanoi("2026-03-23 15:00")))
    )
    desk.clock.set(hanoi("2026-03-23 23:59:00"))
    desk.sweep()
    assert desk.listed(agency, overdue="true") == []
    desk.clock.set(hanoi("2026-03-24 00:00:30"))
    # The answer is right before the sweep runs; the agency's list once it has.
    assert desk.dossier(running)["overdue"] is True
    desk.sweep()
    assert desk.listed(agency, overdue="true") == [running]
    assert [desk.dossier(code)["overdue"] for code in (running, waiting, handled)] == [
        True,
        False,
        False,
    ]
    desk.sweep()  # a second run finds nothing more
    assert desk.listed(agency, overdue="true") == [running]


def test_a_dossier_handled_after_its_due_at_stays_overdue(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    late, on_time = desk.code(agency), desk.code(agency)
    desk.synced(late, desk.body(agency, procedure))
    desk.synced(on_time, desk.body(agency, procedure))
    desk.clock.set(hanoi("2026-03-25 10:00:00"))
    desk.synced(
        late,
        desk.body(
            agency,
            procedure,
            status=9,
            status_at=at(hanoi("2026-03-24 09:00:00")),
            completed_at=at(hanoi("2026-03-24 09:00:00")),
        ),
    )
    desk.synced(
        on_time,
        desk.body(
            agency,
            procedure,
            status=9,
            status_at=at(hanoi("2026-03-23 17:00:00")),
            completed_at=at(hanoi("2026-03-23 17:00:00")),
        ),
    )
    assert (desk.dossier(late)["overdue"], desk.dossier(on_time)["overdue"]) == (True, False)
    assert desk.listed(agency, overdue="true") == [late]
    status = body_of(desk.client.http.get(f"/{late}/status"))
    assert status["overdue"] is True


def test_an_apology_moves_due_at_but_the_dossier_still_counts_as_late(desk: Desk) -> None:
    agency = desk.agency()
    procedure = desk.procedure([agency], processing_days=5)
    code = desk.code(agency)
    desk.synced(code, desk.body(agency, procedure))
    desk.clock.set(hanoi("2026-03-24 09:00:00"))
    desk.sweep()
    assert desk.listed(agency, overdue="true", apologised="false") == [code]
    response = desk.apologise(code, "Chờ ý kiến của Sở Xây dựng", hanoi("2026-03-27 17:00:00"))
    assert response.status_code == 201, response.body
    seen = desk.dossier(code)
    assert seen["due_at"] == "2026-03-27T17:00:00+07:00"
    assert seen["original_due_at"] == "2026-03-23T23:59:59+07:00"
    assert (seen["overdue"], seen["late"]) == (False, True)
    assert desk.listed(agency, overdue="true") == []
    # Past the new date too: overdue again, now among those with an apology.
    desk.clock.set(hanoi("2026-03-28 09:00:00"))
    desk.sweep()
    assert desk.listed(agency, overdue="true", apologised="false") == []
    assert desk.listed(agency, overdue="true", apologised="true") == [code]
    assert desk.listed(agency, overdue="true") == [code]
