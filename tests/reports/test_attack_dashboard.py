"""The public dashboard's landing page stays up whatever the queue counted."""

from __future__ import annotations

from typing import Any

from tests.reports.conftest import Reports, dossier


def test_an_agency_the_catalogue_does_not_know_ranking_first_does_not_break_the_page(
    reports: Reports,
) -> None:
    known = reports.agency()
    stranger = "000.00.99.Z99"  # counted from a message, never in the catalogue
    july: dict[str, Any] = {
        "received_at": "2032-07-04T09:00:00+07:00",
        "due_at": "2032-07-11T17:00:00+07:00",
        "status_at": "2032-07-04T09:00:00+07:00",
    }
    reports.deliver(
        dossier(stranger, f"{stranger}-1", digitized=True, paid_online=True, **july),
        dossier(known, f"{known}-1", **july),
    )
    response = reports.client.http.get("/dashboard?period=2032-07")
    assert response.status_code == 200, response.body
    page = response.body.decode()
    assert f"Cơ quan {known} — kỳ tháng 07/2032" in page
