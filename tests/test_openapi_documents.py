"""Each service serves a valid OpenAPI 3.1 document that describes every route it has."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest
from chalice.test import Client
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

SERVICES = ["catalogue", "payments", "feedback", "ratings", "dossiers", "reports"]


def served_document(service: str) -> tuple[Any, dict[str, Any]]:
    app = importlib.import_module(f"services.{service}.app").app
    with Client(app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return app, json.loads(response.body)


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_valid_openapi_3_1(service: str) -> None:
    _, doc = served_document(service)
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)  # raises on the first violation
    assert doc["servers"] == [{"url": f"/{service}"}]


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_of_the_app_is_documented(service: str) -> None:
    app, doc = served_document(service)
    # Every path's CORS preflight (OPTIONS) is stated once in the description, not per path.
    served = {
        (path, method.lower())
        for path, methods in app.routes.items()
        for method in methods
        if method != "OPTIONS"
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert served == documented
    assert "CORS preflight" in doc["info"]["description"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_says_how_it_fails_and_refs_resolve(service: str) -> None:
    _, doc = served_document(service)
    text = json.dumps(doc)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in doc["components"]["schemas"], ref
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert operation.get("operationId"), f"{method} {path} has no operationId"
            failures = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            assert failures, f"{method} {path} documents no error"
            for code in failures:
                content = operation["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)


def test_catalogue_documents_its_request_and_response_models() -> None:
    _, doc = served_document("catalogue")
    put = doc["paths"]["/procedures/{code}"]["put"]
    assert "requestBody" in put
    body_schema = put["requestBody"]["content"]["application/json"]["schema"]
    resolved = doc["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[-1]]
    assert {"name", "agency_ids", "service_level", "fees"} <= set(resolved["properties"])
    search = doc["paths"]["/procedures"]["get"]
    parameters = {p["name"] for p in search["parameters"]}
    assert {"q", "agency_id", "field", "service_level", "limit", "cursor"} <= parameters
    assert put.get("security") == [{"bearer": []}]
    assert {} in search["security"], "anyone may search, with or without a token"


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_that_pages_documents_the_400_of_an_altered_cursor(service: str) -> None:
    _, doc = served_document(service)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if any(p["name"] == "cursor" for p in operation["parameters"]):
                assert "400" in operation["responses"], (method, path)


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_that_reads_a_token_documents_the_401_of_a_bad_one(service: str) -> None:
    _, doc = served_document(service)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if {"bearer": []} in operation["security"]:
                assert "401" in operation["responses"], (method, path)


def test_a_public_search_refuses_a_forged_token_with_its_documented_401() -> None:
    """A front end that sends a stale token gets the 401 the document promises, not a
    status its generated client does not know."""
    from services.catalogue.app import app
    from services.core import tokens

    forged = tokens.mint(tokens.generate_private_key_pem(), roles=["citizen"])
    with Client(app) as client:
        response = client.http.get(
            "/procedures?q=giay", headers={"Authorization": f"Bearer {forged}"}
        )
        document = json.loads(client.http.get("/openapi.json").body)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "401" in document["paths"]["/procedures"]["get"]["responses"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_served_whatever_token_comes_with_it(service: str) -> None:
    app = importlib.import_module(f"services.{service}.app").app
    with Client(app) as client:
        response = client.http.get("/openapi.json", headers={"Authorization": "Bearer stale"})
    assert response.status_code == 200
    assert json.loads(response.body)["paths"]
