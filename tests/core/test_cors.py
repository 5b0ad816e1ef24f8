"""Browser front ends on other origins: every route answers a preflight, and answers carry
the allow headers for the origins the stage allows (locally any port of localhost)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from services.core.cors import CorsPolicy
from tests.conftest import Headers

pytestmark = pytest.mark.usefixtures("moto_world")

APPS = ("catalogue", "payments", "feedback", "ratings", "dossiers", "reports")
FRONT_END = "http://localhost:5173"


@pytest.fixture(scope="module")
def clients(moto_world: None) -> Iterator[dict[str, Any]]:
    opened = {}
    for name in APPS:
        app = importlib.import_module(f"services.{name}.app").app
        opened[name] = Client(app)
    yield opened


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1.000001", path)


@pytest.mark.parametrize("service", APPS)
def test_every_route_answers_a_preflight_from_a_local_front_end(
    clients: dict[str, Any], service: str
) -> None:
    client = clients[service]
    app = client._app  # the Chalice app itself: its route table
    for path, methods in app.routes.items():
        declared = sorted(m for m in methods if m != "OPTIONS")
        answer = client.http.request(
            "OPTIONS",
            _concrete(path),
            headers={
                "Origin": FRONT_END,
                "Access-Control-Request-Method": declared[0],
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert answer.status_code == 204, (service, path)
        assert answer.headers["Access-Control-Allow-Origin"] == FRONT_END
        allowed = answer.headers["Access-Control-Allow-Methods"].split(", ")
        assert sorted(allowed) == sorted({*declared, "OPTIONS"}), (service, path)
        for header in ("Authorization", "Content-Type", "Accept-Language", "Idempotency-Key"):
            assert header in answer.headers["Access-Control-Allow-Headers"]


def test_a_preflight_from_a_foreign_origin_gets_no_permission(clients: dict[str, Any]) -> None:
    answer = clients["catalogue"].http.request(
        "OPTIONS",
        "/procedures/1.000001",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"},
    )
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Methods" not in answer.headers


def test_answers_and_errors_alike_carry_the_allow_origin(
    clients: dict[str, Any], auth: Headers
) -> None:
    client = clients["catalogue"]
    listed = client.http.get("/agencies", headers={"Origin": "http://127.0.0.1:3000"})
    assert listed.status_code == 200
    assert listed.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"
    assert "X-Correlation-Id" in listed.headers["Access-Control-Expose-Headers"]
    assert listed.headers["Vary"] == "Origin"
    # A page must be able to read a refusal too, or it only sees "Failed to fetch".
    missing = client.http.get("/procedures/9.999999", headers={"Origin": FRONT_END})
    assert missing.status_code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == FRONT_END
    forbidden = client.http.put(
        "/procedures/1.000001", headers={**auth("citizen"), "Origin": FRONT_END}, body="{}"
    )
    assert forbidden.status_code in (403, 422)
    assert forbidden.headers["Access-Control-Allow-Origin"] == FRONT_END
    foreign = client.http.get("/agencies", headers={"Origin": "http://localhost.evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://dichvucong.gov.vn", True),
        ("https://dichvucong.gov.vn:443", False),  # written exactly: another origin
        ("http://dichvucong.gov.vn", False),
        ("https://evil-dichvucong.gov.vn", False),
        ("http://localhost", True),
        ("http://localhost:8080", True),
        ("https://localhost:8080", False),
        ("http://127.0.0.1:65535", True),
        ("http://localhost:*", False),
        ("null", False),
        ("", False),
    ],
)
def test_a_stage_policy(origin: str, allowed: bool) -> None:
    policy = CorsPolicy.parse("https://dichvucong.gov.vn, http://localhost:*, http://127.0.0.1:*")
    assert policy.allows(origin) is allowed


def test_a_misconfigured_origin_is_refused_at_start() -> None:
    with pytest.raises(ValueError):
        CorsPolicy.parse("dichvucong.gov.vn")
