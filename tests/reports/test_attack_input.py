"""An attacker's and a careless caller's requests: every bad input is a problem+json 4xx,
another agency's forms stay closed, and the page escapes what the catalogue holds."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from services.core import tokens as token_minting
from tests.reports.conftest import Reports, dossier

BAD_PERIODS = [
    "2026-13",
    "2026-00",
    "2026-Q5",
    "2026-Q0",
    "202",
    "20266",
    "２０２６",
    "2026-q1",
    "2026-1",
    "2026\n",
    "2026-05x",
    "9" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]
BAD_AGENCIES = ["-bad", "a" * 41, "H55/../x", "<b>", "ＡＢＣ", "H55 242", "'", ""]


def _problem(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.body[:300])
    assert response.headers["Content-Type"] == "application/problem+json"
    assert b"Traceback" not in response.body


@pytest.mark.parametrize("period", BAD_PERIODS)
def test_a_bad_period_is_a_400_on_every_route(reports: Reports, auth: Any, period: str) -> None:
    agency = reports.agency()
    p = quote(period)
    for url in (
        f"/index?agency_id={agency}&period={p}",
        f"/rankings?period={p}",
        f"/dashboard?agency_id={agency}&period={p}",
        f"/forms/dossier-handling?agency_id={agency}&period={p}",
        f"/forms/feedback-handling?agency_id={agency}&period={p}&format=xlsx",
    ):
        _problem(reports.client.http.get(url, headers=auth("operator")), 400, 422)


@pytest.mark.parametrize("agency", BAD_AGENCIES)
def test_a_bad_agency_id_is_a_400(reports: Reports, auth: Any, agency: str) -> None:
    a = quote(agency)
    for url in (
        f"/index?agency_id={a}&period=2026",
        f"/dashboard?agency_id={a}&period=2026",
        f"/forms/dossier-handling?agency_id={a}&period=2026",
    ):
        _problem(reports.client.http.get(url, headers=auth("operator")), 400, 422)


@pytest.mark.parametrize("period", ["0000", "0001-01", "9999", "9999-12", "9999-Q4", "1000-Q1"])
def test_a_well_formed_period_out_of_the_calendar_is_never_a_500(
    reports: Reports, auth: Any, period: str
) -> None:
    agency = reports.agency()
    for url in (
        f"/index?agency_id={agency}&period={period}",
        f"/rankings?period={period}",
        f"/dashboard?agency_id={agency}&period={period}",
        f"/forms/dossier-handling?agency_id={agency}&period={period}",
        f"/forms/dossier-handling?agency_id={agency}&period={period}&format=xlsx",
        f"/forms/feedback-handling?agency_id={agency}&period={period}",
    ):
        response = reports.client.http.get(
            url, headers=auth("operator", Accept="text/csv, application/json")
        )
        assert response.status_code < 500, (url, response.body[:300])
        if response.status_code >= 400:
            _problem(response, 400, 404, 422)


def test_unknown_and_repeated_parameters_and_a_huge_query(reports: Reports, auth: Any) -> None:
    agency = reports.agency()
    huge = "x" * 20000
    for url in (
        f"/index?agency_id={agency}&period=2026&junk={huge}",
        f"/index?agency_id={agency}&agency_id=H55&period=2026",
        f"/index?agency_id={agency}",
        "/index",
        "/rankings",
        f"/rankings?period=2026&agency_level={huge}",
        "/rankings?period=2026&agency_level=<script>",
        f"/forms/dossier-handling?agency_id={agency}&period=2026&format=pdf",
        f"/forms/{'a' * 60}?agency_id={agency}&period=2026",
    ):
        response = reports.client.http.get(url, headers=auth("operator"))
        assert response.status_code < 500, (url, response.body[:300])
        if response.status_code >= 400:
            _problem(response, 400, 403, 404, 405, 422)


def test_an_unknown_form_is_a_404_problem(reports: Reports, auth: Any) -> None:
    agency = reports.agency()
    response = reports.client.http.get(
        f"/forms/citizens?agency_id={agency}&period=2026", headers=auth("operator")
    )
    _problem(response, 404)


# -- another agency's forms -------------------------------------------------------------------
def _form(reports: Reports, agency: str, headers: dict[str, str], fmt: str = "csv") -> Any:
    return reports.client.http.get(
        f"/forms/dossier-handling?agency_id={agency}&period=2026-05&format={fmt}",
        headers=headers,
    )


def test_an_official_of_a_never_gets_bs_forms(reports: Reports, auth: Any) -> None:
    a, b = reports.agency(), reports.agency()
    reports.deliver(dossier(b, f"{b}-1"))
    assert _form(reports, a, auth("official", agency=a)).status_code == 200
    for headers in (
        auth("official", agency=a),
        auth("official"),  # an official bound to no agency
        auth("system", agency=b),
        auth("system", agency=a),
        auth("citizen"),
        auth("citizen", agency=b),
    ):
        for fmt in ("csv", "xlsx"):
            _problem(_form(reports, b, headers, fmt), 403)
    _problem(_form(reports, b, {}), 401)


def test_bad_tokens_are_401(reports: Reports, signing_key: str) -> None:
    b = reports.agency()
    expired = token_minting.mint(
        signing_key, roles=["operator"], agency_id=b, lifetime_seconds=-120
    )
    other_audience = token_minting.mint(signing_key, roles=["operator"], audience="another-app")
    other_issuer = token_minting.mint(signing_key, roles=["operator"], issuer="https://evil")
    foreign_key = token_minting.mint(token_minting.generate_private_key_pem(), roles=["operator"])
    header, payload, _ = expired.split(".")
    unsigned = f"{header}.{payload}."
    for token in (expired, other_audience, other_issuer, foreign_key, unsigned, "x.y.z", "abc"):
        _problem(_form(reports, b, {"Authorization": f"Bearer {token}"}), 401)
    _problem(_form(reports, b, {"Authorization": "Basic Zm9vOmJhcg=="}), 401)


# -- the page escapes ---------------------------------------------------------------------------
def test_the_dashboard_escapes_agency_names(reports: Reports, auth: Any) -> None:
    agency = reports.agency()
    nasty = "</script><script>alert('x')</script>\"><img src=x onerror=alert(1)>"
    answer = reports.catalogue.http.put(
        f"/agencies/{agency}",
        headers=auth("operator"),
        body=json.dumps({"name": nasty, "level": "province"}),
    )
    assert answer.status_code in (200, 201), answer.body
    reports.deliver(dossier(agency, f"{agency}-1", received_at="2029-02-03T09:00:00+07:00"))
    for url in (f"/dashboard?agency_id={agency}&period=2029-02", "/dashboard?period=2029-02"):
        response = reports.client.http.get(url)
        assert response.status_code == 200, response.body
        page = response.body.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "onerror=alert(1)>" not in page
        assert page.count("<script") == page.count("</script>")
