"""OpenAPI 3.1 documents generated from the routes an ``Api`` registered.

Schemas come from the same pydantic models that validate requests and shape answers, so
the document cannot drift from the code.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.core.api import Api, RouteSpec
from services.core.problems import PROBLEM_JSON

_PATH_PARAM = re.compile(r"{([^}]+)}")
_REF = "#/components/schemas/{model}"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    303: "See other: follow Location",
    400: "Malformed request",
    401: "No or bad credentials",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Invalid fields",
    429: "Too many requests",
    500: "Unexpected failure",
    502: "The payment provider did not answer",
    503: "Unavailable",
}


def _models(routes: list[RouteSpec]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for spec in routes:
        for model in (spec.body, spec.response):
            if model is not None:
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _operation(spec: RouteSpec, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {
                "type": "string",
                **({"pattern": spec.path_patterns[name]} if name in spec.path_patterns else {}),
            },
        }
        for name in _PATH_PARAM.findall(spec.path)
    ]
    if spec.query is not None:
        parameters.extend(_query_parameters(spec.query))
    parameters.append(
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "`en` for English messages; Vietnamese by default.",
        }
    )
    success: dict[str, Any] = {}
    if spec.response is not None:
        success["content"] = {
            media: {"schema": refs[spec.response.__name__]}
            if media == "application/json"
            else {"schema": {"type": "string"}}
            for media in spec.media_types
        }
    problem = {"$ref": "#/components/schemas/Problem"}
    statuses = set(spec.errors)
    if spec.body is not None or spec.query is not None:
        statuses |= {422}
    if spec.body is not None or _pages(spec.query):
        statuses |= {400}  # malformed JSON, or a list's cursor that was altered
    # A token is verified whenever one is sent, on public routes too.
    statuses |= {401} if spec.authenticate else set()
    statuses |= {403} if spec.roles else set()
    # The edge turns any unexpected failure into a problem answer, on every route.
    statuses |= {500}
    responses: dict[str, Any] = {
        str(status): {**success, "description": _STATUS_TEXT.get(status, "OK")}
        for status in sorted({spec.status, *spec.other_statuses})
    }
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": problem}},
        }
    operation: dict[str, Any] = {
        "operationId": f"{spec.method.lower()}{_operation_suffix(spec.path)}",
        "summary": spec.summary,
        "tags": list(spec.tags),
        "parameters": parameters,
        "responses": responses,
        "security": _security(spec),
    }
    if spec.description:
        operation["description"] = spec.description
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[spec.body.__name__]}},
        }
    return operation


def _pages(query: type[BaseModel] | None) -> bool:
    return query is not None and "cursor" in query.model_fields


def _security(spec: RouteSpec) -> list[dict[str, list[str]]]:
    if not spec.authenticate:
        return [{}]
    return [{"bearer": []}] if spec.roles is not None else [{}, {"bearer": []}]


def _operation_suffix(path: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", path.replace("{", "by_").replace("}", ""))
    return "".join(word[:1].upper() + word[1:] for word in words if word)


_CORS_NOTE = (
    "Browser front ends: every path answers a CORS preflight (`OPTIONS`, 204) and every "
    "answer carries `Access-Control-Allow-Origin` for the origins the stage allows; "
    "allowed request headers are `Authorization`, `Content-Type`, `Accept-Language` and "
    "`Idempotency-Key`."
)


def document(api: Api, *, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every route ``api`` registered."""
    models = _models(api.routes)
    refs_by_key, definitions = models_json_schema(
        [
            (model, "serialization" if _is_response(api, model) else "validation")
            for model in models
        ],
        ref_template=_REF,
    )
    refs = {
        model.__name__: refs_by_key[
            (model, "serialization" if _is_response(api, model) else "validation")
        ]
        for model in models
    }
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for spec in api.routes:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": api.title,
            "version": api.version,
            "description": (api.description + "\n\n" + _CORS_NOTE).strip(),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


def _is_response(api: Api, model: type[BaseModel]) -> bool:
    return any(spec.response is model for spec in api.routes)
