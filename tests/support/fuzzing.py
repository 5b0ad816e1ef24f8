"""Schemathesis against a service's own OpenAPI document, through Chalice's test client.

Schemathesis generates requests from the document, valid and not; each one goes to the app
as API Gateway would hand it over. Whatever is sent, the app never answers 5xx, every error
is problem+json with its own status, and every status it answers is one the document
promises for that operation. Each service's test module calls :func:`fuzz_operation`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import schemathesis
from chalice.app import Chalice
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core import NotSet

EXAMPLES_PER_OPERATION = 25
# Chalice and API Gateway answer these before any route runs: a missing route or method.
GATEWAY_STATUSES = {"403", "404", "405", "415"}
MODES = list(GenerationMode)
WHO = ["anonymous", "operator", "citizen"]


def document_of(app: Chalice) -> dict[str, Any]:
    with Client(app) as client:
        return dict(json.loads(client.http.get("/openapi.json").body))


def takes_input(raw_operation: dict[str, Any]) -> bool:
    """Whether an operation has input that could be made invalid (headers aside)."""
    return "requestBody" in raw_operation or any(
        p["in"] in ("path", "query") for p in raw_operation.get("parameters", [])
    )


def cases(document: dict[str, Any]) -> list[tuple[str, str, GenerationMode]]:
    """(path, method, mode) for every operation: valid input for each, and invalid input
    for each that takes any (an operation without input has nothing to make invalid)."""
    return [
        (path, method, mode)
        for path, operations in document["paths"].items()
        for method, raw in operations.items()
        for mode in MODES
        if mode is not GenerationMode.NEGATIVE or takes_input(raw)
    ]


def case_id(value: Any) -> str:
    return value.value if isinstance(value, GenerationMode) else str(value)


def schema_of(client: Client) -> Any:
    return schemathesis.openapi.from_dict(json.loads(client.http.get("/openapi.json").body))


def send(client: Client, case: Any, headers: dict[str, str]) -> Any:
    path = case.formatted_path if case.path_parameters else case.path
    path = quote(path, safe="/{}")
    if case.query:
        path += "?" + urlencode(case.query, doseq=True)
    request_headers = {str(k): str(v) for k, v in (case.headers or {}).items()}
    request_headers.update(headers)
    body: bytes | str | None = None
    if isinstance(case.body, bytes):  # a negative case: raw bytes that are not JSON
        body = case.body
    elif not isinstance(case.body, NotSet):
        body = json.dumps(case.body)
    if body is not None:
        request_headers.setdefault("Content-Type", "application/json")
    return client.http.request(case.method.upper(), path, headers=request_headers, body=body)


def fuzz_operation(
    client: Client,
    schema: Any,
    headers: dict[str, str],
    path: str,
    method: str,
    mode: GenerationMode,
) -> None:
    operation = schema[path][method]
    raw = operation.definition.raw
    documented = set(raw["responses"]) | GATEWAY_STATUSES
    headers = {k: v for k, v in headers.items() if k != "Content-Type"}

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = send(client, case, headers)
        status = response.status_code
        shown = f"{case.method} {case.formatted_path} -> {status}: {response.body[:300]!r}"
        assert status < 500, shown
        assert str(status) in documented, f"undocumented status; {shown}"
        if status >= 400:
            assert response.headers["Content-Type"] == "application/problem+json", shown
            problem = json.loads(response.body)
            assert problem["status"] == status, shown
            assert "Traceback" not in response.body.decode(), shown

    check()
