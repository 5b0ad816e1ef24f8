"""Nothing of a citizen reaches reports: not the messages the dossiers service sends, not
the reports table, not the forms, the page, the logs, nor the dossiers list the page opens.
And a form's cells are never formulas, whatever the catalogue calls an agency."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from openpyxl import load_workbook

from tests.reports.conftest import QUEUE, Reports
from tests.support.catalogue import publish_procedure
from tests.support.queues import drain

CITIZEN_ID = "079187654321"
NAME = "Lê Thị Hồng Nhung"
PHONE = "0987 654 321"
EMAIL = "nhung.le@example.vn"
APPLICANT = {"citizen_id": CITIZEN_ID, "name": NAME, "phone": PHONE, "email": EMAIL}
TRACES = (CITIZEN_ID, NAME, "0987654321", "987654321", "0987 654 321", EMAIL, "Nhung")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def dossiers_client(catalogue_client: Client) -> Iterator[Client]:
    from services.dossiers.app import app

    with Client(app) as client:
        yield client


def _clean(text: str, where: str) -> None:
    for trace in TRACES:
        assert trace not in text, (where, trace)


def test_no_personal_data_anywhere_in_reports(
    reports: Reports,
    dossiers_client: Client,
    auth: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    agency = reports.agency()
    publish_procedure(reports.catalogue, auth("operator"), "1.779001", [agency])
    system = auth("system", sub="mot-cua", agency=agency)
    body = {
        "procedure_code": "1.779001",
        "agency_id": agency,
        "channel": "online",
        "applicant": APPLICANT,
        "received_at": "2026-03-16T08:00:00+07:00",
        "status": 2,
        "status_at": "2026-03-16T08:00:00+07:00",
    }
    answer = dossiers_client.http.put(f"/{agency}-P1", headers=system, body=json.dumps(body))
    assert answer.status_code in (200, 201), answer.body
    bodies = drain(QUEUE)
    assert any('"report.dossier"' in b for b in bodies)
    for message in bodies:
        _clean(message, "report message")
    reports.deliver_bodies(bodies)

    table = boto3.resource("dynamodb").Table("portal-test-reports")
    for item in table.scan()["Items"]:
        _clean(json.dumps(item, default=str, ensure_ascii=False), "reports table")
    for fmt in ("csv", "xlsx"):
        response = reports.client.http.get(
            f"/forms/dossier-handling?agency_id={agency}&period=2026-03&format={fmt}",
            headers=auth("official", agency=agency, Accept=f"{XLSX}, text/csv"),
        )
        assert response.status_code == 200, response.body
        if fmt == "csv":
            _clean(response.body.decode("utf-8-sig"), "csv")
        else:
            book = load_workbook(io.BytesIO(response.body))
            cells = [str(c.value) for row in book.active.iter_rows() for c in row]
            _clean(" ".join(cells), "xlsx")
    page = reports.client.http.get(f"/dashboard?agency_id={agency}&period=2026-03")
    assert page.status_code == 200
    _clean(page.body.decode(), "dashboard")
    listed = dossiers_client.http.get(
        f"/agencies/{agency}/dossiers?limit=50", headers=auth("official", agency=agency)
    )
    assert listed.status_code == 200, listed.body
    assert len(json.loads(listed.body)["items"]) == 1
    _clean(listed.body.decode(), "the dossiers list the dashboard opens")
    _clean(caplog.text, "logs")


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1"],
)
def test_a_form_never_holds_a_formula(reports: Reports, auth: Any, name: str) -> None:
    agency = reports.agency()
    answer = reports.catalogue.http.put(
        f"/agencies/{agency}",
        headers=auth("operator"),
        body=json.dumps({"name": name, "level": "province"}),
    )
    if answer.status_code not in (200, 201):
        return  # the catalogue refuses the name: nothing to inject
    headers = auth("operator", Accept=f"{XLSX}, text/csv")
    url = f"/forms/feedback-handling?agency_id={agency}&period=2026-03"
    text = reports.client.http.get(url + "&format=csv", headers=headers).body.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
    book = load_workbook(
        io.BytesIO(reports.client.http.get(url + "&format=xlsx", headers=headers).body)
    )
    for row in book.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            assert str(cell.value or "")[:1] not in ("=", "+", "-", "@"), cell.value
