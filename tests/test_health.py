"""`GET /<service>/health` is 200 once the service reaches its table, 503 before."""

from __future__ import annotations

import importlib
import json

import pytest
from chalice.test import Client

from services.core import settings

SERVICES = ["catalogue", "payments", "feedback", "ratings", "dossiers", "reports"]


@pytest.mark.parametrize("service", SERVICES)
def test_health_is_ok_when_the_table_answers(moto_world: None, service: str) -> None:
    app = importlib.import_module(f"services.{service}.app").app
    with Client(app) as client:
        response = client.http.get("/health")
    assert response.status_code == 200
    assert json.loads(response.body) == {"status": "ok"}


@pytest.mark.parametrize("service", SERVICES)
def test_health_is_503_when_the_table_is_missing(
    moto_world: None, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{service.upper()}_TABLE", "portal-test-no-such-table")
    settings.get_settings.cache_clear()
    app = importlib.import_module(f"services.{service}.app").app
    try:
        with Client(app) as client:
            response = client.http.get("/health")
    finally:
        monkeypatch.undo()
        settings.get_settings.cache_clear()
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "no-such-table" not in response.body.decode()
