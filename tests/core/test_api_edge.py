"""The shared edge: an unexpected failure is a plain 500 problem with nothing internal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.test import Client
from pydantic import BaseModel

from services.core.api import Api


class Echo(BaseModel):
    text: str


def build() -> Chalice:
    app = Chalice(app_name="edge-test")
    api = Api(app, service="edge-test", title="Edge")

    @api.route("/boom", summary="fails")
    def boom() -> Echo:
        raise RuntimeError("secret detail: citizen 079123456789 at /srv/internal.py")

    @api.route("/echo", ("POST",), body=Echo, response=Echo, summary="echo")
    def echo(body: Echo) -> Echo:
        return body

    return app


def test_an_unexpected_error_hides_everything_internal(capsys: pytest.CaptureFixture[str]) -> None:
    with Client(build()) as client:
        response = client.http.get("/boom")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/problem+json"
    text = response.body.decode()
    assert "secret" not in text and "RuntimeError" not in text and ".py" not in text
    # The log says where it failed, never the message, which may quote personal data.
    logged = capsys.readouterr().out  # Powertools logs JSON lines to stdout, as in Lambda
    assert "079123456789" not in logged
    assert "RuntimeError at test_api_edge.py" in logged


def test_a_validation_error_never_echoes_the_input() -> None:
    with Client(build()) as client:
        response = client.http.post(
            "/echo",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"text": {"national_id": "079123456789"}}),
        )
    assert response.status_code == 422
    assert "079123456789" not in response.body.decode()


def test_unknown_methods_are_405_problems_with_allow() -> None:
    with Client(build()) as client:
        response = client.http.delete("/echo")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, OPTIONS"  # OPTIONS: the CORS preflight
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == 405


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_a_body_nested_too_deep_is_a_400_problem(depth: int) -> None:
    nested = "[" * depth + "]" * depth
    with Client(build()) as client:
        for body in (nested, '{"text": ' + nested + "}"):
            response = client.http.post(
                "/echo", headers={"Content-Type": "application/json"}, body=body
            )
            assert response.status_code == 400
            assert response.headers["Content-Type"] == "application/problem+json"
            assert json.loads(response.body)["detail"] == "Nội dung yêu cầu lồng nhau quá 32 cấp."


def test_a_body_nested_to_the_limit_is_read() -> None:
    within = '{"text": "x", "extra": ' + "[" * 31 + "]" * 31 + "}"
    with Client(build()) as client:
        response = client.http.post(
            "/echo", headers={"Content-Type": "application/json"}, body=within
        )
    assert response.status_code == 200  # depth 32 passes the gate; the model drops the rest
