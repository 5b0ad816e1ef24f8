"""The index of an agency, from messages built by hand, with points worked out by hand."""

from __future__ import annotations

from typing import Any

from tests.conftest import body_of
from tests.reports.conftest import Reports, dossier, groups, indicators


def _procedure(agency_id: str, code: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    message = {
        "type": "report.procedure",
        "code": code,
        "version": version,
        "agency_ids": [agency_id],
        "published": True,
        "online_level": "full",
        "online_payment": True,
        "electronic_result": False,
        "occurred_at": "2026-01-02T08:00:00+07:00",
    }
    return message | changes


def test_every_indicator_on_hand_made_data(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(
        # Four procedures: 3 online, 2 with online payment, 1 with an electronic result.
        _procedure(agency, "1.000001"),
        _procedure(agency, "1.000002", electronic_result=True),
        _procedure(agency, "1.000003", online_payment=False),
        _procedure(agency, "1.000004", online_level=None, online_payment=False),
        # Five dossiers in May 2026: on time, late, in progress within, refused, withdrawn.
        dossier(
            agency,
            "D-1",
            status=9,
            completed_at="2026-05-08T10:00:00+07:00",
            digitized=True,
            paid_online=True,
        ),
        dossier(
            agency,
            "D-2",
            status=10,
            completed_at="2026-05-14T10:00:00+07:00",
            late=True,
            channel="counter",
            digitized=True,
        ),
        dossier(agency, "D-3", status=4, channel="post"),
        dossier(agency, "D-4", status=3),
        dossier(agency, "D-5", status=7, paid_online=True),
    )
    reports.deliver(
        {
            "type": "report.rating",
            "dossier_code": "D-1",
            "agency_id": agency,
            "rated_at": "2026-05-09T10:00:00+07:00",
            "satisfied": True,
        },
        {
            "type": "report.rating",
            "dossier_code": "D-2",
            "agency_id": agency,
            "rated_at": "2026-05-15T10:00:00+07:00",
            "satisfied": False,
        },
        {
            "type": "report.feedback",
            "tracking_code": "PA-1",
            "agency_id": agency,
            "received_at": "2026-05-05T10:00:00+07:00",
            "due_at": "2026-05-20T10:00:00+07:00",
            "answered_at": "2026-05-10T10:00:00+07:00",
        },
        {
            "type": "report.feedback",
            "tracking_code": "PA-2",
            "agency_id": agency,
            "received_at": "2026-05-05T10:00:00+07:00",
            "due_at": "2026-05-20T10:00:00+07:00",
        },
    )
    found = reports.index(agency, "2026-05")
    assert indicators(found) == {
        "thu_tuc_dvc_truc_tuyen": (3, 4, 4.5),  # 6 * 3/4
        "thu_tuc_thanh_toan_truc_tuyen": (2, 4, 3.0),
        "thu_tuc_ket_qua_dien_tu": (1, 4, 1.5),
        "ho_so_dung_han": (2, 3, 13.33),  # D-1 on time, D-3 within; D-2 late; D-4, D-5 out
        "ho_so_truc_tuyen": (3, 5, 7.2),  # 12 * 3/5
        "ho_so_thanh_toan_truc_tuyen": (2, 5, 4.0),
        "danh_gia_hai_long": (1, 2, 6.0),
        "phan_anh_dung_han": (1, 2, 3.0),
        "ho_so_so_hoa": (2, 5, 8.8),  # 22 * 2/5
    }
    assert groups(found) == {
        "cong_khai": 9.0,
        "tien_do": 13.33,
        "truc_tuyen": 7.2,
        "thanh_toan": 4.0,
        "hai_long": 9.0,
        "so_hoa": 8.8,
    }
    assert found["score"] == 51.33
    assert found["band"] == "trung_binh"
    maxima = {g["id"]: g["max_points"] for g in found["groups"]}
    assert maxima == {
        "cong_khai": 18,
        "tien_do": 20,
        "truc_tuyen": 12,
        "thanh_toan": 10,
        "hai_long": 18,
        "so_hoa": 22,
    }


def test_redelivery_and_out_of_order_give_the_same_index(reports: Reports) -> None:
    in_order, shuffled = reports.agency(), reports.agency()

    def steps(agency: str) -> list[dict[str, Any]]:
        return [
            dossier(agency, f"{agency}-1", 1, status=2),
            dossier(agency, f"{agency}-1", 2, status=4),
            dossier(
                agency,
                f"{agency}-1",
                3,
                status=9,
                completed_at="2026-05-15T10:00:00+07:00",
                late=True,
                apologies=1,
            ),
        ]

    for message in steps(in_order):
        reports.deliver(message)
    newest, middle, oldest = reversed(steps(shuffled))
    reports.deliver(newest, newest)
    reports.deliver(oldest, middle, newest)
    a, b = reports.index(in_order, "2026-05"), reports.index(shuffled, "2026-05")
    assert indicators(a) == indicators(b)
    assert indicators(b)["ho_so_dung_han"] == (0, 1, 0.0)


def test_a_dossier_moves_between_buckets_when_it_changes(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(dossier(agency, "M-1", 1, status=4))
    assert indicators(reports.index(agency, "2026-Q2"))["ho_so_dung_han"] == (1, 1, 20.0)
    reports.deliver(dossier(agency, "M-1", 2, status=7))  # withdrawn: out of tien_do
    assert indicators(reports.index(agency, "2026-Q2"))["ho_so_dung_han"] == (0, 0, 0.0)


def test_period_boundaries_are_midnight_in_hanoi(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(
        # 23:59 on 31 March, and 00:00 on 1 April, in Hanoi.
        dossier(agency, "B-1", received_at="2026-03-31T16:59:00+00:00"),
        dossier(agency, "B-2", received_at="2026-03-31T17:00:00+00:00"),
        dossier(agency, "B-3", received_at="2025-12-31T17:00:00+00:00"),
    )

    def received(period: str) -> int:
        return indicators(reports.index(agency, period))["ho_so_truc_tuyen"][1]

    assert received("2026-03") == 1
    assert received("2026-Q1") == 2  # B-1 and B-3 (1 January 2026 in Hanoi)
    assert received("2026-04") == 1
    assert received("2026-Q2") == 1
    assert received("2026") == 3
    assert received("2025") == 0


def test_an_abolished_procedure_leaves_the_count(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(_procedure(agency, "1.000010"), _procedure(agency, "1.000011"))
    reports.deliver(_procedure(agency, "1.000011", 2, published=False))
    reports.deliver(_procedure(agency, "1.000011", 1))  # an old message, late: changes nothing
    assert indicators(reports.index(agency, "2026"))["thu_tuc_dvc_truc_tuyen"] == (1, 1, 6.0)


def test_unknown_agency_and_bad_period(reports: Reports) -> None:
    missing = reports.client.http.get("/index?agency_id=000.00.99.H99&period=2026")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    agency = reports.agency()
    bad = reports.client.http.get(f"/index?agency_id={agency}&period=2026-13")
    assert bad.status_code == 422
    assert bad.headers["Content-Type"] == "application/problem+json"
    assert body_of(bad)["errors"][0]["field"] == "query.period"


def test_rankings_best_first_per_level(reports: Reports) -> None:
    better, worse = reports.agency("commune"), reports.agency("commune")
    reports.deliver(
        dossier(better, f"{better}-1", received_at="2027-02-01T09:00:00+07:00", digitized=True),
        dossier(worse, f"{worse}-1", received_at="2027-02-01T09:00:00+07:00", channel="counter"),
    )
    found = body_of(reports.client.http.get("/rankings?period=2027-02&agency_level=commune"))
    assert [(r["rank"], r["agency_id"], r["score"]) for r in found["items"]] == [
        (1, better, 54.0),  # tien_do 20 + truc_tuyen 12 + so_hoa 22
        (2, worse, 20.0),
    ]
    national = body_of(reports.client.http.get("/rankings?period=2027-02"))
    assert [r["agency_id"] for r in national["items"]] == [better, worse]
