"""The periodic forms: laid out as Circular 01/2020/TT-VPCP's, read back from the files."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from tests.conftest import SetClock
from tests.reports.conftest import Reports, dossier

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fill(reports: Reports) -> str:
    agency = reports.agency()
    reports.deliver(
        dossier(agency, f"{agency}-1", status=9, completed_at="2026-05-08T10:00:00+07:00"),
        dossier(
            agency,
            f"{agency}-2",
            status=10,
            completed_at="2026-05-14T10:00:00+07:00",
            late=True,
            apologies=1,
            channel="counter",
        ),
        dossier(agency, f"{agency}-3", status=4, channel="post"),
        dossier(agency, f"{agency}-4", status=4, late=True),
        {
            "type": "report.feedback",
            "tracking_code": f"PA-{agency}",
            "agency_id": agency,
            "received_at": "2026-05-05T10:00:00+07:00",
            "due_at": "2026-05-20T10:00:00+07:00",
        },
    )
    return agency


def _dossier_row(reports: Reports, auth: Any, agency: str, period: str) -> list[str]:
    response = reports.client.http.get(
        f"/forms/dossier-handling?agency_id={agency}&period={period}&format=csv",
        headers=auth("operator"),
    )
    assert response.status_code == 200, response.body
    return list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))[5]


def test_dossier_handling_as_csv_with_a_bom(reports: Reports, auth, clock: SetClock) -> None:  # type: ignore[no-untyped-def]
    # Midnight of 1 June in Hanoi: May has ended, and is read as it stood at its end.
    clock.set(datetime.fromisoformat("2026-06-01T00:00:00+07:00"))
    agency = _fill(reports)
    response = reports.client.http.get(
        f"/forms/dossier-handling?agency_id={agency}&period=2026-05&format=csv",
        headers=auth("official", agency=agency),
    )
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.body.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0] == ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"]
    assert rows[2] == ["Kỳ báo cáo: 2026-05"]
    assert rows[3][2] == "Số hồ sơ nhận giải quyết"
    assert rows[4] == [
        "STT",
        "Mã định danh",
        "Trực tuyến",
        "Trực tiếp",
        "Dịch vụ bưu chính",
        "Từ kỳ trước",
        "Tổng số",
        "Đã giải quyết đúng hạn",
        "Đã giải quyết quá hạn",
        "Đang giải quyết trong hạn",
        "Đang giải quyết quá hạn",
        "Tổng số",
    ]
    # Two closed in May (one on time, one late); the two still open were both due on 11 May.
    assert rows[5] == ["1", agency, "2", "1", "1", "0", "4", "1", "1", "0", "2", "1"]


def test_a_period_still_running_reads_the_open_dossiers_as_they_stand(
    reports: Reports, auth: Any, clock: SetClock
) -> None:
    clock.set(datetime.fromisoformat("2026-05-31T23:59:00+07:00"))
    agency = _fill(reports)
    # One open dossier is within its date as the sweep last saw it, the other past it.
    assert _dossier_row(reports, auth, agency, "2026-05")[5:11] == ["0", "4", "1", "1", "1", "1"]


def test_dossiers_open_at_the_end_of_a_month_are_carried_into_the_next(
    reports: Reports, auth: Any, clock: SetClock
) -> None:
    clock.set(datetime.fromisoformat("2026-07-01T08:00:00+07:00"))
    agency = reports.agency()
    april = {"received_at": "2026-04-28T09:00:00+07:00", "due_at": "2026-05-06T17:00:00+07:00"}
    reports.deliver(
        # Open since April, due in May: carried over, and past due at the end of May.
        dossier(agency, f"{agency}-OPEN", **april),
        # Closed in April: not carried.
        dossier(
            agency, f"{agency}-APRIL", status=10, completed_at="2026-04-30T10:00:00+07:00", **april
        ),
        # Closed at 00:30 on 1 May in Hanoi (still 30 April in UTC): carried, closed in May.
        dossier(
            agency, f"{agency}-MAY", status=10, completed_at="2026-04-30T17:30:00+00:00", **april
        ),
        # Received and refused in May: handled, on time.
        dossier(agency, f"{agency}-REFUSED", status=3, status_at="2026-05-05T09:00:00+07:00"),
    )
    may = _dossier_row(reports, auth, agency, "2026-05")
    assert may[2:11] == ["1", "0", "0", "2", "3", "2", "0", "0", "1"]
    # June starts with the one still open, past due since May.
    june = _dossier_row(reports, auth, agency, "2026-06")
    assert june[2:11] == ["0", "0", "0", "1", "1", "0", "0", "0", "1"]
    # The quarter received all four itself: nothing is carried into it.
    quarter = _dossier_row(reports, auth, agency, "2026-Q2")
    assert quarter[2:11] == ["4", "0", "0", "0", "4", "3", "0", "0", "1"]


def test_feedback_handling_as_xlsx(reports: Reports, auth) -> None:  # type: ignore[no-untyped-def]
    agency = _fill(reports)
    response = reports.client.http.get(
        f"/forms/feedback-handling?agency_id={agency}&period=2026-Q2&format=xlsx",
        headers=auth("operator", Accept=XLSX),
    )
    assert response.status_code == 200, response.body
    sheet = load_workbook(io.BytesIO(response.body)).active
    assert sheet is not None
    assert sheet["A1"].value == "TÌNH HÌNH, KẾT QUẢ TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ"
    assert sheet["A2"].value == f"Cơ quan: Cơ quan {agency}"
    assert [c.value for c in sheet[5]] == [
        "STT",
        "Mã định danh",
        "Tổng số tiếp nhận",
        "Đã trả lời đúng hạn",
        "Đã trả lời quá hạn",
        "Đang xử lý",
    ]
    assert [c.value for c in sheet[6]] == [1, agency, 1, 0, 0, 1]
    assert "D4:F4" in {str(r) for r in sheet.merged_cells.ranges}


def test_roles_on_the_forms(reports: Reports, auth) -> None:  # type: ignore[no-untyped-def]
    agency, other = reports.agency(), reports.agency()
    path = f"/forms/dossier-handling?agency_id={agency}&period=2026"
    assert reports.client.http.get(path).status_code == 401
    assert reports.client.http.get(path, headers=auth("citizen")).status_code == 403
    assert reports.client.http.get(path, headers=auth("official", agency=other)).status_code == 403
    assert reports.client.http.get(path, headers=auth("official", agency=agency)).status_code == 200
    unknown = f"/forms/budget?agency_id={agency}&period=2026"
    assert reports.client.http.get(unknown, headers=auth("operator")).status_code == 404
    bad = f"/forms/dossier-handling?agency_id={agency}&period=2026&format=pdf"
    assert reports.client.http.get(bad, headers=auth("operator")).status_code == 422
