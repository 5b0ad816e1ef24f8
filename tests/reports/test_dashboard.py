"""The dashboard page: Vietnamese, the agency's score and band, its groups, the charts."""

from __future__ import annotations

from tests.reports.conftest import Reports, dossier


def test_the_dashboard_shows_an_agencys_index(reports: Reports) -> None:
    agency = reports.agency()
    reports.deliver(
        dossier(agency, f"{agency}-1", received_at="2028-02-03T09:00:00+07:00", digitized=True)
    )
    response = reports.client.http.get(f"/dashboard?agency_id={agency}&period=2028-02")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert '<html lang="vi">' in page
    assert 'data-score="54.0"' in page  # tien_do 20 + truc_tuyen 12 + so_hoa 22
    assert "Trung bình" in page
    assert "tháng 02/2028" in page
    assert page.count("<svg") == 2
    assert "Tiến độ giải quyết" in page


def test_the_dashboard_names_an_agencys_rank_among_all_of_the_period(reports: Reports) -> None:
    first, second = reports.agency(), reports.agency()
    reports.deliver(
        dossier(first, f"{first}-1", received_at="2029-07-03T09:00:00+07:00", digitized=True),
        dossier(second, f"{second}-1", received_at="2029-07-04T09:00:00+07:00"),
    )
    page = reports.client.http.get(f"/dashboard?agency_id={second}&period=2029-07").body.decode()
    assert f"Cơ quan {second} đứng thứ 2 trong 2 cơ quan có số liệu kỳ này." in page


def test_an_unknown_agency_is_a_404(reports: Reports) -> None:
    response = reports.client.http.get("/dashboard?agency_id=000.00.98.H98&period=2026")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
