"""Counting against a hostile or broken queue: twice, out of order, backwards, moving,
poisoned, forged. The counters always equal what the facts' newest states contribute."""

from __future__ import annotations

import json

from tests.reports.conftest import Reports, dossier, indicators

MAY = "2030-05"


def _may(agency: str, code: str, version: int = 1, **changes: object) -> dict[str, object]:
    may = {
        "received_at": "2030-05-04T09:00:00+07:00",
        "due_at": "2030-05-11T17:00:00+07:00",
        "status_at": "2030-05-04T09:00:00+07:00",
    }
    return dossier(agency, code, version, **(may | changes))


def test_twice_out_of_order_and_backwards_count_the_newest_once(reports: Reports) -> None:
    agency = reports.agency()
    code = f"{agency}-1"
    newest = _may(agency, code, 3, digitized=True, channel="counter")
    older = _may(agency, code, 2, digitized=False)
    reports.deliver(newest, older, newest)
    reports.deliver(older, _may(agency, code, 1))
    found = indicators(reports.index(agency, MAY))
    assert found["ho_so_so_hoa"] == (1, 1, 22.0)
    assert found["ho_so_truc_tuyen"] == (0, 1, 0.0)


def test_a_dossier_moving_agency_leaves_the_first_one(reports: Reports) -> None:
    first, second = reports.agency(), reports.agency()
    code = f"{first}-move"
    reports.deliver(_may(first, code, 1, digitized=True))
    reports.deliver(_may(second, code, 2, digitized=True))
    assert indicators(reports.index(first, MAY))["ho_so_so_hoa"] == (0, 0, 0.0)
    assert indicators(reports.index(second, MAY))["ho_so_so_hoa"] == (1, 1, 22.0)
    # An older state arriving last does not move it back.
    reports.deliver(_may(first, code, 1, digitized=True))
    assert indicators(reports.index(first, MAY))["ho_so_so_hoa"] == (0, 0, 0.0)


def test_unreadable_unknown_and_negative_messages_are_dropped_not_retried(
    reports: Reports,
) -> None:
    agency = reports.agency()
    good = _may(agency, f"{agency}-good", digitized=True)
    bodies = [
        "not json",
        json.dumps({"type": "report.citizen", "agency_id": agency}),
        json.dumps(_may(agency, f"{agency}-neg", apologies=-5)),
        json.dumps(_may(agency, f"{agency}-v0", version=0)),
        json.dumps(_may(agency, f"{agency}-st", status=99)),
        json.dumps({**_may(agency, f"{agency}-naive"), "received_at": "2030-05-04T09:00:00"}),
        json.dumps(_may(agency, "../../AGG#x")),
        json.dumps(good),
    ]
    answer = reports.deliver_bodies(bodies)
    assert answer == {"batchItemFailures": []}
    found = indicators(reports.index(agency, MAY))
    assert found["ho_so_so_hoa"] == (1, 1, 22.0)


def test_a_moment_outside_the_calendar_is_dropped_and_blocks_nothing(reports: Reports) -> None:
    agency = reports.agency()
    bodies = [
        json.dumps(_may(agency, f"{agency}-old", received_at="0001-01-01T00:00:00+14:00")),
        json.dumps(_may(agency, f"{agency}-far", due_at="9999-12-31T23:00:00-05:00")),
        json.dumps(
            {
                "type": "report.rating",
                "dossier_code": f"{agency}-r",
                "agency_id": agency,
                "rated_at": "0001-01-01T01:00:00+14:00",
                "satisfied": True,
            }
        ),
        json.dumps(_may(agency, f"{agency}-good", digitized=True)),
    ]
    answer = reports.deliver_bodies(bodies)
    # Retrying would never succeed: it would only sit in the queue five times, then the DLQ.
    assert answer == {"batchItemFailures": []}
    assert indicators(reports.index(agency, MAY))["ho_so_so_hoa"] == (1, 1, 22.0)


def test_an_enormous_count_is_refused_and_blocks_nothing(reports: Reports) -> None:
    agency = reports.agency()
    answer = reports.deliver(
        _may(agency, f"{agency}-big", apologies=10**40),
        _may(agency, f"{agency}-late", version=10**40),
        _may(agency, f"{agency}-good", digitized=True),
    )
    assert answer == {"batchItemFailures": []}
    assert indicators(reports.index(agency, MAY))["ho_so_so_hoa"] == (1, 1, 22.0)


def test_points_never_exceed_their_maximum_whatever_the_counts(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(
        _may(agency, f"{agency}-1", apologies=1000, digitized=True, paid_online=True),
        {
            "type": "report.rating",
            "dossier_code": f"{agency}-1",
            "agency_id": agency,
            "rated_at": "2030-05-06T09:00:00+07:00",
            "satisfied": True,
        },
    )
    found = reports.index(agency, MAY)
    assert 0 <= found["score"] <= 100
    for group in found["groups"]:
        assert 0 <= group["points"] <= group["max_points"]


def test_a_future_dossier_counts_only_in_its_own_future_period(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(
        dossier(
            agency,
            f"{agency}-future",
            received_at="2199-01-04T09:00:00+07:00",
            due_at="2199-01-11T17:00:00+07:00",
            status_at="2199-01-04T09:00:00+07:00",
            digitized=True,
        )
    )
    assert indicators(reports.index(agency, MAY))["ho_so_so_hoa"] == (0, 0, 0.0)
    assert indicators(reports.index(agency, "2199-01"))["ho_so_so_hoa"] == (1, 1, 22.0)
